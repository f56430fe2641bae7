"""A subscriber that cannot keep up is closed with a clear code instead of slowing the others
or holding memory without bound; replay paces itself to the reader."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from starlette.applications import Starlette

from grassroots.graphql.ws import CLOSE_TOO_SLOW, Connection
from grassroots.live.hub import FellBehind

from . import flows
from .client import Api


class StuckSocket:
    """A socket whose peer stopped reading: sends never complete."""

    def __init__(self) -> None:
        self.closed: tuple[int, str] | None = None
        self.sent = 0
        self.release = asyncio.Event()

    async def send_text(self, text: str) -> None:
        self.sent += 1
        await self.release.wait()

    async def close(self, code: int, reason: str) -> None:
        self.closed = (code, reason)


class FastSocket(StuckSocket):
    async def send_text(self, text: str) -> None:
        self.sent += 1


async def test_a_stuck_subscriber_is_closed_and_others_keep_receiving(app: Starlette) -> None:
    endpoint = app.state.live
    endpoint.max_outbox = 10
    stuck_socket, fast_socket = StuckSocket(), FastSocket()
    stuck = Connection(endpoint, stuck_socket)  # type: ignore[arg-type]
    fast = Connection(endpoint, fast_socket)  # type: ignore[arg-type]
    writers = [asyncio.create_task(c.writer()) for c in (stuck, fast)]

    for seq in range(50):
        for connection in (stuck, fast):
            connection.send_next("1", f'{{"data":{{"seq":{seq}}}}}')
        await asyncio.sleep(0)

    await asyncio.sleep(0.05)
    assert stuck.closing
    assert len(stuck.outbox) <= 1  # only the close frame is kept
    assert fast_socket.sent == 50
    assert not fast.closing
    stuck_socket.release.set()
    await asyncio.wait_for(writers[0], 1)
    assert stuck_socket.closed is not None
    assert stuck_socket.closed[0] == CLOSE_TOO_SLOW
    assert "since" in stuck_socket.closed[1]
    writers[1].cancel()


async def test_a_slow_consumer_of_follow_is_told_where_it_fell_behind(
    api: Api, app: Starlette
) -> None:
    hub = app.state.hub
    stream = hub.follow("/", None, max_queue=2)
    first = asyncio.ensure_future(stream.__anext__())
    await asyncio.sleep(0)  # registered; now five events arrive while nobody reads
    for i in range(5):
        await flows.report(api, title=f"몰림 {i} 涌入")
    await asyncio.sleep(0.2)
    got: list[Any] = [await first]

    async def read_on() -> None:
        while True:
            got.append(await asyncio.wait_for(stream.__anext__(), 1))

    with pytest.raises(FellBehind) as behind:
        await read_on()
    assert behind.value.last_seq == got[-1].seq
    assert 1 <= len(got) <= 3
