"""Historic cases: a few hundred problems over the last two months, each driven through the
real workflow functions, so timelines, whistles, the event log and the rates agree.

Each case's life is a *story* (see story_runner): it acts, then yields how long until its
next act; the runner plays all stories in time order on a FrozenClock, so case numbers
follow creation time. Stories still running at "now" stop there, which leaves the recent
cases open at every stage.
"""

from __future__ import annotations

import itertools
import random
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum

from ..clock import FrozenClock
from ..models import Case, Category, Region
from ..models.enums import CaseStatus, Satisfaction, Source, Urgency
from ..workflow.actor import Actor
from ..workflow.cases import (
    accept_case,
    arrive_on_site,
    claim_case,
    close_case,
    comment_on_case,
    intake_case,
    merge_case,
    rate_case,
    reject_case,
    report_case,
    resolve_case,
    whistle_case,
)
from ..workflow.errors import WorkflowError
from ..workflow.escalation import escalate_overdue
from ..workflow.runtime import Runtime
from ..workflow.sla import policy_for
from . import case_texts as words
from .accounts import YANQING
from .case_texts import CaseText
from .cast import Cast
from .city import LOCAL_OFFSET
from .photos import resolution_photo
from .reports import compose_report, pick_category, pick_community, reportable_categories
from .story_runner import Story, StoryRunner

HISTORY_DAYS = 60


class Outcome(Enum):
    REJECTED_AT_ONCE = "rejected at once"
    REJECTED_AFTER_ACCEPT = "rejected after accepting"
    SELF_HANDLED = "self-handled by the community"
    WHISTLED = "whistled to departments"
    DUPLICATE = "a duplicate report, merged"
    SHOWCASE = "the field story, closed"
    SHOWCASE_LIVE = "the field story, awaiting the heating company"


OUTCOME_WEIGHTS = {
    Outcome.REJECTED_AT_ONCE: 3,
    Outcome.REJECTED_AFTER_ACCEPT: 3,
    Outcome.SELF_HANDLED: 15,
    Outcome.WHISTLED: 79,
}
DUPLICATE_CHANCE = 0.07
# Statuses the most recent cases stop at (None: they run on until "now"), in turn.
HOLDS = (
    CaseStatus.REPORTED,
    CaseStatus.DISPATCHED,
    None,
    CaseStatus.ACCEPTED,
    CaseStatus.IN_PROGRESS,
    CaseStatus.DISPATCHED,
    CaseStatus.RESOLVED,
    None,
)
SOURCE_WEIGHTS = {
    Source.APP_PHOTO: 48,
    Source.HOTLINE_12345: 25,
    Source.DOOR_TO_DOOR: 10,
    Source.STREET_WHISTLE: 8,
    Source.SELF_MEDIA: 3,
    Source.LETTERS_VISITS: 3,
    Source.PARTY_LISTENING: 3,
}


@dataclass
class Plan:
    key: int
    at: datetime
    community: Region
    category: Category
    source: Source
    outcome: Outcome
    seed: int
    original: int | None = None  # for a duplicate: the key of the plan it repeats
    # Started in the last hours and hurried along (no office hours), so "now" finds open
    # cases whatever the hour the demo is built; `hold` stops the story at that status.
    recent: bool = False
    hold: CaseStatus | None = None


@dataclass
class Progress:
    """What a story knows about its case; sub-stories update it, as generators return nothing."""

    case: Case
    reporter: Actor | None
    handler: Actor | None = None


def _minutes(rng: random.Random, low: float, high: float) -> timedelta:
    return timedelta(minutes=rng.uniform(low, high))


def _hours(rng: random.Random, low: float, high: float) -> timedelta:
    return timedelta(hours=rng.uniform(low, high))


class HistoryBuilder:
    def __init__(self, rt: Runtime, clock: FrozenClock, cast: Cast, *, until: datetime, seed: int):
        self.rt = rt
        self.clock = clock
        self.cast = cast
        self.until = until
        self.rng = random.Random(seed)
        self.stats: Counter[str] = Counter()
        self.failures: list[str] = []
        self._cases: dict[int, Case] = {}
        self._texts: dict[int, CaseText] = {}
        self._hotline_numbers = itertools.count(1)
        self._category_codes: dict[int, str] = {}

    # --- planning ----------------------------------------------------------------------

    async def plan(self, count: int) -> list[Plan]:
        categories = reportable_categories(await Category.all().order_by("sort_order"))
        plans: list[Plan] = []
        if count >= 20:
            plans += self._showcase_plans(categories)
        recent = max(len(HOLDS), count // 25)
        holds = itertools.cycle(HOLDS)
        while len(plans) < count:
            rng = self.rng
            in_recent = count - len(plans) <= recent
            hold = next(holds) if in_recent else None
            at = self._start_time(rng, recent=in_recent)
            community = pick_community(rng, self.cast)
            plan = Plan(
                key=len(plans),
                at=at,
                community=community,
                category=pick_category(rng, categories),
                source=self._pick_source(rng, community),
                outcome=Outcome.WHISTLED
                if hold
                else rng.choices(list(OUTCOME_WEIGHTS), list(OUTCOME_WEIGHTS.values()))[0],
                seed=rng.getrandbits(32),
                recent=in_recent,
                hold=hold,
            )
            plans.append(plan)
            rejected = plan.outcome in (Outcome.REJECTED_AT_ONCE, Outcome.REJECTED_AFTER_ACCEPT)
            duplicate = not in_recent and rng.random() < DUPLICATE_CHANCE
            if not rejected and duplicate and len(plans) < count:
                plans.append(
                    Plan(
                        key=len(plans),
                        at=at + _minutes(rng, 20, 240),
                        community=community,
                        category=plan.category,
                        source=self._pick_source(rng, community),
                        outcome=Outcome.DUPLICATE,
                        seed=rng.getrandbits(32),
                        original=plan.key,
                    )
                )
        return plans

    def _showcase_plans(self, categories: list[Category]) -> list[Plan]:
        yanqing = next(r for r in self.cast.communities() if r.code == YANQING)
        pipe_leak = next(c for c in categories if c.code == "heating.pipe-leak")
        local_day = (self.until + LOCAL_OFFSET).replace(hour=8, minute=12, second=0, microsecond=0)
        closed_at = local_day - LOCAL_OFFSET - timedelta(days=3)
        return [
            Plan(0, closed_at, yanqing, pipe_leak, Source.APP_PHOTO, Outcome.SHOWCASE, 1),
            Plan(
                1,
                self.until - timedelta(minutes=40),
                yanqing,
                pipe_leak,
                Source.APP_PHOTO,
                Outcome.SHOWCASE_LIVE,
                2,
            ),
        ]

    def _start_time(self, rng: random.Random, *, recent: bool) -> datetime:
        if recent:
            return self.until - _hours(rng, 0.3, 6)
        # Skewed towards recent days: the platform is being used more and more.
        at = self.until - timedelta(days=HISTORY_DAYS * rng.random() ** 1.25)
        local_hour = (at + LOCAL_OFFSET).hour
        if local_hour < 7:  # people sleep; move the report into the morning
            at += timedelta(hours=7 - local_hour) + _minutes(rng, 0, 180)
        return min(at, self.until - timedelta(minutes=20))

    def _pick_source(self, rng: random.Random, community: Region) -> Source:
        weights = dict(SOURCE_WEIGHTS)
        if not self.cast.in_hotline_scope(community.path):
            del weights[Source.HOTLINE_12345]
        if not self.cast.reporters.get(community.id):
            del weights[Source.APP_PHOTO]
        return rng.choices(list(weights), list(weights.values()))[0]

    # --- running -----------------------------------------------------------------------

    async def run(self, plans: list[Plan]) -> None:
        runner = StoryRunner(self.clock, self.until)
        for plan in plans:
            runner.add(plan.at, self._story(plan))
        await runner.run()
        self.failures += runner.failures
        # Whistles that fell due in the last minutes escalate now, as the scheduler would.
        self.clock.set(self.until)
        self.stats["escalations"] += await escalate_overdue(self.rt)

    def _office_hours(self, rng: random.Random, wait: timedelta) -> timedelta:
        """`wait`, or longer so that it ends in the community office's hours (8:00–20:00)."""
        local = self.clock.now() + wait + LOCAL_OFFSET
        if 8 <= local.hour < 20:
            return wait
        morning = local.replace(hour=8, minute=0, second=0, microsecond=0)
        if local.hour >= 20:
            morning += timedelta(days=1)
        return wait + (morning - local) + _minutes(rng, 0, 75)

    def _staff(self, region_id: int) -> Actor:
        actor = self.cast.staff_for(region_id)
        if actor is None:
            raise RuntimeError("the demo has no staff for a queue; build the accounts first")
        return actor

    def _reporter(self, rng: random.Random, plan: Plan) -> Actor | None:
        if plan.source is Source.HOTLINE_12345:
            return None
        if plan.source is Source.APP_PHOTO:
            return rng.choice(self.cast.reporters[plan.community.id])
        if plan.source is Source.STREET_WHISTLE and plan.community.parent_id:
            return self._staff(plan.community.parent_id)
        return self._staff(plan.community.id)

    async def _report(
        self,
        plan: Plan,
        rng: random.Random,
        reporter: Actor | None,
        *,
        text: CaseText | None = None,
        problem: words.Problem | None = None,
        grid: Region | None = None,
        photo: bool | None = None,
        urgency: Urgency | None = None,
    ) -> Case:
        external_ref = None
        if plan.source is Source.HOTLINE_12345:
            day = (self.clock.now() + LOCAL_OFFSET).strftime("%Y%m%d")
            external_ref = f"12345-{day}{next(self._hotline_numbers):04d}"
        report = compose_report(
            rng,
            self.cast,
            plan.community,
            plan.category,
            plan.source,
            external_ref=external_ref,
            text=text,
            problem=problem,
            grid=grid,
            photo=photo,
            urgency=urgency,
        )
        self._texts[plan.key] = report.text
        if reporter is None:
            case, _ = await intake_case(self.rt, self.cast.hotline, report.data)
        else:
            case = await report_case(self.rt, reporter, report.data)
        self._cases[plan.key] = case
        self.stats["photos"] += len(report.data.photos)
        return case

    async def _story(self, plan: Plan) -> Story:
        rng = random.Random(plan.seed)
        if plan.outcome is Outcome.SHOWCASE:
            async for wait in self._showcase(plan, rng):
                yield wait
            return
        if plan.outcome is Outcome.SHOWCASE_LIVE:
            async for wait in self._showcase_live(plan, rng):
                yield wait
            return
        if plan.outcome is Outcome.DUPLICATE:
            async for wait in self._duplicate(plan, rng):
                yield wait
            return
        reporter = self._reporter(rng, plan)
        case = await self._report(plan, rng, reporter)
        if plan.hold is CaseStatus.REPORTED:
            return
        if case.urgency is Urgency.NORMAL and not plan.recent:
            yield self._office_hours(rng, _minutes(rng, 10, 150))
        else:  # the duty officer answers urgent ones at any hour
            yield _minutes(rng, 5, 40)

        staff = self._staff(case.queue_region_id)
        if plan.outcome is Outcome.REJECTED_AT_ONCE:
            await reject_case(self.rt, staff, case.id, reason=rng.choice(words.REJECT_REASONS))
            return
        upgrade = case.urgency is Urgency.NORMAL and rng.random() < 0.04
        case = await accept_case(
            self.rt,
            staff,
            case.id,
            note=rng.choice(words.ACCEPT_NOTES),
            urgency=Urgency.URGENT if upgrade else None,
        )
        if plan.hold is CaseStatus.ACCEPTED:
            return
        if case.urgency is Urgency.NORMAL and not plan.recent and rng.random() < 0.15:
            yield _hours(rng, 2, 8)  # the community tried to sort it out first
        else:
            yield _minutes(rng, 5, 45)
        if plan.outcome is Outcome.REJECTED_AFTER_ACCEPT:
            await reject_case(self.rt, staff, case.id, reason=rng.choice(words.REJECT_REASONS))
            return

        progress = Progress(case=case, reporter=reporter)
        handlers = self.cast.handlers(case.category_id, case.region_path)
        if plan.outcome is Outcome.SELF_HANDLED or not handlers:
            outcome = await claim_case(self.rt, staff, case.id)
            progress.case, progress.handler = outcome.case, staff
        else:
            roll = rng.random()
            escalations = 2 if roll < 0.02 else 1 if roll < 0.09 else 0
            async for wait in self._dispatch(progress, rng, escalations, plan.hold):
                yield wait
        if plan.hold in (CaseStatus.DISPATCHED, CaseStatus.IN_PROGRESS):
            return
        async for wait in self._work_and_rate(progress, rng, plan.hold):
            yield wait

    async def _dispatch(
        self, p: Progress, rng: random.Random, escalations: int, hold: CaseStatus | None
    ) -> Story:
        """Whistle until a department claims; planned escalations let the deadline pass."""
        while True:
            staff = self._staff(p.case.queue_region_id)
            handlers = self.cast.handlers(p.case.category_id, p.case.region_path)
            if hold is CaseStatus.DISPATCHED:
                # Whistle late enough that the deadline is still ahead at "now".
                category = await Category.get(id=p.case.category_id)
                window = policy_for(category, p.case.urgency).claim_within
                whistle_at = self.until - window * rng.uniform(0.2, 0.7)
                yield max(whistle_at - self.clock.now(), timedelta(minutes=1))
            summoned = handlers[: rng.choice((1, 2, 2, 3))]
            lead = summoned[0]
            designate = len(summoned) > 1 and rng.random() < 0.75
            p.case, whistle = await whistle_case(
                self.rt,
                staff,
                p.case.id,
                department_ids=[d.id for d in summoned],
                lead_department_id=lead.id if designate else None,
                note=rng.choice(words.WHISTLE_NOTES),
            )
            self.stats["whistles"] += 1
            due = whistle.due_at
            if hold is CaseStatus.DISPATCHED:
                return
            if escalations:
                escalations -= 1
                yield due - self.clock.now() + _minutes(rng, 1, 4)
                self.stats["escalations"] += await escalate_overdue(self.rt)
                await p.case.refresh_from_db()
                yield _minutes(rng, 10, 60)  # the level above reads the case, then whistles
                continue
            left = due - self.clock.now()
            late = rng.random() < 0.06
            # A late claim lands within the minute or two before the scheduler escalates.
            yield (
                left + timedelta(seconds=rng.uniform(20, 80))
                if late
                else left * rng.uniform(0.08, 0.8)
            )
            lead_actor = self.cast.department_actor(lead.id)
            try:
                outcome = await claim_case(self.rt, lead_actor, p.case.id, department_id=lead.id)
            except WorkflowError:
                # Another story's escalation run took this whistle first: go round again.
                await p.case.refresh_from_db()
                if p.case.status is CaseStatus.ACCEPTED:
                    yield _minutes(rng, 10, 60)
                    continue
                raise
            p.case, p.handler = outcome.case, lead_actor
            for other in summoned[1:]:
                left = due - self.clock.now()
                late = rng.random() < 0.08
                yield (
                    left + _minutes(rng, 5, 90)
                    if late
                    else max(left, timedelta()) * rng.uniform(0.1, 0.9)
                )
                await claim_case(
                    self.rt, self.cast.department_actor(other.id), p.case.id, department_id=other.id
                )
            return

    async def _work_and_rate(
        self, p: Progress, rng: random.Random, hold: CaseStatus | None
    ) -> Story:
        assert p.handler is not None
        quick = p.case.urgency is not Urgency.NORMAL
        yield _minutes(rng, 5, 30) if quick else _minutes(rng, 15, 120)
        lat, lng = p.case.latitude, p.case.longitude
        p.case = await arrive_on_site(
            self.rt,
            p.handler,
            p.case.id,
            note=rng.choice(words.ARRIVE_NOTES),
            latitude=lat,
            longitude=lng,
        )
        if rng.random() < 0.2:
            yield _minutes(rng, 20, 180)
            commenter = self._staff(p.case.region_id)
            await comment_on_case(self.rt, commenter, p.case.id, note=rng.choice(words.COMMENTS))
        async for wait in self._resolve(p, rng, late_chance=0.1):
            yield wait
        if hold is CaseStatus.RESOLVED:
            return

        rater = p.reporter or self._staff(p.case.region_id)  # 12345 callers: staff call back
        roll = rng.random()
        if p.reporter is not None and roll < 0.12:
            # Nobody rated within the window: staff tick it off.
            yield timedelta(days=self.rt.settings.rating_wait_days) + _hours(rng, 2, 30)
            await close_case(
                self.rt,
                self._staff(p.case.queue_region_id),
                p.case.id,
                reason=rng.choice(words.CLOSE_REASONS),
            )
            return
        if roll < 0.19:
            satisfaction = Satisfaction.UNSATISFIED
        elif roll < 0.40:
            satisfaction = Satisfaction.BASICALLY_SATISFIED
        else:
            satisfaction = Satisfaction.SATISFIED
        yield _hours(rng, 0.5, 36) if p.reporter else _hours(rng, 2, 24)
        await self._rate(p, rng, rater, satisfaction)
        if satisfaction is not Satisfaction.UNSATISFIED:
            return
        # Reopened: the same handler goes back, and the reporter rates again.
        yield _hours(rng, 1, 12)
        p.case = await arrive_on_site(
            self.rt, p.handler, p.case.id, note=rng.choice(words.ARRIVE_NOTES)
        )
        async for wait in self._resolve(p, rng, late_chance=0.2):
            yield wait
        yield _hours(rng, 1, 24)
        second = rng.choice([Satisfaction.SATISFIED, Satisfaction.BASICALLY_SATISFIED])
        await self._rate(p, rng, rater, second)

    async def _resolve(self, p: Progress, rng: random.Random, *, late_chance: float) -> Story:
        assert p.handler is not None
        assert p.case.resolve_due_at is not None
        left = p.case.resolve_due_at - self.clock.now()
        if left <= timedelta(minutes=30) or rng.random() < late_chance:
            yield max(left, timedelta()) + _hours(rng, 1, 24)
        else:
            yield left * rng.uniform(0.1, 0.85)
        photos = [resolution_photo()] if rng.random() < 0.4 else []
        p.case = await resolve_case(
            self.rt,
            p.handler,
            p.case.id,
            note=words.resolution_note(rng, await self._category_code(p.case)),
            photos=photos,
        )
        self.stats["photos"] += len(photos)

    async def _rate(
        self, p: Progress, rng: random.Random, rater: Actor, satisfaction: Satisfaction
    ) -> None:
        comment = rng.choice(words.RATING_COMMENTS[satisfaction])
        if p.reporter is None:
            comment = words.CALLBACK_PREFIX + comment
        p.case = await rate_case(
            self.rt, rater, p.case.id, satisfaction=satisfaction, comment=comment
        )

    async def _category_code(self, case: Case) -> str:
        if not self._category_codes:
            self._category_codes = dict(await Category.all().values_list("id", "code"))
        return self._category_codes[case.category_id]

    async def _duplicate(self, plan: Plan, rng: random.Random) -> Story:
        assert plan.original is not None
        original = self._cases.get(plan.original)
        text = self._texts.get(plan.original)
        case = await self._report(plan, rng, self._reporter(rng, plan), text=text)
        yield _minutes(rng, 10, 90)
        staff = self._staff(case.queue_region_id)
        if original is not None:
            await original.refresh_from_db()
        if original is None or original.status in (CaseStatus.MERGED, CaseStatus.REJECTED):
            await reject_case(self.rt, staff, case.id, reason=words.REJECT_REASONS[1])
            return
        await merge_case(
            self.rt, staff, case.id, original_id=original.id, note=words.MERGE_NOTES[0]
        )

    # --- the field story ---------------------------------------------------------------

    def _heating(self) -> tuple[int, int]:
        office = self.cast.department_by_code("yanji-heating-office")
        company = self.cast.department_by_code("yanji-heating-co")
        assert office is not None
        assert company is not None
        return office.id, company.id

    async def _showcase(self, plan: Plan, rng: random.Random) -> Story:
        """Teachers' apartment block: leak reported, whistled, on site within the hour, fixed
        the same day, rated satisfied."""
        office, company = self._heating()
        resident = self.cast.actors["resident1"]
        staff = self._staff(plan.community.id)
        grid = self.cast.grids_of(plan.community.id)[0]
        case = await self._report(
            plan,
            rng,
            resident,
            problem=words.SHOWCASE,
            grid=grid,
            photo=True,
            urgency=Urgency.NORMAL,
        )
        yield timedelta(minutes=6)
        await accept_case(
            self.rt, staff, case.id, note="교원아빠트 현장 확인 후 접수. 核实教师公寓现场后受理。"
        )
        yield timedelta(minutes=4)
        await whistle_case(
            self.rt,
            staff,
            case.id,
            department_ids=[company, office],
            lead_department_id=company,
            note="열공급판공실, 열공급회사는 즉시 보도해 주십시오. 请供热办、供热公司立即报到。",
        )
        yield timedelta(minutes=3)
        await claim_case(self.rt, self.cast.department_actor(office), case.id, department_id=office)
        yield timedelta(minutes=6)
        worker = self.cast.department_actor(company)
        await claim_case(self.rt, worker, case.id, department_id=company)
        yield timedelta(minutes=38)
        await arrive_on_site(
            self.rt,
            worker,
            case.id,
            note="현장 도착, 사회구역·주민과 함께 수리 방안을 협의했습니다. "
            "已到场，与社区、居民现场协商维修方案。",
            latitude=case.latitude,
            longitude=case.longitude,
        )
        yield timedelta(hours=6, minutes=25)
        await resolve_case(
            self.rt,
            worker,
            case.id,
            note="누수 배관을 교체하고 3동 난방을 회복했습니다. 已更换漏水管道，3号楼恢复供热。",
            photos=[resolution_photo()],
        )
        yield timedelta(hours=2, minutes=10)
        await rate_case(
            self.rt,
            resident,
            case.id,
            satisfaction=Satisfaction.SATISFIED,
            comment="하루도 안 돼 해결됐습니다. 감사합니다! 不到一天就解决了，谢谢！",
        )

    async def _showcase_live(self, plan: Plan, rng: random.Random) -> Story:
        """The same kind of leak, happening now: the heating company has yet to report for duty,
        so whoever presents the demo can claim it as heating_co1."""
        office, company = self._heating()
        head = self.cast.actors.get("head1") or self.cast.actors["resident1"]
        staff = self._staff(plan.community.id)
        case = await self._report(plan, rng, head, photo=True, urgency=Urgency.NORMAL)
        yield timedelta(minutes=8)
        await accept_case(self.rt, staff, case.id, note=words.ACCEPT_NOTES[0])
        yield timedelta(minutes=6)
        await whistle_case(
            self.rt,
            staff,
            case.id,
            department_ids=[company, office],
            lead_department_id=company,
            note=words.WHISTLE_NOTES[0],
        )
        yield timedelta(minutes=4)
        await claim_case(self.rt, self.cast.department_actor(office), case.id, department_id=office)


async def build_history(
    rt: Runtime, clock: FrozenClock, cast: Cast, *, cases: int, until: datetime, seed: int
) -> HistoryBuilder:
    """Play `cases` case stories ending at `until`; `rt` must run on `clock`."""
    builder = HistoryBuilder(rt, clock, cast, until=until, seed=seed)
    await builder.run(await builder.plan(cases))
    return builder
