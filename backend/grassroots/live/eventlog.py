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
from ..row_inserts import json_rows, json_source

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
    event = Event(
        kind=kind,
        region_path=region_path,
        subject_type=subject_type,
        subject_id=subject_id,
        actor_id=actor_id,
        created_at=at,
        payload=payload or {},
    )
    await append_all([event])
    return event


async def append_all(events: list[Event]) -> None:
    """Append `events` (new, unnumbered) in this order; they take their sequence numbers."""
    if not in_atomic():  # the lock below lasts as long as a transaction: make one
        async with atomic():
            return await append_all(events)
    await lock_event_log()
    if is_postgres():
        for event, seq in zip(events, await _insert_numbered(events), strict=True):
            event.seq = seq
    else:  # SQLite numbers each row itself, one writer at a time
        for event in events:
            await event.save()
    for event in events:
        note_committed_event(event.seq)


# PostgreSQL: the rows take the highest committed number + 1, + 2 …, under the event-log lock
# taken by the statement before (so this statement's snapshot sees the last holder's
# commit). A sequence would hand out numbers that a transaction dying mid-way (a killed
# server) never uses: gaps; here a rolled-back number is simply taken again, and nobody can
# have seen it. One statement, the rows as one JSON array (as row_inserts does): the lock,
# which every write of the city waits for, is held one round trip shorter than with a
# SELECT MAX first, and one statement serves a batch of any size.
_COLUMNS = (
    "created_at",
    "kind",
    "region_path",
    "subject_type",
    "subject_id",
    "actor_id",
    "payload",
)
_FIELDS = [(c, Event._meta.fields_map[c]) for c in _COLUMNS]
_NAMES = ", ".join(f'"{c}"' for c in _COLUMNS)
_PICKED = ", ".join(f'r."{c}"' for c in _COLUMNS)
_INSERT_NUMBERED = (
    f'INSERT INTO "event" ("seq", {_NAMES}) '
    f"SELECT top.seq + r.ordinality, {_PICKED} "
    f'FROM (SELECT COALESCE(MAX("seq"), 0) AS seq FROM "event") AS top, {json_source("event")} '
    f'RETURNING "seq"'
)


async def _insert_numbered(events: list[Event]) -> list[int]:
    """The events' sequence numbers, in their order."""
    document = json_rows(events, _FIELDS)
    returned = await connection().execute_query_dict(_INSERT_NUMBERED, [document])
    return sorted(int(r["seq"]) for r in returned)


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
