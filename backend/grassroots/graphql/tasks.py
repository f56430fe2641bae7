"""Service tasks and assignments as the API shows them, the serviceTasks list, and the
mutations that post tasks and move assignments."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any, Self

import strawberry
from strawberry import relay

from .. import models
from ..workflow import tasks as flow
from ..workflow.actor import STAFF_ROLES
from ..workflow.errors import WorkflowError
from .case_types import CaseType
from .context import Info
from .directory import RegionType, must, region_of
from .enums import AssignmentStatus, TaskStatus
from .errors import UserError, decode_id
from .pagination import Connection, paged
from .party import PartyMemberType
from .payloads import run
from .permissions import IsAuthenticated

if TYPE_CHECKING:
    from .lists import ListItemType


@strawberry.type(name="Assignment")
class AssignmentType(relay.Node):
    """A member's place on a task: seen by the member and by staff over the task."""

    id: relay.NodeID[int]
    status: AssignmentStatus
    signed_up_at: datetime
    cancelled_at: datetime | None
    checked_in_at: datetime | None
    completed_at: datetime | None
    no_show_at: datetime | None
    _m: strawberry.Private[models.Assignment]

    @classmethod
    def of(cls, m: models.Assignment) -> Self:
        return cls(
            id=m.id,
            status=m.status,
            signed_up_at=m.signed_up_at,
            cancelled_at=m.cancelled_at,
            checked_in_at=m.checked_in_at,
            completed_at=m.completed_at,
            no_show_at=m.no_show_at,
            _m=m,
        )

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Self | None]:
        result: list[Self | None] = []
        for node_id in node_ids:
            try:
                assignment, _ = await flow.load_assignment(info.context.actor, int(node_id))
            except WorkflowError:
                result.append(None)
                continue
            result.append(cls.of(assignment))
        return result

    @strawberry.field(description="Hours credited")
    def hours(self) -> float:
        return round(self._m.service_minutes / 60, 2)

    @strawberry.field
    async def task(self, info: Info) -> ServiceTaskType:
        return ServiceTaskType.of(
            must(await info.context.loaders.service_task_by_id.load(self._m.task_id))
        )

    @strawberry.field
    async def member(self, info: Info) -> PartyMemberType:
        row = must(await info.context.loaders.party_member_by_id.load(self._m.member_id))
        return PartyMemberType.of(row)


@strawberry.type(name="ServiceTask")
class ServiceTaskType(relay.Node):
    """A task posted for Party members; every signed-in user may see it."""

    id: relay.NodeID[int]
    title: str
    description: str
    place: str
    starts_at: datetime
    ends_at: datetime
    slots: int
    taken: int = strawberry.field(description="Slots held by members")
    skills: list[str] = strawberry.field(description="Skills the task needs")
    open_to_all: bool = strawberry.field(
        description="Any Party member may sign up, not only those registered here"
    )
    cancelled_at: datetime | None
    cancel_reason: str
    created_at: datetime
    _m: strawberry.Private[models.ServiceTask]

    @classmethod
    def of(cls, m: models.ServiceTask) -> Self:
        return cls(
            id=m.id,
            title=m.title,
            description=m.description,
            place=m.place,
            starts_at=m.starts_at,
            ends_at=m.ends_at,
            slots=m.slots,
            taken=m.taken,
            skills=m.skills,
            open_to_all=m.open_to_all,
            cancelled_at=m.cancelled_at,
            cancel_reason=m.cancel_reason,
            created_at=m.created_at,
            _m=m,
        )

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Self | None]:
        if info.context.actor is None:
            return [None for _ in node_ids]
        loader = info.context.loaders.service_task_by_id
        return [cls.of(m) if m else None for m in await loader.load_many(map(int, node_ids))]

    @strawberry.field(description="OPEN, FULL, UNDER_WAY, DONE or CANCELLED, as of now")
    def status(self, info: Info) -> TaskStatus:
        return flow.task_status(self._m, info.context.rt.clock.now())

    @strawberry.field
    def free_slots(self) -> int:
        return max(0, self._m.slots - self._m.taken)

    @strawberry.field
    async def region(self, info: Info) -> RegionType:
        return must(await region_of(info, self._m.region_id))

    @strawberry.field(description="Every assignment for staff over the task; else your own")
    async def assignments(self, info: Info) -> list[AssignmentType]:
        actor = info.context.actor
        if actor is None:
            return []
        rows = await info.context.loaders.assignments_by_task.load(self._m.id)
        if actor.covers(self._m.region_path, STAFF_ROLES):
            return [AssignmentType.of(r) for r in rows]
        me = await info.context.loaders.party_member_by_account.load(actor.account_id)
        return [AssignmentType.of(r) for r in rows if me is not None and r.member_id == me.id]

    @strawberry.field(description="Your live assignment on this task, if any")
    async def my_assignment(self, info: Info) -> AssignmentType | None:
        actor = info.context.actor
        if actor is None:
            return None
        me = await info.context.loaders.party_member_by_account.load(actor.account_id)
        if me is None:
            return None
        rows = await info.context.loaders.assignments_by_task.load(self._m.id)
        mine = [r for r in rows if r.member_id == me.id and r.live]
        return AssignmentType.of(mine[-1]) if mine else None

    @strawberry.field(description="The list item (e.g. a small wish) this task serves")
    async def origin_list_item(
        self, info: Info
    ) -> Annotated[ListItemType, strawberry.lazy("grassroots.graphql.lists")] | None:
        from .lists import ListItemType

        if self._m.origin_list_item_id is None:
            return None
        found = await ListItemType.resolve_nodes(
            info=info, node_ids=[str(self._m.origin_list_item_id)]
        )
        return found[0]

    @strawberry.field(description="The case this task serves")
    async def origin_case(self, info: Info) -> CaseType | None:
        if self._m.origin_case_id is None:
            return None
        found = await CaseType.resolve_nodes(info=info, node_ids=[str(self._m.origin_case_id)])
        return found[0]


# --- queries -----------------------------------------------------------------------------


@strawberry.input
class ServiceTaskFilter:
    region_id: strawberry.ID | None = strawberry.field(
        default=None, description="Tasks in this region's whole subtree"
    )
    statuses: list[TaskStatus] | None = None
    starts_after: datetime | None = None
    starts_before: datetime | None = None
    skill: str | None = None
    open_to_me: bool = strawberry.field(
        default=False,
        description="Only tasks I could sign up for now: open, where I serve or open to all, "
        "and not already mine",
    )
    mine: bool = strawberry.field(
        default=False, description="Only tasks I ever signed up for, cancelled ones too"
    )


def _task_search(f: ServiceTaskFilter | None) -> flow.TaskSearch:
    if f is None:
        return flow.TaskSearch()
    return flow.TaskSearch(
        region_id=decode_id(f.region_id, "Region", "filter.regionId") if f.region_id else None,
        statuses=list(f.statuses or []),
        starts_after=f.starts_after,
        starts_before=f.starts_before,
        skill=f.skill,
        open_to_me=f.open_to_me,
        mine=f.mine,
    )


@strawberry.type
class TaskQueries:
    @strawberry.field(
        permission_classes=[IsAuthenticated],
        description="Service tasks by start time; `first` is required, at most 100",
    )
    async def service_tasks(
        self,
        info: Info,
        first: int,
        after: str | None = None,
        filter: ServiceTaskFilter | None = None,
    ) -> Connection[ServiceTaskType]:
        ctx = info.context
        return await paged(
            lambda: flow.search_tasks(ctx.actor, _task_search(filter), ctx.rt.clock.now()),
            ServiceTaskType.of,
            key="starts_at",
            descending=False,
            first=first,
            after=after,
        )


# --- mutations ---------------------------------------------------------------------------


@strawberry.type
class ServiceTaskPayload:
    task: ServiceTaskType | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class AssignmentPayload:
    assignment: AssignmentType | None = None
    task: ServiceTaskType | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class CreateServiceTaskInput:
    title: str
    region_id: strawberry.ID = strawberry.field(description="A community or a grid")
    starts_at: datetime
    ends_at: datetime
    slots: int
    description: str = ""
    place: str = ""
    skills: list[str] = strawberry.field(default_factory=list)
    open_to_all: bool = False
    origin_list_item_id: strawberry.ID | None = strawberry.field(
        default=None, description="The list item (a small wish) this task serves"
    )
    origin_case_id: strawberry.ID | None = None


@strawberry.input
class UpdateServiceTaskInput:
    task_id: strawberry.ID
    title: str | None = None
    description: str | None = None
    place: str | None = None
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    slots: int | None = None
    skills: list[str] | None = None
    open_to_all: bool | None = None


@strawberry.input
class CancelServiceTaskInput:
    task_id: strawberry.ID
    reason: str


@strawberry.input
class SignUpForTaskInput:
    task_id: strawberry.ID


@strawberry.input
class AssignmentInput:
    assignment_id: strawberry.ID


@strawberry.input
class CheckInInput:
    assignment_id: strawberry.ID
    latitude: float | None = None
    longitude: float | None = None


@strawberry.input
class CompleteAssignmentInput:
    assignment_id: strawberry.ID
    hours: float | None = strawberry.field(
        default=None,
        description="Hours to credit; the task's length by default. Again on a COMPLETED "
        "assignment, it corrects the hours",
    )


def _task_id(value: strawberry.ID) -> int:
    return decode_id(value, "ServiceTask", "taskId")


def _assignment_id(value: strawberry.ID) -> int:
    return decode_id(value, "Assignment", "assignmentId")


def _optional(value: strawberry.ID | None, type_name: str, field: str) -> int | None:
    return decode_id(value, type_name, field) if value is not None else None


async def _assignment_values(assignment: models.Assignment) -> dict[str, Any]:
    task = await models.ServiceTask.get(id=assignment.task_id)
    return {"assignment": AssignmentType.of(assignment), "task": ServiceTaskType.of(task)}


@strawberry.type
class TaskMutations:
    @strawberry.mutation(description="Community staff post a service task")
    async def create_service_task(
        self, info: Info, input: CreateServiceTaskInput
    ) -> ServiceTaskPayload:
        ctx = info.context

        async def act() -> dict[str, Any]:
            draft = flow.TaskDraft(
                title=input.title,
                region_id=decode_id(input.region_id, "Region", "regionId"),
                starts_at=input.starts_at,
                ends_at=input.ends_at,
                slots=input.slots,
                description=input.description,
                place=input.place,
                skills=list(input.skills),
                open_to_all=input.open_to_all,
                origin_list_item_id=_optional(
                    input.origin_list_item_id, "ListItem", "originListItemId"
                ),
                origin_case_id=_optional(input.origin_case_id, "Case", "originCaseId"),
            )
            return {"task": ServiceTaskType.of(await flow.create_task(ctx.rt, ctx.actor, draft))}

        return await run(ServiceTaskPayload, act)

    @strawberry.mutation(description="Change a task that has not started")
    async def update_service_task(
        self, info: Info, input: UpdateServiceTaskInput
    ) -> ServiceTaskPayload:
        ctx = info.context

        async def act() -> dict[str, Any]:
            changes = flow.TaskChanges(
                title=input.title,
                description=input.description,
                place=input.place,
                starts_at=input.starts_at,
                ends_at=input.ends_at,
                slots=input.slots,
                skills=input.skills,
                open_to_all=input.open_to_all,
            )
            task = await flow.update_task(ctx.rt, ctx.actor, _task_id(input.task_id), changes)
            return {"task": ServiceTaskType.of(task)}

        return await run(ServiceTaskPayload, act)

    @strawberry.mutation(
        description="Cancel a task; its signed-up members are told through the event log"
    )
    async def cancel_service_task(
        self, info: Info, input: CancelServiceTaskInput
    ) -> ServiceTaskPayload:
        ctx = info.context

        async def act() -> dict[str, Any]:
            task_id = _task_id(input.task_id)
            task = await flow.cancel_task(ctx.rt, ctx.actor, task_id, input.reason)
            return {"task": ServiceTaskType.of(task)}

        return await run(ServiceTaskPayload, act)

    @strawberry.mutation(description="A Party member takes a slot on a task")
    async def sign_up_for_task(self, info: Info, input: SignUpForTaskInput) -> AssignmentPayload:
        ctx = info.context

        async def act() -> dict[str, Any]:
            assignment = await flow.sign_up(ctx.rt, ctx.actor, _task_id(input.task_id))
            return await _assignment_values(assignment)

        return await run(AssignmentPayload, act)

    @strawberry.mutation(description="Withdraw, until the configured time before the start")
    async def cancel_assignment(self, info: Info, input: AssignmentInput) -> AssignmentPayload:
        ctx = info.context

        async def act() -> dict[str, Any]:
            assignment_id = _assignment_id(input.assignment_id)
            assignment = await flow.cancel_assignment(ctx.rt, ctx.actor, assignment_id)
            return await _assignment_values(assignment)

        return await run(AssignmentPayload, act)

    @strawberry.mutation(description="Check in on site, within the task's time window")
    async def check_in(self, info: Info, input: CheckInInput) -> AssignmentPayload:
        ctx = info.context

        async def act() -> dict[str, Any]:
            assignment = await flow.check_in(
                ctx.rt,
                ctx.actor,
                _assignment_id(input.assignment_id),
                latitude=input.latitude,
                longitude=input.longitude,
            )
            return await _assignment_values(assignment)

        return await run(AssignmentPayload, act)

    @strawberry.mutation(description="Staff confirm the service and credit the hours")
    async def complete_assignment(
        self, info: Info, input: CompleteAssignmentInput
    ) -> AssignmentPayload:
        ctx = info.context

        async def act() -> dict[str, Any]:
            assignment = await flow.complete_assignment(
                ctx.rt, ctx.actor, _assignment_id(input.assignment_id), hours=input.hours
            )
            return await _assignment_values(assignment)

        return await run(AssignmentPayload, act)

    @strawberry.mutation(description="Staff mark a member who did not come, after the task")
    async def mark_no_show(self, info: Info, input: AssignmentInput) -> AssignmentPayload:
        ctx = info.context

        async def act() -> dict[str, Any]:
            assignment_id = _assignment_id(input.assignment_id)
            assignment = await flow.mark_no_show(ctx.rt, ctx.actor, assignment_id)
            return await _assignment_values(assignment)

        return await run(AssignmentPayload, act)
