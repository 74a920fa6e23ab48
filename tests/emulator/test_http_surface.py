"""The raw HTTP surface: encodings, routing, envelopes, update semantics."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

import httpx
import pytest
import pytest_asyncio

from emulator import BotAPIEmulator

pytestmark = pytest.mark.asyncio

TOKEN = "100000:raw"


@pytest_asyncio.fixture
async def client(emu: BotAPIEmulator) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=f"{emu.base_url}{TOKEN}/", timeout=5) as c:
        yield c


async def test_case_insensitive_methods_and_encodings(
    emu: BotAPIEmulator, client: httpx.AsyncClient
) -> None:
    alice = emu.user("Alice")
    markup = {"inline_keyboard": [[{"text": "a", "callback_data": "a"}]]}
    form = await client.post(
        "SENDMESSAGE",
        data={"chat_id": str(alice.id), "text": "123", "reply_markup": json.dumps(markup)},
    )
    as_json = await client.post("sendmessage", json={"chat_id": alice.id, "text": "true"})
    query = await client.get("sendMessage", params={"chat_id": alice.id, "text": "q"})
    assert [r.status_code for r in (form, as_json, query)] == [200, 200, 200]
    body = form.json()
    assert body["ok"] is True and body["result"]["text"] == "123"
    assert body["result"]["reply_markup"] == markup
    # Strings that look like JSON stay strings.
    assert [m.text for m in alice.messages()] == ["123", "true", "q"]
    assert emu.calls[0].method == "sendMessage" and emu.calls[0].params["chat_id"] == alice.id


async def test_error_envelope(emu: BotAPIEmulator, client: httpx.AsyncClient) -> None:
    emu.fail_next("getMe", error_code=429, retry_after=5)
    res = await client.post("getMe")
    assert res.status_code == 429
    assert res.json() == {
        "ok": False,
        "error_code": 429,
        "description": "Too Many Requests: retry after 5",
        "parameters": {"retry_after": 5},
    }
    res = await client.post("sendMessage", data={"chat_id": "1", "text": "x"})
    assert res.status_code == 400 and "parameters" not in res.json()
    res = await client.post("noSuchMethod")
    assert res.status_code == 404
    assert res.json()["description"] == "Not Found: method not found"


async def test_multipart_upload_and_file_download(
    emu: BotAPIEmulator, client: httpx.AsyncClient
) -> None:
    alice = emu.user("Alice")
    res = await client.post(
        "sendDocument",
        data={"chat_id": str(alice.id), "caption": "c"},
        files={"document": ("notes.csv", b"a,b\n1,2\n", "text/csv")},
    )
    doc = res.json()["result"]["document"]
    assert (doc["file_name"], doc["mime_type"], doc["file_size"]) == ("notes.csv", "text/csv", 8)
    info = (await client.post("getFile", data={"file_id": doc["file_id"]})).json()["result"]
    async with httpx.AsyncClient() as raw:
        download = await raw.get(f"{emu.base_file_url}{TOKEN}/{info['file_path']}")
    assert download.content == b"a,b\n1,2\n"
    attach = await client.post(
        "sendDocument",
        data={"chat_id": str(alice.id), "document": "attach://f1"},
        files={"f1": ("x.txt", b"x", "text/plain")},
    )
    assert attach.json()["result"]["document"]["file_name"] == "x.txt"


async def test_get_updates_offset_limit_allowed(
    emu: BotAPIEmulator, client: httpx.AsyncClient
) -> None:
    alice = emu.user("Alice")
    for i in range(3):
        await alice.send(f"m{i}")
    first = (await client.post("getUpdates", data={"limit": "2"})).json()["result"]
    assert [u["message"]["text"] for u in first] == ["m0", "m1"]
    ids = [u["update_id"] for u in first]
    assert ids[1] == ids[0] + 1
    rest = (await client.post("getUpdates", data={"offset": str(ids[1] + 1)})).json()["result"]
    assert [u["message"]["text"] for u in rest] == ["m2"]
    # allowed_updates filters (and drops) other update types.
    await alice.send("/start")
    res = await client.post(
        "getUpdates",
        data={
            "offset": str(rest[0]["update_id"] + 1),
            "allowed_updates": json.dumps(["callback_query"]),
        },
    )
    assert res.json()["result"] == []
    assert emu.pending_update_count == 0


async def test_second_poll_terminates_first(emu: BotAPIEmulator, client: httpx.AsyncClient) -> None:
    first = asyncio.create_task(client.post("getUpdates", data={"timeout": "5"}))
    await asyncio.sleep(0.05)
    second = asyncio.create_task(client.post("getUpdates", data={"timeout": "0"}))
    res1, res2 = await asyncio.wait_for(asyncio.gather(first, second), 2)
    assert res1.status_code == 409
    assert "terminated by other getUpdates" in res1.json()["description"]
    assert res2.json() == {"ok": True, "result": []}


async def test_command_entities(emu: BotAPIEmulator, client: httpx.AsyncClient) -> None:
    alice = emu.user("Alice")
    msg = await alice.send("/invite@ConferenceTestBot bob@example.org see https://x.org 😀 /help")
    assert [e["type"] for e in msg.entities] == ["bot_command", "email", "url", "bot_command"]
    assert msg.entities[0] == {"type": "bot_command", "offset": 0, "length": 25}
    # The emoji before /help counts as two UTF-16 code units.
    prefix = "/invite@ConferenceTestBot bob@example.org see https://x.org "
    assert msg.entities[-1]["offset"] == len(prefix) + 2 + 1


async def test_token_check_and_latency() -> None:
    async with BotAPIEmulator(token=TOKEN, latency=0.05) as emu:
        async with httpx.AsyncClient(timeout=5) as c:
            wrong = await c.post(f"{emu.base_url}1:wrong/getMe")
            assert wrong.status_code == 401 and wrong.json()["description"] == "Unauthorized"
            loop = asyncio.get_running_loop()
            started = loop.time()
            right = await c.post(f"{emu.base_url}{TOKEN}/getMe")
            assert right.json()["result"]["username"] == "ConferenceTestBot"
            assert loop.time() - started >= 0.05


async def test_explicit_entities_instead_of_parse_mode(
    emu: BotAPIEmulator, client: httpx.AsyncClient
) -> None:
    alice = emu.user("Alice")
    entities = [{"type": "bold", "offset": 0, "length": 2}]
    res = await client.post(
        "sendMessage",
        data={"chat_id": str(alice.id), "text": "hi there", "entities": json.dumps(entities)},
    )
    assert res.json()["result"]["entities"] == entities
    assert (await alice.expect_message()).entities == tuple(entities)
