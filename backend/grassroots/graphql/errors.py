"""userErrors: expected failures of a mutation, with the input field they concern."""

from __future__ import annotations

import strawberry
from graphql import GraphQLError
from strawberry.relay import GlobalID, GlobalIDValueError

from ..storage_errors import storage_refusal
from ..workflow.errors import ErrorCode, WorkflowError, invalid, not_found
from .enums import ErrorCode as ErrorCodeEnum  # noqa: F401  (registers the enum)
from .node_ids import row_id


@strawberry.type
class UserError:
    field: str | None = strawberry.field(description="The input field, in camelCase")
    message: str
    code: ErrorCode


def user_errors(error: WorkflowError) -> list[UserError]:
    return [UserError(field=error.field, message=error.message, code=error.code)]


def clear_storage_refusals(errors: list[GraphQLError]) -> list[GraphQLError]:
    """A full or busy database met outside a mutation's userErrors (a query, login): a
    GraphQL error saying so, with its code, instead of the driver's text or a masked error."""
    return [_clear(error) for error in errors]


def _clear(error: GraphQLError) -> GraphQLError:
    refusal = storage_refusal(error.original_error) if error.original_error else None
    if refusal is None:
        return error
    return GraphQLError(
        refusal.message,
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        original_error=refusal,
        extensions={"code": refusal.code.value},
    )


def decode_id(value: strawberry.ID | str, type_name: str, field: str) -> int:
    """A global id of `type_name` to its database id; anything else is a userError."""
    try:
        gid = GlobalID.from_id(str(value))
    except GlobalIDValueError as exc:
        raise invalid(field, f"{field} is not a valid id") from exc
    pk = row_id(gid.node_id)
    if gid.type_name != type_name or pk is None:
        raise not_found(type_name, field)
    return pk


def decode_ids(values: list[strawberry.ID], type_name: str, field: str) -> list[int]:
    return [decode_id(v, type_name, field) for v in values]


def encode_id(type_name: str, pk: int) -> strawberry.ID:
    return strawberry.ID(str(GlobalID(type_name, str(pk))))


__all__ = [
    "ErrorCode",
    "UserError",
    "WorkflowError",
    "clear_storage_refusals",
    "decode_id",
    "decode_ids",
    "user_errors",
]
