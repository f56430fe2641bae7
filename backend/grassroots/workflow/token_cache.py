"""Tokens this process has checked recently, so a client's every request does not read its
token, account and bindings again (the bulk of a small query's cost).

An entry lives `ttl` seconds. What can change a checked token's answer: its expiry (checked
on every hit, against the clock), its revocation (dropped at once in the revoking process,
and in the others when they hear the log's token.revoked event: at once through the broker,
within the hub's poll interval without it), and an account disabled by hand in the database
(seen within `ttl`). Bindings of an existing account never change through the API.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .auth import Authenticated

MAX_ENTRIES = 10_000


class TokenCache:
    def __init__(self, ttl: float, max_entries: int = MAX_ENTRIES) -> None:
        self.ttl = ttl
        self.max_entries = max_entries
        # token digest -> (checked at, on the monotonic clock; what the check found)
        self._entries: OrderedDict[str, tuple[float, Authenticated]] = OrderedDict()
        # Bumped by every revocation heard: a check that began before one may have read the
        # token as it was, so its answer is not kept (see `put`).
        self.generation = 0

    def get(self, digest: str) -> Authenticated | None:
        entry = self._entries.get(digest)
        if entry is None:
            return None
        checked_at, found = entry
        if time.monotonic() - checked_at > self.ttl:
            del self._entries[digest]
            return None
        return found

    def put(self, digest: str, found: Authenticated, generation: int) -> None:
        """Keeps what a check found, unless a token was revoked since it began
        (`generation` is the value it read before it started)."""
        if self.ttl <= 0 or generation != self.generation:
            return
        self._entries[digest] = (time.monotonic(), found)
        self._entries.move_to_end(digest)
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)

    def forget_token(self, token_id: int) -> None:
        self.generation += 1
        for digest, (_, found) in list(self._entries.items()):
            if found.actor.token_id == token_id:
                del self._entries[digest]

    def __len__(self) -> int:
        return len(self._entries)
