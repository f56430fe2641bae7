"""Finding cases: the filters of the case queue, always within what the actor may see."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from tortoise.expressions import Q, Subquery
from tortoise.queryset import QuerySet

from ..models import Case, CaseDepartment, Category, Region
from ..models.enums import OPEN_STATUSES, CaseStatus, Source
from .actor import Actor
from .errors import invalid, not_found
from .visibility import case_filter


class CaseOrder(StrEnum):
    CREATED_DESC = "CREATED_DESC"
    CREATED_ASC = "CREATED_ASC"
    DEADLINE_ASC = "DEADLINE_ASC"
    UPDATED_DESC = "UPDATED_DESC"


# (column, descending) for each order; the keyset cursor pages on (column, id).
ORDER_KEYS = {
    CaseOrder.CREATED_DESC: ("created_at", True),
    CaseOrder.CREATED_ASC: ("created_at", False),
    CaseOrder.DEADLINE_ASC: ("resolve_due_at", False),
    CaseOrder.UPDATED_DESC: ("updated_at", True),
}


# The width of Case.number.
NUMBER_LENGTH = 32


@dataclass
class CaseSearch:
    statuses: list[CaseStatus] = field(default_factory=list)
    region_id: int | None = None
    category_id: int | None = None
    department_id: int | None = None
    sources: list[Source] = field(default_factory=list)
    overdue: bool | None = None
    created_after: datetime | None = None
    created_before: datetime | None = None
    text: str | None = None
    # Only the cases the actor reported: a grid worker sees the whole grid's cases otherwise.
    mine: bool = False


def overdue_filter(now: datetime) -> Q:
    late_claim = Q(status=CaseStatus.DISPATCHED, claim_due_at__lt=now)
    late_resolve = Q(status__in=list(OPEN_STATUSES), resolve_due_at__lt=now)
    return Q(late_claim, late_resolve, join_type="OR")


async def _category_subtree(category_id: int) -> list[int]:
    if not await Category.exists(id=category_id):
        raise not_found("Category", "filter.categoryId")
    ids, frontier = [category_id], [category_id]
    while frontier:
        children = await Category.filter(parent_id__in=frontier).values_list("id", flat=True)
        frontier = [int(i) for i in children]  # type: ignore[call-overload]
        ids.extend(frontier)
    return ids


async def search_cases(actor: Actor | None, search: CaseSearch, now: datetime) -> QuerySet[Case]:
    query = Case.all()
    visible = case_filter(actor)
    if visible is not None:
        query = query.filter(visible)
    if search.mine:
        query = query.filter(reporter_id=actor.account_id if actor else -1)
    if search.statuses:
        query = query.filter(status__in=list(search.statuses))
    if search.region_id is not None:
        region = await Region.get_or_none(id=search.region_id)
        if region is None:
            raise not_found("Region", "filter.regionId")
        query = query.filter(region_path__startswith=region.path)
    if search.category_id is not None:
        query = query.filter(category_id__in=await _category_subtree(search.category_id))
    if search.department_id is not None:
        linked = CaseDepartment.filter(department_id=search.department_id).values("case_id")
        query = query.filter(id__in=Subquery(linked))
    if search.sources:
        query = query.filter(source__in=list(search.sources))
    if search.overdue is not None:
        late = overdue_filter(now)
        query = query.filter(late) if search.overdue else query.exclude(late)
    if search.created_after is not None:
        query = query.filter(created_at__gte=search.created_after)
    if search.created_before is not None:
        query = query.filter(created_at__lt=search.created_before)
    if search.text:
        text = search.text.strip()
        if len(text) > 100:
            raise invalid("filter.text", "filter.text must be at most 100 characters")
        query = query.filter(
            Q(title__icontains=text) | Q(description__icontains=text) | Q(number__iexact=text)
        )
    return query


async def find_by_number(actor: Actor | None, number: str) -> Case | None:
    number = number.strip().upper()
    if not number or len(number) > NUMBER_LENGTH:
        return None  # no case has it, and the column would refuse to compare it
    query = Case.filter(number=number)
    visible = case_filter(actor)
    if visible is not None:
        query = query.filter(visible)
    return await query.first()
