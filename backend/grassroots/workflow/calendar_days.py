"""Administrators correct the working calendar; everyone may read a year of it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from ..db import atomic
from ..live import eventlog
from ..models import CalendarDay, Region
from .actor import Actor
from .errors import ErrorCode, WorkflowError, denied, invalid
from .runtime import Runtime
from .work_calendar import Day, load_calendar, official_years

FIRST_YEAR, LAST_YEAR = 2000, 2100
MAX_NAME = 64


@dataclass(frozen=True)
class CalendarYear:
    year: int
    has_official_schedule: bool  # a shipped State Council schedule covers this year
    days: list[Day]  # holidays, make-up working days and overrides, by date


def _check_year(year: int, field: str) -> None:
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise invalid(field, f"{field} must be between {FIRST_YEAR} and {LAST_YEAR}")


async def calendar_year(rt: Runtime, year: int) -> CalendarYear:
    _check_year(year, "year")
    calendar = await load_calendar(rt.settings.zone, since=date(year, 1, 1))
    return CalendarYear(year, year in official_years(), calendar.special_days(year))


async def set_calendar_day(
    rt: Runtime, actor: Actor | None, day: date, *, is_working_day: bool | None, name: str = ""
) -> Day:
    """Mark a day as worked or as a holiday; `is_working_day=None` removes the override, so
    the shipped schedule (or the plain week) applies again. Deadlines computed from now on
    count it; those already given keep their dates."""
    if actor is None:
        raise WorkflowError(ErrorCode.UNAUTHENTICATED, "Sign in first")
    if not actor.is_admin:
        raise denied("Only administrators may change the working calendar")
    _check_year(day.year, "date")
    name = (name or "").strip()
    if len(name) > MAX_NAME:
        raise invalid("name", f"name must be at most {MAX_NAME} characters")
    now = rt.clock.now()
    async with atomic():
        if is_working_day is None:
            row = await CalendarDay.get_or_none(date=day)
            if row is not None:
                await row.delete()
            kind, subject_id = "calendar.day_cleared", row.id if row else 0
        else:
            row, _ = await CalendarDay.update_or_create(
                date=day,
                defaults={
                    "is_working_day": is_working_day,
                    "name": name,
                    "set_by_id": actor.account_id,
                    "updated_at": now,
                },
            )
            kind, subject_id = "calendar.day_set", row.id
        # The calendar holds everywhere: each top region's feed hears of the change.
        roots = [r.path for r in await Region.filter(parent_id=None).only("id", "path")]
        for path in roots or ["/"]:
            await eventlog.append(
                kind=kind,
                region_path=path,
                subject_type="CalendarDay",
                subject_id=subject_id,
                actor_id=actor.account_id,
                at=now,
                payload={"date": day.isoformat(), "isWorkingDay": is_working_day, "name": name},
            )
    calendar = await load_calendar(rt.settings.zone, since=day)
    return calendar.day(day)
