"""A tiny discrete-event runner for demo stories on a frozen clock.

A story is an async generator: it acts (with the clock set to its moment), then yields how
long until its next act. The runner always wakes the earliest story next, so the clock only
moves forward and every row the workflow writes is stamped in order.
"""

from __future__ import annotations

import heapq
import itertools
import logging
from collections.abc import AsyncGenerator
from datetime import datetime, timedelta

from ..clock import FrozenClock
from ..workflow.errors import WorkflowError

log = logging.getLogger(__name__)

Story = AsyncGenerator[timedelta, None]


class StoryRunner:
    """Plays stories in time order on a frozen clock; drops whatever would happen after `until`."""

    def __init__(self, clock: FrozenClock, until: datetime) -> None:
        self.clock = clock
        self.until = until
        self.failures: list[str] = []
        self._queue: list[tuple[datetime, int, Story]] = []
        self._order = itertools.count()

    def add(self, at: datetime, story: Story) -> None:
        heapq.heappush(self._queue, (at, next(self._order), story))

    async def run(self) -> None:
        while self._queue:
            at, _, story = heapq.heappop(self._queue)
            if at > self.until:
                await story.aclose()
                continue
            self.clock.set(at)
            try:
                wait = await anext(story)
            except StopAsyncIteration:
                continue
            except WorkflowError as error:  # a refused step ends that story only
                self.failures.append(f"{error.code}: {error.message}")
                log.warning("demo story stopped: %s %s", error.code, error.message)
                continue
            self.add(at + max(wait, timedelta(seconds=1)), story)
