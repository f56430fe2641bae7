"""Appending to and reading from the event log.

The log is the truth: subscribers replay it by sequence; a broker only wakes them.
`append` must be called inside the transaction of the change it records.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ..db import (
    atomic,
    connection,
    in_atomic,
    is_postgres,
    lock_event_log,
    note_committed_event,
)
from ..models import Event

# Where changes that belong to no region are logged (tokens, webhooks): no region's feed or
# webhook carries them, while a listener that follows the whole log ("/") hears them.
OUTSIDE_REGIONS = "/"


async def append(
    *,
    kind: str,
    region_path: str,
    subject_type: str,
    subject_id: int,
    at: datetime,
    actor_id: int | None = None,
    payload: dict[str, Any] | None = None,
) -> Event:
    if not in_atomic():  # the lock below lasts as long as a transaction: make one
        async with atomic():
            return await append(
                kind=kind,
                region_path=region_path,
                subject_type=subject_type,
                subject_id=subject_id,
                at=at,
                actor_id=actor_id,
                payload=payload,
            )
    await lock_event_log()
    numbered: dict[str, Any] = {"seq": await _next_seq()} if is_postgres() else {}
    event = await Event.create(
        **numbered,
        kind=kind,
        region_path=region_path,
        subject_type=subject_type,
        subject_id=subject_id,
        actor_id=actor_id,
        created_at=at,
        payload=payload or {},
    )
    note_committed_event(event.seq)
    return event


async def _next_seq() -> int:
    """PostgreSQL's next number, taken under the event-log lock. A sequence would hand out
    numbers that a transaction dying mid-way (a killed server) never uses: gaps. Under the
    lock the highest committed number is known, and a rolled-back one is simply taken again
    (nobody can have seen it). SQLite numbers rows this way by itself."""
    rows = await connection().execute_query_dict('SELECT MAX("seq") AS "top" FROM "event"')
    return int(rows[0]["top"] or 0) + 1


async def read_after(since: int, *, region_path: str = "/", limit: int = 500) -> list[Event]:
    """Events with a sequence above `since` in a region subtree, oldest first."""
    return (
        await Event.filter(seq__gt=since, region_path__startswith=region_path)
        .order_by("seq")
        .limit(limit)
    )


async def last_seq() -> int:
    event = await Event.all().order_by("-seq").first()
    return event.seq if event else 0
