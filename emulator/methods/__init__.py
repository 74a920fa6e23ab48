"""Bot API method implementations.

Importing this package registers every method in :data:`REGISTRY`.
"""

from . import bot, chats, files, messages, queries  # noqa: F401  (registration side effects)
from .registry import REGISTRY, MethodContext, MethodSpec, api_method

__all__ = ["REGISTRY", "MethodContext", "MethodSpec", "api_method"]
