"""The SQLite backend: Tortoise's client with a reading connection and group commit.

Tortoise's SQLite client has one connection behind one lock, so while a transaction is open,
until its COMMIT's fsync returns, every other query of the process waits, reads included. In
WAL mode SQLite lets readers run beside the writer, on other connections: here SELECTs
outside a transaction go to a second, read-only connection and see what is committed;
transactions, writes and PRAGMAs stay on the writing connection.

Outermost transactions on the writer are group-committed (group_commit): `in_transaction()`
and so `db.atomic()` work as before, but concurrent ones share one durable COMMIT.

Configured as the engine `grassroots.sqlite_client` (db.tortoise_config).
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

import aiosqlite
from tortoise.backends.base.client import TransactionContext
from tortoise.backends.sqlite.client import SqliteClient, translate_exceptions

from .group_commit import GroupCommit

READ_PRAGMAS = ("busy_timeout",)


def is_read(query: str) -> bool:
    return query.lstrip()[:6].upper() == "SELECT"


class GroupCommitSqliteClient(SqliteClient):
    def __init__(self, file_path: str, **kwargs: Any) -> None:
        super().__init__(file_path, **kwargs)
        self._reader: aiosqlite.Connection | None = None
        self._reader_lock = asyncio.Lock()
        self.group_commit = GroupCommit(self)

    async def create_connection(self, with_db: bool) -> None:
        await super().create_connection(with_db)  # the writer sets WAL before a reader opens
        if self._reader is None:
            reader = await aiosqlite.connect(self.filename, isolation_level=None)
            reader._conn.row_factory = sqlite3.Row
            pragmas = {k: v for k, v in self.pragmas.items() if k in READ_PRAGMAS}
            for pragma, value in {**pragmas, "query_only": "ON"}.items():
                await (await reader.execute(f"PRAGMA {pragma}={value}")).close()
            self._reader = reader

    async def close(self) -> None:
        if self._reader is not None:
            reader, self._reader = self._reader, None
            await reader.close()
        await super().close()

    def _in_transaction(self) -> TransactionContext:
        return self.group_commit.transaction()

    @asynccontextmanager
    async def _reading(self) -> AsyncIterator[aiosqlite.Connection]:
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
            rows = await reader.execute_fetchall(query, values)
            return len(rows), rows  # type: ignore[return-value]

    @translate_exceptions
    async def execute_query_dict(
        self, query: str, values: list[Any] | None = None
    ) -> list[dict[str, Any]]:
        if not is_read(query):
            return await super().execute_query_dict(query, values)
        query = query.replace("\x00", "'||CHAR(0)||'")
        async with self._reading() as reader:
            self.log.debug("%s: %s", query, values)
            return list(map(dict, await reader.execute_fetchall(query, values)))


client_class = GroupCommitSqliteClient
