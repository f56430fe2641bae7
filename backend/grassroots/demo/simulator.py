"""Live demo activity: every few seconds one of the demo's people takes one plausible step
with the real workflow and the real clock, so the wall screen and dashboards keep moving.

It only moves cases reported by the simulated residents (accounts.SIMULATED_REPORTERS) or
through the 12345 hotline, so it never takes a step from under whoever presents the demo as
resident1 or the Yanqing staff. Its state is the database: it resumes after a restart.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections.abc import Awaitable, Callable
from typing import Any

from tortoise.expressions import Q

from ..models import Case, Category, WhistleResponse
from ..models.enums import OPEN_STATUSES, CaseStatus, Satisfaction, Source, WhistleStatus
from ..workflow.actor import Actor
from ..workflow.cases import (
    accept_case,
    arrive_on_site,
    claim_case,
    intake_case,
    rate_case,
    reject_case,
    report_case,
    resolve_case,
    whistle_case,
)
from ..workflow.errors import WorkflowError
from ..workflow.runtime import Runtime
from . import case_texts as words
from .accounts import SIMULATED_REPORTERS
from .cast import Cast
from .city import LOCAL_OFFSET
from .photos import resolution_photo
from .reports import compose_report, pick_category, reportable_categories

log = logging.getLogger(__name__)

CAST_TTL_SECONDS = 300.0  # accounts and departments are re-read now and then
Step = Callable[[Cast], Awaitable[str | None]]


class ActivitySimulator:
    def __init__(
        self,
        rt: Runtime,
        interval_seconds: float = 6.0,
        *,
        seed: int | None = None,
        max_open: int = 40,
    ) -> None:
        self.rt = rt
        self.interval = interval_seconds
        self.max_open = max_open  # no new reports while this many of its cases are open
        self.rng = random.Random(seed)
        self.steps = 0  # steps that changed something
        self.errors = 0
        self.last_step: str | None = None
        self._task: asyncio.Task[None] | None = None
        self._cast: Cast | None = None
        self._cast_loaded = 0.0
        self._categories: list[Category] = []

    # --- running -----------------------------------------------------------------------

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._loop(), name="demo-activity")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _loop(self) -> None:
        while True:
            try:
                await self.step()
            except asyncio.CancelledError:
                raise
            except WorkflowError as error:  # a race with a person or the scheduler: fine
                self.errors += 1
                log.info("demo step refused: %s %s", error.code, error.message)
            except Exception:  # never let the demo take the server's loop down
                self.errors += 1
                log.exception("demo step failed")
            await asyncio.sleep(self.interval * self.rng.uniform(0.6, 1.4))

    async def step(self) -> str | None:
        """Take one step; returns what was done, or None when there was nothing to do."""
        cast = await self._load_cast()
        steps: list[tuple[Step, float]] = [
            (self._report, 3),
            (self._triage, 2),
            (self._dispatch, 2),
            (self._claim, 3),
            (self._work, 3),
            (self._rate, 2),
        ]
        # A weighted random order; the first step with something to do acts.
        order = sorted(steps, key=lambda s: self.rng.random() ** (1 / s[1]), reverse=True)
        for action, _ in order:
            done = await action(cast)
            if done:
                self.steps += 1
                self.last_step = done
                log.debug("demo: %s", done)
                return done
        return None

    async def _load_cast(self) -> Cast:
        if self._cast is None or time.monotonic() - self._cast_loaded > CAST_TTL_SECONDS:
            self._cast = await Cast.load()
            self._cast_loaded = time.monotonic()
            self._categories = reportable_categories(await Category.all().order_by("sort_order"))
        return self._cast

    # --- whose cases -------------------------------------------------------------------

    def _reporters(self, cast: Cast) -> list[Actor]:
        return [cast.actors[name] for name in SIMULATED_REPORTERS if name in cast.actors]

    def _ours(self, cast: Cast, prefix: str = "") -> Q:
        """Cases the simulator may move; `prefix` reaches them through a relation."""
        by_reporter: dict[str, Any] = {
            f"{prefix}reporter_id__in": [a.account_id for a in self._reporters(cast)]
        }
        by_hotline: dict[str, Any] = {f"{prefix}source": Source.HOTLINE_12345}
        return Q(**by_reporter) | Q(**by_hotline)

    async def _pick(self, cast: Cast, status: CaseStatus) -> Case | None:
        """One of the longest-waiting of our cases in `status`."""
        cases = await Case.filter(self._ours(cast), status=status).order_by("updated_at").limit(5)
        return self.rng.choice(cases) if cases else None

    def _actor_by_id(self, cast: Cast, account_id: int | None) -> Actor | None:
        return next((a for a in cast.actors.values() if a.account_id == account_id), None)

    # --- steps -------------------------------------------------------------------------

    async def _report(self, cast: Cast) -> str | None:
        reporters = self._reporters(cast)
        if not reporters or not self._categories:
            return None
        if await Case.filter(self._ours(cast), status__in=OPEN_STATUSES).count() >= self.max_open:
            return None
        reporter = self.rng.choice(reporters)
        homes = [b.region_id for b in reporter.bindings if b.region_id is not None]
        community = cast.community_of(homes[0]) if homes else None
        if community is None:
            return None
        category = pick_category(self.rng, self._categories)
        hotline = cast.in_hotline_scope(community.path) and self.rng.random() < 0.25
        if hotline:
            now = self.rt.clock.now() + LOCAL_OFFSET
            external_ref = f"12345-{now:%Y%m%d%H%M%S}{self.rng.randint(0, 99):02d}"
            report = compose_report(
                self.rng,
                cast,
                community,
                category,
                Source.HOTLINE_12345,
                external_ref=external_ref,
            )
            case, _ = await intake_case(self.rt, cast.hotline, report.data)
            return f"12345 call {case.number} {case.title}"
        report = compose_report(self.rng, cast, community, category, Source.APP_PHOTO)
        case = await report_case(self.rt, reporter, report.data)
        return f"{reporter.username} reported {case.number} {case.title}"

    async def _triage(self, cast: Cast) -> str | None:
        case = await self._pick(cast, CaseStatus.REPORTED)
        if case is None:
            return None
        staff = cast.staff_for(case.queue_region_id)
        if self.rng.random() < 0.04:
            reason = self.rng.choice(words.REJECT_REASONS)
            await reject_case(self.rt, staff, case.id, reason=reason)
            return f"{_name(staff)} rejected {case.number}"
        await accept_case(self.rt, staff, case.id, note=self.rng.choice(words.ACCEPT_NOTES))
        return f"{_name(staff)} accepted {case.number}"

    async def _dispatch(self, cast: Cast) -> str | None:
        case = await self._pick(cast, CaseStatus.ACCEPTED)
        if case is None:
            return None
        staff = cast.staff_for(case.queue_region_id)
        handlers = cast.handlers(case.category_id, case.region_path)
        if not handlers or self.rng.random() < 0.15:
            await claim_case(self.rt, staff, case.id)
            return f"{_name(staff)} handles {case.number} in the community"
        summoned = handlers[: self.rng.choice((1, 2))]
        await whistle_case(
            self.rt,
            staff,
            case.id,
            department_ids=[d.id for d in summoned],
            lead_department_id=summoned[0].id,
            note=self.rng.choice(words.WHISTLE_NOTES),
        )
        names = ", ".join(d.name_zh for d in summoned)
        return f"{_name(staff)} whistled {case.number} to {names}"

    async def _claim(self, cast: Cast) -> str | None:
        """A summoned department reports for duty: the designated lead first."""
        waiting = (
            await WhistleResponse.filter(
                self._ours(cast, "whistle__case__"),
                claimed_at=None,
                whistle__status__in=[WhistleStatus.OPEN, WhistleStatus.ANSWERED],
                whistle__case__status__in=[CaseStatus.DISPATCHED, CaseStatus.IN_PROGRESS],
            )
            .order_by("-designated_lead", "due_at")
            .select_related("whistle")
            .limit(5)
        )
        if not waiting:
            return None
        response = waiting[0] if waiting[0].designated_lead else self.rng.choice(waiting)
        actor = cast.department_actor(response.department_id)
        if actor is None:
            return None
        outcome = await claim_case(
            self.rt, actor, response.whistle.case_id, department_id=response.department_id
        )
        role = outcome.role.value if outcome.role else "?"
        return f"{_name(actor)} claimed {outcome.case.number} as {role}"

    async def _work(self, cast: Cast) -> str | None:
        case = await self._pick(cast, CaseStatus.IN_PROGRESS)
        if case is None:
            return None
        if case.self_handled:
            actor = cast.staff_for(case.queue_region_id)
        elif case.lead_department_id is not None:
            actor = cast.department_actor(case.lead_department_id)
        else:
            return None
        if actor is None:
            return None
        if case.arrived_at is None:
            note = self.rng.choice(words.ARRIVE_NOTES)
            await arrive_on_site(
                self.rt,
                actor,
                case.id,
                note=note,
                latitude=case.latitude,
                longitude=case.longitude,
            )
            return f"{_name(actor)} arrived at {case.number}"
        category = await Category.get(id=case.category_id)
        photos = [resolution_photo()] if self.rng.random() < 0.4 else []
        note = words.resolution_note(self.rng, category.code)
        await resolve_case(self.rt, actor, case.id, note=note, photos=photos)
        return f"{_name(actor)} resolved {case.number}"

    async def _rate(self, cast: Cast) -> str | None:
        case = await self._pick(cast, CaseStatus.RESOLVED)
        if case is None:
            return None
        if case.reporter_id is None:  # a 12345 caller: staff call back and record it
            rater = cast.staff_for(case.region_id)
        else:
            rater = self._actor_by_id(cast, case.reporter_id)
        if rater is None:
            return None
        satisfaction = self.rng.choices(
            [Satisfaction.SATISFIED, Satisfaction.BASICALLY_SATISFIED, Satisfaction.UNSATISFIED],
            [80, 15, 5],
        )[0]
        comment = self.rng.choice(words.RATING_COMMENTS[satisfaction])
        if case.reporter_id is None:
            comment = words.CALLBACK_PREFIX + comment
        await rate_case(self.rt, rater, case.id, satisfaction=satisfaction, comment=comment)
        return f"{_name(rater)} rated {case.number} {satisfaction.value}"


def _name(actor: Actor | None) -> str:
    return actor.username if actor else "nobody"
