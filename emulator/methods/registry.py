"""Method registry: maps case-insensitive Bot API method names to handlers.

Handlers get a :class:`MethodContext` and return the ``result`` value or
raise :class:`~emulator.errors.BotAPIError`.  They may be plain functions
(most are: state changes are synchronous) or coroutines (getUpdates waits).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from ..config import EmulatorConfig
from ..params import Params
from ..state import EmulatorState

__all__ = ["MethodContext", "MethodSpec", "REGISTRY", "api_method"]


@dataclass
class MethodContext:
    state: EmulatorState
    params: Params
    config: EmulatorConfig


Handler = Callable[[MethodContext], Any | Awaitable[Any]]


@dataclass(frozen=True)
class MethodSpec:
    name: str  # canonical camelCase name, used in recorded calls
    handler: Handler


REGISTRY: dict[str, MethodSpec] = {}


def api_method(*names: str) -> Callable[[Handler], Handler]:
    """Register a handler under one or more Bot API method names."""

    def decorator(func: Handler) -> Handler:
        for name in names:
            REGISTRY[name.lower()] = MethodSpec(name, func)
        return func

    return decorator
