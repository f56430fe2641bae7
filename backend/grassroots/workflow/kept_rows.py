"""Rows of a small, slow-changing table (categories, regions, departments) as this process
read them at most `ttl` seconds ago.

Every report, summons, acceptance and reopening needs its case's category and SLA policy,
and every page of cases names its categories, regions and departments; those rows change
only when an operator edits them in the database. So a row once read is kept, and an edit
is seen within `ttl` (at once after a restart). An id not kept, or kept too long, is read
again (those of one call in one query), so a row added meanwhile is found at once and one
deleted meanwhile is forgotten at the next read; a writer whose foreign key finds a kept
category gone forgets it at once (workflow.cases). The rows are shared: never change them.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import Generic, TypeVar

from tortoise.models import Model

DEFAULT_TTL_SECONDS = 60.0

M = TypeVar("M", bound=Model)


class KeptRows(Generic[M]):
    def __init__(
        self,
        model: type[M],
        ttl: float = DEFAULT_TTL_SECONDS,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.model = model
        self.ttl = ttl
        self.monotonic = monotonic
        self._rows: dict[int, tuple[M, float]] = {}  # id → (row, when it was read)

    async def get(self, row_id: int) -> M | None:
        """The row of `row_id`, None if no row has it."""
        return (await self.many([row_id]))[0]

    async def many(self, ids: Iterable[int]) -> list[M | None]:
        """The rows of `ids`, in their order; None for an id no row has."""
        ids = list(ids)
        now = self.monotonic()
        stale = {i for i in ids if (kept := self._rows.get(i)) is None or now - kept[1] > self.ttl}
        if stale:
            for i in stale:
                self._rows.pop(i, None)
            for row in await self.model.filter(pk__in=sorted(stale)):
                self._rows[row.pk] = (row, now)
        return [kept[0] if (kept := self._rows.get(i)) else None for i in ids]

    def forget(self, row_id: int) -> None:
        """The next read of `row_id` goes to the database."""
        self._rows.pop(row_id, None)
