"""`python -m bot` as an operator runs it: a clear line without a token, and a working
bot with a token and TELEGRAM_BASE_URL pointing at a Bot API server (the emulator)."""

import asyncio
import gc
import os
import signal
import sys
from pathlib import Path

import app.main as command_line
from app import heap
from emulator.testing import DEFAULT_TOKEN

ROOT = Path(__file__).resolve().parents[2]


def _environment(tmp_path: Path, **values: str) -> dict[str, str]:
    keep = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "SYSTEMROOT")}
    return {
        **keep,
        "PYTHONPATH": str(ROOT),
        "DATABASE_PATH": str(tmp_path / "db.sqlite3"),
        **values,
    }


async def test_without_a_token_one_clear_line_and_a_failing_exit(tmp_path):
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        cwd=tmp_path,
        env=_environment(tmp_path),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode != 0
    lines = err.decode().strip().splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith("Configuration error: TELEGRAM_BOT_TOKEN is not set")
    assert "Traceback" not in err.decode()


async def test_malformed_setting_is_named(tmp_path):
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        cwd=tmp_path,
        env=_environment(tmp_path, TELEGRAM_BOT_TOKEN=DEFAULT_TOKEN, SMTP_TLS="maybe"),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    _, err = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode == 2
    assert err.decode().strip() == (
        "Configuration error: SMTP_TLS must be one of starttls, tls, none, not 'maybe'"
    )


async def test_serves_start_through_a_bot_api_server_and_stops_on_sigterm(tmp_path, emu):
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        cwd=tmp_path,
        env=_environment(
            tmp_path,
            TELEGRAM_BOT_TOKEN=DEFAULT_TOKEN,
            TELEGRAM_BASE_URL=emu.base_url,
            LOG_LEVEL="DEBUG",
        ),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        anna = emu.user("Anna")
        await anna.send("/start")
        reply = await anna.expect_message(timeout=30)
        assert "Hello, Anna!" in reply.text

        # A second bot on the same SQLite file would write beside the first: refused.
        second = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            cwd=tmp_path,
            env=_environment(
                tmp_path, TELEGRAM_BOT_TOKEN=DEFAULT_TOKEN, TELEGRAM_BASE_URL=emu.base_url
            ),
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        _, refused = await asyncio.wait_for(second.communicate(), 30)
        assert second.returncode == 2
        assert refused.decode().strip().splitlines() == [
            "Cannot start: the database file is already in use by a running bot "
            f"(pid {process.pid}) ({tmp_path / 'db.sqlite3'})"
        ]
        await anna.send("/help")  # the first one serves on, undisturbed
        await anna.expect_message(timeout=30)
    finally:
        process.send_signal(signal.SIGTERM)
        _, err = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode == 0
    log = err.decode()
    assert "Stopping" in log
    # Even at DEBUG, where PTB and httpx log request URLs, the token never shows.
    assert DEFAULT_TOKEN not in log and DEFAULT_TOKEN.split(":")[1] not in log


def test_on_postgresql_the_slow_data_is_loaded_before_the_leadership_lock_is_sought(
    tmp_path, monkeypatch
):
    """Once a process holds the lock, its check must reach the server every second. The
    seconds of CPU that loading zone names and dateparser's languages takes, spent right
    after the lock was taken, starved that check on a busy machine: the server ended the
    silent session and the new active process fenced itself before it served anyone."""
    happened: list[str] = []

    async def serve(settings, build, *, postgres_url):
        happened.append("serve")  # where the standby waits for the lock
        return 0

    monkeypatch.setattr(command_line, "serve", serve)
    monkeypatch.setattr(command_line, "warm_up", lambda: happened.append("warm up"))
    monkeypatch.setattr(command_line, "configure_logging", lambda settings: None)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", DEFAULT_TOKEN)
    monkeypatch.setenv("DATABASE_URL", "postgresql://bot@127.0.0.1:5432/bot")
    assert command_line.main([]) == 0
    assert happened == ["warm up", "serve"]


def test_start_up_runs_without_collections_and_serving_with_them(tmp_path, monkeypatch):
    """Collection is paused while start-up builds what lives as long as the process, and
    back on, with all that frozen out of its sight, once the bot serves (app/heap.py);
    whatever main() returns, it never leaves collection paused."""
    seen: dict[str, object] = {}

    async def serve(settings, build, *, postgres_url):
        seen["collecting while starting"] = gc.isenabled()
        frozen = gc.get_freeze_count()
        heap.resume_collection(freeze=True)  # what app/runner.py does once serving
        seen["frozen more"] = gc.get_freeze_count() > frozen
        seen["collecting while serving"] = gc.isenabled()
        return 0

    monkeypatch.setattr(command_line, "serve", serve)
    monkeypatch.setattr(command_line, "configure_logging", lambda settings: None)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", DEFAULT_TOKEN)
    try:
        assert command_line.main([]) == 0
        assert seen == {
            "collecting while starting": False,
            "frozen more": True,
            "collecting while serving": True,
        }
        monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "not a token")
        assert command_line.main([]) == 2  # a configuration error on the way
        assert gc.isenabled()
    finally:
        gc.unfreeze()  # this test process goes on collecting everything
        gc.enable()
