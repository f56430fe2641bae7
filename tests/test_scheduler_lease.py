"""Two server processes on one database: the escalation scheduler runs in exactly one of them
(the holder of the database lease), and the other takes over when the holder dies."""

from __future__ import annotations

import asyncio
import re
import signal
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from strawberry.relay import GlobalID

from grassroots.db import close_db, init_db
from grassroots.models import Lease, Whistle, WhistleResponse
from grassroots.workflow.escalation import LEASE

from .client import Api
from .operations import CASE
from .servers import Server, spawn
from .test_escalation import _whistled_case

LEASE_SECONDS = 1.5
RUNS = re.compile(r"^grassroots_scheduler_runs(?:_total)? (\S+)$", re.MULTILINE)


def _serve(tmp_path: Path, database_url: str, *options: str) -> Server:
    env = {
        "GRASSROOTS_SCHEDULER_INTERVAL": "0.1",
        "GRASSROOTS_SCHEDULER_LEASE_SECONDS": str(LEASE_SECONDS),
    }
    return spawn(tmp_path, database_url, *options, "--log-level", "warning", env=env)


@contextmanager
def running(*started: Server) -> Iterator[list[Server]]:
    try:
        yield [server.wait_ready() for server in started]
    finally:
        for server in started:
            server.stop()


@pytest.fixture
def two_servers(tmp_path: Path, database_url: str) -> Iterator[list[Server]]:
    """Two `grassroots serve` processes on one database, schedulers ticking every 100 ms."""
    with running(*(_serve(tmp_path, database_url) for _ in range(2))) as both:
        yield both


@pytest.fixture
def two_workers(tmp_path: Path, database_url: str) -> Iterator[Server]:
    """`grassroots serve --workers 2`, schedulers ticking every 100 ms."""
    with running(_serve(tmp_path, database_url, "--workers", "2")) as one:
        yield one[0]


@asynccontextmanager
async def database(url: str) -> AsyncIterator[None]:
    """The servers' database, opened from the test to move deadlines and read the lease."""
    await init_db(url, create=False)
    try:
        yield
    finally:
        await close_db()


async def _deadline_passes(database_url: str, case_id: str) -> None:
    """As if the whistle's hour had gone by: its deadline moves into the past."""
    past = datetime.now(UTC) - timedelta(minutes=1)
    case = int(GlobalID.from_id(case_id).node_id)
    async with database(database_url):
        whistle = await Whistle.get(case_id=case, status="OPEN")
        await WhistleResponse.filter(whistle_id=whistle.id).update(due_at=past)
        await Whistle.filter(id=whistle.id).update(due_at=past)


async def _lease_holder_pid(database_url: str) -> int | None:
    async with database(database_url):
        lease = await Lease.get_or_none(name=LEASE)
    return int(lease.holder.split(":")[1]) if lease else None


async def _runs(http: httpx.AsyncClient, server: Server) -> float:
    found = RUNS.search((await http.get(f"{server.url}/metrics")).text)
    assert found, "the scheduler's runs are in /metrics"
    return float(found.group(1))


async def _escalations(api: Api, case_id: str) -> int:
    case = (await api.as_user("street1", CASE, {"id": case_id}))["node"]
    return [step["kind"] for step in case["timeline"]].count("ESCALATED")


async def _escalated(api: Api, case_id: str) -> bool:
    return await _escalations(api, case_id) > 0


async def _eventually(check: Callable[[], Awaitable[bool]], within: float = 15.0) -> None:
    for _ in range(int(within / 0.1)):
        if await check():
            return
        await asyncio.sleep(0.1)
    raise AssertionError("did not happen in time")


async def test_one_process_escalates_and_the_other_takes_over_when_it_dies(
    two_servers: list[Server], database_url: str
) -> None:
    async with httpx.AsyncClient(base_url=two_servers[0].url, timeout=10) as http:
        api = Api(http)
        # Given two processes whose schedulers tick every 100 ms, and a whistled case
        first = await _whistled_case(api)

        # When its claim deadline passes
        await _deadline_passes(database_url, first)

        # Then it is escalated, once, by the one process that holds the lease
        await _eventually(lambda: _escalated(api, first))
        await asyncio.sleep(1.0)  # ten more ticks in each process
        assert await _escalations(api, first) == 1
        holder = await _lease_holder_pid(database_url)
        leader = next(s for s in two_servers if s.process.pid == holder)
        standby = next(s for s in two_servers if s is not leader)
        assert await _runs(http, leader) > 0
        assert await _runs(http, standby) == 0

        # When the lease holder dies without giving the lease up
        leader.process.send_signal(signal.SIGKILL)
        leader.process.wait(10)

    async with httpx.AsyncClient(base_url=standby.url, timeout=10) as http:
        api = Api(http)
        second = await _whistled_case(api)
        await _deadline_passes(database_url, second)

        # Then once the lease has expired the other process takes over and escalates
        await _eventually(lambda: _escalated(api, second))
        await asyncio.sleep(1.0)
        assert await _escalations(api, second) == 1
        assert await _escalations(api, first) == 1
        assert await _lease_holder_pid(database_url) == standby.process.pid
        assert await _runs(http, standby) > 0


def _parent_pid(pid: int) -> int:
    stat = Path(f"/proc/{pid}/stat").read_text()
    return int(stat.rsplit(")", 1)[1].split()[1])


async def test_serve_with_workers_runs_the_scheduler_in_one_worker(
    two_workers: Server, database_url: str
) -> None:
    # Given `grassroots serve --workers 2` whose schedulers have had time for a few ticks
    await asyncio.sleep(1.0)

    # When requests arrive on fresh connections, so that both workers answer some
    fresh = httpx.Limits(max_keepalive_connections=0)
    runs: set[bool] = set()
    async with httpx.AsyncClient(limits=fresh, timeout=10) as http:
        for _ in range(300):
            found = RUNS.search((await http.get(f"{two_workers.url}/metrics")).text)
            assert found
            runs.add(float(found.group(1)) > 0)
            if runs == {True, False}:
                break

    # Then one worker has run the scheduler and the other has not: the lease holder
    assert runs == {True, False}
    holder = await _lease_holder_pid(database_url)
    assert holder is not None
    assert _parent_pid(holder) == two_workers.process.pid
