"""The aiohttp transport under PTB: form fields, file uploads, errors mapped to PTB's."""

import asyncio

import pytest
from aiohttp import web
from telegram import InputFile
from telegram.error import NetworkError, TimedOut
from telegram.request import RequestData
from telegram.request._requestparameter import RequestParameter

from bot.transport import AiohttpRequest
from tests.e2e import free_port


async def test_fields_and_files_reach_the_server_and_errors_map():
    seen = {}

    async def handle(request: web.Request) -> web.Response:
        if request.content_type.startswith("multipart/"):
            form = await request.post()
            seen["file"] = form["document"].file.read()
            seen["filename"] = form["document"].filename
            seen["chat_id"] = form["chat_id"]
        else:
            seen.update(await request.post())
        if request.path.endswith("slow"):
            await asyncio.sleep(1)
        return web.json_response({"ok": True, "result": True})

    app = web.Application()
    app.router.add_post("/{method}", handle)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    request = AiohttpRequest(read_timeout=0.2)
    await request.initialize()
    try:
        data = RequestData(
            [RequestParameter.from_input("chat_id", 42), RequestParameter.from_input("text", "hé")]
        )
        status, body = await request.do_request(f"http://127.0.0.1:{port}/send", "POST", data)
        assert status == 200 and b'"ok": true' in body
        assert seen == {"chat_id": "42", "text": "hé"}

        upload = InputFile(b"BEGIN:VCALENDAR", filename="c.ics")
        data = RequestData(
            [
                RequestParameter.from_input("chat_id", 7),
                RequestParameter.from_input("document", upload),
            ]
        )
        await request.do_request(f"http://127.0.0.1:{port}/doc", "POST", data)
        assert seen["file"] == b"BEGIN:VCALENDAR" and seen["filename"] == "c.ics"

        with pytest.raises(TimedOut):
            await request.do_request(f"http://127.0.0.1:{port}/slow", "POST", None)
        with pytest.raises(NetworkError):
            await request.do_request(f"http://127.0.0.1:{free_port()}/x", "POST", None)
    finally:
        await request.shutdown()
        await runner.cleanup()
