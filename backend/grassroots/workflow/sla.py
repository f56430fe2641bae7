"""Deadlines from a category's SLA and the case's urgency.

Each step (claim, resolve) allows either clock time or whole working days (work_calendar).
A deadline is computed once, when its step starts, and stored (Case.claim_due_at and
resolve_due_at, Whistle.due_at): the overdue flags, the escalation scheduler and the three
rates compare against those stored moments, so they follow working days without knowing
about them. A calendar change applies to deadlines computed after it; a deadline already
given keeps its date.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from ..models import Category
from ..models.enums import Urgency
from .runtime import Runtime
from .work_calendar import WorkCalendar, load_calendar

# Without an explicit override, urgency shortens the category's NORMAL deadlines.
URGENCY_FACTOR = {Urgency.NORMAL: 1.0, Urgency.URGENT: 0.5, Urgency.CRITICAL: 0.25}
# Roughly how many calendar days a working day stands for, where only a length will do.
CALENDAR_DAYS_PER_WORKING_DAY = 7 / 5


@dataclass(frozen=True)
class Allowance:
    """How long one step may take: clock time, or whole working days when those are set."""

    duration: timedelta = timedelta(0)
    working_days: int | None = None

    @property
    def nominal(self) -> timedelta:
        """A clock length: exact for clock time, an estimate for working days (for planning
        the demo's history; real deadlines come from `due`)."""
        if self.working_days is None:
            return self.duration
        return timedelta(days=self.working_days * CALENDAR_DAYS_PER_WORKING_DAY)

    def due(self, start: datetime, calendar: WorkCalendar | None) -> datetime:
        if self.working_days is None:
            return start + self.duration
        if calendar is None:
            raise ValueError("a working-day deadline needs the working calendar")
        return calendar.add_working_days(start, self.working_days)


@dataclass(frozen=True)
class SlaPolicy:
    claim: Allowance
    resolve: Allowance

    @property
    def claim_within(self) -> timedelta:
        return self.claim.nominal

    @property
    def resolve_within(self) -> timedelta:
        return self.resolve.nominal


def _scaled_days(days: float, factor: float) -> int:
    # Working days stay whole: an urgent 5-day repair gets 3 days, never 2.5.
    return max(1, math.ceil(days * factor))


def _allowance(
    override: dict[str, Any],
    *,
    step: str,
    clock_key: str,
    unit: timedelta,
    floor: float,
    category_days: int | None,
    category_clock: int,
    factor: float,
) -> Allowance:
    """An urgency's override wins (in whichever unit it names), then the category's working
    days, then its clock time; the category's values scale with urgency."""
    days_key = f"{step}_working_days"
    if override.get(days_key) is not None:
        return Allowance(working_days=max(1, int(override[days_key])))
    if override.get(clock_key) is not None:
        return Allowance(duration=unit * max(floor, float(override[clock_key])))
    if category_days is not None:
        return Allowance(working_days=_scaled_days(category_days, factor))
    return Allowance(duration=unit * max(floor, category_clock * factor))


def policy_for(category: Category, urgency: Urgency) -> SlaPolicy:
    override = (category.sla_overrides or {}).get(urgency.value) or {}
    factor = URGENCY_FACTOR[urgency]
    return SlaPolicy(
        claim=_allowance(
            override,
            step="claim",
            clock_key="claim_minutes",
            unit=timedelta(minutes=1),
            floor=1.0,
            category_days=category.claim_working_days,
            category_clock=category.claim_minutes,
            factor=factor,
        ),
        resolve=_allowance(
            override,
            step="resolve",
            clock_key="resolve_hours",
            unit=timedelta(hours=1),
            floor=0.25,
            category_days=category.resolve_working_days,
            category_clock=category.resolve_hours,
            factor=factor,
        ),
    )


async def _due(rt: Runtime, allowance: Allowance, start: datetime) -> datetime:
    calendar = None
    if allowance.working_days is not None:
        zone = rt.settings.zone
        calendar = await load_calendar(zone, since=start.astimezone(zone).date())
    return allowance.due(start, calendar)


async def claim_due(rt: Runtime, category: Category, urgency: Urgency, start: datetime) -> datetime:
    """When departments summoned at `start` must have reported for duty."""
    return await _due(rt, policy_for(category, urgency).claim, start)


async def resolve_due(
    rt: Runtime, category: Category, urgency: Urgency, start: datetime
) -> datetime:
    """When a case whose handling starts at `start` must be resolved."""
    return await _due(rt, policy_for(category, urgency).resolve, start)
