"""Schema migrations: a database of the first release upgrades without losing a row, a new one
gets exactly the models' schema, and several processes may migrate at once.

tests/data/grassroots-3e48b58.sqlite.gz is `grassroots demo --cases 40` made by the first
release (commit 3e48b58), which created its tables with generate_schemas and kept no
migration history.
"""

from __future__ import annotations

import asyncio
import gzip
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest
from tortoise import Tortoise

import grassroots.migrations
from grassroots.app import create_app
from grassroots.cli import main
from grassroots.clock import FrozenClock
from grassroots.db import close_db, connection, init_db
from grassroots.migrate import SchemaOutdated, applied_migrations, pending_migrations
from grassroots.settings import Settings

from .client import Api
from .conftest import START, Databases, database_settings
from .flows import report

FIRST_RELEASE = Path(__file__).parent / "data" / "grassroots-3e48b58.sqlite.gz"
MIGRATIONS = sorted(
    path.stem for path in Path(grassroots.migrations.__file__).parent.glob("[0-9]*.py")
)
# Not the app's own tables: SQLite's AUTOINCREMENT bookkeeping and the migration history.
BOOKKEEPING = {"sqlite_sequence", "tortoise_migrations"}

CASES = "{ cases(first: 100) { totalCount edges { node { number } } } }"
CASE_NUMBER = "query($id: ID!) { node(id: $id) { ... on Case { number timeline { kind } } } }"

sqlite_file = pytest.mark.sqlite_only(reason="the first release's database is a SQLite file")


def rows(path: Path, sql: str) -> list[tuple[Any, ...]]:
    with sqlite3.connect(path) as db:
        return db.execute(sql).fetchall()


def row_counts(path: Path) -> dict[str, int]:
    tables = [t for (t,) in rows(path, "SELECT name FROM sqlite_master WHERE type = 'table'")]
    return {t: rows(path, f'SELECT count(*) FROM "{t}"')[0][0] for t in tables}


def history(path: Path) -> list[tuple[Any, ...]]:
    return rows(path, "SELECT app, name, applied_at FROM tortoise_migrations ORDER BY id")


@pytest.fixture
def first_release(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """A copy of the first release's database, where `grassroots …` finds it."""
    db_file = tmp_path / "grassroots.db"
    with gzip.open(FIRST_RELEASE) as packed, db_file.open("wb") as out:
        shutil.copyfileobj(packed, out)
    url = f"sqlite://{db_file}"
    monkeypatch.setenv("GRASSROOTS_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("GRASSROOTS_DATABASE_URL", url)
    return database_settings(tmp_path, url, scheduler_interval_seconds=3600.0)


@pytest.fixture
def upgraded(first_release: Settings) -> Settings:
    """The first release's database after `grassroots migrate`."""
    assert main(["migrate"]) == 0
    return first_release


def db_path(settings: Settings) -> Path:
    return Path(settings.database_url.removeprefix("sqlite://"))


# --- the shape of a schema, to compare two databases --------------------------------------

PG_COLUMNS = """
SELECT table_name, column_name, data_type, character_maximum_length, is_nullable,
       column_default, collation_name
FROM information_schema.columns WHERE table_schema = current_schema()
"""
PG_INDEXES = """
SELECT tablename, regexp_replace(indexdef, 'INDEX \\S+ ON', 'INDEX ON')
FROM pg_indexes WHERE schemaname = current_schema()
"""
PG_CONSTRAINTS = """
SELECT conrelid::regclass::text, pg_get_constraintdef(oid)
FROM pg_constraint WHERE connamespace = current_schema()::regnamespace
"""


async def schema_shape(url: str, *, generate: bool = False) -> set[tuple[Any, ...]]:
    """Every column (type, null, default), index and foreign key of the app's tables; with
    `generate`, of the tables Tortoise's generate_schemas makes from the models."""
    await init_db(url, create=False)
    try:
        if generate:
            await Tortoise.generate_schemas(safe=True)
        conn = connection()
        shape: set[tuple[Any, ...]] = set()
        if conn.capabilities.dialect == "postgres":
            for sql in (PG_COLUMNS, PG_INDEXES, PG_CONSTRAINTS):
                _, found = await conn.execute_query(sql)
                shape |= {tuple(dict(row).values()) for row in found}
            return {item for item in shape if not str(item[0]).startswith("tortoise_")}
        _, tables = await conn.execute_query(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
        for (table,) in (tuple(dict(t).values()) for t in tables):
            if table in BOOKKEEPING:
                continue
            for pragma in ("table_info", "foreign_key_list"):
                _, found = await conn.execute_query(f'PRAGMA {pragma}("{table}")')
                shape |= {(table, pragma, *tuple(dict(row).values())[1:]) for row in found}
            _, indexes = await conn.execute_query(f'PRAGMA index_list("{table}")')
            for index in indexes:
                _, columns = await conn.execute_query(f'PRAGMA index_info("{index["name"]}")')
                names = tuple(column["name"] for column in columns)
                shape.add((table, "index", bool(index["unique"]), names))
        return shape
    finally:
        await close_db()


# --- upgrading the first release's database -----------------------------------------------


@sqlite_file
def test_upgrading_a_first_release_database_keeps_every_row(
    first_release: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    # given a database of the first release, with a case history in it
    path = db_path(first_release)
    before = row_counts(path)
    assert "tortoise_migrations" not in before
    assert before["case"] == 40
    cases = rows(path, 'SELECT id, number, title, status, region_path FROM "case" ORDER BY id')
    events = rows(path, "SELECT seq, kind, subject_id, payload FROM event ORDER BY seq")
    accounts = rows(path, "SELECT username, password_hash, display_name FROM account ORDER BY id")

    # when it is migrated
    assert main(["migrate"]) == 0

    # then it was adopted, the later migrations ran, and the history lists all of them
    out = capsys.readouterr().out
    assert "0001_initial recorded" in out
    for name in MIGRATIONS[1:]:
        assert f"applying {name}" in out
    assert [(app, name) for app, name, _ in history(path)] == [("models", m) for m in MIGRATIONS]

    # and no row was lost or changed; the tables added since are there, empty
    after = row_counts(path)
    assert {t: after[t] for t in before if t != "sqlite_sequence"} == {
        t: n for t, n in before.items() if t != "sqlite_sequence"
    }
    added = {t: n for t, n in after.items() if t not in before.keys() | BOOKKEEPING}
    assert "webhook_subscription" in added
    assert set(added.values()) == {0}
    assert rows(path, 'SELECT id, number, title, status, region_path FROM "case" ORDER BY id') == (
        cases
    )
    assert cases[0][1] == "YJ-2026-000001"
    assert rows(path, "SELECT seq, kind, subject_id, payload FROM event ORDER BY seq") == events
    assert [seq for seq, *_ in events] == list(range(1, len(events) + 1))
    assert rows(path, "SELECT username, password_hash, display_name FROM account ORDER BY id") == (
        accounts
    )
    # the columns added to old rows hold their defaults: no working-day SLA
    assert rows(path, "SELECT DISTINCT claim_working_days, resolve_working_days FROM category") == [
        (None, None)
    ]


@sqlite_file
async def test_the_app_works_on_an_upgraded_database(upgraded: Settings) -> None:
    # given the first release's database, upgraded
    path = db_path(upgraded)
    last_seq = rows(path, "SELECT max(seq) FROM event")[0][0]

    # when its people sign in, look and report
    app = create_app(upgraded, clock=FrozenClock(START), run_scheduler=False)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
            api = Api(http)
            listed = (await api.as_user("admin", CASES))["cases"]
            case_id = await report(api, user="resident1")
            reported = (await api.as_user("resident1", CASE_NUMBER, {"id": case_id}))["node"]

    # then the old cases are there, and the new one continues the numbers and the event log
    assert listed["totalCount"] == 40
    assert "YJ-2026-000001" in {edge["node"]["number"] for edge in listed["edges"]}
    assert reported["number"] == "YJ-2026-000041"
    assert [entry["kind"] for entry in reported["timeline"]] == ["REPORTED"]
    new_events = rows(path, f"SELECT seq, kind FROM event WHERE seq > {last_seq} ORDER BY seq")
    assert new_events[:1] == [(last_seq + 1, "case.reported")]
    assert rows(path, 'SELECT count(*) FROM "case"')[0][0] == 41


@sqlite_file
def test_migrating_again_changes_nothing(
    upgraded: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    # given an upgraded database
    path = db_path(upgraded)
    recorded, schema = history(path), rows(path, "SELECT type, name, sql FROM sqlite_master")
    capsys.readouterr()

    # when it is migrated again
    assert main(["migrate"]) == 0

    # then there is nothing to do and nothing changes
    assert "nothing to apply" in capsys.readouterr().out
    assert history(path) == recorded
    assert rows(path, "SELECT type, name, sql FROM sqlite_master") == schema


@sqlite_file
async def test_an_outdated_schema_stops_the_app_when_it_must_not_migrate(
    first_release: Settings,
) -> None:
    # given the first release's database and an app told not to migrate at start-up
    path = db_path(first_release)
    settings = database_settings(path.parent, first_release.database_url, migrate_on_start=False)
    app = create_app(settings, run_scheduler=False)

    # when it starts, it refuses, naming the command that fixes it, and changes nothing
    with pytest.raises(SchemaOutdated, match="grassroots migrate") as refused:
        async with app.router.lifespan_context(app):
            pass
    for name in MIGRATIONS[1:]:
        assert name in str(refused.value)
    assert "tortoise_migrations" not in row_counts(path)

    # and by default (SQLite) it migrates at start-up and serves
    assert Settings.from_env().migrate_on_start
    app = create_app(first_release, run_scheduler=False)
    async with app.router.lifespan_context(app):
        pass
    assert [name for _, name, _ in history(path)] == MIGRATIONS


@sqlite_file
async def test_an_upgraded_database_has_the_schema_of_a_new_one(
    upgraded: Settings, tmp_path: Path
) -> None:
    # given the first release's database, upgraded: its schema is the models' schema
    models = f"sqlite://{tmp_path / 'models.db'}"
    assert await schema_shape(upgraded.database_url) == await schema_shape(models, generate=True)


# --- new databases ------------------------------------------------------------------------


async def test_a_new_database_gets_exactly_the_models_schema(
    tmp_path: Path, databases: Databases
) -> None:
    """Fails when a model changed without a migration (or a migration differs from it)."""
    # given two empty databases
    (tmp_path / "migrated").mkdir()
    (tmp_path / "generated").mkdir()
    migrated = databases.empty(tmp_path / "migrated")
    generated = databases.empty(tmp_path / "generated")
    try:
        # when one is migrated from zero
        await init_db(migrated)
        await close_db()

        # then it has the schema generate_schemas makes from the models, column for column
        shape = await schema_shape(migrated)
        assert shape == await schema_shape(generated, generate=True)
        assert any(item[0] == "webhook_delivery" for item in shape)
    finally:
        databases.drop(migrated)
        databases.drop(generated)


def test_every_model_change_has_a_migration(capsys: pytest.CaptureFixture[str]) -> None:
    # when the models are compared with the migrations (nothing is written)
    code = main(["makemigrations", "--check"])

    # then there is nothing left to migrate
    assert code == 0, capsys.readouterr().err
    assert "no model changes" in capsys.readouterr().out


async def test_processes_migrating_at_once_apply_each_migration_once(
    cli_database: Settings,
) -> None:
    # given an empty database and two processes starting together
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[1] / "backend")}
    command = [sys.executable, "-m", "grassroots.cli", "migrate"]

    # when they all migrate it
    processes = [
        await asyncio.create_subprocess_exec(
            *command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
        )
        for _ in range(2)
    ]
    outputs = [(await p.communicate())[0].decode() for p in processes]

    # then both succeeded: one applied the migrations, the other found nothing left to do
    assert [p.returncode for p in processes] == [0, 0], outputs
    assert sorted("nothing to apply" in out for out in outputs) == [False, True], outputs
    await init_db(cli_database.database_url, create=False)
    try:
        assert await applied_migrations() == MIGRATIONS
        assert await pending_migrations() == []
    finally:
        await close_db()
