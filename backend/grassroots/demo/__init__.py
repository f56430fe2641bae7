"""The bilingual demo city: Yanbian's regions, departments and people, two months of cases
driven through the real workflow, and a live activity simulator (demo.simulator)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import timedelta

from tortoise.functions import Count

from ..clock import FrozenClock
from ..db import atomic, connection, is_sqlite
from ..models import (
    Account,
    Case,
    Category,
    Department,
    Event,
    Photo,
    Region,
    Whistle,
)
from ..workflow.runtime import Runtime
from .accounts import DEMO_PASSWORD, create_accounts
from .cast import Cast
from .city import build_city
from .history import HISTORY_DAYS, build_history
from .party import build_party

__all__ = ["DEMO_PASSWORD", "DemoResult", "build_demo", "is_empty"]

DEFAULT_SEED = 2026


@dataclass(frozen=True)
class DemoResult:
    hotline_token: str
    counts: dict[str, int] = field(default_factory=dict)
    # Refused workflow steps while playing the history (expected to be empty).
    failures: list[str] = field(default_factory=list)


async def is_empty() -> bool:
    """No regions yet: the demo may be built here."""
    return not await Region.exists()


@asynccontextmanager
async def _without_fsync() -> AsyncIterator[None]:
    """On SQLite, skip the fsync per commit while building (thousands of small transactions);
    the previous setting comes back afterwards. A crash mid-build just means rebuilding."""
    if not is_sqlite():
        yield
        return
    conn = connection()
    _, rows = await conn.execute_query("PRAGMA synchronous")
    previous = int(rows[0][0]) if rows else 2
    await conn.execute_script("PRAGMA synchronous=OFF")
    try:
        yield
    finally:
        await conn.execute_script(f"PRAGMA synchronous={previous}")


async def build_demo(rt: Runtime, *, cases: int = 300, seed: int = DEFAULT_SEED) -> DemoResult:
    """Fill an initialised, empty database with the demo city and `cases` historic cases.

    The history ends at `rt.clock.now()`; it is played on a frozen clock of its own, so `rt`
    may run on any clock. Same seed, same demo.
    """
    now = rt.clock.now()
    clock = FrozenClock(now - timedelta(days=HISTORY_DAYS + 1))
    past = Runtime(settings=rt.settings, clock=clock)
    async with _without_fsync():
        async with atomic():
            city = await build_city()
            accounts = await create_accounts(past, city)
        cast = await Cast.load()
        history = await build_history(past, clock, cast, cases=cases, until=now, seed=seed)
        party = await build_party(rt, city)
    counts: dict[str, int] = {
        "regions": await Region.all().count(),
        "departments": await Department.all().count(),
        "categories": await Category.all().count(),
        "accounts": await Account.all().count(),
        "cases": await Case.all().count(),
        "whistles": await Whistle.all().count(),
        "photos": await Photo.all().count(),
        "events": await Event.all().count(),
        "escalations": history.stats["escalations"],
    }
    by_status = Case.all().annotate(n=Count("id")).group_by("status").values_list("status", "n")
    for status, count in await by_status:
        counts[f"status:{status}"] = count
    counts.update(party.counts)
    return DemoResult(
        hotline_token=accounts.hotline_token,
        counts=counts,
        failures=history.failures + party.failures,
    )
