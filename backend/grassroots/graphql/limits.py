"""Cost control: a query-cost limit reported in `extensions`, and rate limits on login and
mutations.

Cost is the number of objects a query can touch: each field counts one, multiplied by the
page size of the connections and an estimate for plain lists above it. It is computed on
the validated document before anything runs, so a costly query is refused for free.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLList,
    GraphQLNamedType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    OperationType,
    SelectionSetNode,
    get_named_type,
    value_from_ast_untyped,
)
from graphql.type.definition import GraphQLInterfaceType
from graphql.validation import ValidationRule

from .pagination import MAX_PAGE

# What a plain list (children, departments, timeline …) is assumed to hold.
LIST_ESTIMATE = 25


def _unwrap(type_: Any) -> Any:
    while isinstance(type_, GraphQLNonNull):
        type_ = type_.of_type
    return type_


def _is_connection(type_: GraphQLNamedType) -> bool:
    return type_.name.endswith("Connection")


class CostCounter:
    def __init__(
        self,
        schema: GraphQLSchema,
        fragments: Mapping[str, FragmentDefinitionNode],
        variables: Mapping[str, Any],
    ) -> None:
        self.schema = schema
        self.fragments = fragments
        self.variables = variables

    def _page(self, node: FieldNode) -> int:
        args = {
            a.name.value: value_from_ast_untyped(a.value, dict(self.variables))
            for a in node.arguments or ()
        }
        sizes = [v for k in ("first", "last") if isinstance(v := args.get(k), int)]
        return min(max(sizes), MAX_PAGE) if sizes else MAX_PAGE  # no size given: the worst

    def count(
        self, selections: SelectionSetNode, parent: Any, seen: frozenset[str] = frozenset()
    ) -> int:
        total = 0
        for node in selections.selections:
            if isinstance(node, FieldNode):
                total += self._field(node, parent, seen)
            elif isinstance(node, InlineFragmentNode):
                on = (
                    self.schema.get_type(node.type_condition.name.value)
                    if node.type_condition
                    else parent
                )
                total += self.count(node.selection_set, on, seen)
            elif isinstance(node, FragmentSpreadNode):
                name = node.name.value
                fragment = self.fragments.get(name)
                if fragment is not None and name not in seen:
                    on = self.schema.get_type(fragment.type_condition.name.value)
                    total += self.count(fragment.selection_set, on, seen | {name})
        return total

    def _field(self, node: FieldNode, parent: Any, seen: frozenset[str]) -> int:
        name = node.name.value
        if name.startswith("__") or not isinstance(
            parent, GraphQLObjectType | GraphQLInterfaceType
        ):
            return 1
        definition = parent.fields.get(name)
        if definition is None:
            return 1
        named = get_named_type(definition.type)
        if node.selection_set is None:
            return 1
        children = self.count(node.selection_set, named, seen)
        if _is_connection(named):
            factor = self._page(node)
        elif isinstance(_unwrap(definition.type), GraphQLList) and not _is_connection(parent):
            # A connection's edges/nodes are already counted by its page size.
            factor = LIST_ESTIMATE
        else:
            factor = 1
        return 1 + factor * children


# The largest cost an answer reports: a few nested lists within the depth limit multiply
# past 2**64, which JSON encoders refuse and JavaScript cannot hold exactly anyway.
MAX_REPORTED_COST = 2**53 - 1


def query_cost(
    schema: GraphQLSchema, document: Any, operation_name: str | None, variables: Mapping[str, Any]
) -> int:
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    counter = CostCounter(schema, fragments, variables or {})
    for definition in document.definitions:
        if getattr(definition, "operation", None) is None:
            continue
        if operation_name and (definition.name is None or definition.name.value != operation_name):
            continue
        root = {
            OperationType.QUERY: schema.query_type,
            OperationType.MUTATION: schema.mutation_type,
            OperationType.SUBSCRIPTION: schema.subscription_type,
        }[definition.operation]
        return min(counter.count(definition.selection_set, root), MAX_REPORTED_COST)
    return 0


def refuse_costly(cost: int, limit: int) -> None:
    """An operation whose cost is above the limit is refused with QUERY_TOO_COSTLY."""
    if cost > limit:
        raise GraphQLError(
            f"The query could touch {cost} objects; the limit is {limit}. "
            "Ask for smaller pages (first/last) or fewer nested lists.",
            extensions={"code": "QUERY_TOO_COSTLY", "cost": cost, "limit": limit},
        )


def field_duplicates_rule(limit: int) -> type[ValidationRule]:
    """Refuses a selection set that names the same field more than `limit` times: identical
    fields merge into one answer, so repeating them only makes the server work."""

    class MaxFieldDuplicates(ValidationRule):
        def enter_selection_set(self, node: SelectionSetNode, *_args: Any) -> None:
            counts: dict[str, int] = {}
            for selection in node.selections:
                if isinstance(selection, FieldNode):
                    key = (selection.alias or selection.name).value
                    counts[key] = counts.get(key, 0) + 1
                    if counts[key] == limit + 1:
                        self.report_error(
                            GraphQLError(
                                f"The field '{key}' is selected more than {limit} times in one "
                                "selection set",
                                selection,
                            )
                        )

    return MaxFieldDuplicates


# --- rate limits ------------------------------------------------------------------------


class TokenBuckets:
    """Token buckets per key, in this process. Idle keys are forgotten first when the table
    is full, so spoofed or rotating keys cannot grow memory without bound."""

    def __init__(self, per_minute: int, *, max_keys: int = 100_000) -> None:
        self.capacity = float(per_minute)
        self.rate = per_minute / 60.0
        self.max_keys = max_keys
        self.buckets: OrderedDict[Any, tuple[float, float]] = OrderedDict()

    def take(self, key: Any, now: float | None = None) -> float:
        """Takes one token; returns 0 when allowed, else the seconds until one is free."""
        now = time.monotonic() if now is None else now
        tokens, last = self.buckets.pop(key, (self.capacity, now))
        tokens = min(self.capacity, tokens + (now - last) * self.rate)
        wait = 0.0
        if tokens >= 1:
            tokens -= 1
        else:
            wait = (1 - tokens) / self.rate
        self.buckets[key] = (tokens, now)
        if len(self.buckets) > self.max_keys:
            self.buckets.popitem(last=False)
        return wait


class RateLimits:
    def __init__(self, login_per_minute: int, mutations_per_minute: int) -> None:
        self.login = TokenBuckets(login_per_minute)
        self.mutations = TokenBuckets(mutations_per_minute)


def _client_ip(request: Any) -> str:
    client = getattr(request, "client", None)
    return client.host if client else "unknown"


def check_rate(ctx: Any, document: Any, operation_name: str | None) -> None:
    """Login is limited per client address; other mutations per token (or per address for
    anonymous callers). A refused call changes nothing and says when to retry."""
    limits: RateLimits | None = getattr(ctx, "limits", None)
    if limits is None:
        return
    fields = _root_fields(document, operation_name)
    ip = _client_ip(ctx.request)
    waits = []
    if "login" in fields:
        waits.append(limits.login.take(("ip", ip)))
    if fields - {"login"}:
        actor = ctx.actor
        key = ("token", actor.token_id) if actor and actor.token_id else ("ip", ip)
        waits.append(limits.mutations.take(key))
    wait = max(waits, default=0.0)
    if wait > 0:
        seconds = max(1, round(wait))
        raise GraphQLError(
            f"Too many requests: try again in {seconds} s",
            extensions={"code": "RATE_LIMITED", "retryAfterSeconds": seconds},
        )


def _root_fields(document: Any, operation_name: str | None) -> set[str]:
    for definition in getattr(document, "definitions", ()):
        if getattr(definition, "operation", None) is None:
            continue
        if operation_name and (definition.name is None or definition.name.value != operation_name):
            continue
        return {
            s.name.value for s in definition.selection_set.selections if isinstance(s, FieldNode)
        }
    return set()
