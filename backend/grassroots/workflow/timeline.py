"""Recording a case step: a timeline entry, an event-log row and the dashboard counters, all
in the caller's transaction."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ..live import eventlog
from ..models import Case, CaseEvent
from ..models.enums import CaseEventKind, CaseStatus
from . import stats
from .actor import Actor
from .runtime import Runtime


def case_payload(case: Case) -> dict[str, Any]:
    """What every case event carries: nothing personal, so any subscriber in scope may see it."""
    return {
        "caseId": case.id,
        "number": case.number,
        "title": case.title,
        "status": case.status.value,
        "level": case.level.value,
        "urgency": case.urgency.value,
        "source": case.source.value,
        "categoryId": case.category_id,
        "regionId": case.region_id,
        "leadDepartmentId": case.lead_department_id,
    }


async def record(
    rt: Runtime,
    case: Case,
    kind: CaseEventKind,
    *,
    at: datetime,
    actor: Actor | None,
    status_before: CaseStatus | None,
    note: str = "",
    department_id: int | None = None,
    data: dict[str, Any] | None = None,
) -> CaseEvent:
    step = await CaseEvent.create(
        case_id=case.id,
        kind=kind,
        actor_id=actor.account_id if actor else None,
        department_id=department_id,
        status_before=status_before,
        status_after=case.status,
        note=note,
        data=data or {},
        created_at=at,
    )
    payload = case_payload(case) | {
        "timelineId": step.id,
        "statusBefore": status_before.value if status_before else None,
        "departmentId": department_id,
    }
    if data:
        payload["data"] = data
    await eventlog.append(
        kind=f"case.{kind.value.lower()}",
        region_path=case.region_path,
        subject_type="Case",
        subject_id=case.id,
        actor_id=actor.account_id if actor else None,
        at=at,
        payload=payload,
    )
    await stats.count_step(
        case,
        kind,
        status_before=status_before,
        at=at,
        data=data or {},
        department_id=department_id,
        tz=rt.settings.zone,
    )
    return step
