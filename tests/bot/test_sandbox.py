"""`python -m bot --sandbox`: the real bot in a terminal chat, driven here through its
standard input (a pipe) as a person would type, and read from what it prints.

Not on a terminal, the sandbox echoes each line after its prompt and prints the next
prompt only when the bot has gone quiet, so a whole answer lies between two prompts.
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import sys
from pathlib import Path

from icalendar import Calendar

from app.sandbox.render import Style, render_buttons, render_text
from emulator import Button

ROOT = Path(__file__).resolve().parents[2]
PROMPT = re.compile(r"(?:^|\n)[^\n]*> $")


class Sandbox:
    """A `python -m bot --sandbox` process and its transcript."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self.transcript = ""

    @classmethod
    async def start(cls, tmp_path: Path, *arguments: str) -> tuple[Sandbox, str]:
        keep = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "SYSTEMROOT")}
        env = {
            **keep,
            "PYTHONPATH": str(ROOT),
            "DATABASE_PATH": str(tmp_path / "real.sqlite3"),
            "MAIL_DIR": str(tmp_path / "mail"),
            "PYTHONIOENCODING": "utf-8",
        }
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "--sandbox",
            "--db",
            str(tmp_path / "sandbox.sqlite3"),
            *arguments,
            cwd=tmp_path,
            env=env,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        sandbox = cls(process)
        return sandbox, await sandbox.until_prompt()

    async def until_prompt(self, timeout: float = 15) -> str:
        """Everything printed up to (and without) the next prompt."""
        assert self.process.stdout is not None
        chunk = ""
        while not PROMPT.search(chunk):
            data = await asyncio.wait_for(self.process.stdout.read(4096), timeout)
            assert data, f"the sandbox ended early:\n{self.transcript}{chunk}"
            chunk += data.decode()
            self.transcript += data.decode()
        return chunk[: PROMPT.search(chunk).start()]

    async def type(self, line: str) -> str:
        """Type a line; the bot's whole answer."""
        assert self.process.stdin is not None
        self.process.stdin.write(line.encode() + b"\n")
        await self.process.stdin.drain()
        return await self.until_prompt()

    async def press(self, output: str, label: str) -> str:
        """Press the button labelled `label` in `output` by typing its number."""
        return await self.type(button_number(output, label))

    async def finish(self, line: str | None = "/quit") -> tuple[str, str]:
        """/quit (or, with None, end of input); the rest of the output and stderr."""
        assert self.process.stdin is not None
        if line is not None:
            self.process.stdin.write(line.encode() + b"\n")
        self.process.stdin.close()
        out, err = await asyncio.wait_for(self.process.communicate(), 30)
        self.transcript += out.decode()
        return out.decode(), err.decode()


def button_number(output: str, label: str) -> str:
    """The number shown before the last button with this label ("[7] ✅ Schedule")."""
    numbers = re.findall(rf"\[(\d+)\] {re.escape(label)}", output)
    assert numbers, f"no button {label!r} in:\n{output}"
    return numbers[-1]


async def test_schedule_view_add_to_calendar_delete_and_quit(tmp_path):
    sandbox, banner = await Sandbox.start(tmp_path)
    assert "Conference bot sandbox" in banner
    assert f"E-mail:     written as .eml files to {tmp_path / 'mail'}" in banner
    downloads = tmp_path / "data" / "sandbox-downloads"
    assert f"Downloads:  {downloads}" in banner
    assert "You are Alice" in banner

    menu = await sandbox.type("/start")
    assert menu.startswith("/start\n")  # the typed line, echoed after the prompt
    assert "Hello, Alice!" in menu and "Your time zone is UTC" in menu
    assert "[1] 📅 Schedule conference" in menu
    assert "\x1b[" not in menu  # no terminal, no ANSI styles

    # A newcomer's first schedule asks their time zone once, then goes on to the form.
    question = await sandbox.press(menu, "📅 Schedule conference")
    assert "Your time zone is UTC: is that right?" in question
    topic = await sandbox.press(question, "✅ Yes, UTC")
    assert "Time zone confirmed: UTC" in topic
    assert "📅 Schedule conference" in topic and "Step 1 of 3" in topic
    assert "Step 2 of 3" in await sandbox.type("Weekly sync")
    end = await sandbox.type("tomorrow 15:00")
    assert "Start: " in end and "15:00 UTC" in end and "Step 3 of 3" in end
    review = await sandbox.type("1h")
    assert "New conference: is everything right?" in review and "16:00 UTC" in review
    code = re.search(r"Conference ID: (\d+)", review).group(1)

    scheduled = await sandbox.press(review, "✅ Schedule")
    assert "Conference scheduled" in scheduled and code in scheduled

    log = await sandbox.type("/log")
    assert "Scheduled conferences: 1" in log
    card = await sandbox.press(log, "15:00 Weekly sync")
    # The sandbox serves the web side: links point to the join page, and the website
    # beside it takes the ID and password.
    assert "✎ message #" in card and f"Conference ID: {code}" in card
    assert re.search(r"Join link: http://127\.0\.0\.1:\d+/j/", card), card
    assert "https://meet.jit.si/" not in card

    calendar = await sandbox.press(card, "📆 Add to calendar")
    saved = re.search(r"📎 (\S+\.ics) \(\d+ bytes\) saved to (.+\.ics)$", calendar, re.M)
    assert saved, calendar
    path = Path(saved.group(2))
    assert path.parent == downloads and path.name == saved.group(1)
    saved_ics = path.read_bytes()  # noqa: ASYNC240 - the test reads a file the sandbox saved
    [event] = Calendar.from_ical(saved_ics).walk("VEVENT")
    assert str(event["summary"]) == "Weekly sync"

    # The card is still the latest message with buttons only by its number: the .ics
    # message has none, so a bare number still presses the card's buttons.
    question = await sandbox.press(card, "🗑 Delete")
    assert "Delete “Weekly sync”" in question
    deleted = await sandbox.press(question, "OK")
    assert "is deleted" in deleted
    assert "You have no scheduled conferences" in await sandbox.type("/log")

    out, err = await sandbox.finish("/quit")
    assert "Bye." in out
    assert sandbox.process.returncode == 0
    assert "Traceback" not in err and "Traceback" not in sandbox.transcript
    # The sandbox used its own database, never DATABASE_PATH.
    assert (tmp_path / "sandbox.sqlite3").exists() and not (tmp_path / "real.sqlite3").exists()


async def test_two_people_languages_deep_link_and_old_buttons(tmp_path):
    sandbox, _ = await Sandbox.start(tmp_path)
    menu = await sandbox.type("/start")
    menu_id = re.search(r"🤖 #(\d+)", menu).group(1)
    asked = await sandbox.type("/now Standup")
    assert "Your time zone is UTC: is that right?" in asked
    started = await sandbox.press(asked, "✅ Yes, UTC")
    assert "Your conference has started" in started and "Standup" in started
    share = await sandbox.press(started, "📤 Share")
    link = re.search(r"https://t\.me/ConferenceSandboxBot\?start=[\w-]+", share).group(0)

    boris = await sandbox.type("/as Boris")
    assert "New person Boris" in boris and "language en" in boris
    assert "Boris's Telegram language: ru" in await sandbox.type("/lang ru")
    hello = await sandbox.type("/start")
    assert "Здравствуйте, Boris!" in hello and "Запланировать конференцию" in hello
    asked = await sandbox.type(link)  # a pasted deep link opens like /start <token>
    assert "Ваш часовой пояс — UTC, верно?" in asked
    keyboard = await sandbox.press(asked, "📍 Отправить геопозицию")
    assert "[📍 Отправить мою геопозицию]" in keyboard and "/location LAT LON" in keyboard
    visitor = await sandbox.type("/location 56.84 60.6")  # Yekaterinburg
    assert "Теперь ваш часовой пояс — Екатеринбург (UTC+5)" in visitor
    assert "Standup" in visitor and "Добавить в календарь" in visitor

    who = await sandbox.type("/who")
    assert "Alice (Telegram id" in who and "Boris (Telegram id" in who and "← you" in who
    back = await sandbox.type("/as Alice")
    assert "You are Alice" in back
    # A button of an older message, by message number: Alice's first menu, "Conference log".
    log = await sandbox.type(f"#{menu_id}.{button_number(menu, '🗂 Conference log')}")
    assert f"✎ message #{menu_id} updated:" in log and "Standup" in log
    # A number beyond the buttons, or an escaped one, goes to the bot as text.
    assert "I did not understand that" in await sandbox.type("9")
    assert "I did not understand that" in await sandbox.type("\\1")
    assert "⚠ there is no message #99 in this chat" in await sandbox.type("#99.1")
    help_text = await sandbox.type("/?")
    assert "/as NAME" in help_text and "#12.3" in help_text and "/location" in help_text

    out, err = await sandbox.finish(None)  # Ctrl-D: end of input
    assert "Bye." in out and sandbox.process.returncode == 0
    assert "Traceback" not in err


async def test_join_in_one_tap_and_remember_once(tmp_path):
    sandbox, _ = await Sandbox.start(tmp_path)
    await sandbox.type("/start")
    question = await sandbox.type("/now Sales")  # a newcomer is asked their zone first
    assert "Your time zone is UTC: is that right?" in question
    started = await sandbox.press(question, "✅ Yes, UTC")
    assert "Share the ID and password, or the link" in started
    assert "Conference ID:" in started and "Or type the conference ID and password" in started
    ask = await sandbox.press(started, "▶️ Join")
    assert "Tap a name below" in ask and "[1] 👤 Alice" in ask
    link = await sandbox.press(ask, "👤 Alice")
    assert re.search(r"✎ message #\d+ updated:\nUnder which name", link)
    assert "Join “Sales” as Alice: press the button below." in link
    assert "moderator" not in link and "[2] 💾 Remember this name" in link
    remembered = await sandbox.press(link, "💾 Remember this name")
    assert "ⓘ ✅ Remembered" in remembered and "next time without asking" in remembered
    assert "Remember this name" not in remembered  # the edited message lost the button
    out, err = await sandbox.finish("/quit")
    assert sandbox.process.returncode == 0 and "Traceback" not in err


async def test_ctrl_c_leaves_cleanly(tmp_path):
    sandbox, _ = await Sandbox.start(tmp_path)
    sandbox.process.send_signal(signal.SIGINT)
    out, err = await asyncio.wait_for(sandbox.process.communicate(), 30)
    assert sandbox.process.returncode == 0
    assert "Bye." in out.decode() and "Traceback" not in err.decode()


def test_entities_render_as_styles_on_a_terminal_and_plain_otherwise():
    text = "👋 Hi Anna: bold, code and a link."
    # Offsets count UTF-16 units: the emoji takes two.
    entities = [
        {"type": "bold", "offset": 12, "length": 4},
        {"type": "code", "offset": 18, "length": 4},
        {"type": "text_link", "offset": 29, "length": 4, "url": "https://x.test/"},
    ]
    plain = render_text(text, entities, Style(ansi=False))
    assert plain == "👋 Hi Anna: bold, code and a link (https://x.test/)."
    styled = render_text(text, entities, Style(ansi=True))
    assert "\x1b[1mbold\x1b[0m" in styled and "\x1b[36mcode\x1b[0m" in styled
    assert "\x1b[4;34mlink\x1b[0m" in styled and "https://x.test/" in styled


def test_buttons_are_numbered_row_by_row_and_links_show_their_address():
    rows = (
        (Button("Join", url="https://meet.example/1"), Button("Edit", callback_data="e")),
        (Button("Delete", callback_data="d"),),
    )
    assert render_buttons(rows, Style(ansi=False)) == [
        "  [1] Join (https://meet.example/1)  [2] Edit",
        "  [3] Delete",
    ]


async def test_a_series_typed_in_the_sandbox_shows_once_with_its_rule(tmp_path):
    sandbox, _banner = await Sandbox.start(tmp_path)
    menu = await sandbox.type("/start")
    question = await sandbox.press(menu, "📅 Schedule conference")
    await sandbox.press(question, "✅ Yes, UTC")
    await sandbox.type("Stand-up")
    end = await sandbox.type("every Monday 10:00")
    assert "Repeats: every Monday" in end and "10:00 UTC" in end
    review = await sandbox.type("30 min")
    assert "Repeats: every Monday; no end" in review
    scheduled = await sandbox.press(review, "✅ Schedule")
    assert "🔁 Repeats: every Monday, 10:00–10:30, next: " in scheduled
    log = await sandbox.type("/log")
    assert "Scheduled conferences: 1" in log and "10:00 🔁 Stand-up" in log
    calendar = await sandbox.press(log, "10:00 🔁 Stand-up")
    card_ics = await sandbox.press(calendar, "📆 Add to calendar")
    saved = re.search(r"saved to (.+\.ics)$", card_ics, re.M)
    assert saved, card_ics
    ics = Path(saved.group(1)).read_bytes()  # noqa: ASYNC240 - a file the sandbox saved
    [event] = Calendar.from_ical(ics).walk("VEVENT")
    assert "FREQ=WEEKLY" in event["RRULE"].to_ical().decode()
    out, _err = await sandbox.finish("/quit")
    assert "Traceback" not in sandbox.transcript
