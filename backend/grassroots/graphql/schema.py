"""The schema: queries, mutations and subscriptions, with the limits that guard them."""

from __future__ import annotations

import functools
from dataclasses import dataclass

import strawberry
from graphql import GraphQLError
from strawberry import relay
from strawberry.schema.config import StrawberryConfig

from ..settings import Settings
from ..workflow.errors import WorkflowError
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
from .operations import GrassrootsSchema
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


def should_mask(error: GraphQLError) -> bool:
    """Expected errors (syntax, validation, permission, refused input) reach the client; any
    other exception is a bug and its message may leak internals."""
    original = error.original_error
    return not (original is None or isinstance(original, GraphQLError | WorkflowError))


@dataclass(frozen=True)
class SchemaOptions:
    production: bool = False
    introspection: bool = True
    max_query_depth: int = 12
    max_aliases: int = 30
    max_tokens: int = 5000
    max_query_cost: int = 50_000

    @classmethod
    def of(cls, settings: Settings) -> SchemaOptions:
        return cls(
            production=settings.production,
            introspection=settings.introspection,
            max_query_depth=settings.max_query_depth,
            max_aliases=settings.max_aliases,
            max_tokens=settings.max_tokens,
            max_query_cost=settings.max_query_cost,
        )


@functools.cache
def _schema(options: SchemaOptions) -> GrassrootsSchema:
    # Cached: building a schema takes a while, and settings rarely differ within a process.
    return GrassrootsSchema(
        query=query_type(),
        mutation=Mutation,
        subscription=Subscription,
        depth=options.max_query_depth,
        aliases=options.max_aliases,
        tokens=options.max_tokens,
        introspection=options.introspection,
        max_cost=options.max_query_cost,
        should_mask=should_mask if options.production else None,
        # No "did you mean …" in production: it would map the schema for a prober.
        config=StrawberryConfig(auto_camel_case=True, disable_field_suggestions=options.production),
    )


def build_schema(settings: Settings | None = None) -> GrassrootsSchema:
    return _schema(SchemaOptions.of(settings) if settings else SchemaOptions())


def export_sdl() -> str:
    return build_schema().as_str() + "\n"
