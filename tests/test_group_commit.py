"""Group commit on SQLite: concurrent transactions share one durable COMMIT, each in its own
savepoint, and no caller hears back before that COMMIT has returned."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Awaitable, Callable

import pytest
from tortoise import connections

from grassroots.db import add_commit_listener, atomic, remove_commit_listener
from grassroots.group_commit import Batch, GroupCommit
from grassroots.live import eventlog
from grassroots.models import Counter, Event
from grassroots.settings import Settings

from . import lookup
from .client import Api
from .conftest import START
from .operations import REPORT_CASE

pytestmark = pytest.mark.sqlite_only(reason="group commit is how SQLite's single writer scales")

WRITERS = 12


def group() -> GroupCommit:
    client = connections.get("default")
    client = getattr(client, "_parent", client)  # inside a transaction: the transaction's
    return client.group_commit  # type: ignore[no-any-return]


def committed_rows(settings: Settings, sql: str) -> list[tuple[object, ...]]:
    """What another process would find in the database file right now."""
    with sqlite3.connect(settings.database_url.removeprefix("sqlite://")) as db:
        return db.execute(sql).fetchall()


async def until(condition: Callable[[], bool]) -> None:
    for _ in range(500):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the condition never held")


def hold_first_commit(total: int) -> Callable[[Batch], Awaitable[None]]:
    """Keep the first batch's COMMIT back until all `total` callers are in it or wait for a
    turn: the ones waiting then share the second batch."""
    calls = 0

    async def hold(batch: Batch) -> None:
        nonlocal calls
        calls += 1
        if calls == 1:
            await until(lambda: batch.members + group()._waiting == total)

    return hold


async def write(i: int, *, fail: bool = False, batches: dict[int, Batch] | None = None) -> int:
    """A counter row and an event in one transaction; the failing one breaks off after both."""
    async with atomic():
        if batches is not None:
            batches[i] = group()._batch  # type: ignore[assignment]
        await Counter.create(name=f"writer-{i}", value=i)
        event = await eventlog.append(
            kind="test.written", region_path="/", subject_type="Test", subject_id=i, at=START
        )
        if fail:
            raise LookupError(f"writer {i} breaks off")
    return event.seq


async def test_concurrent_reports_all_succeed_and_are_on_disk_when_answered(
    api: Api, settings: Settings
) -> None:
    # Given a resident in a grid and the first commit held back until the rest have queued
    token = await api.login("resident1")
    grid = (await lookup.grids_of(api, (await lookup.region(api, "COMMUNITY", "延青社区"))["id"]))[
        0
    ]
    category = await lookup.category(api, "heating.pipe-leak")
    group().before_commit = hold_first_commit(WRITERS)
    commits_before = group().commits

    async def report(i: int) -> dict[str, object]:
        variables = {
            "input": {
                "title": f"동시 신고 {i} 并发报告",
                "description": "설명 说明",
                "categoryId": category,
                "regionId": grid["id"],
            }
        }
        data = await api.run(REPORT_CASE, variables, token=token)
        # Then each is in the database file by the time its answer arrives
        number = data["reportCase"]["case"]["number"]
        assert committed_rows(settings, f"SELECT 1 FROM \"case\" WHERE number = '{number}'")
        return data["reportCase"]  # type: ignore[no-any-return]

    # When they all report at once
    payloads = await asyncio.gather(*(report(i) for i in range(WRITERS)))

    # Then every report succeeded with its own number, in one or two commits, not twelve
    assert all(p["userErrors"] == [] for p in payloads)
    numbers = {p["case"]["number"] for p in payloads}  # type: ignore[index]
    assert len(numbers) == WRITERS
    assert group().commits - commits_before <= 2
    kinds = committed_rows(settings, "SELECT kind FROM event WHERE kind = 'case.reported'")
    assert len(kinds) == WRITERS


async def test_a_failing_writer_in_a_batch_undoes_only_its_own_work(
    app: object, settings: Settings
) -> None:
    # Given a dozen writers sharing a batch, the fifth of which breaks off after writing
    group().before_commit = hold_first_commit(WRITERS)
    announced: list[int] = []
    batches: dict[int, Batch] = {}
    add_commit_listener(announced.append)
    try:
        # When they run at once
        results = await asyncio.gather(
            *(write(i, fail=i == 4, batches=batches) for i in range(WRITERS)),
            return_exceptions=True,
        )
    finally:
        remove_commit_listener(announced.append)

    # Then only the fifth got an error, its own, though it shared a transaction with others
    assert [i for i in range(WRITERS) if batches[i] is batches[4]] != [4]
    failed = [r for r in results if isinstance(r, BaseException)]
    assert [str(e) for e in failed] == ["writer 4 breaks off"]
    assert isinstance(results[4], LookupError)
    # and everyone else's rows are committed, the fifth's are not
    names = {r[0] for r in committed_rows(settings, "SELECT name FROM counter")}
    assert {f"writer-{i}" for i in range(WRITERS) if i != 4} <= names
    assert "writer-4" not in names
    # and the events are in the writers' order, with no gap where the fifth's was
    seqs = [r for r in results if isinstance(r, int)]
    assert seqs == sorted(seqs)
    assert seqs == list(range(seqs[0], seqs[0] + WRITERS - 1))
    rows = committed_rows(settings, "SELECT seq, subject_id FROM event WHERE kind='test.written'")
    assert [subject for _, subject in rows] == [i for i in range(WRITERS) if i != 4]
    # and each writer's event was announced, once it was committed
    assert sorted(announced[-(WRITERS - 1) :]) == seqs


async def test_nobody_is_answered_before_the_commit_and_a_failed_commit_reaches_everyone(
    app: object, settings: Settings
) -> None:
    # Given a batch whose COMMIT waits for a signal, then fails
    reached = asyncio.Event()
    go_on = asyncio.Event()

    async def stall_then_fail(batch: Batch) -> None:
        reached.set()
        await go_on.wait()
        raise OSError("disk full")

    group().before_commit = stall_then_fail
    events_before = await Event.all().count()

    # When writers run while the COMMIT is held back
    writers = [asyncio.create_task(write(i)) for i in range(3)]
    await asyncio.wait_for(reached.wait(), 5)
    await asyncio.sleep(0.05)

    # Then none of them has been answered, and their work is not in the file yet
    assert not any(w.done() for w in writers)
    assert committed_rows(settings, "SELECT name FROM counter WHERE name LIKE 'writer-%'") == []
    # while a read outside the transaction answers at once, with what is committed
    assert await asyncio.wait_for(Event.all().count(), 1) == events_before

    # When the COMMIT fails
    go_on.set()
    results = await asyncio.gather(*writers, return_exceptions=True)

    # Then every writer of the batch hears of it, nothing of theirs is kept, and the next
    # transaction commits as usual
    assert all(isinstance(r, OSError) for r in results), results
    assert committed_rows(settings, "SELECT name FROM counter WHERE name LIKE 'writer-%'") == []
    group().before_commit = None
    await write(99)
    assert committed_rows(settings, "SELECT value FROM counter WHERE name = 'writer-99'") == [(99,)]
