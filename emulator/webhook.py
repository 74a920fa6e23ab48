"""Delivering updates by webhook, as Telegram does once ``setWebhook`` set a URL.

Each pending update is POSTed as JSON to the URL with the
``X-Telegram-Bot-Api-Secret-Token`` header (when a secret_token was set). An answer
other than 2xx, or a connection that fails or times out, leaves the update pending: it
is delivered again after a short back-off (doubling, up to a cap), and it keeps its
place, so the updates of one user (or chat) arrive one at a time and in order.
Different users' updates are in flight at once, up to the webhook's max_connections
(40 by default, as on Telegram).

Tests can make the bot's answer count as lost (``lose_answers``): the update is then
delivered a second time although the bot answered 200, as Telegram does when the answer
never reaches it.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from dataclasses import dataclass
from typing import Any

import aiohttp

from .config import EmulatorConfig
from .state import EmulatorState

__all__ = ["WebhookAttempt", "WebhookDeliverer", "SECRET_HEADER"]

_LOG = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
OrderKey = tuple[str, int]


@dataclass(frozen=True)
class WebhookAttempt:
    """One POST of an update: its HTTP status, or None when no answer came."""

    update_id: int
    url: str
    status: int | None
    counted_as_lost: bool = False

    @property
    def acknowledged(self) -> bool:
        return self.status is not None and 200 <= self.status < 300 and not self.counted_as_lost


class WebhookDeliverer:
    def __init__(self, state: EmulatorState, config: EmulatorConfig) -> None:
        self._state = state
        self._config = config
        self.attempts: list[WebhookAttempt] = []
        self.lose_answers = 0  # answers still to be treated as lost
        self._in_flight: dict[int, OrderKey] = {}  # update id -> its user/chat
        self._failures: dict[int, int] = {}  # update id -> failed attempts in a row
        self._not_before: dict[int, float] = {}  # update id -> monotonic time of next try
        self._tasks: set[asyncio.Task[None]] = set()
        self._runner: asyncio.Task[None] | None = None
        self._session: aiohttp.ClientSession | None = None

    async def start(self) -> None:
        self._session = aiohttp.ClientSession()
        self._runner = asyncio.create_task(self._run(), name="emulator-webhook")

    async def stop(self) -> None:
        tasks = [t for t in (self._runner, *self._tasks) if t is not None]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if self._session is not None:
            await self._session.close()

    async def _run(self) -> None:
        while True:
            ready = await self._state.updates_changed.wait_until(self._ready, None)
            for update in ready or []:
                task = asyncio.create_task(self._deliver(update))
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)

    def _ready(self) -> list[dict[str, Any]] | None:
        """Updates to POST now: in order, one per user/chat, within max_connections."""
        hook = self._state.webhook
        if self._state.closing or not hook.get("url"):
            return None
        room = int(hook.get("max_connections") or 40) - len(self._in_flight)
        if room <= 0:
            return None
        now = time.monotonic()
        waiting: set[OrderKey] = set(self._in_flight.values())
        picked: list[dict[str, Any]] = []
        for update in self._state.deliverable_updates(len(self._state.pending_updates)):
            key = order_key(update)
            update_id = update["update_id"]
            if key in waiting or update_id in self._in_flight:
                continue
            waiting.add(key)  # later updates of this user wait for this one
            if self._not_before.get(update_id, 0.0) > now:
                continue
            picked.append(update)
            self._in_flight[update_id] = key
            if len(picked) >= room:
                break
        return picked or None

    async def _deliver(self, update: dict[str, Any]) -> None:
        update_id = update["update_id"]
        hook = self._state.webhook
        url = str(hook.get("url"))
        headers = {"Content-Type": "application/json"}
        if hook.get("secret_token"):
            headers[SECRET_HEADER] = str(hook["secret_token"])
        status: int | None = None
        error = ""
        try:
            assert self._session is not None
            timeout = aiohttp.ClientTimeout(total=self._config.webhook_timeout)
            async with self._session.post(
                url, data=json.dumps(update, ensure_ascii=False), headers=headers, timeout=timeout
            ) as response:
                status = response.status
                await response.read()
        except Exception as exc:  # refused, reset, timed out: no answer
            error = f"Connection failed: {type(exc).__name__}"
        lost = status is not None and 200 <= status < 300 and self.lose_answers > 0
        if lost:
            self.lose_answers -= 1
        attempt = WebhookAttempt(update_id, url, status, counted_as_lost=lost)
        self.attempts.append(attempt)
        del self._in_flight[update_id]
        if attempt.acknowledged:
            self._failures.pop(update_id, None)
            self._not_before.pop(update_id, None)
            self._state.remove_update(update_id)
            return
        failures = self._failures.get(update_id, 0) + 1
        self._failures[update_id] = failures
        delay = min(
            self._config.webhook_retry_delay * 2 ** (failures - 1),
            self._config.webhook_max_retry_delay,
        )
        self._not_before[update_id] = time.monotonic() + delay
        hook["last_error_date"] = int(time.time())
        hook["last_error_message"] = error or f"Wrong response from the webhook: {status}"
        asyncio.get_running_loop().call_later(delay, self._state.updates_changed.fire)
        self._state.updates_changed.fire()
        self._state.changed.fire()  # tests waiting with emu.wait_until see the failure


def order_key(update: dict[str, Any]) -> OrderKey:
    """Whose update it is: the user who caused it, else its chat."""
    kind = next(k for k in update if k != "update_id")
    payload = update[kind]
    sender = payload.get("from") or payload.get("user")
    if isinstance(sender, dict) and "id" in sender:
        return ("user", int(sender["id"]))
    chat = payload.get("chat") or (payload.get("message") or {}).get("chat")
    if isinstance(chat, dict) and "id" in chat:
        return ("chat", int(chat["id"]))
    return ("update", int(update["update_id"]))
