"""Database set-up: Tortoise configuration and SQLite durability pragmas."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from contextvars import ContextVar
from typing import Any

import asyncpg
from tortoise import Tortoise, connections
from tortoise.backends.base.config_generator import expand_db_url
from tortoise.transactions import in_transaction

from .models.base import forget_hydrators

MODEL_MODULES = ["grassroots.models"]
# Schema changes ship as migrations in this package, applied by grassroots.migrate.
MIGRATIONS_MODULE = "grassroots.migrations"

# How long a write waits for another transaction's lock before it is refused as busy
# (storage_errors), on SQLite and on PostgreSQL alike.
LOCK_WAIT_MS = 10_000

# WAL lets readers run beside the writer; synchronous=FULL makes a commit durable before
# the mutation is acknowledged; busy_timeout makes a second process wait instead of failing.
SQLITE_PRAGMAS = {
    "journal_mode": "WAL",
    "synchronous": "FULL",
    "busy_timeout": LOCK_WAIT_MS,
    "foreign_keys": "ON",
}

# Session settings of every PostgreSQL connection, unless the URL says (`?lock_timeout=2s`):
# a write waits for a lock as long as on SQLite, then is refused as busy, instead of
# queueing for ever behind a stuck one; and a transaction left idle (a frozen process)
# cannot hold the event log's lock, and so every write of the city, for more than a minute.
PG_SESSION = {
    "lock_timeout": f"{LOCK_WAIT_MS}ms",
    "idle_in_transaction_session_timeout": "60s",
}


# Connections per process on PostgreSQL, unless the URL says (`?minsize=2&maxsize=20`).
# Several worker processes each keep their own pool: N workers × maxsize must stay below
# the server's max_connections.
PG_POOL = {"minsize": 1, "maxsize": 10}


class PooledConnection(asyncpg.Connection):  # type: ignore[misc]
    """A PostgreSQL connection that goes back to its pool as it is.

    asyncpg resets a connection on every release with a query of its own (unlisten, close
    cursors, reset settings, release advisory locks): a round trip per transaction and per
    statement outside one. This service sets no session state, listens to nothing and takes
    only transaction-scoped locks, so there is nothing to undo; an open transaction is
    still rolled back on release.
    """

    def get_reset_query(self) -> str:
        return ""


def tortoise_config(database_url: str) -> dict[str, Any]:
    if database_url.startswith("sqlite://"):
        path = database_url.removeprefix("sqlite://")
        connection: dict[str, Any] = {
            # A reading connection beside the writer, and group commit (sqlite_client).
            "engine": "grassroots.sqlite_client",
            "credentials": {"file_path": path, **SQLITE_PRAGMAS},
        }
    elif database_url.startswith(("postgres://", "postgresql://")):
        connection = expand_db_url(database_url)  # the asyncpg backend
        credentials = connection["credentials"]
        for name, size in PG_POOL.items():
            credentials.setdefault(name, size)
        credentials["connection_class"] = PooledConnection
        session: dict[str, str] = credentials.setdefault("server_settings", {})
        for name, setting in PG_SESSION.items():
            session[name] = str(credentials.pop(name, setting))
    else:
        raise ValueError("GRASSROOTS_DATABASE_URL must be sqlite://… or postgres://…")
    return {
        "connections": {"default": connection},
        "apps": apps_config(),
        "use_tz": True,
        "timezone": "UTC",
    }


def apps_config() -> dict[str, dict[str, Any]]:
    return {
        "models": {
            "models": MODEL_MODULES,
            "default_connection": "default",
            "migrations": MIGRATIONS_MODULE,
        }
    }


async def init_db(database_url: str, *, create: bool = True) -> None:
    """Connect; with `create`, bring the schema up to date (apply pending migrations)."""
    await Tortoise.init(config=tortoise_config(database_url), _enable_global_fallback=True)
    forget_hydrators()  # made anew for this database (models/base.py)
    if create:
        from .migrate import migrate  # it builds on this module

        await migrate()


async def reset_db() -> None:
    """Drop this app's tables and create them empty: `grassroots demo` on PostgreSQL (on
    SQLite it deletes the file). Other tables in the database are left alone."""
    tables: set[str] = set()
    for model in Tortoise.apps["models"].values():
        tables.add(model._meta.db_table)
        tables.update(
            field.through for field in model._meta.fields_map.values() if hasattr(field, "through")
        )
    from .migrate import HISTORY_TABLE, migrate

    tables.add(HISTORY_TABLE)
    drop = "; ".join(f'DROP TABLE IF EXISTS "{table}" CASCADE' for table in sorted(tables))
    await connection().execute_script(drop)
    await migrate()


async def close_db() -> None:
    await Tortoise.close_connections()


def connection() -> Any:
    return connections.get("default")


def is_sqlite() -> bool:
    return connection().capabilities.dialect == "sqlite"


def is_postgres() -> bool:
    return connection().capabilities.dialect == "postgres"


# --- the event log's order ---------------------------------------------------------------
# Subscribers read the log by `seq > last seen`, so a sequence number must never become
# visible after a higher one. SQLite serialises writers, so that holds there by itself. On
# PostgreSQL two transactions could take 7 and 8 and commit 8 first; a reader would then pass
# 7 for good. A transaction therefore takes this lock before it appends its first event and
# keeps it until it commits: sequence order is commit order.
EVENT_LOG_LOCK = 0x67726173  # any constant; "gras"


async def lock_event_log() -> None:
    """Call inside the transaction, right before appending to the event log."""
    conn = connection()
    if conn.capabilities.dialect == "postgres":
        await conn.execute_query("SELECT pg_advisory_xact_lock($1)", [EVENT_LOG_LOCK])


def in_atomic() -> bool:
    return _pending.get() is not None


async def database_reachable() -> bool:
    try:
        await connection().execute_query("SELECT 1")
    except Exception:
        return False
    return True


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
