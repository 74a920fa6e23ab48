"""The chat in the terminal: typed lines become Telegram updates, the bot's messages are
printed with numbered buttons, and a few sandbox commands play other people and groups.

Everything runs in one event loop with the bot and the emulator; only standard input is
read in a thread (console.LineReader).
"""

from __future__ import annotations

import asyncio
import re
import zlib
from collections.abc import Awaitable
from email import policy
from email.parser import BytesParser
from pathlib import Path
from typing import Any

from telegram.ext import Application

from app.sandbox.console import Console, LineReader
from app.sandbox.render import Style, numbered_buttons, render_buttons, render_message
from bot.context import Services
from bot.settings import Settings
from emulator import BotAPIEmulator, Button, ChatEvent, SentMessage, SimulatedGroup, SimulatedUser

HELP = """\
Sandbox commands (anything else goes to the bot exactly as typed, like /start or /help):
  3             press button [3] of the latest message that has buttons
  #12           show message #12 again, with its buttons
  #12.3         press button [3] of message #12
  \\TEXT         send TEXT as it is (\\3 sends "3", \\/as sends "/as")
  /as NAME      talk as another person, created on first use (/as alone: who is here)
  /lang CODE    Telegram language of the current person: en, ru ... ("-": none). The bot
                takes it when it meets the person first; later its /language decides.
  /group TITLE  go to a group chat with the bot and everyone so far (created on first use)
  /private      back to the private chat with the bot
  /location LAT LON   share a location, as Telegram's "send location" button does
                (e.g. /location 55.75 37.62 is Moscow)
  /who          people and groups in this sandbox
  /web          the join page (in your browser) of each of your scheduled conferences
  /sandbox, /?  this help
  /quit         leave (Ctrl-D and Ctrl-C too)
A deep link https://t.me/<bot>?start=... typed or pasted opens like "/start ..." does.\
"""

_PRESS = re.compile(r"^#(\d+)(?:\.(\d+))?$")
_NUMBER = re.compile(r"^\d+$")
# Telegram's "sending" side has no latency here; this much silence after the bot has
# processed everything means it is done with the line just typed.
_QUIET_SECONDS = 0.15


class Sandbox:
    def __init__(
        self,
        emu: BotAPIEmulator,
        application: Application,
        settings: Settings,
        *,
        console: Console,
        style: Style,
        downloads: Path,
        interactive: bool,
        first_person: str,
    ) -> None:
        self.emu = emu
        self.application = application
        self.settings = settings
        self.console = console
        self.style = style
        self.downloads = downloads
        self.interactive = interactive
        self.people: dict[str, SimulatedUser] = {}
        self.me = self._person(first_person)
        self.chat: SimulatedUser | SimulatedGroup = self.me
        self._seen: dict[int, int] = {}  # chat id -> last event seq printed
        self._answers: list[str] = []  # callback query ids of presses not answered yet
        self._calls_counted = 0
        self._activity = 0
        # With no SMTP server the bot writes e-mails to MAIL_DIR; the new ones are announced.
        self._mail_dir = None if settings.smtp_host else settings.mail_dir
        self._mails_seen = set(self._mail_files())

    # -- the loop -----------------------------------------------------------------
    async def run(self, stop: asyncio.Event) -> None:
        """Read and handle lines until /quit, end of input or `stop`."""
        reader = LineReader(interactive=self.interactive, console=self.console)
        printer = asyncio.create_task(self._print_as_it_comes(), name="sandbox-printer")
        try:
            while not stop.is_set():
                self.drain()
                prompt = self.prompt()
                self.console.show_prompt(prompt)
                reader.request_line(prompt)
                line = await _unless(stop, reader.next_line())
                if stop.is_set():
                    self.console.line_entered(None)
                    return
                self.console.line_entered(line)
                if line is None:
                    return
                try:
                    carry_on = await _unless(stop, self.handle(line))
                except Exception as error:  # a sandbox slip must not end the session
                    self.say(f"⚠ {error}")
                    carry_on = True
                if carry_on is False:
                    return
                await _unless(stop, self.settle(3.0 if self.interactive else 15.0))
        finally:
            printer.cancel()
            await asyncio.gather(printer, return_exceptions=True)
            self.drain()

    def prompt(self) -> str:
        where = f" @ {self.chat.title}" if isinstance(self.chat, SimulatedGroup) else ""
        return self.style.bold(f"{self.me.first_name}{where}>") + " "

    async def handle(self, line: str) -> bool:
        """One typed line; False ends the sandbox."""
        text = line.strip()
        if not text:
            return True
        if text.startswith("\\"):
            if text[1:]:
                await self.send(text[1:])
            return True
        command, _, argument = text.partition(" ")
        command, argument = command.lower(), argument.strip()
        if command in ("/quit", "/exit"):
            return False
        if command in ("/sandbox", "/?"):
            self.say(HELP)
        elif command == "/as":
            await self.switch_person(argument) if argument else self.who()
        elif command == "/lang":
            self.set_language(argument)
        elif command == "/group":
            await self.enter_group(argument) if argument else self.who()
        elif command == "/private":
            self.chat = self.me
            self.say(f"Back in {self.me.first_name}'s private chat with the bot.")
        elif command == "/who":
            self.who()
        elif command == "/location":
            await self.share_location(argument)
        elif command == "/web":
            await self.web_pages()
        elif match := _PRESS.match(text):
            number = int(match.group(1))
            if match.group(2) is None:
                self.show_again(number)
            else:
                await self.press(self._message(number), int(match.group(2)))
        elif (
            _NUMBER.match(text)
            and (latest := self._latest_with_buttons()) is not None
            and 1 <= int(text) <= len(numbered_buttons(latest))
        ):
            await self.press(latest, int(text))
        elif start := self._deep_link(text):
            await self.send(f"/start {start}")
        else:
            await self.send(line.rstrip("\r\n"))
        return True

    # -- acting as a person ---------------------------------------------------------
    async def send(self, text: str) -> None:
        await self.me.send(text, chat=self.chat.chat)

    async def share_location(self, argument: str) -> None:
        try:
            latitude, longitude = (float(part) for part in argument.replace(",", " ").split())
        except ValueError:
            self.say("Usage: /location LATITUDE LONGITUDE, e.g. /location 52.52 13.405 (Berlin)")
            return
        await self.me.send_location(latitude, longitude, chat=self.chat.chat)

    async def press(self, message: SentMessage, number: int) -> None:
        buttons = numbered_buttons(message)
        if not 1 <= number <= len(buttons):
            raise ValueError(
                f"message #{message.message_id} has buttons 1 to {len(buttons)}"
                if buttons
                else f"message #{message.message_id} has no buttons"
            )
        button = buttons[number - 1]
        if button.callback_data is not None and message.message_id is not None:
            query_id = await self.me.press_data(
                message.message_id, button.callback_data, chat=self.chat.chat
            )
            self._answers.append(query_id)
        elif button.url and (start := self._deep_link(button.url)):
            # Telegram opens the private chat with the bot and sends /start <token>.
            self.chat = self.me
            self.say(
                f"🔗 {button.text}: a link to this bot; in {self.me.first_name}'s "
                f"private chat: /start {start}"
            )
            await self.send(f"/start {start}")
        else:
            self.say(self._where_it_leads(button))

    def _where_it_leads(self, button: Button) -> str:
        if button.url:
            return f"🔗 {button.text}: a link, open it in a browser: {button.url}"
        if button.web_app_url:
            return f"🔗 {button.text}: a web app at {button.web_app_url}"
        if button.copy_text is not None:
            return f"📋 {button.text}: copies “{button.copy_text}”"
        if (
            button.switch_inline_query is not None
            or button.switch_inline_query_current_chat is not None
        ):
            query = button.switch_inline_query or button.switch_inline_query_current_chat or ""
            return (
                f"↪ {button.text}: in Telegram this picks a chat and types "
                f"“@{self.emu.bot_username} {query}” there (inline mode); the sandbox does "
                "not simulate inline mode: use the deep link or /invite in a /group."
            )
        return f"{button.text}: this kind of button does nothing in the sandbox"

    def _person(self, name: str) -> SimulatedUser:
        key = name.casefold()
        if key not in self.people:
            self.people[key] = self.emu.user(
                name, language_code=self.settings.default_language, user_id=self._free_id(name)
            )
        return self.people[key]

    def _free_id(self, name: str) -> int:
        # The same name gets the same Telegram id in every session: with --db the bot
        # remembers people between runs.
        user_id = 10_000_000 + zlib.crc32(name.casefold().encode()) % 1_000_000_000
        taken = {user.id for user in self.emu.users} | {self.emu.bot_id}
        while user_id in taken:
            user_id += 1
        return user_id

    async def switch_person(self, name: str) -> None:
        is_new = name.casefold() not in self.people
        self.me = self._person(name)
        if isinstance(self.chat, SimulatedGroup):
            if self.me.id not in self.chat.member_ids:
                await self.chat.add_member(self.me)
            where = f"in the group “{self.chat.title}”"
        else:
            self.chat = self.me
            where = "in the private chat with the bot"
        self.say(
            f"{'New person' if is_new else 'You are'} {self.me.first_name} "
            f"(Telegram id {self.me.id}, language {self.me.language_code or 'none'}), "
            f"{where}."
            + (" /start introduces them to the bot." if is_new and self.chat is self.me else "")
        )

    def set_language(self, code: str) -> None:
        if code:
            self.me.language_code = None if code in ("-", "none") else code.lower()
        self.say(
            f"{self.me.first_name}'s Telegram language: {self.me.language_code or 'none'}"
            + (
                " (the bot takes it when it meets them first; later its own /language decides)"
                if code
                else ""
            )
        )

    async def enter_group(self, title: str) -> None:
        group = next((g for g in self.emu.groups if g.title.casefold() == title.casefold()), None)
        if group is None:
            group = self.emu.group(title, members=list(self.people.values()), admins=[self.me])
        elif self.me.id not in group.member_ids:
            await group.add_member(self.me)
        self.chat = group
        names = ", ".join(self._name(uid) for uid in group.member_ids)
        self.say(
            f"In the group “{group.title}” with the bot and {names}. "
            "Messages and buttons now go there; /private goes back."
        )

    def who(self) -> None:
        lines = ["People:"]
        for person in self.people.values():
            mark = "  ← you" if person is self.me else ""
            lines.append(
                f"  {person.first_name} (Telegram id {person.id}, "
                f"language {person.language_code or 'none'}){mark}"
            )
        for group in self.emu.groups:
            mark = "  ← here" if group is self.chat else ""
            members = ", ".join(self._name(uid) for uid in group.member_ids)
            lines.append(f"Group “{group.title}”: {members}{mark}")
        self.say("\n".join(lines))

    async def web_pages(self) -> None:
        """The join page of each scheduled conference of the current person, and the
        website: what people outside Telegram open."""
        services: Services = self.application.bot_data["services"]
        lines = [f"Website: {services.links.website()}"]
        for conference in await services.conferences.upcoming(self.me.id, limit=20):
            lines.append(f"“{conference.topic}”: {await services.links.shared(conference)}")
        if len(lines) == 1:
            lines.append(f"{self.me.first_name} has no scheduled conference yet.")
        self.say("\n".join(lines))

    def _name(self, user_id: int) -> str:
        return next((p.first_name for p in self.people.values() if p.id == user_id), str(user_id))

    def _deep_link(self, text: str) -> str | None:
        match = re.fullmatch(r"(?:https?://)?(?:t|telegram)\.me/(\w+)\?start=([\w-]{1,64})", text)
        if match and match.group(1).lower() == self.emu.bot_username.lower():
            return match.group(2)
        return None

    # -- messages ---------------------------------------------------------------------
    def _message(self, message_id: int) -> SentMessage:
        for message in self.emu.chat_messages(self.chat.chat):
            if message.message_id == message_id and not message.deleted:
                return message
        raise ValueError(f"there is no message #{message_id} in this chat")

    def _latest_with_buttons(self) -> SentMessage | None:
        """The message whose buttons a bare number presses: of the bot's messages that
        have buttons now, the one shown (sent or edited) most recently."""
        current = {
            m.message_id: m
            for m in self.emu.chat_messages(self.chat.chat)
            if m.from_bot and not m.deleted and m.buttons
        }
        latest = None
        for event in self.emu.chat_events(self.chat.chat):
            if event.message_id in current:
                latest = event.message_id
        return current.get(latest) if latest is not None else None

    def show_again(self, message_id: int) -> None:
        message = self._message(message_id)
        self.console.print(self._block(f"#{message_id} (as it is now)", message, current=True))

    # -- output -------------------------------------------------------------------------
    def say(self, text: str) -> None:
        self.console.print(self.style.accent(text))

    async def _print_as_it_comes(self) -> None:
        """Messages that come while nobody types (reminders) are printed at once; e-mails
        written in the background are looked for every second."""
        while True:
            await self.emu.wait_until(lambda: True if self._has_news() else None, 1.0)
            self.drain()

    def _has_news(self) -> bool:
        if any(self.emu.callback_answer(query_id) for query_id in self._answers):
            return True
        return any(
            self.emu.chat_events(chat, after=self._seen.get(chat.id, 0)) for chat in self._chats()
        )

    def _chats(self) -> list[Any]:
        return [*self.emu.users, *self.emu.groups]

    def drain(self) -> None:
        """Print every answer and bot action not printed yet, in order."""
        waiting = []
        for query_id in self._answers:
            answer = self.emu.callback_answer(query_id)
            if answer is None:
                waiting.append(query_id)
            elif answer.text or answer.url:
                kind = "alert: " if answer.show_alert else ""
                shown = answer.text or ""
                if answer.url:
                    shown += f" (opens {answer.url})"
                self.console.print(self.style.accent(f"ⓘ {kind}{shown.strip()}"))
        self._answers = waiting
        for path in self._mail_files():
            if path not in self._mails_seen:
                self._mails_seen.add(path)
                self.console.print(self.style.accent(f"✉ {_mail_summary(path)}: {path}"))
        events: list[ChatEvent] = []
        for chat in self._chats():
            events += self.emu.chat_events(chat, after=self._seen.get(chat.id, 0))
        for event in sorted(events, key=lambda e: e.seq):
            self._seen[event.chat_id] = max(self._seen.get(event.chat_id, 0), event.seq)
            self.console.print(self._event(event))

    def _event(self, event: ChatEvent) -> str:
        where = self._where(event.chat_id)
        if event.kind == "delete":
            return "\n" + self.style.dim(f"✗ #{event.message_id} deleted{where}")
        title = (
            f"#{event.message_id}{where}"
            if event.kind == "message"
            else f"✎ message #{event.message_id}{where} updated:"
        )
        return self._block(title, event.message, current=not where)

    def _block(self, title: str, message: SentMessage, *, current: bool) -> str:
        lines = ["", self.style.dim(("🤖 " if not title.startswith("✎") else "") + title)]
        body = render_message(message, self.style)
        if body:
            lines.append(body)
        if message.document is not None:
            path = self._save(message.document.filename or "document", message.document.content)
            lines.append(
                f"📎 {message.document.filename} ({message.document.size} bytes) saved to {path}"
            )
        if message.photo is not None:
            path = self._save(message.photo.filename or "photo.jpg", message.photo.content)
            lines.append(f"🖼 photo saved to {path}")
        if message.sticker is not None:
            lines.append(f"[sticker {message.sticker.get('emoji', '')}]")
        if message.buttons:
            lines += render_buttons(message.buttons, self.style)
            if not current:
                lines.append(
                    self.style.dim(
                        "  (buttons of another chat: switch there with /as or /group to press them)"
                    )
                )
        if message.keyboard:
            keys = "  ".join(f"[{key}]" for row in message.keyboard for key in row)
            lines.append(self.style.dim(f"  keyboard (type the text): {keys}"))
            if _asks_for_location(message):
                hint = "  (a location button: share one with /location LAT LON)"
                lines.append(self.style.dim(hint))
        return "\n".join(lines)

    def _where(self, chat_id: int) -> str:
        if chat_id == self.chat.chat_id:
            return ""
        group = next((g for g in self.emu.groups if g.id == chat_id), None)
        if group is not None:
            return f" in “{group.title}”"
        return f" → {self._name(chat_id)}"

    def _save(self, filename: str, content: bytes) -> Path:
        name = Path(filename.replace("\\", "/")).name.lstrip(".") or "file"
        self.downloads.mkdir(parents=True, exist_ok=True)
        path = self.downloads / name
        stem, suffix = path.stem, path.suffix
        counter = 1
        while path.exists() and path.read_bytes() != content:
            counter += 1
            path = self.downloads / f"{stem}-{counter}{suffix}"
        path.write_bytes(content)
        return path

    def _mail_files(self) -> list[Path]:
        if self._mail_dir is None or not self._mail_dir.is_dir():
            return []
        return sorted(path.resolve() for path in self._mail_dir.glob("*.eml"))

    # -- waiting for the bot ---------------------------------------------------------------
    async def settle(self, limit: float) -> None:
        """Wait (at most `limit` seconds) until the bot has fetched and handled everything
        typed and then stayed quiet a moment, so its answer is printed before the prompt."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + limit

        def left() -> float:
            return max(0.0, deadline - loop.time())

        try:
            await self.emu.wait_for_delivery(timeout=left())
            await asyncio.wait_for(self.application.update_queue.join(), left())
        except (AssertionError, TimeoutError):
            return
        mark = self._count_activity()
        while left() > 0:
            await asyncio.sleep(min(_QUIET_SECONDS, left()))
            now = self._count_activity()
            if now == mark and self.emu.pending_update_count == 0:
                return
            mark = now

    def _count_activity(self) -> int:
        """Bot API calls other than polling, so far."""
        calls = self.emu.calls
        for call in calls[self._calls_counted :]:
            if call.method.lower() != "getupdates":
                self._activity += 1
        self._calls_counted = len(calls)
        return self._activity


async def _unless(stop: asyncio.Event, work: Awaitable[Any]) -> Any:
    """`work`'s result, or None as soon as `stop` is set (then `work` is cancelled)."""
    task = asyncio.ensure_future(work)
    stopper = asyncio.ensure_future(stop.wait())
    try:
        await asyncio.wait({task, stopper}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        stopper.cancel()
    if task.done():
        return task.result()
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    return None


def _mail_summary(path: Path) -> str:
    """'e-mail to bob@example.com: “Invitation: …”' from an .eml file's headers."""
    try:
        with path.open("rb") as file:
            headers = BytesParser(policy=policy.default).parse(file, headersonly=True)
        return f"e-mail to {headers['To']}: “{headers['Subject']}”"
    except (OSError, ValueError, TypeError):
        return "e-mail"


def _asks_for_location(message: SentMessage) -> bool:
    rows = (message.reply_markup or {}).get("keyboard", [])
    return any(isinstance(key, dict) and key.get("request_location") for row in rows for key in row)
