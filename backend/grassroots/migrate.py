"""Schema migrations: Tortoise's built-in migrations of the `models` app.

The files live in grassroots.migrations; `grassroots makemigrations` writes the next one after
a model change, and `grassroots migrate` (or start-up, GRASSROOTS_MIGRATE_ON_START) applies
the pending ones. A history table records what is applied.

A database made by the first release has its tables but no history (that release created
them with generate_schemas): it is adopted by recording 0001_initial, that release's schema,
as applied without running it, and then migrated like any other.

Several processes may start at once (replicas on PostgreSQL): one migrates while the others
wait on a lock, then find nothing left to do.
"""

from __future__ import annotations

import asyncio
import fcntl
import os
import sqlite3
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from tortoise.context import TortoiseContext
from tortoise.fields.relational import ManyToManyFieldInstance
from tortoise.migrations.autodetector import MigrationAutodetector
from tortoise.migrations.executor import MigrationExecutor, MigrationTarget
from tortoise.migrations.operations import AddField, AddIndex, CreateModel, Operation
from tortoise.migrations.schema_editor import BaseSchemaEditor, SqliteSchemaEditor
from tortoise.migrations.writer import format_migration_name
from tortoise.transactions import in_transaction

from .db import apps_config, connection, tortoise_config

APP = "models"
HISTORY_TABLE = "tortoise_migrations"  # Tortoise's MigrationRecorder
INITIAL = "0001_initial"
# Tables of the first release: one present without a history means the database predates
# migrations.
FIRST_RELEASE_TABLES = ("account", "region", "case", "event")
# pg_advisory_xact_lock key, any constant; "migr".
MIGRATION_LOCK = 0x6D696772
# Operations that only add (tables, columns, indexes): SQLite needs no table rebuilt for them.
ADD_ONLY = (CreateModel, AddField, AddIndex)

Progress = Callable[[str], None]


class SchemaOutdated(RuntimeError):
    """The database lacks migrations and the app was told not to apply them itself."""


@dataclass(frozen=True)
class MigrationResult:
    # The database predated migrations: 0001_initial was recorded without running it.
    adopted: bool
    # Names of the migrations this run applied, in order.
    applied: list[str]


async def migrate(progress: Progress | None = None) -> MigrationResult:
    """Apply every pending migration to the connected database."""
    async with _migration_lock() as client:
        adopted = await _predates_migrations(client)
        executor = _Executor(client, apps_config())
        await executor.recorder.ensure_schema(executor._schema_editor(atomic=False))
        if adopted:
            await executor.migrate([MigrationTarget(APP, INITIAL)], fake=True)
            if progress:
                progress(f"adopted a database made before migrations: {INITIAL} recorded")
        steps = await executor.plan()

        def announce(event: str, app: str, name: str) -> None:
            if progress and event == "apply_start":
                progress(f"applying {name}")

        rebuilds = any(
            not isinstance(op, ADD_ONLY) for step in steps for op in step.migration.operations
        )
        async with _sqlite_foreign_keys_off(client, rebuilds):
            await executor.migrate(progress=announce)
    return MigrationResult(adopted=adopted, applied=[step.migration.name for step in steps])


async def pending_migrations() -> list[str]:
    """Names of the migrations the connected database still lacks, in order."""
    client = connection()
    adopted = await _predates_migrations(client)
    executor = _Executor(client, apps_config())  # no history table: none applied
    names = [step.migration.name for step in await executor.plan()]
    return [name for name in names if not (adopted and name == INITIAL)]


async def applied_migrations() -> list[str]:
    """Names of the migrations the history records, in the order they were applied."""
    executor = _Executor(connection(), apps_config())
    return [key.name for key in await executor.recorder.applied_migrations()]


async def prepare_schema(*, apply: bool) -> None:
    """At start-up: apply pending migrations, or refuse to run on an outdated schema."""
    if apply:
        await migrate()
        return
    pending = await pending_migrations()
    if pending:
        raise SchemaOutdated(
            f"The database lacks {len(pending)} schema migration(s) ({', '.join(pending)}). "
            "Run `grassroots migrate` (or set GRASSROOTS_MIGRATE_ON_START=true), then start "
            "again."
        )


async def make_migration(name: str | None = None, *, write: bool = True) -> list[str]:
    """Compare the models with the migrations and write the next migration for what changed.

    Needs no database. Returns the new migrations' names (none: the migrations are current);
    with write=False nothing is written (a check that every model change has a migration)."""
    config = tortoise_config("sqlite://:memory:")
    async with TortoiseContext() as ctx:
        await ctx.init(config=config, init_connections=False)
        assert ctx.apps is not None
        writers = await MigrationAutodetector(ctx.apps, apps_config()).changes()
    names = []
    for writer in writers:
        writer.operations = in_dependency_order(writer.operations)
        if name:
            writer.name = format_migration_name(int(writer.name.split("_", 1)[0]), name)
        if write:
            writer.write()
        names.append(writer.name)
    return names


def in_dependency_order(operations: list[Operation]) -> list[Operation]:
    """The operations with each CreateModel after the models its relations point to.

    Tortoise 1.1.9's autodetector can write a model before a model it refers to, and the
    table is then created without those relations' columns. A ManyToMany field that closes a
    cycle (Category.default_departments, Department.categories) becomes an AddField after
    the models; the other operations follow, in their order."""
    pending = {op.name: op for op in operations if isinstance(op, CreateModel)}
    others = [op for op in operations if not isinstance(op, CreateModel)]
    created: set[str] = set()
    ordered: list[Operation] = []
    later: list[Operation] = []

    def waits_for(op: CreateModel, field: Any) -> bool:
        target = str(getattr(field, "model_name", "")).rsplit(".", 1)[-1]
        return target in pending and target not in created and target != op.name

    while pending:
        ready = [
            name
            for name, op in sorted(pending.items())
            if not any(waits_for(op, field) for _, field in op.fields)
        ]
        if not ready:  # a cycle: a model waiting only for ManyToMany targets gets them later
            blocked_by_m2m_only = [
                (name, op)
                for name, op in sorted(pending.items())
                if not any(
                    waits_for(op, field) and not isinstance(field, ManyToManyFieldInstance)
                    for _, field in op.fields
                )
            ]
            if not blocked_by_m2m_only:
                raise ValueError(f"foreign keys among {sorted(pending)} form a cycle")
            name, op = blocked_by_m2m_only[0]
            moved = [
                (field_name, field)
                for field_name, field in op.fields
                if isinstance(field, ManyToManyFieldInstance) and waits_for(op, field)
            ]
            op.fields = [pair for pair in op.fields if pair not in moved]
            later += [AddField(model_name=name, name=n, field=f) for n, f in moved]
            continue
        for name in ready:
            ordered.append(pending.pop(name))
            created.add(name)
    return ordered + later + others


# --- helpers -----------------------------------------------------------------------------


class _SqliteSchemaEditor(SqliteSchemaEditor):
    """Tortoise's (1.1.9), with two fixes: a `;` inside a table's comment (a model's
    docstring) no longer cuts its CREATE TABLE in two, and a table rebuilt to change or drop
    a column keeps its indexes and unique constraints (the copy had none)."""

    async def _run_sql(self, sql: str) -> None:
        if self.collect_sql or not self.atomic_migration:
            await super()._run_sql(sql)
            return
        for statement in _sqlite_statements(sql):
            await self.client.execute_query(statement)

    async def _remake_table(self, model: Any, *args: Any, **kwargs: Any) -> None:
        table = model._meta.db_table
        indexes = await self._indexes(table)
        await super()._remake_table(model, *args, **kwargs)
        if self.collect_sql:
            return
        kept = set(await self._indexes(table))
        _, info = await self.client.execute_query(f'PRAGMA table_info("{table}")')
        columns = {row["name"] for row in info}
        for (unique, names), sql in indexes.items():
            if (unique, names) in kept or not set(names) <= columns:
                continue  # still there (a UNIQUE column), or its column was dropped
            if sql is None:
                quoted = ", ".join(f'"{name}"' for name in names)
                name = f"uid_{table}_{'_'.join(names)}"
                sql = f'CREATE UNIQUE INDEX "{name}" ON "{table}" ({quoted})'
            await self._run_sql(sql)

    async def _indexes(self, table: str) -> dict[tuple[bool, tuple[str, ...]], str | None]:
        """(unique, columns) → CREATE INDEX statement, or None for a UNIQUE constraint's."""
        found: dict[tuple[bool, tuple[str, ...]], str | None] = {}
        _, indexes = await self.client.execute_query(f'PRAGMA index_list("{table}")')
        for index in indexes:
            if index["origin"] == "pk":
                continue
            _, info = await self.client.execute_query(f'PRAGMA index_info("{index["name"]}")')
            _, sql = await self.client.execute_query(
                "SELECT sql FROM sqlite_master WHERE type = 'index' AND name = ?", [index["name"]]
            )
            key = (bool(index["unique"]), tuple(row["name"] for row in info))
            found[key] = sql[0]["sql"] if sql else None
        return found


def _sqlite_statements(sql: str) -> Iterator[str]:
    """The statements of a script, split at the semicolons that end one."""
    pending = ""
    for piece in sql.split(";"):
        pending += piece + ";"
        if sqlite3.complete_statement(pending):
            if pending.strip(" \t\n;"):
                yield pending.strip()
            pending = ""
    if pending.strip(" \t\n;"):
        yield pending.strip()


class _Executor(MigrationExecutor):
    def _schema_editor(self, atomic: bool = True, collect_sql: bool = False) -> BaseSchemaEditor:
        editor = super()._schema_editor(atomic, collect_sql)
        if isinstance(editor, SqliteSchemaEditor):
            return _SqliteSchemaEditor(self.connection, atomic=atomic, collect_sql=collect_sql)
        return editor


async def _has_table(client: Any, table: str) -> bool:
    if client.capabilities.dialect == "postgres":
        query = "SELECT to_regclass(quote_ident($1)) IS NOT NULL AS found"
        _, rows = await client.execute_query(query, [table])
        return bool(rows[0]["found"])
    query = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?"
    _, rows = await client.execute_query(query, [table])
    return bool(rows)


async def _predates_migrations(client: Any) -> bool:
    if await _has_table(client, HISTORY_TABLE):
        return False
    for table in FIRST_RELEASE_TABLES:
        if await _has_table(client, table):
            return True
    return False


@asynccontextmanager
async def _sqlite_foreign_keys_off(client: Any, rebuilds: bool) -> AsyncIterator[None]:
    """SQLite changes or drops a column by copying the table into a new one and dropping the
    old: with foreign keys enforced, that DROP would delete (cascade) or refuse the rows
    referring to it. Off while such migrations run, and checked afterwards (a scan of every
    table, so only then)."""
    if not rebuilds or client.capabilities.dialect != "sqlite":
        yield
        return
    await client.execute_script("PRAGMA foreign_keys=OFF")
    try:
        yield
        _, broken = await client.execute_query("PRAGMA foreign_key_check")
        if broken:
            raise RuntimeError(
                f"the migrations left {len(broken)} row(s) referring to missing rows, "
                f"e.g. {dict(broken[0])}"
            )
    finally:
        await client.execute_script("PRAGMA foreign_keys=ON")


@asynccontextmanager
async def _migration_lock() -> AsyncIterator[Any]:
    """One migrating process at a time; yields the client to migrate with.

    PostgreSQL: one transaction holding an advisory lock, so the whole upgrade commits or
    rolls back as one (its DDL is transactional). SQLite: an exclusive lock on a file beside
    the database (each migration is its own transaction there)."""
    client = connection()
    if client.capabilities.dialect == "postgres":
        async with in_transaction(client.connection_name) as transaction:
            # Another process's upgrade may take a while: wait for it, however long.
            await transaction.execute_query("SET LOCAL lock_timeout = 0")
            await transaction.execute_query("SELECT pg_advisory_xact_lock($1)", [MIGRATION_LOCK])
            yield transaction
        return
    database = str(getattr(client, "filename", ":memory:"))
    if database == ":memory:":
        yield client
        return
    lock = os.open(f"{database}.migrate-lock", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        while True:  # polled rather than blocking in a thread, so cancelling stays clean
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                await asyncio.sleep(0.05)
        yield client
    finally:
        os.close(lock)  # releases the lock
