"""The HTTP client under python-telegram-bot: aiohttp instead of PTB's default httpx.

Under load the bot spent most of its CPU in httpx/httpcore (B1 in docs/BENCHMARKS.md);
aiohttp's C-accelerated HTTP parser does the same requests for less. PTB lets any
`BaseRequest` carry its calls: this one sends the same form fields and files httpx would,
and maps errors to PTB's: NetworkError when the request could not be sent at all (safe to
try again), AnswerLost (a TimedOut) when it may have been carried out but the answer was
lost. The rest of the bot (bot/ratelimit.py, bot/delivery.py) relies on that difference.
"""

from __future__ import annotations

from typing import Any

import aiohttp
from telegram._utils.defaultvalue import DefaultValue
from telegram._utils.types import ODVInput
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

_DEFAULT = BaseRequest.DEFAULT_NONE


class AnswerLost(TimedOut):
    """The request may have reached Telegram, but its answer did not come back (a read
    timeout, a dropped connection). Telegram may well have carried it out: sending a
    one-shot message again could deliver it twice (bot/ratelimit.py, bot/delivery.py)."""


class AiohttpRequest(BaseRequest):
    def __init__(
        self,
        *,
        connection_pool_size: int = 256,
        read_timeout: float = 5.0,
        write_timeout: float = 5.0,
        connect_timeout: float = 5.0,
        media_write_timeout: float = 20.0,
    ) -> None:
        self._pool_size = connection_pool_size
        self._read_timeout = read_timeout
        self._write_timeout = write_timeout
        self._connect_timeout = connect_timeout
        self._media_write_timeout = media_write_timeout
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float | None:
        return self._read_timeout

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._pool_size),
                headers={"User-Agent": self.USER_AGENT},
            )

    async def shutdown(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = _DEFAULT,
        write_timeout: ODVInput[float] = _DEFAULT,
        connect_timeout: ODVInput[float] = _DEFAULT,
        pool_timeout: ODVInput[float] = _DEFAULT,
    ) -> tuple[int, bytes]:
        if self._session is None or self._session.closed:
            raise RuntimeError("This AiohttpRequest is not initialized!")
        files = request_data.multipart_data if request_data else None
        fields = request_data.json_parameters if request_data else None
        read = _given(read_timeout, self._read_timeout)
        connect = _given(connect_timeout, self._connect_timeout)
        write = _given(write_timeout, self._media_write_timeout if files else self._write_timeout)
        # aiohttp has no separate write timeout: the whole exchange may take both.
        total = None if read is None else read + (write or 0) + (connect or 0)
        timeout = aiohttp.ClientTimeout(total=total, sock_connect=connect, sock_read=read)
        try:
            async with self._session.request(
                method, url, data=_body(fields, files), timeout=timeout
            ) as response:
                return response.status, await response.read()
        except (aiohttp.ClientConnectorError, aiohttp.ConnectionTimeoutError) as error:
            # Nothing was sent: trying again cannot do anything twice.
            raise NetworkError(f"could not connect: aiohttp.{type(error).__name__}") from error
        except (TimeoutError, aiohttp.ClientError) as error:
            raise AnswerLost(f"no answer: aiohttp.{type(error).__name__}") from error


def _given(value: ODVInput[float], default: float) -> float | None:
    """A timeout PTB passed for this call, or ours when it passed its DEFAULT_NONE."""
    return default if isinstance(value, DefaultValue) else value


def _body(
    fields: dict[str, str] | None, files: dict[str, Any] | None
) -> dict[str, str] | aiohttp.FormData | None:
    """Form fields, or multipart when files are uploaded (as httpx would send them)."""
    if not files:
        return fields or None
    form = aiohttp.FormData()
    for name, value in (fields or {}).items():
        form.add_field(name, value)
    for name, upload in files.items():
        filename, content, *rest = upload if isinstance(upload, tuple) else (None, upload)
        form.add_field(
            name,
            content,
            filename=filename,
            content_type=rest[0] if rest else "application/octet-stream",
        )
    return form
