"""The escalation scheduler: whistles nobody claimed in time move the case one level up.

Its state is the whistles themselves (status OPEN, due_at), so it survives restarts and
catches up on deadlines that passed while the server was down.

Every server process starts a scheduler, but only the holder of the database lease
"escalation" runs it: however many processes and machines share the database, each tick
runs in one of them. When the holder stops (or dies, and its lease expires) another one
takes over at its next tick. Should two ever overlap, the conditional UPDATE on the case's
status still lets only one of them escalate a whistle.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from ..db import atomic
from ..models import Case, Whistle, WhistleResponse
from ..models.enums import CaseStatus, WhistleStatus
from .cases import move_up_one_level
from .lease import DatabaseLease, instance_id
from .runtime import Runtime

log = logging.getLogger(__name__)
BATCH = 200
LEASE = "escalation"


async def escalate_overdue(
    rt: Runtime, keep_going: Callable[[], Awaitable[bool]] | None = None
) -> int:
    """Escalate every open whistle past its deadline; returns how many were escalated.

    `keep_going` is asked before each further batch (the scheduler renews its lease there)."""
    escalated = 0
    while True:
        now = rt.clock.now()
        due = (
            await Whistle.filter(status=WhistleStatus.OPEN, due_at__lte=now)
            .order_by("due_at", "id")
            .limit(BATCH)
        )
        if not due:
            return escalated
        for whistle in due:
            async with atomic():
                # Claimed or superseded meanwhile? Then this UPDATE matches nothing.
                still_open = await Whistle.filter(id=whistle.id, status=WhistleStatus.OPEN).exists()
                case = await Case.get(id=whistle.case_id)
                if not still_open or case.status is not CaseStatus.DISPATCHED:
                    await Whistle.filter(id=whistle.id, status=WhistleStatus.OPEN).update(
                        status=WhistleStatus.CLOSED
                    )
                    continue
                silent = WhistleResponse.filter(whistle_id=whistle.id, claimed_at=None)
                unclaimed = await silent.count()
                reason = (
                    f"No department reported for duty by {whistle.due_at.isoformat()} "
                    f"({unclaimed} summoned department(s) silent); escalated automatically"
                )
                await move_up_one_level(rt, case, reason=reason, actor=None, whistle=whistle)
                escalated += 1
        if len(due) < BATCH or (keep_going is not None and not await keep_going()):
            return escalated


class EscalationScheduler:
    """Runs escalate_overdue every few seconds in the server's event loop, while this process
    holds the lease."""

    def __init__(
        self, rt: Runtime, interval: float | None = None, *, lease_seconds: float | None = None
    ) -> None:
        self.rt = rt
        self.interval = interval if interval is not None else rt.settings.scheduler_interval_seconds
        seconds = (
            lease_seconds if lease_seconds is not None else rt.settings.scheduler_lease_seconds
        )
        self.lease = DatabaseLease(LEASE, instance_id(), seconds)
        self.leading = False
        self._task: asyncio.Task[None] | None = None
        self.runs = 0  # ticks this process ran as the lease holder

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._loop(), name="escalation-scheduler")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        if self.leading:
            self.leading = False
            with contextlib.suppress(Exception):  # it expires by itself anyway
                await self.lease.release()

    async def _hold(self) -> bool:
        # The lease runs on the machine's real clock, whatever clock the rules read.
        self.leading = await self.lease.hold(datetime.now(UTC))
        return self.leading

    async def _loop(self) -> None:
        while True:
            try:
                if await self._hold():
                    count = await escalate_overdue(self.rt, keep_going=self._hold)
                    self.runs += 1
                    if count:
                        log.info("escalated %d overdue whistle(s)", count)
            except asyncio.CancelledError:
                raise
            except Exception:  # keep the clock ticking; the next run retries
                log.exception("escalation run failed")
            await asyncio.sleep(self.interval)
