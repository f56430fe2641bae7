"""Bulk history for benchmarks: `grassroots generate --cases N [--seed S] [--years Y]`.

On top of the demo city (built first when the database is empty), N cases spread over the
last Y years, in every status, with the rows the workflow would have written for them:
whistles, responses, case departments, ratings, timelines, the event log, the case-number
counters and the dashboard counters (through workflow.stats.tally_step, the same function
the workflow counts with). Cases are simulated one by one in creation order; their steps wait
in a heap until no later case can come before them, so timeline ids and event sequences
follow time. Rows go in with executemany, a chunk of cases per transaction, with
synchronous=OFF and foreign-key checks off (the rows are consistent by construction); both
pragmas come back afterwards. A crash midway leaves a half-filled database: rebuild it.

Generated history is appended to the event log after whatever it already held. The cases
follow the demo's lives (see demo.history) in shortened form: the most recent ones are caught
mid-way, at every stage; old ones are rejected, merged or closed.
"""

from __future__ import annotations

import asyncio
import bisect
import heapq
import itertools
import json
import math
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from ..db import atomic, connection, is_sqlite
from ..models import (
    Case,
    CaseDepartment,
    CaseEvent,
    CaseRating,
    Category,
    Counter,
    Event,
    Whistle,
    WhistleResponse,
)
from ..models.enums import (
    CaseEventKind,
    CaseStatus,
    RegionLevel,
    Satisfaction,
    Source,
    Urgency,
)
from ..progress import ProgressBar
from ..workflow.new_cases import NUMBER_PREFIX
from ..workflow.regions import QUEUE_LEVELS
from ..workflow.runtime import Runtime
from ..workflow.sla import policy_for
from ..workflow.stats import Step, Tally, local_day, portable, tally_step
from . import case_texts as words
from .bulk_rows import advance_sequences, for_driver
from .cast import Cast
from .city import PLACES
from .reports import TOPIC_WEIGHTS, pick_urgency, reportable_categories

DEFAULT_YEARS = 3.0
DEFAULT_SEED = 2026
CHUNK = 20_000  # cases per transaction
# However few the cases, this many start within the last hours, so "now" finds them open.
RECENT_CASES, RECENT_HOURS = 8, 12

S = CaseStatus
K = CaseEventKind
MINUTE, HOUR, DAY = 60, 3600, 86400

OUTCOMES = ("reject", "reject_later", "merge", "self", "whistle")
OUTCOME_WEIGHTS = (3, 3, 5, 14, 75)

SOURCE_WEIGHTS = {
    Source.APP_PHOTO: 48,
    Source.HOTLINE_12345: 25,
    Source.DOOR_TO_DOOR: 10,
    Source.STREET_WHISTLE: 8,
    Source.SELF_MEDIA: 3,
    Source.LETTERS_VISITS: 3,
    Source.PARTY_LISTENING: 3,
}

COLUMNS = {
    "case": (
        "id number title description category_id source urgency status level queue_region_id "
        "region_id region_path address latitude longitude reporter_id caller_name caller_phone "
        "lead_department_id self_handled claim_due_at resolve_due_at claimed_at arrived_at "
        "resolved_at closed_at satisfaction duplicate_of_id external_ref created_at updated_at"
    ),
    "whistle": (
        "id case_id level region_id whistled_by_id note status due_at created_at answered_at "
        "escalated_at"
    ),
    "whistle_response": (
        "id whistle_id department_id designated_lead due_at claimed_at claimed_by_id"
    ),
    "case_department": "id case_id department_id role summoned_at claimed_at",
    "case_rating": "id case_id satisfaction comment lead_department_id rated_by_id created_at",
    "case_event": (
        "id case_id kind actor_id department_id status_before status_after note data created_at"
    ),
    "event": "seq created_at kind region_path subject_type subject_id actor_id payload",
}
TABLES = tuple(COLUMNS)  # insertion order: a row's parents go in before it
EVENT_KINDS = {k.value: f"case.{k.value.lower()}" for k in CaseEventKind}
QUOTED = {s.value: f'"{s.value}"' for s in CaseStatus}


def _cumulative(weights: list[float] | tuple[float, ...]) -> list[float]:
    return list(itertools.accumulate(weights))


def _randint(rng: random.Random, low: int, high: int) -> int:
    """Like rng.randint(low, high), at a fraction of the cost (millions of calls)."""
    return low + int(rng.random() * (high - low + 1))


def _choice(rng: random.Random, items: Any) -> Any:
    return items[int(rng.random() * len(items))]


def _pick(rng: random.Random, items: Any, cumulative: list[float]) -> Any:
    """rng.choices(items, cum_weights=cumulative)[0], without its per-call set-up."""
    return items[bisect.bisect(cumulative, rng.random() * cumulative[-1])]


OUTCOME_CUMULATIVE = _cumulative(OUTCOME_WEIGHTS)


def _insert_sql(table: str) -> str:
    names = COLUMNS[table].split()
    columns = ", ".join(f'"{n}"' for n in names)
    return f'INSERT INTO "{table}" ({columns}) VALUES ({", ".join("?" for _ in names)})'


# --- time, cheaply -----------------------------------------------------------------------

_HMS = [f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}" for s in range(DAY)]
_DB_TIME = [f" {hms}+00:00" for hms in _HMS]
_ISO_TIME = [f"T{hms}+00:00" for hms in _HMS]


class Clockwork:
    """Epoch seconds to the text the database stores, to ISO for JSON, and to local days.

    One datetime per day (and per quarter hour for local days: every zone's offset is a
    multiple of 15 minutes) instead of one per timestamp.
    """

    def __init__(self, tz: ZoneInfo) -> None:
        self.tz = tz
        self._dates: dict[int, str] = {}
        self._local: dict[int, int] = {}

    def _date(self, day: int) -> str:
        text = self._dates.get(day)
        if text is None:
            text = self._dates[day] = datetime.fromtimestamp(day * DAY, UTC).date().isoformat()
        return text

    def db(self, t: int | None) -> str | None:
        """As Tortoise writes a DatetimeField on SQLite: '2026-11-02 01:00:00+00:00'."""
        if t is None:
            return None
        day, second = divmod(t, DAY)
        return (self._dates.get(day) or self._date(day)) + _DB_TIME[second]

    def iso(self, t: int) -> str:
        day, second = divmod(t, DAY)
        return (self._dates.get(day) or self._date(day)) + _ISO_TIME[second]

    def local_day(self, t: int) -> int:
        quarter = t // 900
        value = self._local.get(quarter)
        if value is None:
            value = self._local[quarter] = local_day(
                datetime.fromtimestamp(quarter * 900, UTC), self.tz
            )
        return value

    def local_seconds(self, t: int) -> int:
        """Seconds since local midnight."""
        at = datetime.fromtimestamp(t, UTC).astimezone(self.tz)
        return at.hour * 3600 + at.minute * 60 + at.second


# --- the cast of the generated history ---------------------------------------------------


@dataclass
class Place:
    """A community: where its cases are, who reports there, and the texts they write."""

    id: int
    path: str
    queue_id: int
    grids: list[tuple[int, str, float, float, float, float]]  # id, path, box (s, w, n, e)
    sources: list[Source]
    source_weights: list[float]  # cumulative
    reporters: list[int]
    address: str
    texts: dict[int, list[tuple[str, str, str, str]]] = field(default_factory=dict)


@dataclass(frozen=True)
class Kind:
    """A reportable category with its SLA per urgency, in seconds."""

    id: int
    code: str
    windows: dict[Urgency, tuple[int, int]]  # urgency → (claim within, resolve within)


@dataclass
class GenerateResult:
    cases: int
    seconds: float
    rows: dict[str, int]
    first_case_id: int
    last_case_id: int

    @property
    def cases_per_second(self) -> float:
        return self.cases / self.seconds if self.seconds else 0.0


class _Stop(Exception):
    """The case's life reached "now"."""


@dataclass
class _Life:
    """The state of one case while its life is simulated."""

    id: int
    number: str
    title_json: str
    place: Place
    region_id: int
    region_path: str
    kind: Kind
    urgency: Urgency
    source: Source
    created: int
    until: int
    source_s: str = ""
    status: CaseStatus = S.REPORTED
    level: RegionLevel = RegionLevel.COMMUNITY
    queue_id: int = 0
    lead: int | None = None
    claim_due: int | None = None
    resolve_due: int | None = None
    claimed_at: int | None = None
    arrived_at: int | None = None
    resolved_at: int | None = None
    closed_at: int | None = None
    satisfaction: Satisfaction | None = None
    self_handled: bool = False
    duplicate_of: int | None = None
    last: int = 0
    steps: list[tuple[Any, ...]] = field(default_factory=list)
    # department → [role, summoned at, claimed at]: its case_department row
    links: dict[int, list[Any]] = field(default_factory=dict)


class HistoryGenerator:
    def __init__(
        self,
        rt: Runtime,
        cast: Cast,
        kinds: list[Kind],
        *,
        cases: int,
        years: float,
        seed: int,
        progress: Callable[..., None] | None,
    ) -> None:
        self.rt = rt
        self.cast = cast
        self.kinds = kinds
        self.count = cases
        self.years = years
        self.rng = random.Random(seed)
        self.clock = Clockwork(rt.settings.zone)
        self.until = int(rt.clock.now().timestamp())
        self.progress = progress
        self.tally = Tally()
        self.rows: dict[str, list[tuple[Any, ...]]] = {t: [] for t in TABLES}
        self.written: dict[str, int] = dict.fromkeys(TABLES, 0)
        self.pending: list[tuple[int, int, int, tuple[Any, ...]]] = []
        self.ids: dict[str, int] = {}
        self.numbers: dict[int, int] = {}
        self.last_in_place: dict[int, tuple[int, str]] = {}
        self.wait_rating = rt.settings.rating_wait_days * DAY
        self._handlers: dict[tuple[int, int], list[int]] = {}
        self._staff: dict[int, int | None] = {}
        self._next_up: dict[int, tuple[int, RegionLevel] | None] = {}
        self.places = self._places()
        self.place_weights = _cumulative([max(1, len(p.grids)) for p in self.places])
        self.kind_weights = _cumulative(
            [TOPIC_WEIGHTS.get(k.code.partition(".")[0], 1.0) for k in kinds]
        )
        self.hotline = cast.hotline.account_id if cast.hotline else None

    # --- set-up ------------------------------------------------------------------------

    def _places(self) -> list[Place]:
        cast, rng = self.cast, self.rng
        places = []
        for community in sorted(cast.communities(), key=lambda r: r.id):
            grids = []
            for grid in sorted(cast.grids_of(community.id), key=lambda r: r.id):
                ring = ((grid.geometry or {}).get("coordinates") or [[]])[0]
                lngs, lats = [p[0] for p in ring], [p[1] for p in ring]
                box = (
                    (min(lats), min(lngs), max(lats), max(lngs))
                    if ring
                    else (grid.center_lat or 0.0, grid.center_lng or 0.0) * 2
                )
                grids.append((grid.id, grid.path, *box))
            if not grids:
                lat, lng = community.center_lat or 0.0, community.center_lng or 0.0
                grids.append((community.id, community.path, lat, lng, lat, lng))
            weights = dict(SOURCE_WEIGHTS)
            if not cast.in_hotline_scope(community.path):
                del weights[Source.HOTLINE_12345]
            reporters = [a.account_id for a in cast.reporters.get(community.id, [])]
            if not reporters:
                del weights[Source.APP_PHOTO]
            chain = cast.chain(community.id)
            place = Place(
                id=community.id,
                path=community.path,
                queue_id=community.id,
                grids=grids,
                sources=list(weights),
                source_weights=_cumulative(list(weights.values())),
                reporters=reporters,
                address="".join(r.name_zh for r in chain[1:]),
            )
            blocks = PLACES.get(community.code, ())
            for kind in self.kinds:
                pool = []
                for _ in range(4):
                    text = words.compose(rng, kind.code, blocks)
                    address = place.address
                    if text.place_zh:
                        address += f" {text.place_zh}{text.building}号楼"
                    pool.append((text.title, text.description, address, json.dumps(text.title)))
                place.texts[kind.id] = pool
            places.append(place)
        return places

    def staff(self, region_id: int) -> int | None:
        if region_id not in self._staff:
            actor = self.cast.staff_for(region_id)
            self._staff[region_id] = actor.account_id if actor else None
        return self._staff[region_id]

    def handlers(self, kind: Kind, region_id: int, region_path: str) -> list[int]:
        key = (kind.id, region_id)
        if key not in self._handlers:
            self._handlers[key] = [d.id for d in self.cast.handlers(kind.id, region_path)]
        return self._handlers[key]

    def next_up(self, queue_id: int) -> tuple[int, RegionLevel] | None:
        if queue_id not in self._next_up:
            chain = self.cast.chain(queue_id)[:-1]
            above = [r for r in chain if r.level in QUEUE_LEVELS]
            self._next_up[queue_id] = (above[-1].id, above[-1].level) if above else None
        return self._next_up[queue_id]

    def department_actor(self, department_id: int) -> int | None:
        actor = self.cast.department_actor(department_id)
        return actor.account_id if actor else None

    def next_number(self, t: int) -> str:
        year = datetime.fromtimestamp(t, UTC).year
        value = self.numbers[year] = self.numbers.get(year, 0) + 1
        return f"{NUMBER_PREFIX}-{year}-{value:06d}"

    # --- when ----------------------------------------------------------------------------

    def creation_times(self) -> list[int]:
        """N times in order over the period, denser towards now (more and more use), mostly
        in waking hours; RECENT_CASES of them within the last RECENT_HOURS."""
        rng, n = self.rng, self.count
        recent = min(n, RECENT_CASES)
        end = self.until - 10 * MINUTE
        start = end - int(self.years * 365.25 * DAY)
        span = end - start
        times = []
        for i in range(n - recent):
            u = (i + rng.random()) / (n - recent)
            x = -0.5 + math.sqrt(0.25 + 2 * u)  # density ∝ 0.5 + x over the period
            t = start + int(span * x)
            times.append(min(self._waking(t), end))
        for i in range(recent):
            u = (i + rng.random()) / recent
            times.append(end - int(u * RECENT_HOURS * HOUR))
        times.sort()
        return times

    def _waking(self, t: int) -> int:
        """Move the time of day so that few reports fall between midnight and 7:00."""
        local = self.clock.local_seconds(t)
        v = local / DAY
        warped = v / 0.08 * 7 * HOUR if v < 0.08 else 7 * HOUR + (v - 0.08) / 0.92 * 17 * HOUR
        return t - local + int(warped)

    # --- one case's life -----------------------------------------------------------------

    @staticmethod
    def _when(life: _Life, t: int) -> int:
        """`t`, after the case's previous step; stops the life if that is after now."""
        t = max(t, life.last + 1)
        if t > life.until:
            raise _Stop
        return t

    def _step(
        self,
        life: _Life,
        t: int,
        kind: CaseEventKind,
        after: CaseStatus,
        *,
        actor: int | None,
        department: int | None = None,
        note: str = "",
        data: str = "",
        **facts: Any,
    ) -> None:
        """Record a step of `life` at `t` (from `_when`); `facts` are what the counters need
        of this kind of step (see workflow.stats.Step)."""
        before = None if kind is K.REPORTED else life.status
        life.status, life.last = after, t
        counted = Step(
            kind,
            self.clock.local_day(t),
            life.region_id,
            life.region_path,
            before,
            after,
            life.kind.id,
            life.source_s,
            life.lead,
        )
        for name, value in facts.items():
            setattr(counted, name, value)
        life.steps.append(
            (
                t,
                kind._value_,
                actor,
                department,
                None if before is None else before._value_,
                after._value_,
                note,
                data,
                life.level._value_,
                life.lead,
                counted,
            )
        )

    def simulate(self, case_id: int, created: int) -> None:
        rng = self.rng
        place = _pick(rng, self.places, self.place_weights)
        grid = _choice(rng, place.grids)
        kind = _pick(rng, self.kinds, self.kind_weights)
        source = _pick(rng, place.sources, place.source_weights)
        urgency = pick_urgency(rng, kind.code)
        title, description, address, title_json = _choice(rng, place.texts[kind.id])
        outcome = _pick(rng, OUTCOMES, OUTCOME_CUMULATIVE)
        original = self.last_in_place.get(place.id)
        if outcome == "merge" and original is None:
            outcome = "whistle"
        life = _Life(
            id=case_id,
            number=self.next_number(created),
            title_json=title_json,
            place=place,
            region_id=grid[0],
            region_path=grid[1],
            kind=kind,
            urgency=urgency,
            source=source,
            created=created,
            until=self.until,
            queue_id=place.queue_id,
            last=created - 1,
            source_s=source._value_,
        )
        claim_within, resolve_within = kind.windows[urgency]
        life.resolve_due = created + resolve_within
        staff = self.staff(place.queue_id)
        hotline = source is Source.HOTLINE_12345
        reporter: int | None
        if hotline:
            reporter = None
        elif source is Source.APP_PHOTO:
            reporter = _choice(rng, place.reporters)
        elif source is Source.STREET_WHISTLE:
            reporter = self.staff(self.cast.regions[place.id].parent_id or place.id)
        else:
            reporter = staff
        whistles: list[list[Any]] = []
        responses: list[list[Any]] = []
        ratings: list[tuple[Any, ...]] = []
        try:
            self._step(
                life,
                self._when(life, created),
                K.REPORTED,
                S.REPORTED,
                actor=self.hotline if hotline else reporter,
                note=description,
                data=f'{{"externalRef":"12345-G{case_id}"}}' if hotline else '{"photoIds":[]}',
            )
            urgent = urgency is not Urgency.NORMAL
            wait = _randint(rng, 5, 40) if urgent else _randint(rng, 10, 150)
            t = self._when(life, created + wait * MINUTE)
            if outcome == "merge":
                assert original is not None
                life.duplicate_of, life.closed_at = original[0], t
                self._step(
                    life,
                    t,
                    K.MERGED,
                    S.MERGED,
                    actor=staff,
                    note=words.MERGE_NOTES[0],
                    data=f'{{"originalCaseId":{original[0]},"originalNumber":"{original[1]}"}}',
                )
                return
            if outcome == "reject":
                life.closed_at = t
                reason = _choice(rng, words.REJECT_REASONS)
                self._step(life, t, K.REJECTED, S.REJECTED, actor=staff, note=reason)
                return
            note = _choice(rng, words.ACCEPT_NOTES)
            self._step(life, t, K.ACCEPTED, S.ACCEPTED, actor=staff, note=note)
            t = self._when(life, t + _randint(rng, 5, 45) * MINUTE)
            if outcome == "reject_later":
                life.closed_at = t
                reason = _choice(rng, words.REJECT_REASONS)
                self._step(life, t, K.REJECTED, S.REJECTED, actor=staff, note=reason)
                return
            summoned = self.handlers(kind, life.region_id, life.region_path)
            if outcome == "self" or not summoned:
                life.self_handled, life.claimed_at = True, t
                self._step(life, t, K.SELF_HANDLED, S.IN_PROGRESS, actor=staff)
                handler, department = staff, None
            else:
                handler, department = self._dispatch(
                    life, t, claim_within, summoned, whistles, responses
                )
            self._work(life, handler, department, reporter, resolve_within, ratings)
        except _Stop:
            pass
        finally:
            self._finish(life, title, description, address, hotline, reporter)
            self.rows["whistle"].extend(tuple(w) for w in whistles)
            self.rows["whistle_response"].extend(tuple(r) for r in responses)
            self.rows["case_rating"].extend(ratings)
            if outcome not in ("merge", "reject", "reject_later"):
                self.last_in_place[place.id] = (case_id, life.number)

    def _next_id(self, table: str) -> int:
        value = self.ids[table] = self.ids[table] + 1
        return value

    def _dispatch(
        self,
        life: _Life,
        t: int,
        claim_within: int,
        handlers: list[int],
        whistles: list[list[Any]],
        responses: list[list[Any]],
    ) -> tuple[int | None, int]:
        """Whistle until a department claims; returns (the lead's actor, the lead)."""
        rng, clock = self.rng, self.clock
        roll = rng.random()
        escalations = 2 if roll < 0.01 else 1 if roll < 0.06 else 0
        while True:
            staff = self.staff(life.queue_id)
            summoned = handlers[: _choice(rng, (1, 2, 2, 3))]
            lead = summoned[0]
            designated = lead if len(summoned) > 1 and rng.random() < 0.75 else None
            due = t + claim_within
            whistle_id = self._next_id("whistle")
            life.claim_due = due
            note = _choice(rng, words.WHISTLE_NOTES)
            self._step(
                life,
                t,
                K.WHISTLED,
                S.DISPATCHED,
                actor=staff,
                note=note,
                data=(
                    f'{{"whistleId":{whistle_id},'
                    f'"departmentIds":[{",".join(str(d) for d in summoned)}],'
                    f'"leadDepartmentId":{"null" if designated is None else designated},'
                    f'"dueAt":"{clock.iso(due)}"}}'
                ),
            )
            whistle: list[Any] = [whistle_id, life.id, life.level._value_, life.queue_id, staff]
            whistle += [note, "OPEN", clock.db(due), clock.db(t), None, None]
            whistles.append(whistle)
            mine: dict[int, list[Any]] = {}
            for department in summoned:
                row: list[Any] = [self._next_id("whistle_response"), whistle_id, department]
                row += [int(department == designated), clock.db(due), None, None]
                responses.append(row)
                mine[department] = row
                link = life.links.get(department)
                if link is None:
                    role = "LEAD" if department == designated else "ASSIST"
                    life.links[department] = [role, t, None]
                elif department == designated:
                    link[0] = "LEAD"

            if escalations:  # nobody answers; the scheduler moves the case up a level
                escalations -= 1
                at = self._when(life, due + _randint(rng, 60, 240))
                above = self.next_up(life.queue_id)
                data = (
                    f'{{"fromLevel":"{life.level._value_}","fromRegionId":{life.queue_id},'
                    f'"whistleId":{whistle_id},"dueAt":"{clock.iso(due)}"'
                )
                if above is not None:
                    data += f',"toLevel":"{above[1]._value_}","toRegionId":{above[0]}}}'
                    life.queue_id, life.level = above
                else:
                    data += f',"toLevel":"{life.level._value_}","topLevel":true}}'
                life.claim_due = None
                reason = (
                    f"No department reported for duty by {clock.iso(due)} "
                    f"({len(summoned)} summoned department(s) silent); escalated automatically"
                )
                self._step(
                    life,
                    at,
                    K.ESCALATED,
                    S.ACCEPTED,
                    actor=None,
                    note=reason,
                    data=data,
                    silent_department_ids=summoned,
                )
                whistle[6], whistle[10] = "ESCALATED", clock.db(at)
                for department in summoned:  # the silent ones drop off the case
                    if life.links[department][2] is None:
                        del life.links[department]
                t = self._when(life, at + _randint(rng, 10, 60) * MINUTE)
                continue

            late = rng.random() < 0.06
            planned = (
                due + _randint(rng, 20, 80) if late else t + int((due - t) * rng.uniform(0.08, 0.8))
            )
            at = self._when(life, planned)
            claimer = self.department_actor(lead)
            life.lead, life.claim_due, life.claimed_at = lead, None, at
            self._claim(life, at, t, due, lead, claimer, "LEAD", whistle_id)
            whistle[6], whistle[9] = "ANSWERED", clock.db(at)
            mine[lead][5], mine[lead][6] = clock.db(at), claimer
            for other in summoned[1:]:
                late = rng.random() < 0.08
                left = max(due - life.last, 0)
                planned = (
                    due + _randint(rng, 5, 90) * MINUTE
                    if late
                    else life.last + int(left * rng.uniform(0.1, 0.9))
                )
                at = self._when(life, planned)
                actor = self.department_actor(other)
                self._claim(life, at, t, due, other, actor, "ASSIST", whistle_id)
                mine[other][5], mine[other][6] = clock.db(at), actor
            return claimer, lead

    def _claim(
        self,
        life: _Life,
        at: int,
        whistled: int,
        due: int,
        department: int,
        actor: int | None,
        role: str,
        whistle_id: int,
    ) -> None:
        on_time = at <= due
        self._step(
            life,
            at,
            K.CLAIMED,
            S.IN_PROGRESS,
            actor=actor,
            department=department,
            data=(
                f'{{"role":"{role}","onTime":{"true" if on_time else "false"},'
                f'"whistleId":{whistle_id}}}'
            ),
            department_id=department,
            on_time=on_time,
            claim_seconds=at - whistled,
        )
        link = life.links[department]
        link[0], link[2] = role, at

    def _work(
        self,
        life: _Life,
        handler: int | None,
        department: int | None,
        reporter: int | None,
        resolve_within: int,
        ratings: list[tuple[Any, ...]],
    ) -> None:
        """On site, resolved, rated (reopened once if unsatisfied) or closed by staff."""
        rng = self.rng
        quick = life.urgency is not Urgency.NORMAL
        rater = reporter if reporter is not None else self.staff(life.region_id)
        for round_ in (1, 2):
            wait = _randint(rng, 5, 30) if quick else _randint(rng, 15, 120)
            t = self._when(life, life.last + wait * MINUTE)
            lat, lng = self._point(life)
            life.arrived_at = life.arrived_at or t
            self._step(
                life,
                t,
                K.ARRIVED,
                S.IN_PROGRESS,
                actor=handler,
                department=department,
                note=_choice(rng, words.ARRIVE_NOTES),
                data=f'{{"latitude":{lat},"longitude":{lng}}}',
            )
            if round_ == 1 and rng.random() < 0.2:
                t = self._when(life, t + _randint(rng, 20, 180) * MINUTE)
                note = _choice(rng, words.COMMENTS)
                self._step(
                    life, t, K.COMMENTED, life.status, actor=self.staff(life.region_id), note=note
                )
            assert life.resolve_due is not None
            left = life.resolve_due - life.last
            if left <= 30 * MINUTE or rng.random() < (0.1 if round_ == 1 else 0.2):
                planned = life.last + max(left, 0) + _randint(rng, 1 * HOUR, 24 * HOUR)
            else:
                planned = life.last + int(left * rng.uniform(0.1, 0.85))
            t = self._when(life, planned)
            on_time = t <= life.resolve_due
            life.resolved_at = t
            self._step(
                life,
                t,
                K.RESOLVED,
                S.RESOLVED,
                actor=handler,
                department=department,
                note=words.resolution_note(rng, life.kind.code),
                data=f'{{"photoIds":[],"onTime":{"true" if on_time else "false"}}}',
                on_time=on_time,
                resolve_seconds=t - life.created,
            )
            roll = rng.random()
            if round_ == 1 and reporter is not None and roll < 0.12:
                # Nobody rated in time: staff tick it off.
                wait = self.wait_rating + _randint(rng, 2 * HOUR, 30 * HOUR)
                t = self._when(life, t + wait)
                life.closed_at = t
                staff = self.staff(life.queue_id)
                self._step(life, t, K.CLOSED, S.CLOSED, actor=staff, note=words.CLOSE_REASONS[0])
                return
            if round_ == 2:
                satisfaction = _choice(
                    rng, (Satisfaction.SATISFIED, Satisfaction.BASICALLY_SATISFIED)
                )
            elif roll < 0.19:
                satisfaction = Satisfaction.UNSATISFIED
            elif roll < 0.40:
                satisfaction = Satisfaction.BASICALLY_SATISFIED
            else:
                satisfaction = Satisfaction.SATISFIED
            wait = (
                _randint(rng, HOUR // 2, 36 * HOUR)
                if reporter
                else _randint(rng, 2 * HOUR, 24 * HOUR)
            )
            t = self._when(life, t + wait)
            reopened = satisfaction is Satisfaction.UNSATISFIED
            comment = _choice(rng, words.RATING_COMMENTS[satisfaction])
            if reporter is None:
                comment = words.CALLBACK_PREFIX + comment
            life.satisfaction = satisfaction
            if reopened:  # the same departments carry on, against a new deadline
                life.resolved_at = life.closed_at = life.arrived_at = None
                life.resolve_due = t + resolve_within
            else:
                life.closed_at = t
            self._step(
                life,
                t,
                K.RATED,
                S.IN_PROGRESS if reopened else S.CLOSED,
                actor=rater,
                note=comment,
                data=f'{{"satisfaction":"{satisfaction._value_}"}}',
                satisfied=not reopened,
            )
            ratings.append(
                (
                    self._next_id("case_rating"),
                    life.id,
                    satisfaction._value_,
                    comment,
                    life.lead,
                    rater,
                    self.clock.db(t),
                )
            )
            if not reopened:
                return

    def _point(self, life: _Life) -> tuple[float, float]:
        for grid in life.place.grids:
            if grid[0] == life.region_id:
                _, _, south, west, north, east = grid
                lat = (south + north) / 2 + (north - south) * 0.4 * (self.rng.random() - 0.5)
                lng = (west + east) / 2 + (east - west) * 0.4 * (self.rng.random() - 0.5)
                return round(lat, 6), round(lng, 6)
        return 0.0, 0.0

    def _finish(
        self,
        life: _Life,
        title: str,
        description: str,
        address: str,
        hotline: bool,
        reporter: int | None,
    ) -> None:
        """The case row as its life left it, and its steps into the time-ordered queue."""
        c, rng = self.clock, self.rng
        lat, lng = self._point(life)
        self.rows["case"].append(
            (
                life.id,
                life.number,
                title,
                description,
                life.kind.id,
                life.source_s,
                life.urgency._value_,
                life.status._value_,
                life.level._value_,
                life.queue_id,
                life.region_id,
                life.region_path,
                address,
                lat,
                lng,
                reporter,
                _choice(rng, words.CALLERS) if hotline else None,
                words.caller_phone(rng) if hotline else None,
                life.lead,
                int(life.self_handled),
                c.db(life.claim_due),
                c.db(life.resolve_due),
                c.db(life.claimed_at),
                c.db(life.arrived_at),
                c.db(life.resolved_at),
                c.db(life.closed_at),
                life.satisfaction._value_ if life.satisfaction else None,
                life.duplicate_of,
                f"12345-G{life.id}" if hotline else None,
                c.db(life.created),
                c.db(life.last),
            )
        )
        for department, (role, summoned, claimed) in life.links.items():
            self.rows["case_department"].append(
                (
                    self._next_id("case_department"),
                    life.id,
                    department,
                    role,
                    c.db(summoned),
                    c.db(claimed),
                )
            )
        # What case_payload says of the case; status and level vary by step.
        head = f'{{"caseId":{life.id},"number":"{life.number}","title":{life.title_json},"status":"'
        tail = (
            f'","urgency":"{life.urgency._value_}","source":"{life.source_s}",'
            f'"categoryId":{life.kind.id},"regionId":{life.region_id},"leadDepartmentId":'
        )
        for index, step in enumerate(life.steps):
            heapq.heappush(
                self.pending, (step[0], life.id, index, (life.region_path, head, tail, step))
            )

    # --- writing -------------------------------------------------------------------------

    def emit_until(self, t: int | None) -> None:
        """Timeline and event rows for every waiting step up to `t` (all of them for None)."""
        pending, db, tally, ids = self.pending, self.clock.db, self.tally, self.ids
        timeline, events = self.rows["case_event"], self.rows["event"]
        pop = heapq.heappop
        while pending and (t is None or pending[0][0] <= t):
            at, case_id, _, (path, head, tail, step) = pop(pending)
            _, kind, actor, department, before, after, note, data, level, lead, counted = step
            step_id = ids["case_event"] = ids["case_event"] + 1
            seq = ids["event"] = ids["event"] + 1
            when = db(at)
            timeline.append(
                (step_id, case_id, kind, actor, department, before, after, note, data or "{}", when)
            )
            payload = (
                f'{head}{after}","level":"{level}{tail}'
                f'{"null" if lead is None else lead},"timelineId":{step_id},'
                f'"statusBefore":{"null" if before is None else QUOTED[before]},'
                f'"departmentId":{"null" if department is None else department}'
                + (f',"data":{data}}}' if data else "}")
            )
            events.append((seq, when, EVENT_KINDS[kind], path, "Case", case_id, actor, payload))
            tally_step(tally, counted)

    def _take_rows(self) -> dict[str, list[tuple[Any, ...]]]:
        taken, self.rows = self.rows, {t: [] for t in TABLES}
        for table, rows in taken.items():
            self.written[table] += len(rows)
        return taken

    @staticmethod
    async def _write(rows: dict[str, list[tuple[Any, ...]]]) -> None:
        """One chunk of rows, parents first, in one transaction."""
        conn = connection()
        async with atomic() as tx:
            for table in TABLES:
                if rows[table]:
                    batch = for_driver(table, COLUMNS[table].split(), rows[table])
                    await tx.execute_many(portable(_insert_sql(table), conn), batch)

    async def run(self) -> GenerateResult:
        started = time.monotonic()
        self.ids = await _next_ids()
        first = self.ids["case"] + 1
        self.numbers = await _case_numbers()
        times = self.creation_times()
        progress = self.progress
        # A chunk is written in the background while the next one is simulated; yielding
        # now and then lets the writer hand its next statement to the database thread.
        writer: asyncio.Task[None] | None = None
        for i, created in enumerate(times, start=1):
            self.emit_until(created - 1)
            self.ids["case"] += 1
            self.simulate(self.ids["case"], created)
            if i % CHUNK == 0:
                if writer is not None:
                    await writer
                writer = asyncio.create_task(self._write(self._take_rows()))
            if i % 200 == 0:
                await asyncio.sleep(0)
                if progress is not None:
                    progress(i)
        self.emit_until(None)
        if writer is not None:
            await writer
        await self._write(self._take_rows())
        async with atomic() as tx:
            await self.tally.write(tx)
            for year, value in self.numbers.items():
                name = f"case:{year}"
                if not await Counter.filter(name=name).update(value=value):
                    await Counter.create(name=name, value=value)
            await advance_sequences(TABLES)
        return GenerateResult(
            cases=len(times),
            seconds=time.monotonic() - started,
            rows=dict(self.written),
            first_case_id=first,
            last_case_id=self.ids["case"],
        )


async def _next_ids() -> dict[str, int]:
    async def top(model: Any, column: str = "id") -> int:
        row = await model.all().order_by(f"-{column}").first().values_list(column, flat=True)
        return int(row or 0)

    return {
        "case": await top(Case),
        "whistle": await top(Whistle),
        "whistle_response": await top(WhistleResponse),
        "case_department": await top(CaseDepartment),
        "case_rating": await top(CaseRating),
        "case_event": await top(CaseEvent),
        "event": await top(Event, "seq"),
    }


async def _case_numbers() -> dict[int, int]:
    numbers = {}
    for name, value in await Counter.filter(name__startswith="case:").values_list("name", "value"):
        numbers[int(str(name).split(":", 1)[1])] = int(value)
    return numbers


def _kinds(categories: list[Category]) -> list[Kind]:
    kinds = []
    for category in reportable_categories(categories):
        windows = {}
        for urgency in Urgency:
            policy = policy_for(category, urgency)
            windows[urgency] = (
                int(policy.claim_within.total_seconds()),
                int(policy.resolve_within.total_seconds()),
            )
        kinds.append(Kind(id=category.id, code=category.code, windows=windows))
    return kinds


class _BulkPragmas:
    """synchronous=OFF and foreign_keys=OFF while generating; the old values after."""

    def __init__(self) -> None:
        self.saved: dict[str, int] = {}

    async def __aenter__(self) -> None:
        if not is_sqlite():
            return
        conn = connection()
        for pragma in ("synchronous", "foreign_keys", "cache_size"):
            _, rows = await conn.execute_query(f"PRAGMA {pragma}")
            self.saved[pragma] = int(rows[0][0])
        await conn.execute_script(
            "PRAGMA synchronous=OFF; PRAGMA foreign_keys=OFF; PRAGMA cache_size=-262144"
        )

    async def __aexit__(self, *exc: object) -> None:
        if not self.saved:
            return
        conn = connection()
        await conn.execute_script(";".join(f"PRAGMA {k}={v}" for k, v in self.saved.items()))


async def generate_history(
    rt: Runtime,
    *,
    cases: int,
    years: float = DEFAULT_YEARS,
    seed: int = DEFAULT_SEED,
    progress: Callable[..., None] | None = None,
) -> GenerateResult:
    """Add `cases` generated cases ending at `rt.clock.now()` to an initialised database that
    holds the demo city (see `generate`, which builds it first when the database is empty)."""
    if cases < 0:
        raise ValueError("cases must be 0 or more")
    if years <= 0:
        raise ValueError("years must be more than 0")
    cast = await Cast.load()
    kinds = _kinds(await Category.all().order_by("sort_order"))
    generator = HistoryGenerator(
        rt, cast, kinds, cases=cases, years=years, seed=seed, progress=progress
    )
    async with _BulkPragmas():
        return await generator.run()


async def generate(
    rt: Runtime,
    *,
    cases: int,
    years: float = DEFAULT_YEARS,
    seed: int = DEFAULT_SEED,
    progress: Callable[..., None] | None = None,
) -> GenerateResult:
    """`generate_history` on top of the demo city, which is built first if the database is
    empty."""
    from . import build_demo, is_empty

    if await is_empty():
        await build_demo(rt, cases=0)
    return await generate_history(rt, cases=cases, years=years, seed=seed, progress=progress)


__all__ = ["GenerateResult", "ProgressBar", "generate", "generate_history"]
