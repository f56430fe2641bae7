"""Working days: which days count toward a deadline, and where N working days end.

A day is a working day by, in order of precedence:
1. an administrator's override (models.CalendarDay, set with setCalendarDay);
2. the State Council's official schedule shipped in calendars/cn-YYYY.json: public holidays,
   and the weekend days that are worked to make up for them (调休上班);
3. the plain week: Monday to Friday. A year without a shipped file falls back to this until
   an administrator enters its holidays.

Convention (as periods count in Chinese law, Civil Code arts. 201 and 203, which
administrative handling rules follow: the day a period starts is not counted, and the period
ends at 24:00 of its last day):
N working days after a moment end at the close of the Nth working day after that moment's
local date. A case reported on Wednesday 30 September 2026 with 3 working days is due at the
end of Saturday 10 October: 1-7 October are the National Day holiday, 8 and 9 October count
one and two, and Saturday 10 October is a make-up working day.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from importlib import resources

from ..models import CalendarDay

# The close of a day; stored deadlines compare with `<=`, so the whole last day counts.
END_OF_DAY = time(23, 59, 59)


@dataclass(frozen=True)
class Day:
    date: date
    is_working_day: bool
    name: str = ""
    overridden: bool = False  # an administrator set it


def _days(start: date, end: date) -> Iterable[date]:
    for offset in range((end - start).days + 1):
        yield start + timedelta(days=offset)


def _read_schedule(text: str) -> dict[date, Day]:
    data = json.loads(text)
    days: dict[date, Day] = {}
    for holiday in data["holidays"]:
        first, last = date.fromisoformat(holiday["from"]), date.fromisoformat(holiday["to"])
        for day in _days(first, last):
            days[day] = Day(day, False, holiday["name"])
    for workday in data["workdays"]:
        day = date.fromisoformat(workday["date"])
        days[day] = Day(day, True, workday["name"])
    return days


@functools.cache
def official_schedule() -> Mapping[date, Day]:
    """Every shipped year's holidays and make-up working days."""
    days: dict[date, Day] = {}
    folder = resources.files("grassroots.workflow").joinpath("calendars")
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.startswith("cn-") and entry.name.endswith(".json"):
            days.update(_read_schedule(entry.read_text(encoding="utf-8")))
    return days


def official_years() -> frozenset[int]:
    return frozenset(day.year for day in official_schedule())


class WorkCalendar:
    """The official schedule with an administrator's overrides on top, in one time zone."""

    def __init__(self, zone: tzinfo, overrides: Mapping[date, Day] | None = None) -> None:
        self.zone = zone
        self.overrides = dict(overrides or {})

    def day(self, day: date) -> Day:
        found = self.overrides.get(day) or official_schedule().get(day)
        return found or Day(day, day.weekday() < 5)

    def is_working_day(self, day: date) -> bool:
        return self.day(day).is_working_day

    def add_working_days(self, start: datetime, n: int) -> datetime:
        """The close of the Nth working day after start's local date (see the module doc)."""
        if n < 1:
            raise ValueError("a working-day deadline needs at least one working day")
        day = start.astimezone(self.zone).date()
        while n:
            day += timedelta(days=1)
            if self.is_working_day(day):
                n -= 1
        return datetime.combine(day, END_OF_DAY, tzinfo=self.zone).astimezone(UTC)

    def special_days(self, year: int) -> list[Day]:
        """The year's days that differ from the plain week or that an administrator set."""
        listed = {d: v for d, v in official_schedule().items() if d.year == year}
        listed |= {d: v for d, v in self.overrides.items() if d.year == year}
        return [listed[d] for d in sorted(listed)]


async def load_calendar(zone: tzinfo, since: date | None = None) -> WorkCalendar:
    """The calendar with the overrides from `since` on (all of them without it)."""
    rows = CalendarDay.filter(date__gte=since) if since is not None else CalendarDay.all()
    overrides = {
        row.date: Day(row.date, row.is_working_day, row.name, overridden=True) for row in await rows
    }
    return WorkCalendar(zone, overrides)
