"""Wrong conference ID and password pairs on the website (PUBLIC_URL/), counted per
client and conference ID, so that a password cannot be found by trying: after
`limit` wrong tries within `window` seconds, that ID is locked for that client for
`lockout` seconds, whatever is typed (a right password included).

Kept in memory, in this process: a restart forgets the counts (the per-IP request limit
of the web side still applies), and several processes count separately. At most
`max_keys` pairs are kept; past that the least recent are dropped first.
"""

from __future__ import annotations

from collections import OrderedDict, deque
from dataclasses import dataclass, field

from bot.clock import Clock

LIMIT = 10
WINDOW_SECONDS = 15 * 60
LOCKOUT_SECONDS = 15 * 60
MAX_KEYS = 100_000


@dataclass
class _Tries:
    wrong_at: deque[int] = field(default_factory=lambda: deque(maxlen=LIMIT))
    locked_until: int = 0


class WrongGuesses:
    def __init__(
        self,
        clock: Clock,
        *,
        limit: int = LIMIT,
        window: int = WINDOW_SECONDS,
        lockout: int = LOCKOUT_SECONDS,
        max_keys: int = MAX_KEYS,
    ) -> None:
        self._clock = clock
        self.limit = limit
        self.window = window
        self.lockout = lockout
        self._max_keys = max_keys
        self._tries: OrderedDict[tuple[str, str], _Tries] = OrderedDict()

    @staticmethod
    def _key(client: str, code: str) -> tuple[str, str]:
        # The ID as the website looks it up (bot/conferences.py clean_code), so "ABC" and
        # " abc " are the same ID here too.
        return client, code.strip().lower()[:64]

    def locked_for(self, client: str, code: str) -> int:
        """Seconds until this client may try this ID again; 0 when it may now."""
        tries = self._tries.get(self._key(client, code))
        if tries is None:
            return 0
        return max(0, tries.locked_until - self._clock.timestamp())

    def wrong(self, client: str, code: str) -> None:
        """One wrong pair; the `limit`-th within `window` locks the ID for the client."""
        now = self._clock.timestamp()
        key = self._key(client, code)
        tries = self._tries.pop(key, None) or _Tries(deque(maxlen=self.limit))
        self._tries[key] = tries  # now the most recent
        tries.wrong_at.append(now)
        if len(tries.wrong_at) >= self.limit and now - tries.wrong_at[0] < self.window:
            tries.locked_until = now + self.lockout
            tries.wrong_at.clear()
        while len(self._tries) > self._max_keys:
            self._tries.popitem(last=False)
