"""The database's refusals that are not bugs: storage is full, or the database is busy.

Both leave the database as it was (the transaction is rolled back whole), and both pass: a
caller should hear that plainly and may try again, rather than get a masked "Unexpected
error". `storage_refusal` recognises them under the ORM's wrappers, on SQLite and on
PostgreSQL; the API turns the answer into a userError or a GraphQL error with its code.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator

from .workflow.errors import ErrorCode, WorkflowError

# SQLite's primary result codes (an extended code carries one in its low byte).
SQLITE_BUSY = 5
SQLITE_LOCKED = 6
SQLITE_FULL = 13

# PostgreSQL's SQLSTATEs (asyncpg puts them on its errors as `sqlstate`).
PG_FULL = {"53100"}  # disk_full
PG_BUSY = {
    "55P03",  # lock_not_available (lock_timeout)
    "40001",  # serialization_failure
    "40P01",  # deadlock_detected
    "53300",  # too_many_connections
}

STORAGE_FULL_MESSAGE = (
    "The server's storage is full, so nothing was saved. Please try again later; "
    "the operators have to free space first."
)
DATABASE_BUSY_MESSAGE = "The database is busy, so nothing was saved. Please try again."


def storage_full() -> WorkflowError:
    return WorkflowError(ErrorCode.STORAGE_FULL, STORAGE_FULL_MESSAGE)


def database_busy() -> WorkflowError:
    return WorkflowError(ErrorCode.DATABASE_BUSY, DATABASE_BUSY_MESSAGE)


def storage_refusal(error: BaseException) -> WorkflowError | None:
    """The clear refusal for a full or busy database, or None for any other error."""
    for cause in _causes(error):
        if isinstance(cause, sqlite3.Error):
            code = getattr(cause, "sqlite_errorcode", None)
            if code is not None:
                if code & 0xFF == SQLITE_FULL:
                    return storage_full()
                if code & 0xFF in (SQLITE_BUSY, SQLITE_LOCKED):
                    return database_busy()
        state = getattr(cause, "sqlstate", None)
        if state in PG_FULL:
            return storage_full()
        if state in PG_BUSY:
            return database_busy()
    return None


def _causes(error: BaseException) -> Iterator[BaseException]:
    """The error and what it wraps: Tortoise keeps the driver's error in args[0], group
    commit chains (__cause__) the error that broke a shared transaction."""
    seen: set[int] = set()
    todo = [error]
    while todo:
        current = todo.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        todo.extend(arg for arg in current.args if isinstance(arg, BaseException))
        if current.__cause__ is not None:
            todo.append(current.__cause__)
