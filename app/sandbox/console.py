"""The terminal side: lines typed (read in a thread, so the event loop never blocks) and
output printed around the prompt.

One line is read at a time, only when the session asks for it (`request_line`), so the
prompt always names the person and chat the next line is for. On a terminal the line
comes from `input()` (with readline's editing and history where available); from a pipe
or a file it is read from the file descriptor directly (no lock on `sys.stdin` is held
while waiting, so the process can exit at any moment).
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import os
import re
import sys
import threading
from typing import TextIO

_ANSI = re.compile(r"\x1b\[[0-9;]*m")


class LineReader:
    """Reads standard input in a daemon thread; `await next_line()` gives a line or None
    at end of input."""

    def __init__(self, *, interactive: bool, console: Console) -> None:
        self._interactive = interactive
        self._console = console
        self._lines: asyncio.Queue[str | None] = asyncio.Queue()
        self._loop = asyncio.get_running_loop()
        self._wanted = threading.Event()
        self._prompt = ""
        self._buffer = b""
        self._thread = threading.Thread(target=self._run, name="sandbox-stdin", daemon=True)
        self._thread.start()
        self._readline = False
        if interactive:
            with contextlib.suppress(ImportError):
                # Loading readline gives input() line editing and history.
                self._readline = importlib.import_module("readline") is not None

    def request_line(self, prompt: str) -> None:
        """Let the thread read the next line, shown after `prompt` on a terminal."""
        self._prompt = prompt
        self._wanted.set()

    async def next_line(self) -> str | None:
        return await self._lines.get()

    def _run(self) -> None:
        while True:
            self._wanted.wait()
            self._wanted.clear()
            try:
                line = self._read()
            except (EOFError, OSError, ValueError):
                line = None
            except KeyboardInterrupt:  # pragma: no cover - signals go to the main thread
                line = None
            try:
                self._loop.call_soon_threadsafe(self._lines.put_nowait, line)
            except RuntimeError:  # the loop is closed: the sandbox has ended
                return
            if line is None:
                return

    def _read(self) -> str | None:
        if self._interactive:
            self._console.prompt_shown(self._prompt)
            prompt = self._prompt
            if self._readline:
                # readline must know which characters take no room on the screen.
                prompt = _ANSI.sub(lambda m: f"\001{m.group(0)}\002", prompt)
            return input(prompt)
        while b"\n" not in self._buffer:
            chunk = os.read(sys.stdin.fileno(), 4096)
            if not chunk:
                if self._buffer:
                    rest, self._buffer = self._buffer, b""
                    return rest.decode("utf-8", errors="replace").rstrip("\r")
                return None
            self._buffer += chunk
        line, self._buffer = self._buffer.split(b"\n", 1)
        return line.decode("utf-8", errors="replace").rstrip("\r")


class Console:
    """Output that keeps out of the way of the prompt: a block printed while the prompt
    is showing clears that line first and draws the prompt (and what was typed) again."""

    def __init__(self, stream: TextIO, *, interactive: bool) -> None:
        self._stream = stream
        self._interactive = interactive
        self._lock = threading.Lock()
        self._prompt: str | None = None

    def prompt_shown(self, prompt: str) -> None:
        with self._lock:
            self._prompt = prompt

    def show_prompt(self, prompt: str) -> None:
        """Not on a terminal, the prompt is printed here (input() prints it on a terminal)."""
        with self._lock:
            self._prompt = prompt
            if not self._interactive:
                self._write(prompt)

    def line_entered(self, line: str | None) -> None:
        """Not on a terminal, the line read is echoed after the prompt, as a transcript."""
        with self._lock:
            if not self._interactive and self._prompt is not None:
                self._write((line if line is not None else "") + "\n")
            elif line is None and self._prompt is not None:
                self._write("\n")
            self._prompt = None

    def print(self, text: str = "") -> None:
        with self._lock:
            prompt = self._prompt
            if prompt is not None:
                self._write("\r\x1b[K" if self._interactive else "\n")
            self._write(text + "\n")
            if prompt is not None:
                typed = _typed_so_far() if self._interactive else ""
                self._write(prompt + typed)

    def _write(self, text: str) -> None:
        try:
            self._stream.write(text)
            self._stream.flush()
        except (BrokenPipeError, ValueError):  # the reader went away; nothing to show it to
            pass


def _typed_so_far() -> str:
    try:
        import readline
    except ImportError:
        return ""
    return readline.get_line_buffer()
