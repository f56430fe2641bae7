"""Running a mutation's workflow call and turning its refusal into userErrors."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from graphql import GraphQLError

from ..storage_errors import storage_refusal
from ..workflow.errors import WorkflowError
from .errors import user_errors

P = TypeVar("P")


async def run(payload: Callable[..., P], action: Callable[[], Awaitable[dict[str, Any]]]) -> P:
    try:
        values = await action()
    except WorkflowError as error:
        return payload(user_errors=user_errors(error))
    except Exception as error:
        # A full or busy database rolled the change back: a refusal, not a bug.
        refusal = storage_refusal(error)
        if refusal is None:
            raise
        return payload(user_errors=user_errors(refusal))
    return payload(**values)


def query_error(error: WorkflowError) -> GraphQLError:
    """A bad filter or cursor in a query: a GraphQL error naming the argument."""
    return GraphQLError(f"{error.field}: {error.message}" if error.field else error.message)
