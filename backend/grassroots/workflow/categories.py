"""The categories and their SLA policies, as this process read them at most `ttl` seconds ago.

Every report, summons, acceptance and reopening needs its case's category, and the whole
tree is a few dozen rows that change only when an operator edits a policy in the database:
so the tree is read at once and kept, and an edit is seen within `ttl` (at once after a
restart). An id not in the kept tree reads the tree again before it is called unknown, so a
category added meanwhile is found at once; one deleted meanwhile is caught by the foreign key
when a case would use it, and the writer then expires the book (workflow.cases). The rows
are shared: never change them.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from ..models import Category

DEFAULT_TTL_SECONDS = 60.0


class CategoryBook:
    def __init__(
        self, ttl: float = DEFAULT_TTL_SECONDS, monotonic: Callable[[], float] = time.monotonic
    ) -> None:
        self.ttl = ttl
        self.monotonic = monotonic
        self._rows: dict[int, Category] = {}
        self._read_at = -float("inf")  # on the monotonic clock

    async def get(self, category_id: int) -> Category | None:
        fresh = self.monotonic() - self._read_at <= self.ttl
        if not fresh or category_id not in self._rows:
            await self._read()
        return self._rows.get(category_id)

    async def many(self, category_ids: list[int]) -> list[Category | None]:
        """The categories of the ids, in their order (a category loader's batch)."""
        fresh = self.monotonic() - self._read_at <= self.ttl
        if not fresh or any(i not in self._rows for i in category_ids):
            await self._read()
        return [self._rows.get(i) for i in category_ids]

    def expire(self) -> None:
        """The next `get` reads the tree again."""
        self._read_at = -float("inf")

    async def _read(self) -> None:
        read_at = self.monotonic()
        self._rows = {c.id: c for c in await Category.all()}
        self._read_at = read_at
