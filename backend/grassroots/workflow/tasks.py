"""Service tasks and assignments: community staff post tasks, Party members sign up, check
in and are credited their hours.

The sign-up rules: only members registered (confirmed) with the task's community unless the
task is open to all; no double sign-up; no overlapping tasks for one member; no overbooking.
The last slot is settled by one conditional UPDATE on the task's counter of taken slots, so
of many concurrent sign-ups exactly one wins, on any database. A refused action raises
WorkflowError and writes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.expressions import F, Q
from tortoise.queryset import QuerySet

from ..db import atomic
from ..live import eventlog
from ..models import Assignment, Case, PartyMember, Region, ServiceTask
from ..models.enums import RegionLevel
from ..models.lists import ListItemStatus
from ..models.party import skills_text
from ..models.tasks import AssignmentStatus, TaskStatus
from .actor import STAFF_ROLES, Actor
from .errors import ErrorCode, WorkflowError, denied, invalid, not_found
from .inputs import check_coordinates, clean_skills, clean_text
from .party import member_of, require_actor, require_member, serves_in
from .runtime import Runtime

MAX_SLOTS = 500
MAX_TASK_HOURS = 24 * 7
MAX_CREDIT_MINUTES = 24 * 60
POSTABLE_LEVELS = frozenset({RegionLevel.COMMUNITY, RegionLevel.GRID})
# Assignments that hold a slot and can still happen.
ACTIVE = (AssignmentStatus.SIGNED_UP, AssignmentStatus.CHECKED_IN)


def task_status(task: ServiceTask, now: datetime) -> TaskStatus:
    if task.cancelled_at is not None:
        return TaskStatus.CANCELLED
    if now >= task.ends_at:
        return TaskStatus.DONE
    if now >= task.starts_at:
        return TaskStatus.UNDER_WAY
    if task.taken >= task.slots:
        return TaskStatus.FULL
    return TaskStatus.OPEN


def status_filter(status: TaskStatus, now: datetime) -> Q:
    """The same derivation as `task_status`, as a filter."""
    live = Q(cancelled_at=None)
    if status is TaskStatus.CANCELLED:
        return Q(cancelled_at__isnull=False)
    if status is TaskStatus.DONE:
        return live & Q(ends_at__lte=now)
    if status is TaskStatus.UNDER_WAY:
        return live & Q(starts_at__lte=now, ends_at__gt=now)
    if status is TaskStatus.FULL:
        return live & Q(starts_at__gt=now, taken__gte=F("slots"))
    return live & Q(starts_at__gt=now, taken__lt=F("slots"))


def task_payload(task: ServiceTask, now: datetime) -> dict[str, Any]:
    """What every task event carries: nothing personal."""
    return {
        "taskId": task.id,
        "title": task.title,
        "status": task_status(task, now).value,
        "regionId": task.region_id,
        "startsAt": task.starts_at.isoformat(),
        "endsAt": task.ends_at.isoformat(),
        "slots": task.slots,
        "taken": task.taken,
        "originListItemId": task.origin_list_item_id,
        "originCaseId": task.origin_case_id,
    }


def assignment_payload(assignment: Assignment, task: ServiceTask, now: datetime) -> dict[str, Any]:
    return {
        "assignmentId": assignment.id,
        "taskId": task.id,
        "status": assignment.status.value,
        "taskStatus": task_status(task, now).value,
        "slots": task.slots,
        "taken": task.taken,
    }


async def _record(
    kind: str, task: ServiceTask, actor: Actor, now: datetime, payload: dict[str, Any]
) -> None:
    subject_type, subject_id = "ServiceTask", task.id
    if "assignmentId" in payload:
        subject_type, subject_id = "Assignment", payload["assignmentId"]
    await eventlog.append(
        kind=kind,
        region_path=task.region_path,
        subject_type=subject_type,
        subject_id=subject_id,
        actor_id=actor.account_id,
        at=now,
        payload=payload,
    )


# --- posting -----------------------------------------------------------------------------


@dataclass
class TaskDraft:
    title: str
    region_id: int
    starts_at: datetime
    ends_at: datetime
    slots: int
    description: str = ""
    place: str = ""
    skills: list[str] = field(default_factory=list)
    open_to_all: bool = False
    origin_list_item_id: int | None = None
    origin_case_id: int | None = None


@dataclass
class TaskChanges:
    title: str | None = None
    description: str | None = None
    place: str | None = None
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    slots: int | None = None
    skills: list[str] | None = None
    open_to_all: bool | None = None


def _check_window(starts_at: datetime, ends_at: datetime, now: datetime) -> None:
    if ends_at <= starts_at:
        raise invalid("endsAt", "A task must end after it starts")
    if ends_at - starts_at > timedelta(hours=MAX_TASK_HOURS):
        raise invalid("endsAt", f"A task lasts at most {MAX_TASK_HOURS} hours")
    if starts_at <= now:
        raise invalid("startsAt", "A task must start in the future")


def _check_slots(slots: int, taken: int = 0) -> None:
    if not 1 <= slots <= MAX_SLOTS:
        raise invalid("slots", f"slots must be between 1 and {MAX_SLOTS}")
    if slots < taken:
        raise invalid("slots", f"{taken} members already hold a slot")


async def _staffed_region(actor: Actor, region_id: int) -> Region:
    region = await Region.get_or_none(id=region_id)
    if region is None:
        raise not_found("Region", "regionId")
    if region.level not in POSTABLE_LEVELS:
        raise invalid("regionId", "A task is posted in a community or a grid")
    if not actor.covers(region.path, STAFF_ROLES):
        raise denied("Only staff over this region may post its tasks", "regionId")
    return region


async def create_task(rt: Runtime, actor: Actor | None, draft: TaskDraft) -> ServiceTask:
    actor = require_actor(actor)
    now = rt.clock.now()
    title = clean_text(draft.title, "title", max_len=200)
    description = clean_text(draft.description, "description", max_len=5000, required=False)
    place = clean_text(draft.place, "place", max_len=255, required=False)
    skills = clean_skills(draft.skills)
    _check_window(draft.starts_at, draft.ends_at, now)
    _check_slots(draft.slots)
    region = await _staffed_region(actor, draft.region_id)
    if draft.origin_list_item_id is not None:
        from .lists import load_visible_item  # lists spawn tasks; tasks name their origin

        item = await load_visible_item(actor, draft.origin_list_item_id, "originListItemId")
        if item.status in (ListItemStatus.DONE, ListItemStatus.VERIFIED):
            raise invalid("originListItemId", "That list item is already ticked off")
        if not region.path.startswith(item.region_path) and not item.region_path.startswith(
            region.path
        ):
            raise invalid("originListItemId", "The list item is in another region")
    if draft.origin_case_id is not None:
        from .cases import load_visible_case

        case = await load_visible_case(actor, draft.origin_case_id, "originCaseId")
        assert isinstance(case, Case)
    async with atomic():
        task = await ServiceTask.create(
            title=title,
            description=description,
            place=place,
            region_id=region.id,
            region_path=region.path,
            starts_at=draft.starts_at,
            ends_at=draft.ends_at,
            slots=draft.slots,
            skills_text=skills_text(skills),
            open_to_all=draft.open_to_all,
            origin_list_item_id=draft.origin_list_item_id,
            origin_case_id=draft.origin_case_id,
            created_by_id=actor.account_id,
            created_at=now,
            updated_at=now,
        )
        await _record("task.created", task, actor, now, task_payload(task, now))
    return task


async def load_task(actor: Actor | None, task_id: int, field_name: str = "taskId") -> ServiceTask:
    """Tasks are posted for everyone signed in to see."""
    require_actor(actor, field_name)
    task = await ServiceTask.get_or_none(id=task_id)
    if task is None:
        raise not_found("ServiceTask", field_name)
    return task


def _require_task_staff(actor: Actor, task: ServiceTask, field_name: str = "taskId") -> None:
    if not actor.covers(task.region_path, STAFF_ROLES):
        raise denied("Only staff over the task's region may do that", field_name)


def _conflict(field_name: str) -> WorkflowError:
    return WorkflowError(
        ErrorCode.CONFLICT, "It changed meanwhile; reload it and try again", field_name
    )


async def update_task(
    rt: Runtime, actor: Actor | None, task_id: int, changes: TaskChanges
) -> ServiceTask:
    task = await load_task(actor, task_id)
    assert actor is not None
    _require_task_staff(actor, task)
    now = rt.clock.now()
    status = task_status(task, now)
    if status in (TaskStatus.CANCELLED, TaskStatus.DONE, TaskStatus.UNDER_WAY):
        raise WorkflowError(
            ErrorCode.INVALID_TRANSITION, f"A task that is {status.value} cannot change", "taskId"
        )
    values: dict[str, Any] = {}
    if changes.title is not None:
        values["title"] = clean_text(changes.title, "title", max_len=200)
    if changes.description is not None:
        values["description"] = clean_text(
            changes.description, "description", max_len=5000, required=False
        )
    if changes.place is not None:
        values["place"] = clean_text(changes.place, "place", max_len=255, required=False)
    if changes.skills is not None:
        values["skills_text"] = skills_text(clean_skills(changes.skills))
    if changes.open_to_all is not None:
        values["open_to_all"] = changes.open_to_all
    starts_at = changes.starts_at or task.starts_at
    ends_at = changes.ends_at or task.ends_at
    if changes.starts_at is not None or changes.ends_at is not None:
        _check_window(starts_at, ends_at, now)
        values["starts_at"], values["ends_at"] = starts_at, ends_at
    async with atomic():
        if changes.slots is not None:
            _check_slots(changes.slots)
            # Never below the slots taken, even by a sign-up that lands meanwhile.
            if not await ServiceTask.filter(id=task.id, taken__lte=changes.slots).update(
                slots=changes.slots
            ):
                await task.refresh_from_db()
                _check_slots(changes.slots, task.taken)
                raise _conflict("slots")
        values["updated_at"] = now
        if not await ServiceTask.filter(id=task.id, cancelled_at=None).update(**values):
            raise _conflict("taskId")
        await task.refresh_from_db()
        await _record("task.updated", task, actor, now, task_payload(task, now))
    return task


async def cancel_task(rt: Runtime, actor: Actor | None, task_id: int, reason: str) -> ServiceTask:
    """Cancel a task that has not ended; each live assignment is cancelled and its member
    told through the event log."""
    task = await load_task(actor, task_id)
    assert actor is not None
    _require_task_staff(actor, task)
    reason = clean_text(reason, "reason", max_len=2000)
    now = rt.clock.now()
    status = task_status(task, now)
    if status in (TaskStatus.CANCELLED, TaskStatus.DONE):
        raise WorkflowError(
            ErrorCode.INVALID_TRANSITION, f"The task is already {status.value}", "taskId"
        )
    async with atomic():
        if not await ServiceTask.filter(id=task.id, cancelled_at=None).update(
            cancelled_at=now, cancel_reason=reason, updated_at=now
        ):
            raise _conflict("taskId")
        await task.refresh_from_db()
        affected = await Assignment.filter(task_id=task.id, status__in=ACTIVE).order_by("id")
        await Assignment.filter(id__in=[a.id for a in affected]).update(
            status=AssignmentStatus.CANCELLED, live=None, cancelled_at=now, updated_at=now
        )
        await _record(
            "task.cancelled",
            task,
            actor,
            now,
            task_payload(task, now) | {"assignmentIds": [a.id for a in affected]},
        )
        for assignment in affected:
            assignment.status = AssignmentStatus.CANCELLED
            await _record(
                "assignment.task_cancelled",
                task,
                actor,
                now,
                assignment_payload(assignment, task, now) | {"memberId": assignment.member_id},
            )
    return task


# --- signing up --------------------------------------------------------------------------


async def eligibility(member: PartyMember, task: ServiceTask) -> None:
    """Whether the member may serve on this task at all (registration and openness)."""
    if task.open_to_all:
        return
    if not serves_in(member, task.region_path):
        raise WorkflowError(
            ErrorCode.NOT_REGISTERED,
            "Only members registered with this community may sign up for its tasks",
            "taskId",
        )


async def sign_up(rt: Runtime, actor: Actor | None, task_id: int) -> Assignment:
    task = await load_task(actor, task_id)
    assert actor is not None
    member = await require_member(actor, "taskId")
    now = rt.clock.now()
    status = task_status(task, now)
    if status in (TaskStatus.CANCELLED, TaskStatus.DONE, TaskStatus.UNDER_WAY):
        raise WorkflowError(
            ErrorCode.INVALID_TRANSITION,
            f"Sign-up is closed: the task is {status.value}",
            "taskId",
        )
    await eligibility(member, task)
    async with atomic():
        if await Assignment.exists(task_id=task.id, member_id=member.id, live=True):
            raise WorkflowError(
                ErrorCode.DUPLICATE, "You have already signed up for this task", "taskId"
            )
        overlapping = await Assignment.filter(
            member_id=member.id,
            status__in=ACTIVE,
            task__cancelled_at=None,
            task__starts_at__lt=task.ends_at,
            task__ends_at__gt=task.starts_at,
        ).exists()
        if overlapping:
            raise WorkflowError(
                ErrorCode.OVERLAP,
                "You have signed up for another task at the same time",
                "taskId",
            )
        # The race for the last slot is settled here: exactly one UPDATE matches.
        took = await ServiceTask.filter(
            id=task.id, cancelled_at=None, taken__lt=F("slots"), starts_at__gt=now
        ).update(taken=F("taken") + 1, updated_at=now)
        if not took:
            raise WorkflowError(ErrorCode.FULL, "The task is full", "taskId")
        try:
            async with atomic():  # a savepoint, so the loser's transaction stays usable
                assignment = await Assignment.create(
                    task_id=task.id,
                    member_id=member.id,
                    status=AssignmentStatus.SIGNED_UP,
                    live=True,
                    signed_up_at=now,
                    updated_at=now,
                )
        except IntegrityError as exc:
            raise WorkflowError(
                ErrorCode.DUPLICATE, "You have already signed up for this task", "taskId"
            ) from exc
        await task.refresh_from_db()
        await _record(
            "assignment.signed_up", task, actor, now, assignment_payload(assignment, task, now)
        )
    return assignment


async def load_assignment(
    actor: Actor | None, assignment_id: int, field_name: str = "assignmentId"
) -> tuple[Assignment, ServiceTask]:
    """The assignment if `actor` is its member or staff over its task; else NOT_FOUND."""
    actor = require_actor(actor, field_name)
    assignment = await Assignment.get_or_none(id=assignment_id).select_related("task", "member")
    if assignment is None:
        raise not_found("Assignment", field_name)
    task: ServiceTask = assignment.task
    own = assignment.member.account_id == actor.account_id
    if not own and not actor.covers(task.region_path, STAFF_ROLES):
        raise not_found("Assignment", field_name)
    return assignment, task


async def _move(
    assignment: Assignment, expected: AssignmentStatus, now: datetime, **changes: Any
) -> None:
    changes["updated_at"] = now
    if not await Assignment.filter(id=assignment.id, status=expected).update(**changes):
        raise _conflict("assignmentId")
    for key, value in changes.items():
        setattr(assignment, key, value)


def _not_in(assignment: Assignment, *allowed: AssignmentStatus) -> WorkflowError | None:
    if assignment.status in allowed:
        return None
    return WorkflowError(
        ErrorCode.INVALID_TRANSITION,
        f"The assignment is {assignment.status.value}",
        "assignmentId",
    )


def _require_own(actor: Actor, assignment: Assignment) -> None:
    if assignment.member.account_id != actor.account_id:
        raise denied("Only the member who signed up may do that", "assignmentId")


async def cancel_assignment(rt: Runtime, actor: Actor | None, assignment_id: int) -> Assignment:
    """The member withdraws, until the configured time before the task starts."""
    assignment, task = await load_assignment(actor, assignment_id)
    assert actor is not None
    _require_own(actor, assignment)
    if error := _not_in(assignment, AssignmentStatus.SIGNED_UP):
        raise error
    now = rt.clock.now()
    deadline = task.starts_at - timedelta(minutes=rt.settings.assignment_cancel_minutes)
    if now > deadline:
        raise WorkflowError(
            ErrorCode.TOO_LATE,
            f"Sign-ups can be cancelled until {rt.settings.assignment_cancel_minutes} minutes "
            "before the task starts",
            "assignmentId",
        )
    async with atomic():
        await _move(
            assignment,
            AssignmentStatus.SIGNED_UP,
            now,
            status=AssignmentStatus.CANCELLED,
            live=None,
            cancelled_at=now,
        )
        await ServiceTask.filter(id=task.id, taken__gt=0).update(
            taken=F("taken") - 1, updated_at=now
        )
        await task.refresh_from_db()
        await _record(
            "assignment.cancelled", task, actor, now, assignment_payload(assignment, task, now)
        )
    return assignment


async def check_in(
    rt: Runtime,
    actor: Actor | None,
    assignment_id: int,
    *,
    latitude: float | None = None,
    longitude: float | None = None,
) -> Assignment:
    assignment, task = await load_assignment(actor, assignment_id)
    assert actor is not None
    _require_own(actor, assignment)
    check_coordinates(latitude, longitude)
    if error := _not_in(assignment, AssignmentStatus.SIGNED_UP):
        raise error
    now = rt.clock.now()
    if task.cancelled_at is not None:
        raise WorkflowError(ErrorCode.INVALID_TRANSITION, "The task was cancelled", "assignmentId")
    if now < task.starts_at:
        raise WorkflowError(
            ErrorCode.TOO_EARLY, "Check-in opens when the task starts", "assignmentId"
        )
    if now > task.ends_at:
        raise WorkflowError(
            ErrorCode.TOO_LATE, "The task is over; check-in has closed", "assignmentId"
        )
    async with atomic():
        await _move(
            assignment,
            AssignmentStatus.SIGNED_UP,
            now,
            status=AssignmentStatus.CHECKED_IN,
            checked_in_at=now,
            check_in_latitude=latitude,
            check_in_longitude=longitude,
        )
        await _record(
            "assignment.checked_in", task, actor, now, assignment_payload(assignment, task, now)
        )
    return assignment


def _task_minutes(task: ServiceTask) -> int:
    return int((task.ends_at - task.starts_at).total_seconds() // 60)


async def complete_assignment(
    rt: Runtime, actor: Actor | None, assignment_id: int, *, hours: float | None = None
) -> Assignment:
    """Staff confirm the member served and credit the hours (the task's length unless given).
    Completing a COMPLETED assignment again corrects its hours."""
    assignment, task = await load_assignment(actor, assignment_id)
    assert actor is not None
    _require_task_staff(actor, task, "assignmentId")
    now = rt.clock.now()
    if hours is not None and not 0 <= hours * 60 <= MAX_CREDIT_MINUTES:
        raise invalid("hours", "hours must be between 0 and 24")
    minutes = _task_minutes(task) if hours is None else round(hours * 60)
    minutes = min(minutes, MAX_CREDIT_MINUTES)
    if error := _not_in(
        assignment,
        AssignmentStatus.SIGNED_UP,
        AssignmentStatus.CHECKED_IN,
        AssignmentStatus.COMPLETED,
    ):
        raise error
    if now < task.starts_at:
        raise WorkflowError(ErrorCode.TOO_EARLY, "The task has not started yet", "assignmentId")
    correcting = assignment.status is AssignmentStatus.COMPLETED
    async with atomic():
        if correcting:
            before = assignment.service_minutes
            updated = await Assignment.filter(
                id=assignment.id, status=AssignmentStatus.COMPLETED, service_minutes=before
            ).update(service_minutes=minutes, completed_by_id=actor.account_id, updated_at=now)
            if not updated:
                raise _conflict("assignmentId")
            assignment.service_minutes = minutes
            await PartyMember.filter(id=assignment.member_id).update(
                service_minutes=F("service_minutes") + (minutes - before),
                points=F("points") + (minutes - before) // 60,
            )
            kind = "assignment.corrected"
        else:
            await _move(
                assignment,
                assignment.status,
                now,
                status=AssignmentStatus.COMPLETED,
                completed_at=now,
                completed_by_id=actor.account_id,
                service_minutes=minutes,
            )
            await PartyMember.filter(id=assignment.member_id).update(
                service_minutes=F("service_minutes") + minutes,
                service_count=F("service_count") + 1,
                points=F("points") + (minutes // 60 + 1),
                last_served_at=now,
            )
            kind = "assignment.completed"
        await _record(
            kind,
            task,
            actor,
            now,
            assignment_payload(assignment, task, now) | {"minutes": minutes},
        )
    return assignment


async def mark_no_show(rt: Runtime, actor: Actor | None, assignment_id: int) -> Assignment:
    assignment, task = await load_assignment(actor, assignment_id)
    assert actor is not None
    _require_task_staff(actor, task, "assignmentId")
    if error := _not_in(assignment, AssignmentStatus.SIGNED_UP):
        raise error
    now = rt.clock.now()
    if now < task.ends_at:
        raise WorkflowError(
            ErrorCode.TOO_EARLY, "A no-show is marked after the task has ended", "assignmentId"
        )
    async with atomic():
        await _move(
            assignment,
            AssignmentStatus.SIGNED_UP,
            now,
            status=AssignmentStatus.NO_SHOW,
            no_show_at=now,
        )
        await _record(
            "assignment.no_show", task, actor, now, assignment_payload(assignment, task, now)
        )
    return assignment


# --- reading -----------------------------------------------------------------------------


@dataclass
class TaskSearch:
    region_id: int | None = None
    statuses: list[TaskStatus] = field(default_factory=list)
    starts_after: datetime | None = None
    starts_before: datetime | None = None
    skill: str | None = None
    open_to_me: bool = False
    # Tasks the actor ever signed up for, cancelled ones too: the member's history.
    mine: bool = False


async def search_tasks(actor: Actor | None, search: TaskSearch, now: datetime) -> QuerySet:
    require_actor(actor)
    assert actor is not None
    query = ServiceTask.all()
    if search.region_id is not None:
        region = await Region.get_or_none(id=search.region_id)
        query = query.filter(region_path__startswith=region.path if region else "-")
    if search.statuses:
        clauses = [status_filter(s, now) for s in search.statuses]
        query = query.filter(Q(*clauses, join_type="OR"))
    if search.starts_after is not None:
        query = query.filter(starts_at__gte=search.starts_after)
    if search.starts_before is not None:
        query = query.filter(starts_at__lt=search.starts_before)
    if search.skill:
        query = query.filter(skills_text__contains=f"|{search.skill.strip()}|")
    if search.open_to_me:
        member = await member_of(actor)
        if member is None:
            return query.filter(id=-1)
        query = query.filter(status_filter(TaskStatus.OPEN, now))
        served = Q(open_to_all=True)
        if serves_in(member, member.community_path or "-"):
            served = served | Q(region_path__startswith=member.community_path)
        mine = Assignment.filter(member_id=member.id, live=True).values_list("task_id", flat=True)
        query = query.filter(served).exclude(id__in=list(await mine))  # type: ignore[call-overload]
    if search.mine:
        member = await member_of(actor)
        ever = Assignment.filter(member_id=member.id if member else -1).values_list(
            "task_id", flat=True
        )
        query = query.filter(id__in=list(await ever))  # type: ignore[call-overload]
    return query
