"""The monthly department report of a region: each department's three rates and mean times
for the region's cases, ranked the way the dashboard ranks them, with a minimum volume.

It reads the same day counters as the dashboard's ranking (workflow.stats: outcomes counted
on the local day they happened, a department's row kept for every region on the case's
path), over the month's days instead of the last thirty, so a month's report and the wall
screen agree. The rates themselves are dashboard.PeriodRates.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date
from typing import Any

from ..db import connection
from ..models import Department, Region
from .dashboard import MIN_RANKED_VOLUME, RATE_COLUMNS, PeriodRates, ranking_key
from .stats import day_number, path_upper, portable

_SUMS = ", ".join(f'SUM("{c}") AS "{c}"' for c in RATE_COLUMNS)


@dataclass(frozen=True)
class DepartmentLine:
    department: Department
    rates: PeriodRates
    rank: int | None  # None: fewer responses due than the minimum volume


@dataclass(frozen=True)
class DepartmentReport:
    region: Region
    first_day: date
    last_day: date
    min_volume: int
    lines: list[DepartmentLine]  # ranked ones by rank, then the others by volume
    total: PeriodRates  # the region's whole subtree, every department and none


def month_bounds(year: int, month: int) -> tuple[date, date]:
    """The first and the last day of a month."""
    return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])


async def _rows(sql: str, values: list[Any]) -> list[dict[str, Any]]:
    conn = connection()
    return list(await conn.execute_query_dict(portable(sql, conn), values))


def _rates(first_day: date, last_day: date, row: dict[str, Any]) -> PeriodRates:
    days = (last_day - first_day).days + 1
    return PeriodRates(
        days=days, since=first_day, **{c: int(row.get(c) or 0) for c in RATE_COLUMNS}
    )


async def department_report(
    region: Region, first_day: date, last_day: date, *, min_volume: int = MIN_RANKED_VOLUME
) -> DepartmentReport:
    days = [day_number(first_day), day_number(last_day)]
    by_department = await _rows(
        f'SELECT "department_id", {_SUMS} FROM "stat_department_day" '
        'WHERE "region_id" = ? AND "day" >= ? AND "day" <= ? GROUP BY "department_id"',
        [region.id, *days],
    )
    totals = await _rows(
        f'SELECT {_SUMS} FROM "stat_region_day" WHERE "day" >= ? AND "day" <= ? '
        'AND "region_path" >= ? AND "region_path" < ?',
        [*days, region.path, path_upper(region.path)],
    )
    ids = [int(r["department_id"]) for r in by_department]
    departments = {d.id: d for d in await Department.filter(id__in=ids)} if ids else {}
    served = [
        (departments[int(r["department_id"])], _rates(first_day, last_day, r))
        for r in by_department
        if int(r["department_id"]) in departments
    ]
    ranked = sorted((s for s in served if s[1].responses_due >= min_volume), key=ranking_key)
    others = sorted(
        (s for s in served if s[1].responses_due < min_volume),
        key=lambda s: (-s[1].responses_due, s[0].code),
    )
    lines = [DepartmentLine(d, rates, rank) for rank, (d, rates) in enumerate(ranked, start=1)]
    lines += [DepartmentLine(d, rates, None) for d, rates in others]
    return DepartmentReport(
        region=region,
        first_day=first_day,
        last_day=last_day,
        min_volume=min_volume,
        lines=lines,
        total=_rates(first_day, last_day, totals[0] if totals else {}),
    )
