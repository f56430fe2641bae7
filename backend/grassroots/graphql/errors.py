"""userErrors: expected failures of a mutation, with the input field they concern."""

from __future__ import annotations

import strawberry
from strawberry.relay import GlobalID, GlobalIDValueError

from ..workflow.errors import ErrorCode, WorkflowError, invalid, not_found
from .enums import ErrorCode as ErrorCodeEnum  # noqa: F401  (registers the enum)


@strawberry.type
class UserError:
    field: str | None = strawberry.field(description="The input field, in camelCase")
    message: str
    code: ErrorCode


def user_errors(error: WorkflowError) -> list[UserError]:
    return [UserError(field=error.field, message=error.message, code=error.code)]


def decode_id(value: strawberry.ID | str, type_name: str, field: str) -> int:
    """A global id of `type_name` to its database id; anything else is a userError."""
    try:
        gid = GlobalID.from_id(str(value))
    except GlobalIDValueError as exc:
        raise invalid(field, f"{field} is not a valid id") from exc
    if gid.type_name != type_name:
        raise not_found(type_name, field)
    try:
        return int(gid.node_id)
    except ValueError as exc:
        raise not_found(type_name, field) from exc


def decode_ids(values: list[strawberry.ID], type_name: str, field: str) -> list[int]:
    return [decode_id(v, type_name, field) for v in values]


def encode_id(type_name: str, pk: int) -> strawberry.ID:
    return strawberry.ID(str(GlobalID(type_name, str(pk))))


__all__ = ["ErrorCode", "UserError", "WorkflowError", "decode_id", "decode_ids", "user_errors"]
