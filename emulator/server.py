"""HTTP layer: aiohttp routes, request decoding, response envelopes, dispatch.

Routes mirror api.telegram.org:

* ``/bot{token}/{method}`` - method names are case-insensitive, as on Telegram;
  parameters may come as query string, form-urlencoded, multipart or JSON.
* ``/file/bot{token}/{file_path}`` - downloads of files the bot uploaded.

Every call is recorded (including rejected ones) so tests can assert on what
the bot attempted, not only on what succeeded.
"""

from __future__ import annotations

import asyncio
import inspect
import json
import logging
import time
from typing import Any

from aiohttp import web

from .config import EmulatorConfig
from .errors import BotAPIError
from .faults import FaultInjector
from .methods import REGISTRY, MethodContext
from .params import Params, UploadedFile
from .state import EmulatorState, RecordedCall

__all__ = ["ApiServer", "read_params"]

_LOG = logging.getLogger(__name__)
_MAX_BODY = 60 * 1024 * 1024  # Telegram accepts 50 MB uploads; leave headroom for the envelope.


async def read_params(request: web.Request) -> Params:
    """Decode a request's parameters from query string and body (any encoding PTB uses)."""
    raw: dict[str, Any] = dict(request.query)
    files: dict[str, UploadedFile] = {}
    if request.content_type == "application/json":
        text = await request.text()
        if text.strip():
            try:
                body = json.loads(text)
            except ValueError:
                raise BotAPIError(400, "Bad Request: can't parse JSON request body") from None
            if not isinstance(body, dict):
                raise BotAPIError(400, "Bad Request: JSON request body must be an object")
            raw.update(body)
    elif request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        form = await request.post()
        for key, value in form.items():
            if isinstance(value, web.FileField):
                files[key] = UploadedFile(
                    field=key,
                    filename=value.filename,
                    mime_type=value.content_type,
                    content=value.file.read(),
                )
            else:
                raw[key] = value
    return Params(raw, files)


def _envelope(result: Any) -> web.Response:
    return web.json_response({"ok": True, "result": result}, dumps=_dumps)


def _error_response(error: BotAPIError) -> web.Response:
    return web.json_response(error.to_envelope(), status=error.error_code, dumps=_dumps)


def _dumps(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False)


def _chat_id_of(params: Params) -> int | str | None:
    try:
        return params.chat_id(required=False)
    except BotAPIError:
        return None


class ApiServer:
    """Owns the aiohttp application and dispatches requests to method handlers."""

    def __init__(self, state: EmulatorState, faults: FaultInjector, config: EmulatorConfig) -> None:
        self.state = state
        self.faults = faults
        self.config = config
        self._runner: web.AppRunner | None = None
        self.port: int | None = None

    # -- lifecycle ------------------------------------------------------------
    def build_app(self) -> web.Application:
        app = web.Application(client_max_size=_MAX_BODY)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_method)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file)
        return app

    async def start(self, host: str, port: int) -> int:
        # handler_cancellation: when PTB abandons a long poll (Updater.stop
        # cancels the request) the server-side waiter goes away with it.
        # shutdown_timeout: stop() must not wait for idle keep-alive clients.
        self._runner = web.AppRunner(
            self.build_app(),
            access_log=None,
            handle_signals=False,
            handler_cancellation=True,
            shutdown_timeout=0.25,
        )
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        # With port=0 the OS picks a free port; read back what it chose.
        self.port = int(self._runner.addresses[0][1])
        return self.port

    async def stop(self) -> None:
        if self._runner is not None:
            runner, self._runner = self._runner, None
            await runner.cleanup()

    # -- handlers -------------------------------------------------------------
    async def _handle_method(self, request: web.Request) -> web.Response:
        token = request.match_info["token"]
        method = request.match_info["method"]
        if self.config.token is not None and token != self.config.token:
            return _error_response(BotAPIError(401, "Unauthorized"))
        try:
            params = await read_params(request)
        except BotAPIError as exc:
            self._record(method, Params({}), error=exc, rejected_by="bad_request_body")
            return _error_response(exc)
        ok, payload = await self.dispatch(method, params)
        if ok and self.faults.answer_lost(method.lower(), _chat_id_of(params)):
            # Carried out, but the answer never reaches the bot: the connection drops.
            if request.transport is not None:
                request.transport.abort()
            raise web.HTTPServiceUnavailable()  # never seen by the bot
        return _envelope(payload) if ok else _error_response(payload)

    async def _handle_file(self, request: web.Request) -> web.StreamResponse:
        token = request.match_info["token"]
        if self.config.token is not None and token != self.config.token:
            return _error_response(BotAPIError(401, "Unauthorized"))
        stored = self.state.file_by_path(request.match_info["path"])
        if stored is None:
            return _error_response(BotAPIError(404, "Not Found: file not found"))
        return web.Response(
            body=stored.content, content_type=stored.mime_type or "application/octet-stream"
        )

    # -- dispatch -------------------------------------------------------------
    async def dispatch(self, method: str, params: Params) -> tuple[bool, Any]:
        """Run one Bot API method; returns (True, result) or (False, BotAPIError)."""
        key = method.lower()
        spec = REGISTRY.get(key)
        if spec is None:
            error = BotAPIError(404, "Not Found: method not found")
            _LOG.warning("Bot called unsupported method %s", method)
            self._record(method, params, error=error, rejected_by="unknown_method")
            return False, error
        name = spec.name
        hold = self.faults.take_hold(key)
        if hold is not None:
            hold.reached.set()
            await hold.released.wait()
        injected = self.faults.scripted_failure(key, _chat_id_of(params))
        if injected is not None:
            self._record(name, params, error=injected, rejected_by="fault")
            return False, injected
        limited = self.faults.rate_limited(key, time.monotonic())
        if limited is not None:
            self._record(name, params, error=limited, rejected_by="rate_limit")
            return False, limited
        if self.config.latency > 0 and key != "getupdates":
            await asyncio.sleep(self.config.latency)
        ctx = MethodContext(self.state, params, self.config)
        try:
            result = spec.handler(ctx)
            if inspect.isawaitable(result):
                result = await result
        except BotAPIError as exc:
            self._record(name, params, error=exc)
            return False, exc
        except Exception:
            # A bug in the emulator must be loud, but the bot should still see
            # a Telegram-shaped answer rather than a dropped connection.
            _LOG.exception("Emulator failed while handling %s", name)
            error = BotAPIError(500, "Internal Server Error: emulator bug, see log")
            self._record(name, params, error=error)
            return False, error
        self._record(name, params, result=result)
        return True, result

    def _record(
        self,
        method: str,
        params: Params,
        *,
        result: Any = None,
        error: BotAPIError | None = None,
        rejected_by: str | None = None,
    ) -> None:
        self.state.record_call(
            RecordedCall(
                method=method,
                params=params.as_dict(),
                ok=error is None,
                result=result,
                error=error,
                time=time.monotonic(),
                rejected_by=rejected_by,
            )
        )
