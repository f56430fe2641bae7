"""The schema: queries, mutations and the extensions that guard and speed them."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry import relay
from strawberry.extensions import (
    AddValidationRules,
    MaskErrors,
    MaxTokensLimiter,
    ParserCache,
    ValidationCache,
)
from strawberry.schema.config import StrawberryConfig

from ..metrics import OperationMetrics
from ..settings import Settings
from ..workflow.errors import WorkflowError
from .auth import AuthMutations, AuthQueries
from .calendar import CalendarMutations, CalendarQueries
from .case_mutations import CaseMutations
from .case_queries import CaseQueries
from .dashboard import DashboardQueries
from .directory_queries import DirectoryQueries
from .errors import StorageRefusals
from .events import EventQueries
from .exports import ExportMutations
from .limits import MutationRateLimiter, cost_limiter, field_duplicates_rule
from .lists import ListMutations, ListQueries
from .node_ids import CheckedNodeIds
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


def extensions(settings: SchemaOptions) -> list[Any]:
    """Factories, so each request gets fresh extension state. The limit rules are built
    once: the validation cache is keyed on the rule classes, and new classes per request
    would make it miss every time."""
    from graphql.validation import NoSchemaIntrospectionCustomRule
    from strawberry.extensions.max_aliases import create_validator as alias_rule
    from strawberry.extensions.query_depth_limiter import create_validator as depth_rule

    rules: list[Any] = [
        depth_rule(settings.max_query_depth, None),
        alias_rule(settings.max_aliases),
        field_duplicates_rule(10),
    ]
    if not settings.introspection:
        rules.append(NoSchemaIntrospectionCustomRule)
    cost = cost_limiter(settings.max_query_cost)
    chosen: list[Any] = [
        OperationMetrics,
        MutationRateLimiter,
        lambda: ParserCache(maxsize=256),
        lambda: ValidationCache(maxsize=256),
        lambda: AddValidationRules(rules),
        lambda: MaxTokensLimiter(max_token_count=settings.max_tokens),
        cost,
    ]
    if settings.production:
        chosen.append(lambda: MaskErrors(should_mask_error=should_mask))
    # Last, so it sees the errors before MaskErrors does (extensions unwind in reverse).
    chosen.append(StorageRefusals)
    return chosen


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
def _schema(options: SchemaOptions) -> strawberry.Schema:
    # Cached: building a schema takes a while, and settings rarely differ within a process.
    return strawberry.Schema(
        query=query_type(),
        mutation=Mutation,
        subscription=Subscription,
        extensions=extensions(options),
        # No "did you mean …" in production: it would map the schema for a prober.
        config=StrawberryConfig(auto_camel_case=True, disable_field_suggestions=options.production),
    )


def build_schema(settings: Settings | None = None) -> strawberry.Schema:
    return _schema(SchemaOptions.of(settings) if settings else SchemaOptions())


def export_sdl() -> str:
    return build_schema().as_str() + "\n"
