"""Outgoing requests: Telegram's flood limits, RetryAfter, and network hiccups.

- Replies to what people do go out at once: an overall bucket in front of them would
  make every answer wait behind the others (Telegram answers a real excess with 429,
  which is retried after the time it asks for).
- Bulk sends (notices to participants, reminders, broadcasts) are marked with `Bulk` and
  paced evenly below Telegram's 30 messages a second, so they do not burst into 429s; they
  get more retries, so no participant is dropped by one unlucky refusal.
- Groups keep PTB's limit of 20 messages a minute per group.
- A request that failed on the network is retried a few times with growing pauses, except
  a bulk (one-shot) message whose answer was lost after it left (bot/transport.py
  AnswerLost): Telegram may have delivered it, and a second copy is worse than a missing
  one. getUpdates is left alone: the updater polls again by itself.
- Every failed attempt is counted for /metrics by kind (429, 403, network, other), here
  where each retry is seen too.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from aiolimiter import AsyncLimiter
from telegram._utils.types import JSONDict
from telegram.error import BadRequest, NetworkError
from telegram.ext import AIORateLimiter

from bot.metrics import Metrics
from bot.transport import AnswerLost

log = logging.getLogger(__name__)

BULK_MESSAGES_PER_SECOND = 29  # one below Telegram's 30, evenly spaced


@dataclass(frozen=True)
class Bulk:
    """`rate_limit_args` of a bulk send: paced, with this many RetryAfter retries."""

    retries: int = 10


BULK = Bulk()


class RetryingRateLimiter(AIORateLimiter):
    def __init__(
        self,
        *,
        max_retries: int = 3,
        network_retries: int = 3,
        first_pause: float = 0.5,
        bulk_per_second: float = BULK_MESSAGES_PER_SECOND,
        metrics: Metrics | None = None,
    ) -> None:
        super().__init__(overall_max_rate=0, max_retries=max_retries)
        self._metrics = metrics
        self._network_retries = network_retries
        self._first_pause = first_pause
        # max_rate=1 per 1/N seconds: evenly spaced, no burst at the start of each second.
        self._bulk = AsyncLimiter(max_rate=1, time_period=1 / bulk_per_second)

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | JSONDict | list[JSONDict]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | Bulk | None,
    ) -> bool | JSONDict | list[JSONDict]:
        if self._metrics is not None:
            callback = _counting(callback, self._metrics)
        if isinstance(rate_limit_args, Bulk):
            async with self._bulk:
                return await self._with_network_retries(
                    callback,
                    args,
                    kwargs,
                    endpoint,
                    data,
                    rate_limit_args.retries,
                    one_shot=True,
                )
        return await self._with_network_retries(
            callback, args, kwargs, endpoint, data, rate_limit_args, one_shot=False
        )

    async def _with_network_retries(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | JSONDict | list[JSONDict]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
        *,
        one_shot: bool,
    ) -> bool | JSONDict | list[JSONDict]:
        attempt = 0
        while True:
            try:
                return await super().process_request(
                    callback, args, kwargs, endpoint, data, rate_limit_args
                )
            except NetworkError as error:  # TimedOut is a NetworkError too
                # PTB's BadRequest is a NetworkError as well, but Telegram refused the
                # request: sending it again would only be refused again.
                # A one-shot message whose answer was lost may have been delivered:
                # sending it again could deliver it twice (bot/delivery.py logs it).
                if (
                    isinstance(error, BadRequest)
                    or (one_shot and isinstance(error, AnswerLost))
                    or endpoint == "getUpdates"
                    or attempt >= self._network_retries
                ):
                    raise
                pause = self._first_pause * 2**attempt
                attempt += 1
                log.warning(
                    "%s failed on the network (%s); retry %d in %.1f s",
                    endpoint,
                    type(error).__name__,
                    attempt,
                    pause,
                )
                await asyncio.sleep(pause)


def _counting(
    callback: Callable[..., Coroutine[Any, Any, bool | JSONDict | list[JSONDict]]],
    metrics: Metrics,
) -> Callable[..., Coroutine[Any, Any, bool | JSONDict | list[JSONDict]]]:
    """The request, each failed attempt counted by kind before it is retried or raised."""

    async def attempt(*args: Any, **kwargs: Any) -> bool | JSONDict | list[JSONDict]:
        try:
            return await callback(*args, **kwargs)
        except Exception as error:
            metrics.count_api_error(error)
            raise

    return attempt
