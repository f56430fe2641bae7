"""Recording a case step: a timeline entry, an event-log row and the dashboard counters, all
in the caller's transaction."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from ..live import eventlog
from ..models import Case, CaseEvent, Event
from ..models.enums import CaseEventKind, CaseStatus
from ..row_inserts import insert_all
from . import stats
from .actor import Actor

if TYPE_CHECKING:
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


@dataclass(slots=True)
class Entry:
    """One step to record on a case (the case already in its new state)."""

    case: Case
    kind: CaseEventKind
    at: datetime
    actor: Actor | None
    status_before: CaseStatus | None
    note: str = ""
    department_id: int | None = None
    data: dict[str, Any] = field(default_factory=dict)


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
    entry = Entry(case, kind, at, actor, status_before, note, department_id, data or {})
    (step,) = await record_all(rt, [entry])
    return step


async def record_all(rt: Runtime, entries: list[Entry]) -> list[CaseEvent]:
    """Record steps in the caller's transaction: on PostgreSQL a statement per table for all
    of them (new cases come in batches: workflow.new_cases)."""
    steps = [
        CaseEvent(
            case_id=e.case.id,
            kind=e.kind,
            actor_id=e.actor.account_id if e.actor else None,
            department_id=e.department_id,
            status_before=e.status_before,
            status_after=e.case.status,
            note=e.note,
            data=e.data,
            created_at=e.at,
        )
        for e in entries
    ]
    await insert_all(steps)
    events = []
    for e, step in zip(entries, steps, strict=True):
        payload = case_payload(e.case) | {
            "timelineId": step.id,
            "statusBefore": e.status_before.value if e.status_before else None,
            "departmentId": e.department_id,
        }
        if e.data:
            payload["data"] = e.data
        events.append(
            Event(
                kind=f"case.{e.kind.value.lower()}",
                region_path=e.case.region_path,
                subject_type="Case",
                subject_id=e.case.id,
                actor_id=e.actor.account_id if e.actor else None,
                created_at=e.at,
                payload=payload,
            )
        )
    await eventlog.append_all(events)
    await stats.count_steps(entries, tz=rt.settings.zone)
    return steps
