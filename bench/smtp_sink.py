"""An SMTP server on loopback for B4 (aiosmtpd), run as its own process so that it does
not share the benchmark's interpreter: it accepts everything and appends each message's
Message-ID to a file. Usage: python -m bench.smtp_sink PORT FILE"""

from __future__ import annotations

import re
import signal
import sys
import threading

from aiosmtpd.controller import Controller

_MESSAGE_ID = re.compile(rb"^Message-ID:\s*(\S+)", re.IGNORECASE | re.MULTILINE)


class Recorder:
    def __init__(self, path: str) -> None:
        self.out = open(path, "a", buffering=1)  # noqa: SIM115 - lives as long as the process

    async def handle_DATA(self, server, session, envelope):
        found = _MESSAGE_ID.search(envelope.original_content or envelope.content)
        self.out.write((found.group(1).decode() if found else "?") + "\n")
        return "250 OK"


def main() -> None:
    port, path = int(sys.argv[1]), sys.argv[2]
    controller = Controller(Recorder(path), hostname="127.0.0.1", port=port)
    controller.start()
    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    print("ready", flush=True)
    stopped.wait()
    controller.stop()


if __name__ == "__main__":
    main()
