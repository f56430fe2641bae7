"""Subscriptions: what a client may follow, and the Subscription type of the schema.

`feed_for` decides, once per subscription, what it follows and whether the viewer may; both
the Subscription resolvers below and the fan-out WebSocket endpoint (graphql/ws.py) use it,
so the rules exist once.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from dataclasses import dataclass
from typing import Any

import strawberry
from graphql import GraphQLError

from .. import models
from ..workflow.actor import EVENTS_READ, REGION_READER_ROLES
from ..workflow.cases import load_visible_case
from ..workflow.dashboard import may_see_dashboard
from ..workflow.errors import WorkflowError
from .case_types import CaseType
from .context import Context, Info
from .dashboard import DashboardType, dashboard_for
from .errors import decode_id
from .events import Event, event_of

FEEDS = ("events", "caseUpdated", "dashboardUpdated")


@dataclass(frozen=True)
class Feed:
    """What one subscription follows: a region subtree's events, or one case."""

    field: str
    region_path: str
    since: int | None = None
    case_id: int | None = None
    region_id: int | None = None

    @property
    def is_snapshot(self) -> bool:
        """Sends the latest state (throttled), not every event."""
        return self.field == "dashboardUpdated"

    def wants(self, event: models.Event) -> bool:
        if self.case_id is None:
            return True
        return event.subject_type == "Case" and event.subject_id == self.case_id


async def feed_for(field: str, args: dict[str, Any], ctx: Context) -> Feed:
    """The feed a subscription follows; a GraphQLError when the viewer may not follow it."""
    actor = ctx.actor
    if actor is None:
        raise GraphQLError("Sign in first: send your token in connection_init")
    if field == "events":
        try:
            region_id = decode_id(args["regionId"], "Region", "regionId")
        except WorkflowError as error:
            raise GraphQLError(f"regionId: {error.message}") from error
        region = await models.Region.get_or_none(id=region_id)
        readers = actor.reading(REGION_READER_ROLES, EVENTS_READ)
        if region is None or not actor.covers(region.path, readers):
            raise GraphQLError("regionId: you may not follow this region")
        since = args.get("since")
        if since is not None and since < 0:
            raise GraphQLError("since: must be a sequence number, 0 or more")
        return Feed(field, region.path, since=since)
    if field == "dashboardUpdated":
        try:
            region_id = decode_id(args["regionId"], "Region", "regionId")
        except WorkflowError as error:
            raise GraphQLError(f"regionId: {error.message}") from error
        region = await models.Region.get_or_none(id=region_id)
        if region is None or not may_see_dashboard(actor, region):
            raise GraphQLError("regionId: you may not follow this region's dashboard")
        return Feed(field, region.path, region_id=region.id)
    if field == "caseUpdated":
        try:
            case = await load_visible_case(actor, decode_id(args["id"], "Case", "id"), "id")
        except WorkflowError as error:
            raise GraphQLError(f"id: {error.message}") from error
        return Feed(field, case.region_path, case_id=case.id)
    raise GraphQLError(f"{field} is not a live feed")


async def root_for(feed: Feed, event: models.Event | None, ctx: Context) -> Any:
    """The value the subscription field yields for `event` (None for a snapshot feed);
    None to skip it."""
    if feed.field == "events" and event is not None:
        return event_of(event)
    if feed.field == "dashboardUpdated" and feed.region_id is not None:
        return await dashboard_for(ctx, feed.region_id)
    if feed.field == "caseUpdated":
        shim: Any = _InfoShim(ctx)
        found = await CaseType.resolve_nodes(info=shim, node_ids=[str(feed.case_id)])
        return found[0]
    return None


@dataclass
class _InfoShim:
    """Node resolvers only read info.context."""

    context: Context


async def _follow(info: Info, field: str, args: dict[str, Any]) -> AsyncGenerator[Any, None]:
    """The plain path (one stream per subscriber), for executions outside graphql/ws.py."""
    ctx = info.context
    feed = await feed_for(field, args, ctx)
    assert ctx.hub is not None, "the event hub runs with the app"
    if feed.is_snapshot:
        yield await root_for(feed, None, ctx)
    async for event in ctx.hub.follow(feed.region_path, feed.since):
        if feed.wants(event):
            ctx.loaders = type(ctx.loaders)(ctx.rt)  # a fresh cache: the case has changed
            root = await root_for(feed, event, ctx)
            if root is not None:
                yield root


@strawberry.type
class Subscription:
    @strawberry.subscription(
        description="Events of a region subtree after sequence `since` (replayed from the log), "
        "then live; in order, no gaps, no duplicates. Reconnect with the last seq you saw."
    )
    async def events(
        self, info: Info, region_id: strawberry.ID, since: int | None = None
    ) -> AsyncGenerator[Event, None]:
        async for item in _follow(info, "events", {"regionId": region_id, "since": since}):
            yield item

    @strawberry.subscription(
        description="The region's dashboard now, then again at most once a second while "
        "something changes in the region; nothing while nothing does"
    )
    async def dashboard_updated(
        self, info: Info, region_id: strawberry.ID
    ) -> AsyncGenerator[DashboardType | None, None]:
        async for item in _follow(info, "dashboardUpdated", {"regionId": region_id}):
            yield item

    @strawberry.subscription(description="The case after each change")
    async def case_updated(
        self, info: Info, id: strawberry.ID
    ) -> AsyncGenerator[CaseType | None, None]:
        async for item in _follow(info, "caseUpdated", {"id": id}):
            yield item
