"""Look-ups by key use an index: no per-request query scans a table that grows with the city
(role bindings, photos, whistles, assignments …), so a request costs the same with 10 rows
or 10 million. SQLite's query planner says which statements would scan."""

from __future__ import annotations

import sqlite3
from typing import Any

import pytest

from grassroots.graphql.loaders import Loaders
from grassroots.settings import Settings
from grassroots.workflow.auth import authenticate

from .sql_log import sql_statements

pytestmark = pytest.mark.sqlite_only(reason="reads SQLite's query plans")


def scans(settings: Settings, sql: str, values: Any) -> list[str]:
    """The tables the plan reads whole (SQLite says "SCAN <table>")."""
    path = settings.database_url.removeprefix("sqlite://")
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
        plan = db.execute(f"EXPLAIN QUERY PLAN {sql}", list(values or ())).fetchall()
    return [row[3] for row in plan if row[3].startswith("SCAN ")]


async def test_every_loader_reads_by_an_index(app: object, settings: Settings) -> None:
    # Given every dataloader of a request
    loaders = Loaders(app.state.rt)  # type: ignore[attr-defined]
    names = sorted(Loaders._classes)

    # When each loads a couple of keys
    with sql_statements() as log:
        for name in names:
            await getattr(loaders, name).load_many([1, 2])

    # Then every statement they sent finds its rows through an index
    selects = log.selects()
    assert len(selects) >= len(names)
    scanned = {sql: found for sql, values in selects if (found := scans(settings, sql, values))}
    assert scanned == {}


async def test_authentication_reads_by_an_index(app: object, settings: Settings) -> None:
    # Given a bearer token (any well-formed one: the plan does not depend on the match)
    rt = app.state.rt  # type: ignore[attr-defined]

    # When a request authenticates with it
    with sql_statements() as log:
        await authenticate(rt, "gr_" + "x" * 43)

    # Then the token, its account, bindings and regions are all found by key
    [(sql, values)] = log.selects()
    assert scans(settings, sql, values) == []
