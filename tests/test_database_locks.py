"""PostgreSQL: a write that waits on a stuck transaction's lock is refused as busy after the
lock timeout, as on SQLite after its busy timeout, instead of queueing for ever; and nothing
of it is written; reports written together are refused together. (The SQLite side is in
test_storage_faults.)"""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg
import httpx
import pytest

from grassroots.app import create_app
from grassroots.db import EVENT_LOG_LOCK
from grassroots.models import Case
from grassroots.settings import Settings

from . import flows
from .client import Api
from .conftest import ON_POSTGRES
from .sql_log import sql_statements


@asynccontextmanager
async def quick_api(settings: Settings, database_url: str) -> AsyncIterator[Api]:
    """A server whose connections wait 0.3 s (not 10) for a lock, for speed, chosen in the
    database URL as an operator would."""
    quick = dataclasses.replace(settings, database_url=f"{database_url}?lock_timeout=300ms")
    app = create_app(quick, run_scheduler=False)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
            yield Api(http)


@asynccontextmanager
async def event_log_held(database_url: str) -> AsyncIterator[None]:
    """Another process stuck in the middle of a write, holding the event log; its
    transaction rolls back at the end."""
    stuck = await asyncpg.connect(database_url)
    try:
        await stuck.execute("BEGIN")
        await stuck.execute("SELECT pg_advisory_xact_lock($1)", EVENT_LOG_LOCK)
        yield
    finally:
        await stuck.close()


@pytest.mark.skipif(not ON_POSTGRES, reason="PostgreSQL's lock_timeout")
async def test_a_write_behind_a_stuck_transaction_is_refused_as_busy_and_writes_nothing(
    settings: Settings, database_url: str
) -> None:
    # Given a server that waits 0.3 s for a lock
    async with quick_api(settings, database_url) as api:
        assert (await flows.report_payload(api, title="잠금 전 锁前"))["userErrors"] == []

        # When another process is stuck in the middle of a write, holding the event log
        async with event_log_held(database_url):
            started = time.monotonic()
            refused = await asyncio.wait_for(
                flows.report_payload(api, title="잠금 중 锁中"), timeout=10
            )
            waited = time.monotonic() - started

        # Then the resident is told the database is busy, within the timeout, and nothing
        # of the report was written
        assert refused["case"] is None
        assert [e["code"] for e in refused["userErrors"]] == ["DATABASE_BUSY"]
        assert waited < 5
        assert await Case.filter(title="잠금 중 锁中").count() == 0

        # When the stuck transaction is gone, the same report goes through
        assert (await flows.report_payload(api, title="잠금 중 锁中"))["userErrors"] == []
        assert await Case.filter(title="잠금 중 锁中").count() == 1


@pytest.mark.skipif(not ON_POSTGRES, reason="PostgreSQL's lock_timeout")
async def test_reports_behind_a_stuck_transaction_are_refused_together_not_one_by_one(
    settings: Settings, database_url: str
) -> None:
    # Given a server that waits 0.3 s for a lock, and writes concurrent reports together
    async with quick_api(settings, database_url) as api:
        await flows.report(api)

        # When six residents report at once behind a stuck transaction
        async with event_log_held(database_url):
            with sql_statements() as sent:
                answers = await asyncio.gather(
                    *(flows.report_payload(api, title=f"잠금 중 锁中 {i}") for i in range(6))
                )

        # Then every one is told the database is busy, and nothing of theirs is written
        codes = [[e["code"] for e in a["userErrors"]] for a in answers]
        assert codes == [["DATABASE_BUSY"]] * 6
        assert await Case.filter(title__startswith="잠금 중").count() == 0
    # and a batch that waited in vain is not tried again case by case (workflow.new_cases),
    # each case waiting a whole lock timeout more, one after another
    waits = [sql for sql, _ in sent.seen if "pg_advisory_xact_lock" in sql]
    assert len(waits) < 6


def test_every_postgres_connection_waits_ten_seconds_for_a_lock_unless_the_url_says() -> None:
    from grassroots.db import tortoise_config

    def session(url: str) -> dict[str, str]:
        credentials = tortoise_config(url)["connections"]["default"]["credentials"]
        return dict(credentials["server_settings"])

    # The same wait as SQLite's busy_timeout, and no transaction idles for more than a minute
    assert session("postgres://grassroots@db/city") == {
        "lock_timeout": "10000ms",
        "idle_in_transaction_session_timeout": "60s",
    }
    # An operator's choice in the URL wins
    assert session("postgres://grassroots@db/city?lock_timeout=2s")["lock_timeout"] == "2s"


@pytest.mark.skipif(not ON_POSTGRES, reason="PostgreSQL's row locks")
async def test_a_report_waiting_for_the_event_log_does_not_hold_up_the_case_numbers(
    api: Api, database_url: str
) -> None:
    # Given a first report, so that this year's case-number counter exists
    first = await flows.report_payload(api, title="첫 신고 第一件")
    assert first["userErrors"] == []

    # When another process holds the event log and a second report is left waiting for it
    stuck = await asyncpg.connect(database_url)
    other = await asyncpg.connect(database_url)
    try:
        await stuck.execute("BEGIN")
        await stuck.execute("SELECT pg_advisory_xact_lock($1)", EVENT_LOG_LOCK)
        waiting = asyncio.ensure_future(flows.report_payload(api, title="기다리는 신고 等待中"))
        await asyncio.sleep(0.5)
        assert not waiting.done()

        # Then a third process may still number a case: the waiting report does not keep
        # the year's counter row locked (every report in the city would queue behind it)
        await other.execute("SET lock_timeout = '200ms'")
        bumped = await other.fetchval(
            "UPDATE counter SET value = value + 1 WHERE name LIKE 'case:%' RETURNING value"
        )
        assert bumped == 3  # the first report's number, the waiting one's, and this one
    finally:
        await stuck.close()  # its transaction rolls back: the waiting report goes on
        await other.close()

    # And the waiting report is written, with the number it took before it waited
    second = await asyncio.wait_for(waiting, timeout=10)
    assert second["userErrors"] == []
    assert second["case"]["number"].endswith("-000002")
