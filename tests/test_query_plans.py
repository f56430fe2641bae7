"""Look-ups by key use an index: no per-request query scans a table that grows with the city
(role bindings, photos, whistles, assignments …), so a request costs the same with 10 rows
or 10 million. SQLite's query planner says which statements would scan."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from grassroots.graphql.loaders import Loaders
from grassroots.settings import Settings
from grassroots.workflow.auth import authenticate

pytestmark = pytest.mark.sqlite_only(reason="reads SQLite's query plans")


class _Statements(logging.Handler):
    """Tortoise's clients log each statement as "<sql>: <values>"."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.seen: list[tuple[str, Any]] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.args and isinstance(record.args, tuple) and len(record.args) == 2:
            sql, values = record.args
            if isinstance(sql, str) and sql.lstrip().upper().startswith("SELECT"):
                self.seen.append((sql, values))


@contextmanager
def statements() -> Iterator[_Statements]:
    logger = logging.getLogger("tortoise.db_client")
    handler = _Statements()
    old_level = logger.level
    logger.setLevel(logging.DEBUG)
    logger.addHandler(handler)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)
        logger.setLevel(old_level)


def scans(settings: Settings, sql: str, values: Any) -> list[str]:
    """The tables the plan reads whole (SQLite says "SCAN <table>")."""
    path = settings.database_url.removeprefix("sqlite://")
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
        plan = db.execute(f"EXPLAIN QUERY PLAN {sql}", list(values or ())).fetchall()
    return [row[3] for row in plan if row[3].startswith("SCAN ")]


async def test_every_loader_reads_by_an_index(app: object, settings: Settings) -> None:
    # Given every dataloader of a request
    loaders = Loaders()
    names = sorted(Loaders._classes)

    # When each loads a couple of keys
    with statements() as log:
        for name in names:
            await getattr(loaders, name).load_many([1, 2])

    # Then every statement they sent finds its rows through an index
    assert len(log.seen) >= len(names)
    scanned = {sql: found for sql, values in log.seen if (found := scans(settings, sql, values))}
    assert scanned == {}


async def test_authentication_reads_by_an_index(app: object, settings: Settings) -> None:
    # Given a bearer token (any well-formed one: the plan does not depend on the match)
    rt = app.state.rt  # type: ignore[attr-defined]

    # When a request authenticates with it
    with statements() as log:
        await authenticate(rt, "gr_" + "x" * 43)

    # Then the token, its account, bindings and regions are all found by key
    assert len(log.seen) == 1
    sql, values = log.seen[0]
    assert scans(settings, sql, values) == []
