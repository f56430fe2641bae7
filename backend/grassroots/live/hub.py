"""The event hub: one reader of the event log per process, handing each new event, in
sequence order, to the listeners whose region it falls in.

The broker only wakes the reader; the reader always reads the log itself from the last
sequence it handed out, so nothing is skipped or repeated. A slow poll covers lost wake-ups.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field

from ..models import Event
from .broker import Broker
from .eventlog import last_seq, read_after

log = logging.getLogger(__name__)

BATCH = 500
OnEvent = Callable[[Event], Awaitable[None] | None]


class FellBehind(Exception):
    """A subscriber's queue overflowed; it must reconnect with `since` to catch up."""

    def __init__(self, last_seq: int) -> None:
        super().__init__(f"subscriber fell behind after event {last_seq}")
        self.last_seq = last_seq


@dataclass(eq=False)
class Listener:
    region_path: str
    on_event: OnEvent
    registered_at: int = 0


@dataclass
class HubStats:
    read: int = 0
    dispatched: int = 0
    wakeups: int = 0
    polls: int = 0
    listeners: int = 0
    errors: int = 0
    last_lag: float = 0.0
    extra: dict[str, int] = field(default_factory=dict)


class EventHub:
    def __init__(self, broker: Broker, *, poll_interval: float = 2.0) -> None:
        self.broker = broker
        self.poll_interval = poll_interval
        self.position = 0
        self.announced = 0  # the highest sequence a broker said is committed
        self.stats = HubStats()
        self._listeners: set[Listener] = set()
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    # --- lifecycle ------------------------------------------------------------------------

    async def start(self) -> None:
        self.position = await last_seq()
        await self.broker.start(self.wake)
        self._task = asyncio.create_task(self._run(), name="event-hub")

    async def stop(self) -> None:
        await self.broker.stop()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    def wake(self, seq: int) -> None:
        """A broker says events up to `seq` are committed."""
        self.stats.wakeups += 1
        self.announced = max(self.announced, seq)
        if seq > self.position:
            self._wake.set()

    # --- listeners ------------------------------------------------------------------------

    def listen(self, region_path: str, on_event: OnEvent) -> Listener:
        """From now on, every event after `self.position` in the subtree goes to `on_event`."""
        listener = Listener(region_path, on_event, registered_at=self.position)
        self._listeners.add(listener)
        self.stats.listeners = len(self._listeners)
        return listener

    def unlisten(self, listener: Listener) -> None:
        self._listeners.discard(listener)
        self.stats.listeners = len(self._listeners)

    # --- the reader -----------------------------------------------------------------------

    async def _run(self) -> None:
        while True:
            try:
                # asyncio.timeout, not wait_for: on Python 3.11 wait_for swallows a cancel that
                # arrives as the wake-up lands, and stop() then waited for this task for ever.
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(self.poll_interval):
                        await self._wake.wait()
                self._wake.clear()
                await self._drain()
            except asyncio.CancelledError:
                raise
            except Exception:
                self.stats.errors += 1
                log.exception("event hub read failed; retrying")
                await asyncio.sleep(0.5)

    async def _drain(self) -> None:
        while True:
            events = await read_after(self.position, limit=BATCH)
            if not events:
                self.stats.polls += 1
                return
            for event in events:
                self.position = event.seq
                self.stats.read += 1
                await self._dispatch(event)
            if len(events) < BATCH:
                return

    async def _dispatch(self, event: Event) -> None:
        for listener in list(self._listeners):
            if not event.region_path.startswith(listener.region_path):
                continue
            try:
                result = listener.on_event(event)
                if result is not None:
                    await result
                self.stats.dispatched += 1
            except Exception:
                self.stats.errors += 1
                log.exception("a listener failed on event %s", event.seq)

    # --- replay, then follow --------------------------------------------------------------

    async def follow(
        self, region_path: str, since: int | None, *, max_queue: int = 1000
    ) -> AsyncIterator[Event]:
        """Events of a subtree after `since` (or from now), replayed from the log and then
        live: in order, no gaps, no duplicates. Raises FellBehind if the consumer cannot keep
        up with `max_queue` events in hand."""
        queue: asyncio.Queue[Event] = asyncio.Queue(maxsize=max_queue)
        overflow: list[int] = []

        def push(event: Event) -> None:
            if overflow:
                return
            try:
                queue.put_nowait(event)
            except asyncio.QueueFull:
                overflow.append(event.seq)

        listener = self.listen(region_path, push)
        try:
            last = listener.registered_at if since is None else since
            # Replay what was committed before we listened; the queue holds what came after.
            while last < listener.registered_at:
                batch = await read_after(last, region_path=region_path, limit=BATCH)
                batch = [e for e in batch if e.seq <= listener.registered_at]
                if not batch:
                    break
                for event in batch:
                    last = event.seq
                    yield event
            last = max(last, listener.registered_at)
            while True:
                if overflow and queue.empty():
                    raise FellBehind(last)
                event = await queue.get()
                if event.seq <= last:
                    continue
                last = event.seq
                yield event
        finally:
            self.unlisten(listener)
