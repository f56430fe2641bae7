"""The event log as a query: what changed after a sequence, within the viewer's regions."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry.scalars import JSON

from .. import models
from ..live import eventlog
from ..workflow.actor import EVENTS_READ, REGION_READER_ROLES
from .context import Info
from .errors import decode_id
from .pagination import check_first
from .permissions import IsAuthenticated


@strawberry.type
class Event:
    seq: int = strawberry.field(description="Monotonic; resume after the last one you saw")
    kind: str
    created_at: datetime
    subject_type: str
    subject_id: strawberry.ID
    payload: JSON


def event_of(e: models.Event) -> Event:
    subject = strawberry.ID(str(strawberry.relay.GlobalID(e.subject_type, str(e.subject_id))))
    return Event(
        seq=e.seq,
        kind=e.kind,
        created_at=e.created_at,
        subject_type=e.subject_type,
        subject_id=subject,
        payload=e.payload,  # type: ignore[arg-type]
    )


@strawberry.type
class EventQueries:
    @strawberry.field(permission_classes=[IsAuthenticated])
    async def events(
        self, info: Info, region_id: strawberry.ID, since: int = 0, first: int = 100
    ) -> list[Event]:
        """Events after `since` in a region subtree the viewer reads, oldest first."""
        actor = info.context.actor
        assert actor is not None
        check_first(first)
        region = await models.Region.get_or_none(id=decode_id(region_id, "Region", "regionId"))
        readers = actor.reading(REGION_READER_ROLES, EVENTS_READ)
        if region is None or not actor.covers(region.path, readers):
            return []
        rows = await eventlog.read_after(since, region_path=region.path, limit=first)
        return [event_of(e) for e in rows]
