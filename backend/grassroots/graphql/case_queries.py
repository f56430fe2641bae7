"""Queries over cases: the filtered, paged queue and look-up by number."""

from __future__ import annotations

from datetime import datetime

import strawberry

from ..workflow.case_search import ORDER_KEYS, CaseSearch, find_by_number, search_cases
from .case_types import CaseType
from .context import Info
from .enums import CaseOrder, CaseStatus, Source
from .errors import decode_id
from .pagination import Connection, paged
from .permissions import IsAuthenticated
from .prefetch import prefetch_cases


@strawberry.input
class CaseFilter:
    statuses: list[CaseStatus] | None = None
    region_id: strawberry.ID | None = strawberry.field(
        default=None, description="Cases in this region's whole subtree"
    )
    category_id: strawberry.ID | None = strawberry.field(
        default=None, description="This category and its subcategories"
    )
    department_id: strawberry.ID | None = None
    sources: list[Source] | None = None
    overdue: bool | None = None
    created_after: datetime | None = None
    created_before: datetime | None = None
    text: str | None = strawberry.field(
        default=None, description="In the title or description, or the exact case number"
    )
    mine: bool = strawberry.field(default=False, description="Only the cases I reported")


def _search(f: CaseFilter | None) -> CaseSearch:
    if f is None:
        return CaseSearch()
    return CaseSearch(
        statuses=list(f.statuses or []),
        region_id=decode_id(f.region_id, "Region", "filter.regionId") if f.region_id else None,
        category_id=(
            decode_id(f.category_id, "Category", "filter.categoryId") if f.category_id else None
        ),
        department_id=(
            decode_id(f.department_id, "Department", "filter.departmentId")
            if f.department_id
            else None
        ),
        sources=list(f.sources or []),
        overdue=f.overdue,
        created_after=f.created_after,
        created_before=f.created_before,
        text=f.text,
        mine=f.mine,
    )


@strawberry.type
class CaseQueries:
    @strawberry.field(
        permission_classes=[IsAuthenticated],
        description="Cases the viewer may see; `first` is required, at most 100",
    )
    async def cases(
        self,
        info: Info,
        first: int,
        after: str | None = None,
        filter: CaseFilter | None = None,
        order_by: CaseOrder = CaseOrder.CREATED_DESC,
    ) -> Connection[CaseType]:
        ctx = info.context
        key, descending = ORDER_KEYS[order_by]
        page = await paged(
            lambda: search_cases(ctx.actor, _search(filter), ctx.rt.clock.now()),
            CaseType.of,
            key=key,
            descending=descending,
            first=first,
            after=after,
        )
        await prefetch_cases(info, [edge.node._m for edge in page.edges])
        return page

    @strawberry.field(permission_classes=[IsAuthenticated])
    async def case_by_number(self, info: Info, number: str) -> CaseType | None:
        row = await find_by_number(info.context.actor, number)
        return CaseType.of(row) if row else None
