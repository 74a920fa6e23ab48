"""Fault injection: scripted errors and a flood-control limit.

These run *before* a method's handler, so an injected failure has no side
effects - exactly like a real Telegram error response.
"""

from __future__ import annotations

import asyncio
import collections
import math
from dataclasses import dataclass, field

from .errors import BotAPIError

__all__ = [
    "HeldCall",
    "FaultRule",
    "FaultInjector",
    "RateLimiter",
    "RATE_LIMITED_METHODS",
    "default_description",
]

# Methods that count against the optional flood limit.
RATE_LIMITED_METHODS = frozenset({"sendmessage", "senddocument", "sendphoto", "editmessagetext"})

_DEFAULT_DESCRIPTIONS = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden: bot was blocked by the user",
    404: "Not Found",
    409: "Conflict",
    500: "Internal Server Error",
    502: "Bad Gateway",
}


def default_description(error_code: int, retry_after: int | None) -> str:
    """Telegram's usual wording for an error code."""
    if error_code == 429:
        return f"Too Many Requests: retry after {retry_after or 1}"
    return _DEFAULT_DESCRIPTIONS.get(error_code, f"Error {error_code}")


@dataclass
class FaultRule:
    method: str  # lower-case method name
    error_code: int
    description: str
    retry_after: int | None
    remaining: int
    chat_id: int | None = None

    def matches(self, method: str, chat_id: int | str | None) -> bool:
        if self.remaining <= 0 or method != self.method:
            return False
        return self.chat_id is None or self.chat_id == chat_id


@dataclass
class HeldCall:
    """The next call of ``method`` waits, unanswered, until ``release()``: what a bot sees
    while Telegram is slow, and a moment for a test to kill the bot mid-update."""

    method: str  # lower-case method name
    reached: asyncio.Event = field(default_factory=asyncio.Event)
    released: asyncio.Event = field(default_factory=asyncio.Event)

    def release(self) -> None:
        self.released.set()


class RateLimiter:
    """Global sliding-window limit over the sending methods."""

    def __init__(self, per_second: float) -> None:
        if per_second <= 0:
            raise ValueError("rate_limit_per_second must be positive")
        # Below 1/s the window stretches so that one call per 1/rate seconds passes.
        self.window = max(1.0, 1.0 / per_second)
        self.capacity = max(1, math.floor(per_second * self.window))
        self._stamps: collections.deque[float] = collections.deque()

    def allow(self, now: float) -> bool:
        while self._stamps and self._stamps[0] <= now - self.window:
            self._stamps.popleft()
        if len(self._stamps) >= self.capacity:
            return False
        self._stamps.append(now)
        return True


class FaultInjector:
    def __init__(self, rate_limit_per_second: float | None = None) -> None:
        self.rules: list[FaultRule] = []
        self.lost_answers: list[FaultRule] = []
        self.holds: list[HeldCall] = []
        self.rate_limiter = RateLimiter(rate_limit_per_second) if rate_limit_per_second else None

    def answer_lost(self, method: str, chat_id: int | str | None) -> bool:
        """Consume a lose_answer_next rule: the call is carried out, its answer dropped."""
        for rule in self.lost_answers:
            if rule.matches(method, chat_id):
                rule.remaining -= 1
                if rule.remaining <= 0:
                    self.lost_answers.remove(rule)
                return True
        return False

    def take_hold(self, method: str) -> HeldCall | None:
        """The first hold waiting for a call of ``method``, if any (used up)."""
        for hold in self.holds:
            if hold.method == method:
                self.holds.remove(hold)
                return hold
        return None

    def add_rule(self, rule: FaultRule) -> None:
        self.rules.append(rule)

    def scripted_failure(self, method: str, chat_id: int | str | None) -> BotAPIError | None:
        """Consume and return the first matching fail_next rule, if any."""
        for rule in self.rules:
            if rule.matches(method, chat_id):
                rule.remaining -= 1
                if rule.remaining <= 0:
                    self.rules.remove(rule)
                return BotAPIError(rule.error_code, rule.description, retry_after=rule.retry_after)
        return None

    def rate_limited(self, method: str, now: float) -> BotAPIError | None:
        if self.rate_limiter is None or method not in RATE_LIMITED_METHODS:
            return None
        if self.rate_limiter.allow(now):
            return None
        return BotAPIError(429, "Too Many Requests: retry after 1", retry_after=1)
