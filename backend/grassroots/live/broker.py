"""Brokers wake subscribers when events are committed; they never carry the events.

The event log is the truth: a subscriber woken by a broker reads the log from the last
sequence it saw, so a lost wake-up delays an event (until the hub's safety poll) but never
loses it. In one process the memory broker is enough; several processes share Redis.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import Any, Protocol

log = logging.getLogger(__name__)

Wake = Callable[[int], None]
CHANNEL = "grassroots:events"


class Broker(Protocol):
    async def start(self, wake: Wake) -> None: ...

    def publish(self, seq: int) -> None:
        """Called right after a commit that wrote events up to `seq`."""

    async def stop(self) -> None: ...

    @property
    def healthy(self) -> bool: ...

    async def ping(self) -> bool:
        """Readiness: can this process hear the other processes' commits right now?"""
        ...


class MemoryBroker:
    """One process: a commit wakes the hub directly."""

    def __init__(self) -> None:
        self._wake: Wake | None = None

    async def start(self, wake: Wake) -> None:
        self._wake = wake

    def publish(self, seq: int) -> None:
        if self._wake is not None:
            self._wake(seq)

    async def stop(self) -> None:
        self._wake = None

    @property
    def healthy(self) -> bool:
        return True

    async def ping(self) -> bool:
        return True


class RedisBroker:
    """Several processes: each commit is announced on a Redis channel to all of them."""

    def __init__(self, url: str, channel: str = CHANNEL) -> None:
        self.url = url
        self.channel = channel
        self._wake: Wake | None = None
        self._redis: Any = None
        self._listener: asyncio.Task[None] | None = None
        self._pending: set[asyncio.Task[None]] = set()
        self._connected = False

    async def start(self, wake: Wake) -> None:
        import redis.asyncio as redis

        self._wake = wake
        self._redis = redis.from_url(self.url)
        self._listener = asyncio.create_task(self._listen(), name="redis-broker-listener")

    def publish(self, seq: int) -> None:
        if self._wake is not None:
            self._wake(seq)  # this process need not wait for the round trip
        if self._redis is None:
            return
        task = asyncio.get_running_loop().create_task(self._publish(seq))
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    async def _publish(self, seq: int) -> None:
        try:
            await self._redis.publish(self.channel, str(seq))
        except Exception:  # the log still holds the event; others catch up by polling
            log.warning("could not publish event %s to redis", seq, exc_info=True)

    async def _listen(self) -> None:
        while True:
            try:
                pubsub = self._redis.pubsub()
                await pubsub.subscribe(self.channel)
                self._connected = True
                async for message in pubsub.listen():
                    if message.get("type") == "message" and self._wake is not None:
                        self._wake(int(message["data"]))
            except asyncio.CancelledError:
                raise
            except Exception:
                self._connected = False
                log.warning("redis broker disconnected; retrying", exc_info=True)
                await asyncio.sleep(1.0)

    async def stop(self) -> None:
        if self._listener is not None:
            self._listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._listener
        for task in list(self._pending):
            with contextlib.suppress(Exception):
                await task
        if self._redis is not None:
            await self._redis.aclose()
        self._wake = None

    @property
    def healthy(self) -> bool:
        return self._connected

    async def ping(self) -> bool:
        if self._redis is None or not self._connected:
            return False
        try:
            return bool(await asyncio.wait_for(self._redis.ping(), 2.0))
        except Exception:
            return False


def broker_from_url(url: str) -> Broker:
    if url.startswith("memory://"):
        return MemoryBroker()
    if url.startswith(("redis://", "rediss://")):
        return RedisBroker(url)
    raise ValueError(f"unknown broker URL: {url}")
