"""Database set-up: Tortoise configuration and SQLite durability pragmas."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from contextvars import ContextVar
from typing import Any

from tortoise import Tortoise, connections
from tortoise.transactions import in_transaction

MODEL_MODULES = ["grassroots.models"]

# WAL lets readers run beside the writer; synchronous=FULL makes a commit durable before
# the mutation is acknowledged; busy_timeout makes a second process wait instead of failing.
SQLITE_PRAGMAS = {
    "journal_mode": "WAL",
    "synchronous": "FULL",
    "busy_timeout": 10000,
    "foreign_keys": "ON",
}


def tortoise_config(database_url: str) -> dict[str, Any]:
    if database_url.startswith("sqlite://"):
        path = database_url.removeprefix("sqlite://")
        connection: dict[str, Any] | str = {
            "engine": "tortoise.backends.sqlite",
            "credentials": {"file_path": path, **SQLITE_PRAGMAS},
        }
    else:
        connection = database_url
    return {
        "connections": {"default": connection},
        "apps": {"models": {"models": MODEL_MODULES, "default_connection": "default"}},
        "use_tz": True,
        "timezone": "UTC",
    }


async def init_db(database_url: str, *, create: bool = True) -> None:
    await Tortoise.init(config=tortoise_config(database_url), _enable_global_fallback=True)
    if create:
        await Tortoise.generate_schemas(safe=True)


async def close_db() -> None:
    await Tortoise.close_connections()


def connection() -> Any:
    return connections.get("default")


def is_sqlite() -> bool:
    return connection().capabilities.dialect == "sqlite"


# --- transactions and commit hooks -------------------------------------------------------
# Subscribers must be woken only after the events they read are committed, so the event
# log notes the sequences a transaction wrote and `atomic` hands them on after the commit.

# Listeners are synchronous and quick (a broker sets a flag or schedules its own publish).
CommitListener = Callable[[int], None]
_commit_listeners: list[CommitListener] = []
_pending: ContextVar[list[int] | None] = ContextVar("grassroots_pending_events", default=None)


def add_commit_listener(listener: CommitListener) -> None:
    _commit_listeners.append(listener)


def remove_commit_listener(listener: CommitListener) -> None:
    if listener in _commit_listeners:
        _commit_listeners.remove(listener)


def note_committed_event(seq: int) -> None:
    pending = _pending.get()
    if pending is not None:
        pending.append(seq)
    else:  # written outside `atomic`: already committed on its own
        _dispatch(seq)


def _dispatch(seq: int) -> None:
    for listener in list(_commit_listeners):
        listener(seq)


@asynccontextmanager
async def atomic() -> AsyncIterator[Any]:
    """One transaction; event sequences it wrote are announced once it has committed."""
    outer = _pending.get()
    if outer is not None:  # nested: the outermost transaction announces
        async with in_transaction("default") as conn:
            yield conn
        return
    token = _pending.set([])
    try:
        async with in_transaction("default") as conn:
            yield conn
        written = _pending.get() or []
    finally:
        _pending.reset(token)
    if written:
        _dispatch(max(written))
