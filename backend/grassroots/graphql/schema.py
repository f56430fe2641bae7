"""The schema: queries, mutations and subscriptions, with the limits that guard them."""

from __future__ import annotations

import functools

import strawberry
from strawberry import relay
from strawberry.schema.config import StrawberryConfig

from ..settings import Settings
from .auth import AuthMutations, AuthQueries
from .calendar import CalendarMutations, CalendarQueries
from .case_mutations import CaseMutations
from .case_queries import CaseQueries
from .dashboard import DashboardQueries
from .directory_queries import DirectoryQueries
from .events import EventQueries
from .exports import ExportMutations
from .lists import ListMutations, ListQueries
from .node_ids import CheckedNodeIds
from .operations import GrassrootsSchema, SchemaOptions
from .party import PartyMutations, PartyQueries
from .subscriptions import Subscription
from .tasks import TaskMutations, TaskQueries
from .webhooks import WebhookMutations, WebhookQueries


def query_type() -> type:
    """A fresh Query class: relay's node fields bind to the first schema they meet."""

    @strawberry.type(name="Query")
    class Query(
        AuthQueries,
        DirectoryQueries,
        CaseQueries,
        EventQueries,
        DashboardQueries,
        PartyQueries,
        TaskQueries,
        ListQueries,
        WebhookQueries,
        CalendarQueries,
    ):
        node: relay.Node | None = relay.node(extensions=[CheckedNodeIds()])
        nodes: list[relay.Node | None] = relay.node(extensions=[CheckedNodeIds()])

    return Query


@strawberry.type
class Mutation(
    AuthMutations,
    CaseMutations,
    PartyMutations,
    TaskMutations,
    ListMutations,
    WebhookMutations,
    CalendarMutations,
    ExportMutations,
):
    pass


@functools.cache
def _schema(options: SchemaOptions) -> GrassrootsSchema:
    # Cached: building a schema takes a while, and settings rarely differ within a process.
    return GrassrootsSchema(
        query=query_type(),
        mutation=Mutation,
        subscription=Subscription,
        options=options,
        # No "did you mean …" in production: it would map the schema for a prober.
        config=StrawberryConfig(auto_camel_case=True, disable_field_suggestions=options.production),
    )


def build_schema(settings: Settings | None = None) -> GrassrootsSchema:
    return _schema(SchemaOptions.of(settings) if settings else SchemaOptions())


def export_sdl() -> str:
    return build_schema().as_str() + "\n"
