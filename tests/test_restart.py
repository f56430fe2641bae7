"""A server killed and started again, as a subscriber lives it: while its server is down the
work goes on through another process on the same database, and the subscriber, coming back
with the last `seq` it saw, gets exactly what it missed, in order, then follows live again.

That the escalation scheduler catches up deadlines that passed while the server was down is
tests/test_escalation.py (the server restarted after its deadlines passed) and
tests/test_scheduler_lease.py (a killed scheduler's work taken over by another process)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pytest
from websockets.exceptions import ConnectionClosed

from . import flows, lookup, servers
from .client import Api
from .live import LiveClient
from .operations import ACCEPT_CASE, EVENTS, WHISTLE_CASE
from .test_live_events import EVENTS_SUBSCRIPTION, _events, _last_seq


@asynccontextmanager
async def client_of(server: servers.Server) -> AsyncIterator[Api]:
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as http:
        yield Api(http)


async def test_a_subscriber_misses_nothing_while_its_server_is_killed_and_restarted(
    tmp_path: Path, database_url: str
) -> None:
    # Given two server processes on one database, and a subscriber following 延青 on the first
    first, other = await asyncio.gather(
        asyncio.to_thread(servers.start, tmp_path, database_url),
        asyncio.to_thread(servers.start, tmp_path, database_url),
    )
    try:
        async with client_of(first) as api, client_of(other) as elsewhere:
            yanqing = await lookup.region(api, "COMMUNITY", "延青社区")
            token = await api.login("community1")
            start = await _last_seq(api, yanqing["id"])
            follow = {"regionId": yanqing["id"], "since": start}
            async with LiveClient.connect(first.ws_url, token) as live:
                await live.subscribe(EVENTS_SUBSCRIPTION, follow)
                case_id = await flows.report(api)
                before = _events(await live.take(1))
                assert [e["kind"] for e in before] == ["case.reported"]
                seen = before[-1]["seq"]

                # When its server is killed outright
                first.kill()
                with pytest.raises(ConnectionClosed):
                    await live.receive(within=10)

            # and the case moves on through the other process meanwhile
            accept = {"input": {"caseId": case_id}}
            flows.ok((await elsewhere.as_user("community1", ACCEPT_CASE, accept))["acceptCase"])
            company = await lookup.department(elsewhere, "yanji-heating-co")
            whistle = {"input": {"caseId": case_id, "departmentIds": [company]}}
            flows.ok((await elsewhere.as_user("community1", WHISTLE_CASE, whistle))["whistleCase"])
            await flows.report(elsewhere, title="정전 停电")

        # and the server comes back, taking one more report before the subscriber returns
        first = await asyncio.to_thread(servers.start, tmp_path, database_url, port=first.port)
        async with client_of(first) as api:
            await flows.report(api, title="수도관 파열 水管爆裂")

            # Then the subscriber, back with the last seq it saw, gets exactly what it missed
            async with LiveClient.connect(first.ws_url, token) as live:
                await live.subscribe(EVENTS_SUBSCRIPTION, follow | {"since": seen})
                missed = _events(await live.take(4))
                assert [e["kind"] for e in missed] == [
                    "case.accepted",
                    "case.whistled",
                    "case.reported",
                    "case.reported",
                ]
                assert await live.quiet(0.5)
                # and follows live again
                await flows.report(api, title="가로등 고장 路灯不亮")
                after = _events(await live.take(1))
                assert [e["kind"] for e in after] == ["case.reported"]

            # and what it received is the log: in order, without gaps or repeats
            variables = {"regionId": yanqing["id"], "since": start}
            log = (await api.as_user("admin", EVENTS, variables))["events"]
            received = [e["seq"] for e in before + missed + after]
            assert received == [e["seq"] for e in log]
            assert received == list(range(received[0], received[0] + len(received)))
    finally:
        first.stop()
        other.stop()
