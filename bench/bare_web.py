"""The baseline of B7: a bare aiohttp handler that answers every GET with a page held in
memory (the bytes of a real join page, so both sides send the same amount).

`python -m bench.bare_web PORT PAGE_FILE`; serves on 127.0.0.1:PORT until SIGTERM.
"""

from __future__ import annotations

import sys
from pathlib import Path

from aiohttp import web


def main() -> None:
    port, page_file = int(sys.argv[1]), Path(sys.argv[2])
    body = page_file.read_bytes()

    async def page(request: web.Request) -> web.Response:
        return web.Response(body=body, content_type="text/html", charset="utf-8")

    app = web.Application()
    app.router.add_get("/j/{token}", page)
    web.run_app(app, host="127.0.0.1", port=port, access_log=None, print=None)


if __name__ == "__main__":
    main()
