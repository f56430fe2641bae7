"""The dashboard of a region subtree: what a wall screen or a leader reads at a glance.

Everything except "overdue now" and the latest events comes from the counters that every
case step bumps in its own transaction (workflow.stats): totals, days and the map sum the
subtree's leaf-region rows (selected by a path range); the breakdowns by category, channel
and department read the region's own rows. A city's dashboard reads a few thousand counter
rows at most, not its million cases.
Rates count outcomes on the (local) day they happened; see workflow.stats for the rules.

Sections: the Party lists and the service tasks add their own parts later. A part registers
a builder with `register_section(name, builder)`; `build_dashboard` calls every registered
builder with the same `Scope` and hands the results on in `Dashboard.sections[name]`, and the
API adds a typed field that reads them.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from tortoise.functions import Count

from ..db import connection
from ..models import Case, Category, Department, Event, Region
from ..models.enums import OPEN_STATUSES, CaseStatus, RegionLevel, Source
from ..models.stats import DEPARTMENT_METRICS
from .actor import CASES_READ, REGION_READER_ROLES, Actor
from .case_search import overdue_filter
from .stats import day_date, day_number, path_upper, portable

TREND_DAYS = 30
RATE_PERIODS = (1, 7, 30)  # today, the last 7 days, the last 30 days (today included)
TOP_CATEGORIES = 8
LATEST_EVENTS = 20
# Subtrees of up to this many regions find their latest events region by region; bigger ones
# walk back this many events from the end of the log first.
SEEK_REGIONS = 64
WALK_BACK = 50_000
# A department is ranked once it had this many responses due in the last 30 days.
MIN_RANKED_VOLUME = 5


def may_see_dashboard(actor: Actor | None, region: Region) -> bool:
    """ADMIN, and the roles that read a region (staff, grid workers, block heads, leaders,
    wall screens, integrations) whose binding covers it."""
    return actor is not None and actor.covers(
        region.path, actor.reading(REGION_READER_ROLES, CASES_READ)
    )


# --- what the dashboard shows ------------------------------------------------------------


def _ratio(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


@dataclass(frozen=True)
class PeriodRates:
    """The three rates and mean times over the last `days` local days (today included)."""

    days: int
    since: date
    responses_due: int = 0
    responses_on_time: int = 0
    claims: int = 0
    claim_seconds: int = 0
    resolved: int = 0
    resolved_on_time: int = 0
    resolve_seconds: int = 0
    ratings: int = 0
    ratings_satisfied: int = 0

    @property
    def response_rate(self) -> float | None:
        return _ratio(self.responses_on_time, self.responses_due)

    @property
    def resolution_rate(self) -> float | None:
        return _ratio(self.resolved_on_time, self.resolved)

    @property
    def satisfaction_rate(self) -> float | None:
        return _ratio(self.ratings_satisfied, self.ratings)

    @property
    def mean_minutes_to_claim(self) -> float | None:
        return round(self.claim_seconds / self.claims / 60, 2) if self.claims else None

    @property
    def mean_hours_to_resolve(self) -> float | None:
        return round(self.resolve_seconds / self.resolved / 3600, 2) if self.resolved else None


@dataclass(frozen=True)
class StatusCount:
    status: CaseStatus
    count: int


@dataclass(frozen=True)
class CategoryCount:
    category: Category
    reported: int


@dataclass(frozen=True)
class SourceCount:
    source: Source
    reported: int


@dataclass(frozen=True)
class DepartmentRank:
    rank: int
    department: Department
    rates: PeriodRates


@dataclass(frozen=True)
class GridCount:
    grid: Region
    open: int
    overdue: int
    reported: int  # in the last TREND_DAYS days


@dataclass(frozen=True)
class DayCount:
    day: date
    reported: int
    closed: int


@dataclass(frozen=True)
class Dashboard:
    region: Region
    now: datetime
    today: date
    timezone: str
    by_status: list[StatusCount]  # every status, in workflow order
    total: int
    open: int
    new_today: int
    closed_today: int
    overdue: int
    rates_today: PeriodRates
    rates_7_days: PeriodRates
    rates_30_days: PeriodRates
    top_categories: list[CategoryCount]  # by cases reported in the last 30 days
    sources: list[SourceCount]  # every channel, cases reported in the last 30 days
    department_ranking: list[DepartmentRank]
    grids: list[GridCount]
    trend: list[DayCount]  # the last TREND_DAYS days, oldest first, zero-filled
    latest_events: list[Event]
    sections: dict[str, Any] = field(default_factory=dict)


# --- sections other parts add ------------------------------------------------------------


@dataclass(frozen=True)
class Scope:
    """What a section builder gets: the region, the moment, the local days and the path
    range (`lower <= region_path < upper`) that selects the subtree's rows."""

    region: Region
    now: datetime
    tz: ZoneInfo
    today: date
    lower: str
    upper: str

    def days(self, count: int) -> list[int]:
        """The last `count` local days, today first, as counter keys (YYYYMMDD)."""
        return [day_number(self.today - timedelta(days=i)) for i in range(count)]


SectionBuilder = Callable[[Scope], Awaitable[Any]]
SECTIONS: dict[str, SectionBuilder] = {}


def register_section(name: str, builder: SectionBuilder) -> None:
    SECTIONS[name] = builder


# --- building ----------------------------------------------------------------------------


async def _rows(sql: str, values: Sequence[Any]) -> list[dict[str, Any]]:
    conn = connection()
    return list(await conn.execute_query_dict(portable(sql, conn), list(values)))


def _in(values: Sequence[Any]) -> str:
    return ", ".join("?" for _ in values)


RATE_COLUMNS = (
    "responses_due",
    "responses_on_time",
    "claims",
    "claim_seconds",
    "resolved",
    "resolved_on_time",
    "resolve_seconds",
    "ratings",
    "ratings_satisfied",
)
assert set(RATE_COLUMNS) <= set(DEPARTMENT_METRICS)
_SUMS = ", ".join(f'SUM("{c}") AS "{c}"' for c in RATE_COLUMNS)


def _period(days: int, since: date, row: dict[str, Any]) -> PeriodRates:
    return PeriodRates(days=days, since=since, **{c: int(row.get(c) or 0) for c in RATE_COLUMNS})


async def _status_counts(scope: Scope) -> dict[int, dict[CaseStatus, int]]:
    rows = await _rows(
        'SELECT "region_id", "status", "n" FROM "stat_status" '
        'WHERE "region_path" >= ? AND "region_path" < ?',
        [scope.lower, scope.upper],
    )
    by_region: dict[int, dict[CaseStatus, int]] = {}
    for row in rows:
        counts = by_region.setdefault(int(row["region_id"]), {})
        status = CaseStatus(row["status"])
        counts[status] = counts.get(status, 0) + int(row["n"])
    return by_region


async def _days(scope: Scope, days: list[int]) -> dict[int, dict[str, Any]]:
    rows = await _rows(
        f'SELECT "day", SUM("reported") AS "reported", SUM("closed") AS "closed", {_SUMS} '
        f'FROM "stat_region_day" WHERE "day" IN ({_in(days)}) '
        'AND "region_path" >= ? AND "region_path" < ? GROUP BY "day"',
        [*days, scope.lower, scope.upper],
    )
    return {int(r["day"]): r for r in rows}


async def _reported_by_region(scope: Scope, days: list[int]) -> dict[int, int]:
    rows = await _rows(
        'SELECT "region_id", SUM("reported") AS "n" FROM "stat_region_day" '
        f'WHERE "day" IN ({_in(days)}) AND "region_path" >= ? AND "region_path" < ? '
        'GROUP BY "region_id"',
        [*days, scope.lower, scope.upper],
    )
    return {int(r["region_id"]): int(r["n"] or 0) for r in rows}


async def _top_categories(scope: Scope, days: list[int]) -> list[CategoryCount]:
    rows = await _rows(
        'SELECT "category_id", SUM("n") AS "n" FROM "stat_category_day" '
        f'WHERE "region_id" = ? AND "day" IN ({_in(days)}) '
        'GROUP BY "category_id" HAVING SUM("n") > 0 ORDER BY 2 DESC, 1 LIMIT ?',
        [scope.region.id, *days, TOP_CATEGORIES],
    )
    ids = [int(r["category_id"]) for r in rows]
    categories = {c.id: c for c in await Category.filter(id__in=ids)}
    return [
        CategoryCount(category=categories[int(r["category_id"])], reported=int(r["n"]))
        for r in rows
        if int(r["category_id"]) in categories
    ]


async def _sources(scope: Scope, days: list[int]) -> list[SourceCount]:
    rows = await _rows(
        'SELECT "source", SUM("n") AS "n" FROM "stat_source_day" '
        f'WHERE "region_id" = ? AND "day" IN ({_in(days)}) GROUP BY "source"',
        [scope.region.id, *days],
    )
    counts = {str(r["source"]): int(r["n"] or 0) for r in rows}
    return [SourceCount(source=s, reported=counts.get(s.value, 0)) for s in Source]


def ranking_key(item: tuple[Department, PeriodRates]) -> tuple[Any, ...]:
    """Best first: by response, resolution and satisfaction rate, then by volume."""
    department, rates = item

    def desc(value: float | None) -> float:
        return -(value if value is not None else -1.0)

    return (
        desc(rates.response_rate),
        desc(rates.resolution_rate),
        desc(rates.satisfaction_rate),
        -rates.responses_due,
        department.code,
    )


async def _department_ranking(scope: Scope, days: list[int], since: date) -> list[DepartmentRank]:
    rows = await _rows(
        f'SELECT "department_id", {_SUMS} FROM "stat_department_day" '
        f'WHERE "region_id" = ? AND "day" IN ({_in(days)}) '
        'GROUP BY "department_id" HAVING SUM("responses_due") >= ?',
        [scope.region.id, *days, MIN_RANKED_VOLUME],
    )
    departments = {
        d.id: d for d in await Department.filter(id__in=[int(r["department_id"]) for r in rows])
    }
    ranked = sorted(
        (
            (departments[int(r["department_id"])], _period(len(days), since, r))
            for r in rows
            if int(r["department_id"]) in departments
        ),
        key=ranking_key,
    )
    return [
        DepartmentRank(rank=i, department=d, rates=rates)
        for i, (d, rates) in enumerate(ranked, start=1)
    ]


async def _overdue_by_region(scope: Scope) -> dict[int, int]:
    """Open cases past a deadline, per leaf region: the open-status index narrows the scan to
    open cases in the subtree, which are few beside the closed history."""
    rows = (
        await Case.filter(
            status__in=list(OPEN_STATUSES),
            region_path__gte=scope.lower,
            region_path__lt=scope.upper,
        )
        .filter(overdue_filter(scope.now))
        .annotate(n=Count("id"))
        .group_by("region_id")
        .values_list("region_id", "n")
    )
    return {int(region): int(n) for region, n in rows}  # type: ignore[misc]


async def _latest_events(scope: Scope) -> list[Event]:
    """The newest events of the subtree, newest first, through indexes whatever its size.

    A small subtree (most dashboards) seeks the newest events of each of its regions on the
    region_path index, which SQLite keeps in sequence order within a path, and merges them.
    A big one walks the log back from its end, where its events are dense; the path test is
    written so that no index can serve it, as a range scan on the path would read the
    subtree's whole history and sort it. Only if the recent log holds too few of them does it
    fall back to that scan.
    """
    paths = (
        await Region.filter(path__gte=scope.lower, path__lt=scope.upper)
        .limit(SEEK_REGIONS + 1)
        .values_list("path", flat=True)
    )
    if len(paths) <= SEEK_REGIONS:
        newest = (
            'SELECT "seq" FROM (SELECT "seq" FROM "event" WHERE "region_path" = ? '
            'ORDER BY "seq" DESC LIMIT ?) AS "e{}"'
        )
        union = " UNION ALL ".join(newest.format(i) for i in range(len(paths)))
        values: list[Any] = [v for path in paths for v in (path, LATEST_EVENTS)]
        rows = (
            await _rows(f'{union} ORDER BY "seq" DESC LIMIT ?', [*values, LATEST_EVENTS])
            if paths
            else []
        )
    else:
        top = (await _rows('SELECT MAX("seq") AS "top" FROM "event"', []))[0]["top"] or 0
        rows = await _rows(
            'SELECT "seq" FROM "event" WHERE "seq" > ? '
            "AND \"region_path\" || '' >= ? AND \"region_path\" || '' < ? "
            'ORDER BY "seq" DESC LIMIT ?',
            [int(top) - WALK_BACK, scope.lower, scope.upper, LATEST_EVENTS],
        )
        if len(rows) < LATEST_EVENTS:
            rows = await _rows(
                'SELECT "seq" FROM "event" WHERE "region_path" >= ? AND "region_path" < ? '
                'ORDER BY "seq" DESC LIMIT ?',
                [scope.lower, scope.upper, LATEST_EVENTS],
            )
    seqs = [int(r["seq"]) for r in rows]
    events = {e.seq: e for e in await Event.filter(seq__in=seqs)}
    return [events[s] for s in seqs if s in events]


async def _grids(scope: Scope) -> list[Region]:
    if scope.region.level is RegionLevel.GRID:
        return [scope.region]
    grids = Region.filter(level=RegionLevel.GRID, path__gte=scope.lower, path__lt=scope.upper)
    return await grids.order_by("code")


async def build_dashboard(region: Region, now: datetime, tz: ZoneInfo) -> Dashboard:
    today = now.astimezone(tz).date()
    scope = Scope(
        region=region, now=now, tz=tz, today=today, lower=region.path, upper=path_upper(region.path)
    )
    days = scope.days(TREND_DAYS)  # today first
    month_start = day_date(days[-1])

    statuses = await _status_counts(scope)
    by_day = await _days(scope, days)
    reported_30 = await _reported_by_region(scope, days)
    overdue = await _overdue_by_region(scope)

    totals: dict[CaseStatus, int] = dict.fromkeys(CaseStatus, 0)
    for counts in statuses.values():
        for status, n in counts.items():
            totals[status] += n

    def period(count: int) -> PeriodRates:
        sums: dict[str, int] = dict.fromkeys(RATE_COLUMNS, 0)
        for day in days[:count]:
            row = by_day.get(day)
            if row:
                for column in RATE_COLUMNS:
                    sums[column] += int(row[column] or 0)
        return _period(count, day_date(days[count - 1]), sums)

    def on(day: int, column: str) -> int:
        row = by_day.get(day)
        return int(row[column] or 0) if row else 0

    grids = [
        GridCount(
            grid=grid,
            open=sum(n for s, n in statuses.get(grid.id, {}).items() if s in OPEN_STATUSES),
            overdue=overdue.get(grid.id, 0),
            reported=reported_30.get(grid.id, 0),
        )
        for grid in await _grids(scope)
    ]
    dashboard = Dashboard(
        region=region,
        now=now,
        today=today,
        timezone=tz.key,
        by_status=[StatusCount(status=s, count=n) for s, n in totals.items()],
        total=sum(totals.values()),
        open=sum(totals[s] for s in OPEN_STATUSES),
        new_today=on(days[0], "reported"),
        closed_today=on(days[0], "closed"),
        overdue=sum(overdue.values()),
        rates_today=period(RATE_PERIODS[0]),
        rates_7_days=period(RATE_PERIODS[1]),
        rates_30_days=period(RATE_PERIODS[2]),
        top_categories=await _top_categories(scope, days),
        sources=await _sources(scope, days),
        department_ranking=await _department_ranking(scope, days, month_start),
        grids=grids,
        trend=[
            DayCount(day=day_date(d), reported=on(d, "reported"), closed=on(d, "closed"))
            for d in reversed(days)
        ],
        latest_events=await _latest_events(scope),
    )
    for name, builder in SECTIONS.items():
        dashboard.sections[name] = await builder(scope)
    return dashboard
