"""The event log under concurrent writers: a follower sees every event, in order, even when
transactions commit in another order than they started (several connections on PostgreSQL)."""

from __future__ import annotations

import asyncio
import random

from grassroots.db import atomic
from grassroots.live import eventlog
from grassroots.models import Event

from .conftest import START

WRITERS = 40


async def test_a_follower_misses_no_event_of_concurrent_writers(app: object) -> None:
    hub = app.state.hub  # type: ignore[attr-defined]
    since = await eventlog.last_seq()
    seen: list[int] = []

    async def follow() -> None:
        async for event in hub.follow("/", since):
            seen.append(event.seq)

    follower = asyncio.create_task(follow())
    rng = random.Random(7)
    delays = [rng.uniform(0, 0.02) for _ in range(WRITERS)]

    # Given forty transactions that each append an event and then take a while to commit,
    # so that a later one would commit first if nothing kept them in order
    async def write(i: int) -> None:
        async with atomic():
            await eventlog.append(
                kind="test.written",
                region_path="/",
                subject_type="Test",
                subject_id=i,
                at=START,
            )
            await asyncio.sleep(delays[i])

    # When they all run at once while a follower reads the log
    await asyncio.gather(*(write(i) for i in range(WRITERS)))
    written = sorted(await Event.filter(kind="test.written").values_list("seq", flat=True))
    assert len(written) == WRITERS
    for _ in range(500):
        if hub.position >= written[-1] and len(seen) >= WRITERS:
            break
        await asyncio.sleep(0.01)
    follower.cancel()

    # Then the follower saw every one of them, in sequence order, none twice
    assert seen == written
