"""Case mutations: each checks its input's shape, calls one workflow function and maps its
refusal to userErrors."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import strawberry
from strawberry.file_uploads import Upload

from ..workflow import cases as flow
from .case_types import CaseType, Whistle
from .context import Info
from .enums import DepartmentRole, Satisfaction, Source, Urgency
from .errors import UserError, decode_id, decode_ids
from .payloads import run
from .uploads import read_uploads


@strawberry.type
class CasePayload:
    """The case after the change, or userErrors saying why nothing changed."""

    case: CaseType | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class IntakeCasePayload(CasePayload):
    created: bool = strawberry.field(
        default=False, description="False when this (source, externalRef) was already taken in"
    )


@strawberry.type
class WhistleCasePayload(CasePayload):
    whistle: Whistle | None = None


@strawberry.type
class ClaimCasePayload(CasePayload):
    role: DepartmentRole | None = strawberry.field(
        default=None,
        description="LEAD if this claim made the department lead; ASSIST if another was first "
        "(the case's leadDepartment says which); null when the community handles it itself",
    )
    on_time: bool | None = None


async def _run(payload: type[CasePayload], action: Callable[[], Awaitable[dict[str, Any]]]) -> Any:
    async def typed() -> dict[str, Any]:
        values = await action()
        if "case" in values:
            values["case"] = CaseType.of(values["case"])
        return values

    return await run(payload, typed)


async def _with_reason(
    info: Info, input: ReasonInput, action: Callable[..., Awaitable[Any]]
) -> CasePayload:
    """The mutations whose whole input is a case and a reason."""
    ctx = info.context

    async def act() -> dict[str, Any]:
        case_id = _case_id(input.case_id)
        return {"case": await action(ctx.rt, ctx.actor, case_id, reason=input.reason)}

    return await _run(CasePayload, act)


# --- inputs -------------------------------------------------------------------------------


@strawberry.input
class ReportCaseInput:
    title: str
    description: str
    category_id: strawberry.ID
    region_id: strawberry.ID = strawberry.field(description="A community or a grid")
    urgency: Urgency = Urgency.NORMAL
    source: Source = Source.APP_PHOTO
    address: str = ""
    latitude: float | None = None
    longitude: float | None = None
    photos: list[Upload] | None = strawberry.field(
        default=None, description="JPEG, PNG or WebP; at most 6, 10 MB each"
    )


@strawberry.input
class IntakeCaseInput:
    source: Source
    external_ref: str = strawberry.field(description="The other system's id for this case")
    title: str
    description: str
    category_id: strawberry.ID
    region_id: strawberry.ID
    urgency: Urgency = Urgency.NORMAL
    address: str = ""
    latitude: float | None = None
    longitude: float | None = None
    caller_name: str | None = None
    caller_phone: str | None = None


@strawberry.input
class AcceptCaseInput:
    case_id: strawberry.ID
    note: str = ""
    category_id: strawberry.ID | None = strawberry.field(
        default=None, description="Correct the category while accepting"
    )
    urgency: Urgency | None = None


@strawberry.input
class ReasonInput:
    case_id: strawberry.ID
    reason: str


@strawberry.input
class MergeCaseInput:
    case_id: strawberry.ID = strawberry.field(description="The duplicate")
    original_case_id: strawberry.ID
    note: str = ""


@strawberry.input
class WhistleCaseInput:
    case_id: strawberry.ID
    department_ids: list[strawberry.ID]
    lead_department_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="The department that leads; without one, the first to claim leads",
    )
    claim_within_minutes: int | None = strawberry.field(
        default=None, description="Defaults to the category's SLA for the case's urgency"
    )
    note: str = ""


@strawberry.input
class ClaimCaseInput:
    case_id: strawberry.ID
    department_id: strawberry.ID | None = strawberry.field(
        default=None, description="Needed only by someone who works for several departments"
    )


@strawberry.input
class ArriveOnSiteInput:
    case_id: strawberry.ID
    note: str = ""
    latitude: float | None = None
    longitude: float | None = None


@strawberry.input
class ResolveCaseInput:
    case_id: strawberry.ID
    note: str
    photos: list[Upload] | None = None


@strawberry.input
class RateCaseInput:
    case_id: strawberry.ID
    satisfaction: Satisfaction
    comment: str = ""


@strawberry.input
class CommentOnCaseInput:
    case_id: strawberry.ID
    note: str


def _case_id(value: strawberry.ID) -> int:
    return decode_id(value, "Case", "caseId")


def _optional(value: strawberry.ID | None, type_name: str, field: str) -> int | None:
    return decode_id(value, type_name, field) if value is not None else None


# --- mutations ----------------------------------------------------------------------------


@strawberry.type
class CaseMutations:
    @strawberry.mutation(description="Report a problem, with photos (multipart request)")
    async def report_case(self, info: Info, input: ReportCaseInput) -> CasePayload:
        ctx = info.context

        async def act() -> dict[str, Any]:
            settings = ctx.rt.settings
            data = flow.NewCase(
                title=input.title,
                description=input.description,
                category_id=decode_id(input.category_id, "Category", "categoryId"),
                region_id=decode_id(input.region_id, "Region", "regionId"),
                source=input.source,
                urgency=input.urgency,
                address=input.address,
                latitude=input.latitude,
                longitude=input.longitude,
                photos=await read_uploads(
                    input.photos, settings.max_upload_bytes, settings.max_photos_per_case
                ),
            )
            return {"case": await flow.report_case(ctx.rt, ctx.actor, data)}

        return await _run(CasePayload, act)

    @strawberry.mutation(
        description="Push a case in from another system (INTEGRATION token, scope "
        "cases:intake); idempotent on (source, externalRef)"
    )
    async def intake_case(self, info: Info, input: IntakeCaseInput) -> IntakeCasePayload:
        ctx = info.context

        async def act() -> dict[str, Any]:
            data = flow.NewCase(
                title=input.title,
                description=input.description,
                category_id=decode_id(input.category_id, "Category", "categoryId"),
                region_id=decode_id(input.region_id, "Region", "regionId"),
                source=input.source,
                urgency=input.urgency,
                address=input.address,
                latitude=input.latitude,
                longitude=input.longitude,
                caller_name=input.caller_name,
                caller_phone=input.caller_phone,
                external_ref=input.external_ref,
            )
            case, created = await flow.intake_case(ctx.rt, ctx.actor, data)
            return {"case": case, "created": created}

        return await _run(IntakeCasePayload, act)

    @strawberry.mutation
    async def accept_case(self, info: Info, input: AcceptCaseInput) -> CasePayload:
        ctx = info.context

        async def act() -> dict[str, Any]:
            case = await flow.accept_case(
                ctx.rt,
                ctx.actor,
                _case_id(input.case_id),
                note=input.note,
                category_id=_optional(input.category_id, "Category", "categoryId"),
                urgency=input.urgency,
            )
            return {"case": case}

        return await _run(CasePayload, act)

    @strawberry.mutation
    async def reject_case(self, info: Info, input: ReasonInput) -> CasePayload:
        return await _with_reason(info, input, flow.reject_case)

    @strawberry.mutation(description="Mark a case as a duplicate of another")
    async def merge_case(self, info: Info, input: MergeCaseInput) -> CasePayload:
        ctx = info.context

        async def act() -> dict[str, Any]:
            case = await flow.merge_case(
                ctx.rt,
                ctx.actor,
                _case_id(input.case_id),
                original_id=decode_id(input.original_case_id, "Case", "originalCaseId"),
                note=input.note,
            )
            return {"case": case}

        return await _run(CasePayload, act)

    @strawberry.mutation(description="Blow the whistle (吹哨): summon departments to the case")
    async def whistle_case(self, info: Info, input: WhistleCaseInput) -> WhistleCasePayload:
        ctx = info.context

        async def act() -> dict[str, Any]:
            case, whistle = await flow.whistle_case(
                ctx.rt,
                ctx.actor,
                _case_id(input.case_id),
                department_ids=decode_ids(input.department_ids, "Department", "departmentIds"),
                lead_department_id=_optional(
                    input.lead_department_id, "Department", "leadDepartmentId"
                ),
                claim_within_minutes=input.claim_within_minutes,
                note=input.note,
            )
            return {
                "case": case,
                "whistle": Whistle(
                    id=strawberry.ID(str(whistle.id)),
                    level=whistle.level,
                    status=whistle.status,
                    note=whistle.note,
                    due_at=whistle.due_at,
                    created_at=whistle.created_at,
                    answered_at=None,
                    escalated_at=None,
                    _m=whistle,
                ),
            }

        return await _run(WhistleCasePayload, act)

    @strawberry.mutation(
        description="A summoned department reports for duty (报到) and claims the case; "
        "community staff claiming an ACCEPTED case handle it themselves"
    )
    async def claim_case(self, info: Info, input: ClaimCaseInput) -> ClaimCasePayload:
        ctx = info.context

        async def act() -> dict[str, Any]:
            outcome = await flow.claim_case(
                ctx.rt,
                ctx.actor,
                _case_id(input.case_id),
                department_id=_optional(input.department_id, "Department", "departmentId"),
            )
            return {"case": outcome.case, "role": outcome.role, "on_time": outcome.on_time}

        return await _run(ClaimCasePayload, act)

    @strawberry.mutation
    async def arrive_on_site(self, info: Info, input: ArriveOnSiteInput) -> CasePayload:
        ctx = info.context

        async def act() -> dict[str, Any]:
            case = await flow.arrive_on_site(
                ctx.rt,
                ctx.actor,
                _case_id(input.case_id),
                note=input.note,
                latitude=input.latitude,
                longitude=input.longitude,
            )
            return {"case": case}

        return await _run(CasePayload, act)

    @strawberry.mutation(description="Mark the problem solved, with photos (multipart request)")
    async def resolve_case(self, info: Info, input: ResolveCaseInput) -> CasePayload:
        ctx = info.context

        async def act() -> dict[str, Any]:
            settings = ctx.rt.settings
            photos = await read_uploads(
                input.photos, settings.max_upload_bytes, settings.max_photos_per_case
            )
            case = await flow.resolve_case(
                ctx.rt, ctx.actor, _case_id(input.case_id), note=input.note, photos=photos
            )
            return {"case": case}

        return await _run(CasePayload, act)

    @strawberry.mutation(
        description="The reporter rates the result: satisfied closes the case, unsatisfied "
        "reopens it with the same departments"
    )
    async def rate_case(self, info: Info, input: RateCaseInput) -> CasePayload:
        ctx = info.context

        async def act() -> dict[str, Any]:
            case = await flow.rate_case(
                ctx.rt,
                ctx.actor,
                _case_id(input.case_id),
                satisfaction=input.satisfaction,
                comment=input.comment,
            )
            return {"case": case}

        return await _run(CasePayload, act)

    @strawberry.mutation
    async def reopen_case(self, info: Info, input: ReasonInput) -> CasePayload:
        return await _with_reason(info, input, flow.reopen_case)

    @strawberry.mutation(
        description="Tick off (销号) a resolved case the reporter has not rated in time"
    )
    async def close_case(self, info: Info, input: ReasonInput) -> CasePayload:
        return await _with_reason(info, input, flow.close_case)

    @strawberry.mutation(description="Move the case to the next level's queue")
    async def escalate_case(self, info: Info, input: ReasonInput) -> CasePayload:
        return await _with_reason(info, input, flow.escalate_case)

    @strawberry.mutation
    async def comment_on_case(self, info: Info, input: CommentOnCaseInput) -> CasePayload:
        ctx = info.context

        async def act() -> dict[str, Any]:
            case_id = _case_id(input.case_id)
            case = await flow.comment_on_case(ctx.rt, ctx.actor, case_id, note=input.note)
            return {"case": case}

        return await _run(CasePayload, act)
