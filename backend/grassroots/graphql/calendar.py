"""The working-day calendar: the `calendar(year)` query and the setCalendarDay mutation."""

from __future__ import annotations

import datetime as dt
from typing import Any, Self

import strawberry

from ..workflow import calendar_days as flow
from ..workflow.errors import WorkflowError
from ..workflow.work_calendar import Day
from .context import Info
from .errors import UserError
from .payloads import query_error, run
from .permissions import IsAuthenticated


@strawberry.type(name="CalendarDay")
class CalendarDayType:
    date: dt.date
    is_working_day: bool
    name: str = strawberry.field(description="The holiday or make-up day, e.g. 国庆节")
    overridden: bool = strawberry.field(
        description="An administrator set this day; it wins over the official schedule"
    )

    @classmethod
    def of(cls, day: Day) -> Self:
        return cls(
            date=day.date,
            is_working_day=day.is_working_day,
            name=day.name,
            overridden=day.overridden,
        )


@strawberry.type(name="CalendarYear")
class CalendarYearType:
    year: int
    has_official_schedule: bool = strawberry.field(
        description="The State Council's schedule for this year ships with the platform; "
        "without it only weekends and administrators' days count"
    )
    days: list[CalendarDayType] = strawberry.field(
        description="Holidays, make-up working days and overridden days; every other day is "
        "a working day from Monday to Friday"
    )


@strawberry.type
class CalendarQueries:
    @strawberry.field(
        permission_classes=[IsAuthenticated],
        description="The working-day calendar that deadlines in working days count by",
    )
    async def calendar(self, info: Info, year: int) -> CalendarYearType:
        try:
            found = await flow.calendar_year(info.context.rt, year)
        except WorkflowError as error:
            raise query_error(error) from error
        return CalendarYearType(
            year=found.year,
            has_official_schedule=found.has_official_schedule,
            days=[CalendarDayType.of(d) for d in found.days],
        )


@strawberry.input
class SetCalendarDayInput:
    date: dt.date
    is_working_day: bool | None = strawberry.field(
        description="false: a holiday; true: a working day (e.g. a make-up day); "
        "null: remove the override, so the official schedule applies again"
    )
    name: str = ""


@strawberry.type
class CalendarDayPayload:
    day: CalendarDayType | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class CalendarMutations:
    @strawberry.mutation(
        description="Administrators: set whether a day is worked; deadlines computed from "
        "then on count it"
    )
    async def set_calendar_day(self, info: Info, input: SetCalendarDayInput) -> CalendarDayPayload:
        ctx = info.context

        async def act() -> dict[str, Any]:
            day = await flow.set_calendar_day(
                ctx.rt,
                ctx.actor,
                input.date,
                is_working_day=input.is_working_day,
                name=input.name,
            )
            return {"day": CalendarDayType.of(day)}

        return await run(CalendarDayPayload, act)
