"""SQLite is set up to survive a crash, and a change and its event commit together."""

from __future__ import annotations

import pytest
from tortoise import connections

from grassroots.db import atomic
from grassroots.models import Account, Case, Event
from grassroots.workflow import cases as flow
from grassroots.workflow.auth import load_actor

from . import flows
from .client import Api


@pytest.mark.sqlite_only(reason="reads SQLite's PRAGMAs")
async def test_sqlite_runs_in_wal_with_full_sync_and_a_busy_timeout(api: Api) -> None:
    db = connections.get("default")
    assert (await db.execute_query_dict("PRAGMA journal_mode"))[0]["journal_mode"] == "wal"
    assert (await db.execute_query_dict("PRAGMA synchronous"))[0]["synchronous"] == 2  # FULL
    assert (await db.execute_query_dict("PRAGMA busy_timeout"))[0]["timeout"] == 10000


async def test_a_failed_transaction_leaves_neither_the_change_nor_its_event(
    api: Api, app: object
) -> None:
    case_id = await flows.report(api)
    rt = app.state.rt  # type: ignore[attr-defined]
    staff = await load_actor(await Account.get(username="community1"))
    case = await Case.all().order_by("-id").first()
    assert case is not None
    events_before = await Event.all().count()

    class Boom(Exception):
        pass

    async def accept_then_fail() -> None:
        async with atomic():
            await flow.accept_case(rt, staff, case.id)  # nested: commits with the outer one
            raise Boom

    with pytest.raises(Boom):
        await accept_then_fail()

    await case.refresh_from_db()
    assert case.status == "REPORTED"
    assert await Event.all().count() == events_before
    assert case_id
