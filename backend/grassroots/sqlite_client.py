"""The SQLite backend: Tortoise's client, with statements run where they cost least, a
reading connection beside the writing one, and group commit.

Tortoise's SQLite client (through aiosqlite) sends every statement to a thread and waits for
the answer. A point look-up takes SQLite microseconds; the trip to the thread and back costs
tens of microseconds of CPU and, on a busy machine, milliseconds of waiting for the GIL to
come back. So here a statement runs on the event loop itself when it cannot take long:

* on the writer, inside a transaction (small inserts and updates; the BEGIN, which may wait
  for another process's transaction, and the COMMIT, which waits for the disk, go to the
  thread);
* on the reader, any SELECT, for up to READ_INLINE_SECONDS: a read that takes longer is
  interrupted and run again on the reader's thread, so the loop never stalls behind a report.

Tortoise's client also has one connection behind one lock, so while a transaction is open,
until its COMMIT's fsync returns, every other query of the process waits, reads included. In
WAL mode SQLite lets readers run beside the writer: SELECTs outside a transaction go to a
second, read-only connection and see what is committed; transactions, writes and PRAGMAs stay
on the writer. Outermost transactions on the writer are group-committed (group_commit), so
`db.atomic()` works as before but concurrent transactions share one durable COMMIT.

Configured as the engine `grassroots.sqlite_client` (db.tortoise_config).
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

import aiosqlite
from tortoise.backends.base.client import TransactionContext
from tortoise.backends.sqlite.client import SqliteClient, translate_exceptions

from .group_commit import GroupCommit

READ_INLINE_SECONDS = 0.002
# How often (in SQLite VM steps) an inline read looks at the clock.
PROGRESS_STEPS = 2000
READ_PRAGMAS = ("busy_timeout",)


def is_read(query: str) -> bool:
    return query.lstrip()[:6].upper() == "SELECT"


class WriterConnection:
    """The writing connection: what aiosqlite's Connection offers Tortoise, run inline inside
    a transaction and on aiosqlite's thread outside one (a statement there commits, and a
    durable commit waits for the disk)."""

    def __init__(self, threaded: aiosqlite.Connection) -> None:
        self.threaded = threaded
        self.raw: sqlite3.Connection = threaded._conn

    @property
    def _conn(self) -> sqlite3.Connection:
        return self.raw

    @property
    def in_transaction(self) -> bool:
        return self.raw.in_transaction

    @property
    def total_changes(self) -> int:
        return self.raw.total_changes

    def _inline(self, sql: str) -> bool:
        return self.raw.in_transaction

    async def execute(self, sql: str, parameters: Sequence[Any] | None = None) -> None:
        if self._inline(sql):
            self.raw.execute(sql, parameters or ()).close()
            return
        if sql.strip().upper() == "BEGIN":
            # Take the write lock now, on the thread: a statement inline must never wait for
            # another process's transaction (busy_timeout) with the event loop stalled.
            sql = "BEGIN IMMEDIATE"
        await (await self.threaded.execute(sql, parameters)).close()

    async def execute_fetchall(
        self, sql: str, parameters: Sequence[Any] | None = None
    ) -> list[Any]:
        if self._inline(sql):
            return self.raw.execute(sql, parameters or ()).fetchall()
        return list(await self.threaded.execute_fetchall(sql, parameters))

    async def execute_insert(self, sql: str, parameters: Sequence[Any] | None = None) -> Any:
        if self._inline(sql):
            cursor = self.raw.execute(sql, parameters or ())
            return (cursor.lastrowid,)
        return await self.threaded.execute_insert(sql, parameters)

    async def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        if self._inline(sql):
            self.raw.executemany(sql, rows).close()
        else:
            await (await self.threaded.executemany(sql, rows)).close()

    async def executescript(self, script: str) -> None:
        await (await self.threaded.executescript(script)).close()

    async def commit(self) -> None:
        if self.raw.in_transaction:  # else there is nothing to wait for
            await self.threaded.commit()

    async def rollback(self) -> None:
        self.raw.rollback()

    async def close(self) -> None:
        await self.threaded.close()


class ReaderConnection:
    """The read-only connection: a SELECT runs inline until READ_INLINE_SECONDS have passed,
    then is interrupted and run again on the thread (a read can simply be repeated)."""

    def __init__(self, threaded: aiosqlite.Connection) -> None:
        self.threaded = threaded
        self.raw: sqlite3.Connection = threaded._conn
        self._deadline = 0.0

    def _too_long(self) -> int:
        return int(time.perf_counter() > self._deadline)

    async def fetchall(self, sql: str, parameters: Sequence[Any] | None) -> list[Any]:
        self._deadline = time.perf_counter() + READ_INLINE_SECONDS
        self.raw.set_progress_handler(self._too_long, PROGRESS_STEPS)
        try:
            return self.raw.execute(sql, parameters or ()).fetchall()
        except sqlite3.OperationalError as exc:
            if str(exc) != "interrupted":
                raise
        finally:
            # Off again: on the thread it would take the GIL every few thousand steps.
            self.raw.set_progress_handler(None, 0)
        return list(await self.threaded.execute_fetchall(sql, parameters))

    async def close(self) -> None:
        await self.threaded.close()


class Row(dict[str, Any]):
    """A row by column name, as Tortoise reads it, and by position or slice, as sqlite3.Row.

    Tortoise makes a model from a row with `Model._init_from_db(**row)`. On a sqlite3.Row
    that spread looks every column up by name, comparing names one by one without regard
    to case: ~12 µs a row of the cases table, as much as making the model. A dict's spread
    is a plain merge."""

    __slots__ = ()

    def __missing__(self, key: Any) -> Any:
        if isinstance(key, int | slice):
            return tuple(self.values())[key]
        raise KeyError(key)


def _row_factory() -> Any:
    """Rows as Row, the column names read once per statement (a cursor's description is one
    tuple for all its rows). One per connection: each runs on its own thread."""
    last: list[Any] = [None, ()]

    def row(cursor: sqlite3.Cursor, values: tuple[Any, ...]) -> Row:
        description = cursor.description
        if description is not last[0]:
            last[0], last[1] = description, tuple(column[0] for column in description)
        return Row(zip(last[1], values, strict=True))

    return row


async def _open(path: str, pragmas: dict[str, Any]) -> aiosqlite.Connection:
    # check_same_thread off: statements run on the loop's thread and on aiosqlite's, one at a
    # time (the client's locks see to that).
    threaded = await aiosqlite.connect(path, isolation_level=None, check_same_thread=False)
    threaded._conn.row_factory = _row_factory()
    for pragma, value in pragmas.items():
        await (await threaded.execute(f"PRAGMA {pragma}={value}")).close()
    return threaded


class GroupCommitSqliteClient(SqliteClient):
    def __init__(self, file_path: str, **kwargs: Any) -> None:
        super().__init__(file_path, **kwargs)
        self._reader: ReaderConnection | None = None
        self._reader_lock = asyncio.Lock()
        self.group_commit = GroupCommit(self)

    async def create_connection(self, with_db: bool) -> None:
        if self._connection is None:  # the writer first: it puts the file in WAL mode
            writer = WriterConnection(await _open(self.filename, self.pragmas))
            self._connection = writer  # type: ignore[assignment]  # aiosqlite's, by duck typing
            await self._post_connect()
        if self._reader is None:
            pragmas = {k: v for k, v in self.pragmas.items() if k in READ_PRAGMAS}
            threaded = await _open(self.filename, {**pragmas, "query_only": "ON"})
            self._reader = ReaderConnection(threaded)

    async def close(self) -> None:
        if self._reader is not None:
            reader, self._reader = self._reader, None
            await reader.close()
        await super().close()

    def _in_transaction(self) -> TransactionContext:
        return self.group_commit.transaction()

    @asynccontextmanager
    async def _reading(self) -> AsyncIterator[ReaderConnection]:
        async with self._reader_lock:
            if self._reader is None:
                await self.create_connection(with_db=True)
            assert self._reader is not None
            yield self._reader

    @translate_exceptions
    async def execute_query(
        self, query: str, values: list[Any] | None = None
    ) -> tuple[int, Sequence[dict[str, Any]]]:
        if not is_read(query):
            return await super().execute_query(query, values)
        query = query.replace("\x00", "'||CHAR(0)||'")
        async with self._reading() as reader:
            self.log.debug("%s: %s", query, values)
            rows = await reader.fetchall(query, values)
            return len(rows), rows

    @translate_exceptions
    async def execute_query_dict(
        self, query: str, values: list[Any] | None = None
    ) -> list[dict[str, Any]]:
        if not is_read(query):
            return await super().execute_query_dict(query, values)
        query = query.replace("\x00", "'||CHAR(0)||'")
        async with self._reading() as reader:
            self.log.debug("%s: %s", query, values)
            return list(map(dict, await reader.fetchall(query, values)))


client_class = GroupCommitSqliteClient
