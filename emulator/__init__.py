"""A local Telegram Bot API emulator for driving a real python-telegram-bot Application.

See :class:`BotAPIEmulator` for the entry point and :mod:`emulator.testing`
for the pytest helper that runs an Application against it.
"""

from .emulator import BotAPIEmulator
from .errors import BotAPIError
from .state import RecordedCall
from .users import SimulatedGroup, SimulatedUser
from .views import Button, CallbackAnswer, ChatEvent, Document, InlineAnswer, Photo, SentMessage

__all__ = [
    "BotAPIEmulator",
    "BotAPIError",
    "Button",
    "CallbackAnswer",
    "ChatEvent",
    "Document",
    "InlineAnswer",
    "Photo",
    "RecordedCall",
    "SentMessage",
    "SimulatedGroup",
    "SimulatedUser",
]
