"""How a query or mutation runs: one lean path from the document text to the result.

Strawberry runs an operation through its extension runner: every request instantiates the
extensions, inspects their hooks and enters a context manager per hook and phase. Measured
here on `{ me { id } }`: 152 µs per operation through the runner with the guards as
extensions, against 52 µs for graphql-core's execution of the same document, so the
guards cost twice the work they guard. This path does what those extensions did, in order,
as plain calls: the cached parse and validation (documents.py), the cost limit, the rate
limit on mutations, execution, then the error policy (storage refusals told clearly, bugs
masked in production, every error logged) and the operation metrics.

Strawberry's HTTP view and the WebSocket endpoint's queries call `execute` as before;
subscriptions are run by the WebSocket endpoint (ws.py) on the same documents.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import strawberry
from graphql import (
    ExecutionResult as GraphQLExecutionResult,
)
from graphql import (
    GraphQLError,
    execute,
    get_operation_ast,
)
from strawberry.exceptions import MissingQueryError
from strawberry.execution import optimized_is_awaitable
from strawberry.extensions import MaskErrors
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.schema.schema import execution_context_class_kwargs
from strawberry.types import ExecutionResult
from strawberry.types.graphql import OperationType

from ..metrics import count_operation, count_refused
from ..settings import Settings
from ..workflow.errors import WorkflowError
from .documents import Documents
from .errors import clear_storage_refusals
from .limits import check_rate, query_cost, refuse_costly
from .planned import PlanCache, PlannedExecutor

ALL_OPERATIONS = frozenset(OperationType)


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


class GrassrootsSchema(strawberry.Schema):
    """The schema, with `execute` on the lean path. Built by schema.build_schema."""

    def __init__(self, *args: Any, options: SchemaOptions, **kwargs: Any) -> None:
        # Queries are walked on plans first (planned.py); the rest runs as Strawberry's.
        super().__init__(*args, **{**kwargs, "execution_context_class": PlannedExecutor})
        self.documents = Documents(
            self._schema,
            depth=options.max_query_depth,
            aliases=options.max_aliases,
            tokens=options.max_tokens,
            introspection=options.introspection,
            suggestions=not self.config.disable_field_suggestions,
        )
        self.max_cost = options.max_query_cost
        self.production = options.production
        self.masker = MaskErrors()
        self.plans = PlanCache()
        self.context_class_kwargs = execution_context_class_kwargs(self.execution_context_class)

    async def execute(
        self,
        query: str | None,
        variable_values: dict[str, Any] | None = None,
        context_value: Any | None = None,
        root_value: Any | None = None,
        operation_name: str | None = None,
        allowed_operation_types: Iterable[OperationType] | None = None,
        operation_extensions: dict[str, Any] | None = None,
    ) -> ExecutionResult:
        if not query:
            raise MissingQueryError
        document = self.documents.document(query)
        if isinstance(document, list):
            return self._refused(document)
        operation = get_operation_ast(document, operation_name)
        if operation is None:
            raise CannotGetOperationTypeError(operation_name)
        kind = OperationType(operation.operation.value)
        if kind not in (allowed_operation_types or ALL_OPERATIONS):
            raise InvalidOperationTypeError(kind)
        cost = (
            query_cost(self._schema, document, operation_name, variable_values)
            if variable_values
            else self.documents.cost_without_variables(query, operation_name)
        )
        try:
            refuse_costly(cost, self.max_cost)
        except GraphQLError as error:
            return self._refused([error], self._cost(cost))
        if kind is OperationType.MUTATION:
            try:
                check_rate(context_value, document, operation_name)
            except GraphQLError as error:
                return self._refused([error], self._cost(cost))
        result = execute(
            self._schema,
            document,
            root_value=root_value,
            context_value=context_value,
            variable_values=variable_values,
            operation_name=operation_name,
            is_awaitable=optimized_is_awaitable,  # type: ignore[arg-type]
            **self.context_class_kwargs,
            # for PlannedExecutor: where its plans are kept, and what they are kept by
            plans=self.plans,
            source_document=document,
            raw_variables=variable_values,
        )
        if optimized_is_awaitable(result):
            result = await result  # type: ignore[misc]
        assert isinstance(result, GraphQLExecutionResult)
        errors = self._errors(result.errors) if result.errors else None
        count_operation(document, operation_name, kind.value, bool(errors))
        return ExecutionResult(data=result.data, errors=errors, extensions=self._cost(cost))

    # The guards above run on `execute` alone: the other entry points are closed, so no
    # caller can reach the resolvers around them.
    def execute_sync(self, *args: Any, **kwargs: Any) -> ExecutionResult:
        raise NotImplementedError("operations run through execute (HTTP) or the live endpoint")

    async def subscribe(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError("subscriptions run through the live endpoint (graphql/ws.py)")

    def _cost(self, requested: int) -> dict[str, Any]:
        """Every answer that got as far as costing its operation reports the cost."""
        return {"cost": {"requested": requested, "limit": self.max_cost}}

    def _refused(
        self, errors: list[GraphQLError], extensions: dict[str, Any] | None = None
    ) -> ExecutionResult:
        """Refused before it ran (syntax, validation, limits): nothing was executed."""
        count_refused()
        return ExecutionResult(data=None, errors=self._errors(errors), extensions=extensions)

    def _errors(self, errors: list[GraphQLError]) -> list[GraphQLError]:
        # Logged as raised, before masking; told to the client after it.
        self.process_errors(errors)
        errors = clear_storage_refusals(errors)
        if not self.production:
            return errors
        return [self.masker.anonymise_error(e) if should_mask(e) else e for e in errors]
