"""Diagnostics only, not a fix: `python -m bot` with one suspected cost switched off, to
measure how much of a benchmark's gap it explains. The product code is untouched; the
switch is applied by patching at import time in this child process. (Switches for fixes
that have since landed, such as per-person update order and the lean per-update SQL, are
gone: the bot does those itself now.)

    python -m bench.diag_bot no-overall-limit   # AIORateLimiter without its 30/s overall limit
    python -m bench.diag_bot smooth-limit       # the overall limit as an even 29/s pace
                                                # (no burst of 30 on top of the rate)
"""

from __future__ import annotations

import sys

import app.factory
from bot.ratelimit import RetryingRateLimiter


class _NoOverallLimit(RetryingRateLimiter):
    """The bot's limiter with PTB's overall 30 requests/s bucket removed (per-group limits,
    429 retries and network retries stay)."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._base_limiter = None


class _SmoothLimit(RetryingRateLimiter):
    """The bot's limiter with the overall bucket replaced by an even pace: one request
    every 1/29 s, never a burst, so no one-second window holds more than 30."""

    def __init__(self, **kwargs) -> None:
        from aiolimiter import AsyncLimiter

        super().__init__(**kwargs)
        self._base_limiter = AsyncLimiter(max_rate=1, time_period=1 / 29)


def main() -> int:
    switches = set(sys.argv[1:])
    if "no-overall-limit" in switches:
        app.factory.RetryingRateLimiter = _NoOverallLimit
    if "smooth-limit" in switches:
        app.factory.RetryingRateLimiter = _SmoothLimit
    sys.argv[1:] = []
    from app.main import main as bot_main

    return bot_main()


if __name__ == "__main__":
    sys.exit(main())
