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
    event = Event(
        kind=kind,
        region_path=region_path,
        subject_type=subject_type,
        subject_id=subject_id,
        actor_id=actor_id,
        created_at=at,
        payload=payload or {},
    )
    if is_postgres():
        event.seq = await _insert_numbered(event)
    else:  # SQLite numbers the row itself, one writer at a time
        await event.save()
    note_committed_event(event.seq)
    return event


# PostgreSQL: the row takes the highest committed number + 1, under the event-log lock taken
# by the statement before (so this statement's snapshot sees the last holder's commit). A
# sequence would hand out numbers that a transaction dying mid-way (a killed server) never
# uses: gaps; here a rolled-back number is simply taken again, and nobody can have seen it.
# One statement: the lock, which every write of the city waits for, is held one round trip
# shorter than with a SELECT MAX first.
_COLUMNS = (
    "created_at",
    "kind",
    "region_path",
    "subject_type",
    "subject_id",
    "actor_id",
    "payload",
)
_NAMES = ", ".join(f'"{c}"' for c in _COLUMNS)
_MARKS = ", ".join(f"${i}" for i in range(1, len(_COLUMNS) + 1))
_INSERT_NUMBERED = (
    f'INSERT INTO "event" ("seq", {_NAMES}) '
    f'SELECT COALESCE(MAX("seq"), 0) + 1, {_MARKS} FROM "event" RETURNING "seq"'
)


async def _insert_numbered(event: Event) -> int:
    fields = Event._meta.fields_map
    values = [fields[name].to_db_value(getattr(event, name), event) for name in _COLUMNS]
    rows = await connection().execute_query_dict(_INSERT_NUMBERED, values)
    return int(rows[0]["seq"])


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
