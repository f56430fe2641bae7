"""Case actions: report, intake, accept, reject, merge, whistle, claim, arrive, resolve, rate,
reopen, close, escalate and comment.

Each action: finds the case the actor may see (else NOT_FOUND, so existence does not leak),
checks role and scope, checks the state machine, then changes the case with a conditional
UPDATE (`… WHERE status = ?`) inside one transaction that also writes the timeline and the
event log. A refused action raises WorkflowError and changes nothing.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from tortoise.exceptions import IntegrityError

from ..db import atomic
from ..models import (
    Case,
    CaseDepartment,
    CaseRating,
    Category,
    Department,
    Photo,
    Region,
    Whistle,
    WhistleResponse,
)
from ..models.enums import (
    CaseEventKind,
    CaseStatus,
    DepartmentRole,
    PhotoKind,
    RegionLevel,
    Role,
    Satisfaction,
    Source,
    Urgency,
    WhistleStatus,
)
from . import photos as photo_store
from .actor import REPORTER_ROLES, STAFF_ROLES, Actor
from .case_rules import Action, check_transition
from .errors import ErrorCode, WorkflowError, denied, invalid, not_found
from .new_cases import CaseToWrite
from .photo_records import record_photos
from .regions import next_level_up, queue_region_for
from .runtime import Runtime
from .sla import claim_due, resolve_due
from .timeline import record
from .visibility import can_see_case

MAX_TITLE = 200
MAX_TEXT = 5000
MAX_NOTE = 2000
MAX_DEPARTMENTS_PER_WHISTLE = 10
RESIDENT_SOURCES = frozenset({Source.APP_PHOTO})
REPORTABLE_LEVELS = frozenset({RegionLevel.COMMUNITY, RegionLevel.GRID})


@dataclass
class NewCase:
    title: str
    description: str
    category_id: int
    region_id: int
    source: Source = Source.APP_PHOTO
    urgency: Urgency = Urgency.NORMAL
    address: str = ""
    latitude: float | None = None
    longitude: float | None = None
    caller_name: str | None = None
    caller_phone: str | None = None
    external_ref: str | None = None
    photos: list[bytes] = field(default_factory=list)


@dataclass(frozen=True)
class ClaimOutcome:
    case: Case
    role: DepartmentRole | None
    on_time: bool


# --- input checks ------------------------------------------------------------------------


def _text(value: str | None, field_name: str, *, max_len: int, required: bool = True) -> str:
    text = (value or "").strip()
    if required and not text:
        raise invalid(field_name, f"{field_name} must not be empty")
    if len(text) > max_len:
        raise invalid(field_name, f"{field_name} must be at most {max_len} characters")
    return text


def _coordinates(latitude: float | None, longitude: float | None) -> None:
    if (latitude is None) != (longitude is None):
        raise invalid("latitude", "Give both latitude and longitude, or neither")
    if latitude is not None and not -90 <= latitude <= 90:
        raise invalid("latitude", "latitude must be between -90 and 90")
    if longitude is not None and not -180 <= longitude <= 180:
        raise invalid("longitude", "longitude must be between -180 and 180")


def _check_photos(
    rt: Runtime, photos: list[bytes], field_name: str
) -> list[photo_store.CheckedImage]:
    limit = rt.settings.max_photos_per_case
    if len(photos) > limit:
        raise WorkflowError(
            ErrorCode.TOO_MANY_UPLOADS, f"At most {limit} photos per case", field_name
        )
    return [
        photo_store.check_image(
            data, field=f"{field_name}.{i}", max_bytes=rt.settings.max_upload_bytes
        )
        for i, data in enumerate(photos)
    ]


# --- loading and guarding ----------------------------------------------------------------


async def summoned_department_ids(case_id: int) -> set[int]:
    rows = WhistleResponse.filter(whistle__case_id=case_id).values_list("department_id", flat=True)
    return {int(r) for r in await rows}  # type: ignore[call-overload]


async def load_visible_case(actor: Actor | None, case_id: int, field_name: str = "caseId") -> Case:
    if actor is None:
        raise WorkflowError(ErrorCode.UNAUTHENTICATED, "Sign in first", field_name)
    case = await Case.get_or_none(id=case_id)
    if case is None or not can_see_case(actor, case, await summoned_department_ids(case_id)):
        raise not_found("Case", field_name)
    return case


async def _queue_path(case: Case) -> str:
    return (await Region.get(id=case.queue_region_id)).path


async def _require_staff(actor: Actor, case: Case) -> None:
    """Staff act on cases queued at their level or below, within their region."""
    if not actor.covers(await _queue_path(case), STAFF_ROLES):
        raise denied("Only community, street or city staff over this case's queue may do that")


async def _move(rt: Runtime, case: Case, expected: CaseStatus, **changes: Any) -> None:
    """Change the case only if its status is still `expected`; the race's loser is told."""
    changes["updated_at"] = rt.clock.now()
    updated = await Case.filter(id=case.id, status=expected).update(**changes)
    if not updated:
        raise WorkflowError(
            ErrorCode.CONFLICT, "The case changed meanwhile; reload it and try again", "caseId"
        )
    for key, value in changes.items():
        setattr(case, key, value)


# --- reporting ---------------------------------------------------------------------------


async def _validate_new_case(rt: Runtime, data: NewCase) -> tuple[Category, Region, list[Any]]:
    data.title = _text(data.title, "title", max_len=MAX_TITLE)
    data.description = _text(data.description, "description", max_len=MAX_TEXT)
    data.address = _text(data.address, "address", max_len=255, required=False)
    _coordinates(data.latitude, data.longitude)
    if data.caller_name is not None:
        data.caller_name = _text(data.caller_name, "callerName", max_len=64, required=False)
    if data.caller_phone is not None:
        data.caller_phone = _text(data.caller_phone, "callerPhone", max_len=32, required=False)
    images = _check_photos(rt, data.photos, "photos")
    category = await rt.categories.get(data.category_id)
    if category is None:
        raise not_found("Category", "categoryId")
    region = await rt.regions.region(data.region_id)
    if region is None:
        raise not_found("Region", "regionId")
    if region.level not in REPORTABLE_LEVELS:
        raise invalid("regionId", "A case is reported in a community or a grid")
    return category, region, images


@asynccontextmanager
async def _category_kept(rt: Runtime, category: Category | None) -> AsyncIterator[None]:
    """Around a transaction that writes `category` into a case: a category deleted since the
    process read it fails the foreign key, and is then refused as unknown, not as a crash. (On
    PostgreSQL the failed transaction can run no query: hence around it, not inside.)"""
    try:
        yield
    except IntegrityError:
        if category is None or await Category.exists(id=category.id):
            raise
        rt.categories.forget(category.id)
        raise not_found("Category", "categoryId") from None


async def _category_of(rt: Runtime, case: Case) -> Category:
    category = await rt.categories.get(case.category_id)
    if category is None:  # the foreign key RESTRICTs deleting a category still in use
        raise LookupError(f"case {case.id} names no category")
    return category


async def _new_case(
    rt: Runtime,
    actor: Actor,
    data: NewCase,
    category: Category,
    region: Region,
    *,
    reporter: bool,
) -> Case:
    """The case as reported, not yet written (workflow.new_cases numbers and writes it)."""
    now = rt.clock.now()
    queue = await queue_region_for(rt.regions, region)
    return Case(
        number="",
        title=data.title,
        description=data.description,
        category_id=category.id,
        source=data.source,
        urgency=data.urgency,
        status=CaseStatus.REPORTED,
        level=queue.level,
        queue_region_id=queue.id,
        region_id=region.id,
        region_path=region.path,
        address=data.address,
        latitude=data.latitude,
        longitude=data.longitude,
        reporter_id=actor.account_id if reporter else None,
        caller_name=data.caller_name or None,
        caller_phone=data.caller_phone or None,
        external_ref=data.external_ref,
        resolve_due_at=await resolve_due(rt, category, data.urgency, now),
        created_at=now,
        updated_at=now,
    )


async def report_case(rt: Runtime, actor: Actor | None, data: NewCase) -> Case:
    if actor is None:
        raise WorkflowError(ErrorCode.UNAUTHENTICATED, "Sign in to report a problem")
    category, region, images = await _validate_new_case(rt, data)
    if not actor.covers(region.path, REPORTER_ROLES):
        raise denied("You may report problems only within your own area", "regionId")
    if data.source not in RESIDENT_SOURCES and not actor.covers(region.path, STAFF_ROLES):
        raise invalid("source", "Only staff may record cases from other channels")
    if data.source is Source.HOTLINE_12345:
        raise invalid("source", "12345 hotline cases come in through intakeCase")
    data.external_ref = None
    case = await _new_case(rt, actor, data, category, region, reporter=True)
    new = CaseToWrite(case, actor, {}, images, photo_ids_in_data=True)
    async with _category_kept(rt, category):
        return await rt.new_cases.write(rt, new)


async def intake_case(rt: Runtime, actor: Actor | None, data: NewCase) -> tuple[Case, bool]:
    """A case pushed in by another system; idempotent on (source, externalRef)."""
    if actor is None:
        raise WorkflowError(ErrorCode.UNAUTHENTICATED, "An INTEGRATION token is required")
    if not actor.has_role(Role.INTEGRATION) or not actor.has_scope("cases:intake"):
        raise denied("Only INTEGRATION tokens with scope cases:intake may push cases in")
    data.external_ref = _text(data.external_ref, "externalRef", max_len=128)
    category, region, images = await _validate_new_case(rt, data)
    if not actor.covers(region.path, {Role.INTEGRATION}):
        raise denied("That region is outside this token's scope", "regionId")
    existing = await Case.get_or_none(source=data.source, external_ref=data.external_ref)
    if existing is None:
        try:
            case = await _new_case(rt, actor, data, category, region, reporter=False)
            new = CaseToWrite(case, actor, {"externalRef": case.external_ref}, images)
            async with _category_kept(rt, category):
                return await rt.new_cases.write(rt, new), True
        except IntegrityError:  # the same call won a race with us: answer as a repeat
            existing = await Case.get_or_none(source=data.source, external_ref=data.external_ref)
            if existing is None:
                raise
    same = (existing.title, existing.description, existing.category_id, existing.region_id) == (
        data.title,
        data.description,
        category.id,
        region.id,
    )
    if not same:
        raise WorkflowError(
            ErrorCode.DUPLICATE,
            f"externalRef {data.external_ref} was already used for case {existing.number} "
            "with different content",
            "externalRef",
        )
    return existing, False


# --- triage ------------------------------------------------------------------------------


async def accept_case(
    rt: Runtime,
    actor: Actor | None,
    case_id: int,
    *,
    note: str = "",
    category_id: int | None = None,
    urgency: Urgency | None = None,
) -> Case:
    case = await load_visible_case(actor, case_id)
    assert actor is not None
    await _require_staff(actor, case)
    check_transition(Action.ACCEPT, case.status)
    note = _text(note, "note", max_len=MAX_NOTE, required=False)
    changes: dict[str, Any] = {"status": CaseStatus.ACCEPTED}
    category: Category | None = None
    if category_id is not None or urgency is not None:
        category = await rt.categories.get(category_id or case.category_id)
        if category is None:
            raise not_found("Category", "categoryId")
        changes["category_id"] = category.id
        changes["urgency"] = urgency or case.urgency
        changes["resolve_due_at"] = await resolve_due(
            rt, category, changes["urgency"], case.created_at
        )
    async with _category_kept(rt, category), atomic():
        before = case.status
        await _move(rt, case, before, **changes)
        await record(
            rt,
            case,
            CaseEventKind.ACCEPTED,
            at=case.updated_at,
            actor=actor,
            status_before=before,
            note=note,
        )
    return case


async def reject_case(rt: Runtime, actor: Actor | None, case_id: int, *, reason: str) -> Case:
    case = await load_visible_case(actor, case_id)
    assert actor is not None
    await _require_staff(actor, case)
    check_transition(Action.REJECT, case.status)
    reason = _text(reason, "reason", max_len=MAX_NOTE)
    async with atomic():
        before = case.status
        await _move(rt, case, before, status=CaseStatus.REJECTED, closed_at=rt.clock.now())
        await record(
            rt,
            case,
            CaseEventKind.REJECTED,
            at=case.updated_at,
            actor=actor,
            status_before=before,
            note=reason,
        )
    return case


async def merge_case(
    rt: Runtime, actor: Actor | None, case_id: int, *, original_id: int, note: str = ""
) -> Case:
    case = await load_visible_case(actor, case_id)
    assert actor is not None
    await _require_staff(actor, case)
    check_transition(Action.MERGE, case.status)
    if original_id == case_id:
        raise invalid("originalCaseId", "A case cannot be merged into itself")
    original = await load_visible_case(actor, original_id, "originalCaseId")
    if original.status in {CaseStatus.MERGED, CaseStatus.REJECTED}:
        raise invalid("originalCaseId", f"The original case is {original.status.value}")
    note = _text(note, "note", max_len=MAX_NOTE, required=False)
    async with atomic():
        before = case.status
        await _move(
            rt,
            case,
            before,
            status=CaseStatus.MERGED,
            duplicate_of_id=original.id,
            closed_at=rt.clock.now(),
        )
        await record(
            rt,
            case,
            CaseEventKind.MERGED,
            at=case.updated_at,
            actor=actor,
            status_before=before,
            note=note,
            data={"originalCaseId": original.id, "originalNumber": original.number},
        )
    return case


# --- whistle and claim -------------------------------------------------------------------


async def whistle_case(
    rt: Runtime,
    actor: Actor | None,
    case_id: int,
    *,
    department_ids: list[int],
    lead_department_id: int | None = None,
    claim_within_minutes: int | None = None,
    note: str = "",
) -> tuple[Case, Whistle]:
    """Summon departments (吹哨); each must report for duty (报到) before the deadline."""
    case = await load_visible_case(actor, case_id)
    assert actor is not None
    await _require_staff(actor, case)
    check_transition(Action.WHISTLE, case.status)
    wanted = list(dict.fromkeys(department_ids))
    if not wanted:
        raise invalid("departmentIds", "Summon at least one department")
    if len(wanted) > MAX_DEPARTMENTS_PER_WHISTLE:
        raise invalid(
            "departmentIds", f"Summon at most {MAX_DEPARTMENTS_PER_WHISTLE} departments at once"
        )
    found = set(await Department.filter(id__in=wanted).values_list("id", flat=True))
    if missing := [d for d in wanted if d not in found]:
        raise invalid("departmentIds", f"Unknown departments: {missing}")
    if lead_department_id is not None and lead_department_id not in wanted:
        raise invalid("leadDepartmentId", "The lead department must be one of those summoned")
    if claim_within_minutes is not None and not 5 <= claim_within_minutes <= 7 * 24 * 60:
        raise invalid("claimWithinMinutes", "Must be between 5 minutes and 7 days")
    note = _text(note, "note", max_len=MAX_NOTE, required=False)
    category = await _category_of(rt, case)
    now = rt.clock.now()
    due = (
        now + timedelta(minutes=claim_within_minutes)
        if claim_within_minutes
        else await claim_due(rt, category, case.urgency, now)
    )
    async with atomic():
        before = case.status
        await _move(rt, case, before, status=CaseStatus.DISPATCHED, claim_due_at=due)
        # A new whistle supersedes an open one: only the latest summons can be answered.
        await Whistle.filter(case_id=case.id, status=WhistleStatus.OPEN).update(
            status=WhistleStatus.CLOSED
        )
        whistle = await Whistle.create(
            case_id=case.id,
            level=case.level,
            region_id=case.queue_region_id,
            whistled_by_id=actor.account_id,
            note=note,
            due_at=due,
            created_at=now,
        )
        for department_id in wanted:
            lead = department_id == lead_department_id
            await WhistleResponse.create(
                whistle=whistle, department_id=department_id, designated_lead=lead, due_at=due
            )
            link, created = await CaseDepartment.get_or_create(
                case_id=case.id,
                department_id=department_id,
                defaults={
                    "role": DepartmentRole.LEAD if lead else DepartmentRole.ASSIST,
                    "summoned_at": now,
                },
            )
            if not created and lead and link.role is not DepartmentRole.LEAD:
                link.role = DepartmentRole.LEAD
                await link.save(update_fields=["role"])
        await record(
            rt,
            case,
            CaseEventKind.WHISTLED,
            at=now,
            actor=actor,
            status_before=before,
            note=note,
            data={
                "whistleId": whistle.id,
                "departmentIds": wanted,
                "leadDepartmentId": lead_department_id,
                "dueAt": due.isoformat(),
            },
        )
    return case, whistle


def _pick_department(actor: Actor, department_id: int | None) -> int:
    if department_id is not None:
        if department_id not in actor.department_ids and not actor.is_admin:
            raise denied("You do not work for that department", "departmentId")
        return department_id
    if len(actor.department_ids) == 1:
        return next(iter(actor.department_ids))
    if not actor.department_ids:
        raise denied("Only staff of a summoned department may claim a case")
    raise invalid("departmentId", "You work for several departments: name one")


async def claim_case(
    rt: Runtime, actor: Actor | None, case_id: int, *, department_id: int | None = None
) -> ClaimOutcome:
    """A summoned department reports for duty (报到); the first eligible claim becomes lead.

    Community (or higher) staff claiming an ACCEPTED case handle it themselves instead.
    """
    case = await load_visible_case(actor, case_id)
    assert actor is not None
    if (
        case.status is CaseStatus.ACCEPTED
        and department_id is None
        and actor.covers(await _queue_path(case), STAFF_ROLES)
    ):
        return await _handle_itself(rt, actor, case)
    department = _pick_department(actor, department_id)
    check_transition(Action.CLAIM, case.status)
    now = rt.clock.now()
    async with atomic():
        response = (
            await WhistleResponse.filter(
                department_id=department,
                whistle__case_id=case.id,
                whistle__status__in=[WhistleStatus.OPEN, WhistleStatus.ANSWERED],
            )
            .order_by("-id")
            .select_related("whistle")
            .first()
        )
        if response is None:
            raise WorkflowError(
                ErrorCode.NOT_SUMMONED,
                "Your department has not been summoned to this case",
                "caseId",
            )
        if not await WhistleResponse.filter(id=response.id, claimed_at=None).update(
            claimed_at=now, claimed_by_id=actor.account_id
        ):
            raise WorkflowError(
                ErrorCode.ALREADY_CLAIMED,
                "Your department has already reported for duty on this case",
                "caseId",
            )
        whistle = response.whistle
        designated = await WhistleResponse.exists(whistle_id=whistle.id, designated_lead=True)
        became_lead = False
        if response.designated_lead or not designated:
            # The race for lead is settled here: exactly one UPDATE matches.
            became_lead = bool(
                await Case.filter(
                    id=case.id, status=CaseStatus.DISPATCHED, lead_department_id=None
                ).update(
                    status=CaseStatus.IN_PROGRESS,
                    lead_department_id=department,
                    claimed_at=now,
                    claim_due_at=None,
                    updated_at=now,
                )
            )
        role = DepartmentRole.LEAD if became_lead else DepartmentRole.ASSIST
        await case.refresh_from_db()
        # Only the lead's claim moves the case; `case` was read before this transaction,
        # so its status may be stale if another department won the lead meanwhile.
        before = CaseStatus.DISPATCHED if became_lead else case.status
        if became_lead:
            await Whistle.filter(id=whistle.id, status=WhistleStatus.OPEN).update(
                status=WhistleStatus.ANSWERED, answered_at=now
            )
        await CaseDepartment.filter(case_id=case.id, department_id=department).update(
            role=role, claimed_at=now
        )
        on_time = now <= response.due_at
        await Case.filter(id=case.id).update(updated_at=now)
        await record(
            rt,
            case,
            CaseEventKind.CLAIMED,
            at=now,
            actor=actor,
            status_before=before,
            department_id=department,
            data={"role": role.value, "onTime": on_time, "whistleId": whistle.id},
        )
    return ClaimOutcome(case=case, role=role, on_time=on_time)


async def _handle_itself(rt: Runtime, actor: Actor, case: Case) -> ClaimOutcome:
    check_transition(Action.HANDLE, case.status)
    now = rt.clock.now()
    async with atomic():
        before = case.status
        await _move(
            rt, case, before, status=CaseStatus.IN_PROGRESS, self_handled=True, claimed_at=now
        )
        await record(
            rt, case, CaseEventKind.SELF_HANDLED, at=now, actor=actor, status_before=before
        )
    return ClaimOutcome(case=case, role=None, on_time=True)


# --- on site, resolution, rating ---------------------------------------------------------


async def _require_handler(actor: Actor, case: Case, *, lead_only: bool) -> int | None:
    """The department acting for `actor` on this case, or None for self-handling staff."""
    if case.self_handled:
        await _require_staff(actor, case)
        return None
    links = await CaseDepartment.filter(case_id=case.id, claimed_at__isnull=False).values(
        "department_id", "role"
    )
    mine = [
        link
        for link in links
        if link["department_id"] in actor.department_ids
        and (not lead_only or link["department_id"] == case.lead_department_id)
    ]
    if not mine:
        who = "the lead department" if lead_only else "a department that claimed it"
        raise denied(f"Only staff of {who} may do that")
    return int(mine[0]["department_id"])


async def arrive_on_site(
    rt: Runtime,
    actor: Actor | None,
    case_id: int,
    *,
    note: str = "",
    latitude: float | None = None,
    longitude: float | None = None,
) -> Case:
    case = await load_visible_case(actor, case_id)
    assert actor is not None
    department = await _require_handler(actor, case, lead_only=False)
    check_transition(Action.ARRIVE, case.status)
    note = _text(note, "note", max_len=MAX_NOTE, required=False)
    _coordinates(latitude, longitude)
    now = rt.clock.now()
    async with atomic():
        before = case.status
        await _move(rt, case, before, arrived_at=case.arrived_at or now)
        await record(
            rt,
            case,
            CaseEventKind.ARRIVED,
            at=now,
            actor=actor,
            status_before=before,
            note=note,
            department_id=department,
            data={"latitude": latitude, "longitude": longitude},
        )
    return case


async def resolve_case(
    rt: Runtime, actor: Actor | None, case_id: int, *, note: str, photos: list[bytes] | None = None
) -> Case:
    case = await load_visible_case(actor, case_id)
    assert actor is not None
    department = await _require_handler(actor, case, lead_only=True)
    check_transition(Action.RESOLVE, case.status)
    note = _text(note, "note", max_len=MAX_NOTE)
    images = _check_photos(rt, photos or [], "photos")
    now = rt.clock.now()
    async with atomic():
        before = case.status
        await _move(rt, case, before, status=CaseStatus.RESOLVED, resolved_at=now)
        create = partial(Photo.create, case_id=case.id, kind=PhotoKind.RESOLUTION)
        saved = await record_photos(images, rt.settings.upload_dir, actor, rt.clock.now(), create)
        await record(
            rt,
            case,
            CaseEventKind.RESOLVED,
            at=now,
            actor=actor,
            status_before=before,
            note=note,
            department_id=department,
            data={"photoIds": [p.id for p in saved], "onTime": _on_time(now, case.resolve_due_at)},
        )
    return case


def _on_time(at: datetime, due: datetime | None) -> bool:
    return due is None or at <= due


async def _require_rater(actor: Actor, case: Case) -> None:
    """The reporter rates; for callers without an account (12345), staff rate after a call-back."""
    if case.reporter_id is not None:
        if case.reporter_id != actor.account_id:
            raise denied("Only the person who reported the case may rate it")
        return
    if not actor.covers(case.region_path, STAFF_ROLES):
        raise denied("Only staff may record a caller's rating")


async def _reopen_changes(rt: Runtime, case: Case, now: datetime) -> dict[str, Any]:
    category = await _category_of(rt, case)
    return {
        "status": CaseStatus.IN_PROGRESS,
        "resolved_at": None,
        "closed_at": None,
        "arrived_at": None,
        "resolve_due_at": await resolve_due(rt, category, case.urgency, now),
    }


async def rate_case(
    rt: Runtime, actor: Actor | None, case_id: int, *, satisfaction: Satisfaction, comment: str = ""
) -> Case:
    case = await load_visible_case(actor, case_id)
    assert actor is not None
    await _require_rater(actor, case)
    check_transition(Action.RATE, case.status)
    comment = _text(comment, "comment", max_len=MAX_NOTE, required=False)
    now = rt.clock.now()
    changes: dict[str, Any] = {"satisfaction": satisfaction}
    if satisfaction is Satisfaction.UNSATISFIED:
        # Same departments carry on; the rating counts against the lead.
        changes |= await _reopen_changes(rt, case, now)
    else:
        changes |= {"status": CaseStatus.CLOSED, "closed_at": now}
    async with atomic():
        before = case.status
        await _move(rt, case, before, **changes)
        await CaseRating.create(
            case_id=case.id,
            satisfaction=satisfaction,
            comment=comment,
            lead_department_id=case.lead_department_id,
            rated_by_id=actor.account_id,
            created_at=now,
        )
        await record(
            rt,
            case,
            CaseEventKind.RATED,
            at=now,
            actor=actor,
            status_before=before,
            note=comment,
            data={"satisfaction": satisfaction.value},
        )
    return case


async def reopen_case(rt: Runtime, actor: Actor | None, case_id: int, *, reason: str) -> Case:
    case = await load_visible_case(actor, case_id)
    assert actor is not None
    if case.reporter_id != actor.account_id and not actor.covers(case.region_path, STAFF_ROLES):
        raise denied("Only the reporter or staff may reopen a case")
    check_transition(Action.REOPEN, case.status)
    reason = _text(reason, "reason", max_len=MAX_NOTE)
    now = rt.clock.now()
    async with atomic():
        before = case.status
        await _move(rt, case, before, **await _reopen_changes(rt, case, now))
        await record(
            rt,
            case,
            CaseEventKind.REOPENED,
            at=now,
            actor=actor,
            status_before=before,
            note=reason,
        )
    return case


async def close_case(rt: Runtime, actor: Actor | None, case_id: int, *, reason: str) -> Case:
    """Staff tick a resolved case off when the reporter has not rated it in time."""
    case = await load_visible_case(actor, case_id)
    assert actor is not None
    await _require_staff(actor, case)
    check_transition(Action.CLOSE, case.status)
    reason = _text(reason, "reason", max_len=MAX_NOTE)
    now = rt.clock.now()
    wait = timedelta(days=rt.settings.rating_wait_days)
    if case.reporter_id is not None and case.resolved_at and now < case.resolved_at + wait:
        raise WorkflowError(
            ErrorCode.TOO_EARLY,
            f"The reporter has {rt.settings.rating_wait_days} days to rate the result; "
            f"close after {(case.resolved_at + wait).isoformat()}",
            "caseId",
        )
    async with atomic():
        before = case.status
        await _move(rt, case, before, status=CaseStatus.CLOSED, closed_at=now)
        await record(
            rt,
            case,
            CaseEventKind.CLOSED,
            at=now,
            actor=actor,
            status_before=before,
            note=reason,
        )
    return case


# --- escalation and comments -------------------------------------------------------------


async def escalate_case(rt: Runtime, actor: Actor | None, case_id: int, *, reason: str) -> Case:
    case = await load_visible_case(actor, case_id)
    assert actor is not None
    await _require_staff(actor, case)
    check_transition(Action.ESCALATE, case.status)
    reason = _text(reason, "reason", max_len=MAX_NOTE)
    async with atomic():
        await move_up_one_level(rt, case, reason=reason, actor=actor)
    return case


async def move_up_one_level(
    rt: Runtime,
    case: Case,
    *,
    reason: str,
    actor: Actor | None,
    whistle: Whistle | None = None,
) -> bool:
    """Put the case in the next level's queue, awaiting dispatch there. Call inside `atomic`.

    Returns False when the case already sits at the top level (it stays there, flagged).
    """
    now = rt.clock.now()
    queue = await rt.regions.region(case.queue_region_id)
    assert queue is not None  # a case's queue region exists (a foreign key)
    above = await next_level_up(rt.regions, queue)
    before = case.status
    data: dict[str, Any] = {"fromLevel": case.level.value, "fromRegionId": queue.id}
    if whistle is None:  # escalated by hand: the summons it cuts short, if any
        whistle = await Whistle.filter(case_id=case.id, status=WhistleStatus.OPEN).first()
    if whistle is not None:
        data["whistleId"] = whistle.id
        data["dueAt"] = whistle.due_at.isoformat()
    # Departments that never reported drop off the case; their missed answer stays on record.
    await CaseDepartment.filter(case_id=case.id, claimed_at=None).delete()
    await Whistle.filter(case_id=case.id, status=WhistleStatus.OPEN).update(
        status=WhistleStatus.ESCALATED, escalated_at=now
    )
    changes: dict[str, Any] = {"status": CaseStatus.ACCEPTED, "claim_due_at": None}
    if above is not None:
        changes |= {"level": above.level, "queue_region_id": above.id}
        data |= {"toLevel": above.level.value, "toRegionId": above.id}
    else:
        data |= {"toLevel": case.level.value, "topLevel": True}
    await _move(rt, case, before, **changes)
    await record(
        rt,
        case,
        CaseEventKind.ESCALATED,
        at=now,
        actor=actor,
        status_before=before,
        note=reason,
        data=data,
    )
    return above is not None


async def comment_on_case(rt: Runtime, actor: Actor | None, case_id: int, *, note: str) -> Case:
    case = await load_visible_case(actor, case_id)
    assert actor is not None
    if actor.is_display:
        raise denied("A wall screen only reads")
    if actor.roles == {Role.INTEGRATION}:
        # Its scopes let it push cases in and read them; none lets it write on a case.
        raise denied("An integration token may not comment on cases")
    check_transition(Action.COMMENT, case.status)
    note = _text(note, "note", max_len=MAX_NOTE)
    now = rt.clock.now()
    async with atomic():
        await Case.filter(id=case.id).update(updated_at=now)
        case.updated_at = now
        await record(
            rt,
            case,
            CaseEventKind.COMMENTED,
            at=now,
            actor=actor,
            status_before=case.status,
            note=note,
        )
    return case
