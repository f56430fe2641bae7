"""Expected failures of the workflow, each with a code the API exposes as a userError."""

from __future__ import annotations

from enum import StrEnum


class ErrorCode(StrEnum):
    NOT_FOUND = "NOT_FOUND"
    UNAUTHENTICATED = "UNAUTHENTICATED"
    PERMISSION_DENIED = "PERMISSION_DENIED"
    INVALID_INPUT = "INVALID_INPUT"
    INVALID_TRANSITION = "INVALID_TRANSITION"
    NOT_SUMMONED = "NOT_SUMMONED"
    ALREADY_CLAIMED = "ALREADY_CLAIMED"
    CONFLICT = "CONFLICT"
    DUPLICATE = "DUPLICATE"
    TOO_EARLY = "TOO_EARLY"
    TOO_LATE = "TOO_LATE"
    FULL = "FULL"
    OVERLAP = "OVERLAP"
    NOT_REGISTERED = "NOT_REGISTERED"
    INVALID_CREDENTIALS = "INVALID_CREDENTIALS"
    UPLOAD_INVALID = "UPLOAD_INVALID"
    UPLOAD_TOO_LARGE = "UPLOAD_TOO_LARGE"
    TOO_MANY_UPLOADS = "TOO_MANY_UPLOADS"
    STORAGE_FULL = "STORAGE_FULL"  # nothing was saved; try again once space is freed
    DATABASE_BUSY = "DATABASE_BUSY"  # nothing was saved; try again


class WorkflowError(Exception):
    def __init__(self, code: ErrorCode, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field


def not_found(what: str, field: str) -> WorkflowError:
    return WorkflowError(ErrorCode.NOT_FOUND, f"{what} not found", field)


def denied(message: str = "You may not do that here", field: str | None = None) -> WorkflowError:
    return WorkflowError(ErrorCode.PERMISSION_DENIED, message, field)


def invalid(field: str, message: str) -> WorkflowError:
    return WorkflowError(ErrorCode.INVALID_INPUT, message, field)
