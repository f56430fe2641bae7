"""A real server on a loopback port, and a small graphql-transport-ws client for the tests."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import uvicorn
import websockets

SUBPROTOCOL = "graphql-transport-ws"


@asynccontextmanager
async def serving(app: Any) -> AsyncIterator[str]:
    """Serve an app whose lifespan already runs; yields its ws:// URL."""
    config = uvicorn.Config(app, host="127.0.0.1", port=0, lifespan="off", log_level="warning")
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:  # noqa: ASYNC110  (uvicorn offers no event to wait on)
        await asyncio.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"ws://127.0.0.1:{port}/graphql"
    finally:
        server.should_exit = True
        await task


class LiveClient:
    def __init__(self, socket: Any) -> None:
        self.socket = socket
        self.next_id = 0

    @classmethod
    @asynccontextmanager
    async def connect(cls, url: str, token: str | None) -> AsyncIterator[LiveClient]:
        async with websockets.connect(url, subprotocols=[SUBPROTOCOL]) as socket:
            client = cls(socket)
            payload = {"authorization": f"Bearer {token}"} if token else {}
            await client.send({"type": "connection_init", "payload": payload})
            ack = await client.receive()
            assert ack == {"type": "connection_ack"}, ack
            yield client

    async def send(self, message: dict[str, Any]) -> None:
        await self.socket.send(json.dumps(message))

    async def receive(self, within: float = 5.0) -> dict[str, Any]:
        return json.loads(await asyncio.wait_for(self.socket.recv(), within))

    async def subscribe(self, query: str, variables: dict[str, Any] | None = None) -> str:
        self.next_id += 1
        op_id = str(self.next_id)
        payload = {"query": query, "variables": variables or {}}
        await self.send({"id": op_id, "type": "subscribe", "payload": payload})
        return op_id

    async def take(self, count: int, within: float = 5.0) -> list[dict[str, Any]]:
        """The next `count` messages."""
        return [await self.receive(within) for _ in range(count)]

    async def quiet(self, wait: float = 0.5) -> bool:
        """True if nothing arrives within `wait` seconds."""
        try:
            message = await self.receive(wait)
        except TimeoutError:
            return True
        raise AssertionError(f"expected silence, got {message}")
