"""Outgoing requests: Telegram's flood limits, RetryAfter, and network hiccups.

PTB's AIORateLimiter spaces requests (30 a second overall, 20 a minute per group) and
retries a 429 after the time Telegram asks for. On top of it, a request that failed on
the network (a timeout, a dropped connection) is retried a few times with growing pauses.
getUpdates is left alone: the updater already polls again by itself.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from telegram.error import BadRequest, NetworkError
from telegram.ext import AIORateLimiter

log = logging.getLogger(__name__)


class RetryingRateLimiter(AIORateLimiter):
    def __init__(self, *, max_retries: int = 3, network_retries: int = 3,
                 first_pause: float = 0.5) -> None:
        super().__init__(max_retries=max_retries)
        self._network_retries = network_retries
        self._first_pause = first_pause

    async def process_request(self, callback, args, kwargs, endpoint, data, rate_limit_args
                              ) -> Any:
        attempt = 0
        while True:
            try:
                return await super().process_request(callback, args, kwargs, endpoint, data,
                                                      rate_limit_args)
            except NetworkError as error:  # TimedOut is a NetworkError too
                # PTB's BadRequest is a NetworkError as well, but Telegram refused the
                # request: sending it again would only be refused again.
                if isinstance(error, BadRequest) or endpoint == "getUpdates" \
                        or attempt >= self._network_retries:
                    raise
                pause = self._first_pause * 2**attempt
                attempt += 1
                log.warning("%s failed on the network (%s); retry %d in %.1f s",
                            endpoint, type(error).__name__, attempt, pause)
                await asyncio.sleep(pause)
