"""Dashboard counters, maintained in the same transaction as each case step.

`timeline.record` calls `count_steps` for the steps it records; the step's effect on the
counters (models.stats) is worked out by `tally_step`, a pure function the bulk history
generator (demo.generate) calls too, and written with upserts that only ever add:

    INSERT … ON CONFLICT (key) DO UPDATE SET n = n + excluded.n

so two transactions bumping the same row never lose an increment, on SQLite or PostgreSQL,
and there is no read-modify-write to race on. Status counts and day outcomes go to the case's
leaf region; the breakdowns by category, channel and department go to every region on the
case's path (see models.stats for why).

What counts, and on which day (the city's local day, settings.timezone):

* status: a case leaves its old status and enters its new one on every step that moves it.
* reported: on the day the case was reported, also by category and by source channel.
* closed: whenever a case enters CLOSED (rated satisfied, or closed by staff). A case that is
  reopened and closed again counts again; REJECTED and MERGED are not "closed".
* responses: a claim (报到) counts on its day as one response due, on time or not. A whistle
  escalated while departments were still silent counts each silent department as one missed
  response on the day of the escalation. A summons replaced by a newer whistle before its
  deadline is not counted, nor is an assisting department that never answers a whistle that
  was answered (no step marks that moment).
* resolutions: every RESOLVED step counts on its day, on time or late against the deadline of
  the moment, with the time from report to resolution. Cases still open past their deadline
  are not in the rate until they are resolved; the dashboard shows them as overdue instead.
* ratings: every rating counts on its day; SATISFIED and BASICALLY_SATISFIED are satisfied.
* departments: a claim and a missed response count for the department that was summoned; a
  resolution and a rating for the case's lead department (none when the community handled
  the case itself).

So the dashboard's rates count outcomes on the day they happen, which is what a wall screen
reads as "today". workflow.rates stays the exact per-object computation (each whistle
response and case by when it was raised, late ones included once their deadline passed);
over long periods both agree closely, day by day they may differ.

`recount` computes every counter again from the cases, whistles, ratings and timelines,
independently of `tally_step`: tests compare it with the counters, and `rebuild` uses it to
fill the counters of a database that had cases before the counters existed.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from tortoise.functions import Sum

from ..db import connection
from ..models import (
    Case,
    CaseEvent,
    CaseRating,
    CategoryDay,
    DepartmentDay,
    RegionDay,
    SourceDay,
    StatusCount,
    Whistle,
    WhistleResponse,
)
from ..models.enums import CaseEventKind, CaseStatus, Satisfaction, WhistleStatus
from ..models.region import path_ids
from ..models.stats import DAY_METRICS, DEPARTMENT_METRICS

SATISFIED = frozenset({Satisfaction.SATISFIED, Satisfaction.BASICALLY_SATISFIED})

# --- days and paths ----------------------------------------------------------------------


def local_day(at: datetime, tz: ZoneInfo) -> int:
    """The city's local date of `at`, as the YYYYMMDD integer the counters are keyed by."""
    d = at.astimezone(tz).date()
    return d.year * 10000 + d.month * 100 + d.day


def day_number(d: date) -> int:
    return d.year * 10000 + d.month * 100 + d.day


def day_date(value: int) -> date:
    return date(value // 10000, value // 100 % 100, value % 100)


def path_upper(path: str) -> str:
    """The first string after every path in the subtree of `path` ("/1/4/" → "/1/40").

    Paths are ids between slashes, so `path <= p < path_upper(path)` is exactly the
    subtree, and unlike LIKE 'prefix%' a range can use an index on SQLite.
    """
    if not path.endswith("/"):
        raise ValueError(f"a region path ends with '/': {path!r}")
    return path[:-1] + "0"


def in_subtree(field: str, path: str) -> dict[str, str]:
    """Filter keywords selecting the rows whose `field` lies in the subtree of `path`."""
    return {f"{field}__gte": path, f"{field}__lt": path_upper(path)}


async def case_total(region_path: str) -> int:
    """The cases of a region subtree, from the status counters: counting the cases table
    would read every case of the subtree (a city's million)."""
    counters = StatusCount.filter(**in_subtree("region_path", region_path))
    rows = await counters.annotate(total=Sum("n")).values("total")
    return sum(int(row["total"] or 0) for row in rows)


@functools.lru_cache(maxsize=4096)
def path_chain(path: str) -> tuple[tuple[str, int], ...]:
    """(path, id) of every region on `path`, root first: "/1/4/" → (("/1/", 1), ("/1/4/", 4))."""
    ids = path_ids(path)
    return tuple(("/" + "".join(f"{i}/" for i in ids[: n + 1]), ids[n]) for n in range(len(ids)))


def seconds_between(later: datetime, earlier: datetime) -> int:
    return round((later - earlier).total_seconds())


# --- SQL that runs on SQLite and PostgreSQL ----------------------------------------------


def dialect(conn: Any | None = None) -> str:
    return str((conn or connection()).capabilities.dialect)


def portable(sql: str, conn: Any | None = None) -> str:
    """`?` placeholders as the connection's driver wants them ($1, $2 … on PostgreSQL).

    On PostgreSQL, path ranges compare bytewise only under the C collation: give the
    region_path columns (and their indexes) COLLATE "C" there.
    """
    if dialect(conn) != "postgres":
        return sql
    parts = sql.split("?")
    return "".join(f"{part}${i}" for i, part in enumerate(parts[:-1], start=1)) + parts[-1]


def _columns(table: str) -> tuple[str, ...]:
    return (*KEYS[table], *VALUES[table])


def _upsert_from(table: str, source: str) -> str:
    """Insert the rows of `source` (deltas), or add each to the row with its conflict key."""
    names = ", ".join(f'"{c}"' for c in _columns(table))
    target = ", ".join(f'"{k}"' for k in CONFLICTS[table])
    adds = ", ".join(f'"{v}" = "{table}"."{v}" + excluded."{v}"' for v in VALUES[table])
    return f'INSERT INTO "{table}" ({names}) {source} ON CONFLICT ({target}) DO UPDATE SET {adds}'


# PostgreSQL: the key columns' types, for passing a table's rows as one array per column
# (the counters are all bigint[]).
_ARRAY_TYPES = {"region_path": "text", "status": "text", "source": "text"}


def _upserts_in_one(tables: Sequence[str]) -> str:
    """PostgreSQL: the upserts of several tables as one statement, each table's rows as
    arrays (unnest). The counter rows of a city are hot (every report adds to the same
    city-wide rows) and stay locked until COMMIT: one round trip, not one a table, holds
    them the shorter."""
    parts, n = [], 0
    for i, table in enumerate(tables):
        arrays = []
        for column in _columns(table):
            n += 1
            arrays.append(f"${n}::{_ARRAY_TYPES.get(column, 'bigint')}[]")
        rows = f"SELECT * FROM unnest({', '.join(arrays)})"
        parts.append(f"t{i} AS ({_upsert_from(table, rows)})")
    return f"WITH {', '.join(parts)} SELECT 1"


# Each table's row: its key (in Tally's key order), then its values.
KEYS = {
    "stat_status": ("region_path", "region_id", "status"),
    "stat_region_day": ("day", "region_path", "region_id"),
    "stat_department_day": ("day", "region_path", "region_id", "department_id"),
    "stat_category_day": ("day", "region_path", "region_id", "category_id"),
    "stat_source_day": ("day", "region_path", "region_id", "source"),
}
# The unique constraint each upsert lands on (see models.stats).
CONFLICTS = {
    "stat_status": ("region_path", "region_id", "status"),
    "stat_region_day": ("day", "region_path", "region_id"),
    "stat_department_day": ("region_id", "day", "department_id"),
    "stat_category_day": ("region_id", "day", "category_id"),
    "stat_source_day": ("region_id", "day", "source"),
}
VALUES = {
    "stat_status": ("n",),
    "stat_region_day": DAY_METRICS,
    "stat_department_day": DEPARTMENT_METRICS,
    "stat_category_day": ("n",),
    "stat_source_day": ("n",),
}
# One table's row at a time (SQLite; PostgreSQL takes them all at once, _upserts_in_one).
UPSERTS = {
    table: _upsert_from(table, f"VALUES ({', '.join('?' for _ in _columns(table))})")
    for table in KEYS
}
_REGION_INDEX = {name: i for i, name in enumerate(DAY_METRICS)}
_DEPARTMENT_INDEX = {name: i for i, name in enumerate(DEPARTMENT_METRICS)}

StatusKey = tuple[str, int, str]
DayKey = tuple[int, str, int]
DepartmentKey = tuple[int, str, int, int]
CategoryKey = tuple[int, str, int, int]
SourceKey = tuple[int, str, int, str]


@dataclass
class Tally:
    """Counter deltas (or, from `snapshot` and `recount`, whole counters) by row key."""

    status: defaultdict[StatusKey, int] = field(default_factory=lambda: defaultdict(int))
    region_day: dict[DayKey, list[int]] = field(default_factory=dict)
    department_day: dict[DepartmentKey, list[int]] = field(default_factory=dict)
    category_day: defaultdict[CategoryKey, int] = field(default_factory=lambda: defaultdict(int))
    source_day: defaultdict[SourceKey, int] = field(default_factory=lambda: defaultdict(int))

    def region(self, key: DayKey) -> list[int]:
        """The metrics of a region's day (DAY_METRICS order), to add to in place."""
        row = self.region_day.get(key)
        if row is None:
            row = self.region_day[key] = [0] * len(DAY_METRICS)
        return row

    def department(self, key: DepartmentKey) -> list[int]:
        """The metrics of a department's day (DEPARTMENT_METRICS order)."""
        row = self.department_day.get(key)
        if row is None:
            row = self.department_day[key] = [0] * len(DEPARTMENT_METRICS)
        return row

    def add_region(self, key: DayKey, **metrics: int) -> None:
        row = self.region(key)
        for name, value in metrics.items():
            row[_REGION_INDEX[name]] += value

    def add_department(self, key: DepartmentKey, **metrics: int) -> None:
        row = self.department(key)
        for name, value in metrics.items():
            row[_DEPARTMENT_INDEX[name]] += value

    def rows(self) -> dict[str, list[tuple[Any, ...]]]:
        """The upsert rows per table, leaving out rows that add nothing."""
        return {
            "stat_status": [(*k, n) for k, n in self.status.items() if n],
            "stat_region_day": [(*k, *v) for k, v in self.region_day.items() if any(v)],
            "stat_department_day": [(*k, *v) for k, v in self.department_day.items() if any(v)],
            "stat_category_day": [(*k, n) for k, n in self.category_day.items() if n],
            "stat_source_day": [(*k, n) for k, n in self.source_day.items() if n],
        }

    def comparable(self) -> dict[str, set[tuple[Any, ...]]]:
        """The rows as sets, for comparing two tallies (zero rows dropped)."""
        return {table: set(rows) for table, rows in self.rows().items()}

    async def write(self, conn: Any | None = None) -> None:
        """Add these deltas to the counters, in the caller's transaction if there is one."""
        conn = conn or connection()
        tables = {table: rows for table, rows in self.rows().items() if rows}
        if not tables:
            return
        if dialect(conn) == "postgres":
            # one array per column, table after table
            columns = [list(c) for rows in tables.values() for c in zip(*rows, strict=True)]
            await conn.execute_query(_upserts_in_one(list(tables)), columns)
            return
        for table, rows in tables.items():
            await conn.execute_many(UPSERTS[table], [list(r) for r in rows])


# --- one step ----------------------------------------------------------------------------


@dataclass(slots=True)
class Step:
    """What the counters need to know about one recorded case step.

    Times come in worked out (the local day, durations in whole seconds), so that the bulk
    generator can count without building a datetime per step.
    """

    kind: CaseEventKind
    day: int  # local_day(at)
    region_id: int
    region_path: str
    status_before: CaseStatus | None
    status_after: CaseStatus
    category_id: int = 0
    source: str = ""
    lead_department_id: int | None = None
    department_id: int | None = None  # CLAIMED: the department that reported for duty
    on_time: bool = True  # CLAIMED, RESOLVED
    satisfied: bool = False  # RATED
    claim_seconds: int = 0  # CLAIMED: from the whistle to the claim
    resolve_seconds: int = 0  # RESOLVED: from the report to the resolution
    silent_department_ids: Sequence[int] = ()  # ESCALATED: summoned, never answered


# Column positions, for adding in place.
_R = _REGION_INDEX
_D = _DEPARTMENT_INDEX
R_REPORTED, R_CLOSED = _R["reported"], _R["closed"]
R_RESOLVED, R_RESOLVED_ON_TIME, R_RESOLVE_SECONDS = (
    _R["resolved"],
    _R["resolved_on_time"],
    _R["resolve_seconds"],
)
R_DUE, R_ON_TIME, R_CLAIMS, R_CLAIM_SECONDS = (
    _R["responses_due"],
    _R["responses_on_time"],
    _R["claims"],
    _R["claim_seconds"],
)
R_RATINGS, R_SATISFIED = _R["ratings"], _R["ratings_satisfied"]
D_RESOLVED, D_RESOLVED_ON_TIME, D_RESOLVE_SECONDS = (
    _D["resolved"],
    _D["resolved_on_time"],
    _D["resolve_seconds"],
)
D_DUE, D_ON_TIME, D_CLAIMS, D_CLAIM_SECONDS = (
    _D["responses_due"],
    _D["responses_on_time"],
    _D["claims"],
    _D["claim_seconds"],
)
D_RATINGS, D_SATISFIED = _D["ratings"], _D["ratings_satisfied"]


def tally_step(t: Tally, s: Step) -> None:
    """Add one step's effect on the counters to `t` (the rules are in the module docstring).

    Written for speed as well as clarity: the bulk generator calls it for every step.
    """
    path, region, day = s.region_path, s.region_id, s.day
    before, after = s.status_before, s.status_after
    if before is not after:
        if before is not None:
            t.status[(path, region, before._value_)] -= 1
        t.status[(path, region, after._value_)] += 1
    key = (day, path, region)
    kind = s.kind
    if kind is CaseEventKind.REPORTED:
        t.region(key)[R_REPORTED] += 1
        for up_path, up_id in path_chain(path):
            t.category_day[(day, up_path, up_id, s.category_id)] += 1
            t.source_day[(day, up_path, up_id, s.source)] += 1
    if after is CaseStatus.CLOSED and before is not CaseStatus.CLOSED:
        t.region(key)[R_CLOSED] += 1
    if kind is CaseEventKind.CLAIMED:
        on_time = 1 if s.on_time else 0
        row = t.region(key)
        row[R_DUE] += 1
        row[R_ON_TIME] += on_time
        row[R_CLAIMS] += 1
        row[R_CLAIM_SECONDS] += s.claim_seconds
        if s.department_id is not None:
            for up_path, up_id in path_chain(path):
                row = t.department((day, up_path, up_id, s.department_id))
                row[D_DUE] += 1
                row[D_ON_TIME] += on_time
                row[D_CLAIMS] += 1
                row[D_CLAIM_SECONDS] += s.claim_seconds
    elif kind is CaseEventKind.ESCALATED:
        for department_id in s.silent_department_ids:
            t.region(key)[R_DUE] += 1
            for up_path, up_id in path_chain(path):
                t.department((day, up_path, up_id, department_id))[D_DUE] += 1
    elif kind is CaseEventKind.RESOLVED:
        on_time = 1 if s.on_time else 0
        row = t.region(key)
        row[R_RESOLVED] += 1
        row[R_RESOLVED_ON_TIME] += on_time
        row[R_RESOLVE_SECONDS] += s.resolve_seconds
        if s.lead_department_id is not None:
            for up_path, up_id in path_chain(path):
                row = t.department((day, up_path, up_id, s.lead_department_id))
                row[D_RESOLVED] += 1
                row[D_RESOLVED_ON_TIME] += on_time
                row[D_RESOLVE_SECONDS] += s.resolve_seconds
    elif kind is CaseEventKind.RATED:
        satisfied = 1 if s.satisfied else 0
        row = t.region(key)
        row[R_RATINGS] += 1
        row[R_SATISFIED] += satisfied
        if s.lead_department_id is not None:
            for up_path, up_id in path_chain(path):
                row = t.department((day, up_path, up_id, s.lead_department_id))
                row[D_RATINGS] += 1
                row[D_SATISFIED] += satisfied


COUNTED_KINDS = frozenset(
    {
        CaseEventKind.REPORTED,
        CaseEventKind.CLAIMED,
        CaseEventKind.ESCALATED,
        CaseEventKind.RESOLVED,
        CaseEventKind.RATED,
    }
)


class Counted(Protocol):
    """A recorded step, as `count_steps` reads it (timeline.Entry is one)."""

    @property
    def case(self) -> Case: ...
    @property
    def kind(self) -> CaseEventKind: ...
    @property
    def status_before(self) -> CaseStatus | None: ...
    @property
    def at(self) -> datetime: ...
    @property
    def data(self) -> dict[str, Any]: ...
    @property
    def department_id(self) -> int | None: ...


async def count_steps(steps: Sequence[Counted], *, tz: ZoneInfo) -> None:
    """Bump the counters for recorded steps, in one write; call inside the steps'
    transaction (timeline.record does)."""
    tally = Tally()
    for counted in steps:
        step = await _step_of(counted, tz)
        if step is not None:
            tally_step(tally, step)
    await tally.write()


async def _step_of(c: Counted, tz: ZoneInfo) -> Step | None:
    case, kind, data = c.case, c.kind, c.data
    if kind not in COUNTED_KINDS and c.status_before is case.status:
        return None  # a comment, an arrival: nothing the dashboard counts
    step = Step(
        kind=kind,
        day=local_day(c.at, tz),
        region_id=case.region_id,
        region_path=case.region_path,
        status_before=c.status_before,
        status_after=case.status,
        category_id=case.category_id,
        source=case.source.value,
        lead_department_id=case.lead_department_id,
        department_id=c.department_id,
        on_time=bool(data.get("onTime", True)),
        satisfied=data.get("satisfaction") in SATISFIED,
    )
    whistle_id = data.get("whistleId")
    if kind is CaseEventKind.CLAIMED and whistle_id is not None:
        blown = await Whistle.filter(id=whistle_id).values_list("created_at", flat=True)
        if blown:
            step.claim_seconds = seconds_between(c.at, blown[0])  # type: ignore[arg-type]
    elif kind is CaseEventKind.RESOLVED:
        step.resolve_seconds = seconds_between(c.at, case.created_at)
    elif kind is CaseEventKind.ESCALATED and whistle_id is not None:
        silent = WhistleResponse.filter(whistle_id=whistle_id, claimed_at=None)
        step.silent_department_ids = [
            int(d)  # type: ignore[call-overload]
            for d in await silent.values_list("department_id", flat=True)
        ]
    return step


# --- reading back, recounting, rebuilding ------------------------------------------------

STAT_MODELS = (StatusCount, RegionDay, DepartmentDay, CategoryDay, SourceDay)


async def snapshot() -> Tally:
    """The counters as they stand."""
    t = Tally()
    for path, region, status, n in await StatusCount.all().values_list(
        "region_path", "region_id", "status", "n"
    ):
        t.status[(path, region, str(status))] += n
    for row in await RegionDay.all().values_list("day", "region_path", "region_id", *DAY_METRICS):
        t.region_day[(row[0], row[1], row[2])] = list(row[3:])
    for row in await DepartmentDay.all().values_list(
        "day", "region_path", "region_id", "department_id", *DEPARTMENT_METRICS
    ):
        t.department_day[(row[0], row[1], row[2], row[3])] = list(row[4:])
    for day, path, region, category, n in await CategoryDay.all().values_list(
        "day", "region_path", "region_id", "category_id", "n"
    ):
        t.category_day[(day, path, region, category)] += n
    for day, path, region, source, n in await SourceDay.all().values_list(
        "day", "region_path", "region_id", "source", "n"
    ):
        t.source_day[(day, path, region, str(source))] += n
    return t


async def _chunks(query: Any, fields: Iterable[str], size: int = 20000) -> Any:
    """(id, *fields) rows of a large table, in id order, a chunk at a time."""
    last = 0
    names = list(fields)
    while True:
        rows = await query.filter(id__gt=last).order_by("id").limit(size).values_list("id", *names)
        if not rows:
            return
        for row in rows:
            yield row
        last = rows[-1][0]


async def recount(tz: ZoneInfo) -> Tally:
    """Every counter computed afresh from the cases, whistles, ratings and timelines."""
    t = Tally()
    where: dict[int, tuple[str, int, datetime]] = {}
    async for case_id, region, path, status, category, source, created in _chunks(
        Case.all(), ("region_id", "region_path", "status", "category_id", "source", "created_at")
    ):
        where[case_id] = (path, region, created)
        t.status[(path, region, str(status))] += 1
        day = local_day(created, tz)
        t.add_region((day, path, region), reported=1)
        for up_path, up_id in path_chain(path):
            t.category_day[(day, up_path, up_id, category)] += 1
            t.source_day[(day, up_path, up_id, str(source))] += 1

    async for _, case_id, kind, before, after, data, department, at in _chunks(
        CaseEvent.all(),
        ("case_id", "kind", "status_before", "status_after", "data", "department_id", "created_at"),
    ):
        path, region, created = where[case_id]
        key = (local_day(at, tz), path, region)
        if after == CaseStatus.CLOSED and before != CaseStatus.CLOSED:
            t.add_region(key, closed=1)
        if kind == CaseEventKind.RESOLVED:
            resolution = {
                "resolved": 1,
                "resolved_on_time": int(bool((data or {}).get("onTime", True))),
                "resolve_seconds": seconds_between(at, created),
            }
            t.add_region(key, **resolution)
            if department is not None:
                for up_path, up_id in path_chain(path):
                    t.add_department((key[0], up_path, up_id, department), **resolution)

    async for _, case_id, satisfaction, department, at in _chunks(
        CaseRating.all(), ("case_id", "satisfaction", "lead_department_id", "created_at")
    ):
        path, region, _ = where[case_id]
        key = (local_day(at, tz), path, region)
        rating = {"ratings": 1, "ratings_satisfied": int(satisfaction in SATISFIED)}
        t.add_region(key, **rating)
        if department is not None:
            for up_path, up_id in path_chain(path):
                t.add_department((key[0], up_path, up_id, department), **rating)

    whistles: dict[int, tuple[int, str, datetime, datetime | None]] = {}
    async for whistle_id, case_id, status, created, escalated in _chunks(
        Whistle.all(), ("case_id", "status", "created_at", "escalated_at")
    ):
        whistles[whistle_id] = (case_id, status, created, escalated)
    async for _, whistle_id, department, due, claimed in _chunks(
        WhistleResponse.all(), ("whistle_id", "department_id", "due_at", "claimed_at")
    ):
        case_id, status, blown, escalated = whistles[whistle_id]
        path, region, _ = where[case_id]
        if claimed is not None:
            key = (local_day(claimed, tz), path, region)
            claim = {
                "responses_due": 1,
                "responses_on_time": int(claimed <= due),
                "claims": 1,
                "claim_seconds": seconds_between(claimed, blown),
            }
            t.add_region(key, **claim)
            for up_path, up_id in path_chain(path):
                t.add_department((key[0], up_path, up_id, department), **claim)
        elif status == WhistleStatus.ESCALATED and escalated is not None:
            key = (local_day(escalated, tz), path, region)
            t.add_region(key, responses_due=1)
            for up_path, up_id in path_chain(path):
                t.add_department((key[0], up_path, up_id, department), responses_due=1)
    return t


async def rebuild(tz: ZoneInfo) -> Tally:
    """Replace the counters with a recount; run while nothing else writes."""
    counted = await recount(tz)
    conn = connection()
    for model in STAT_MODELS:
        await model.all().delete()
    await counted.write(conn)
    return counted
