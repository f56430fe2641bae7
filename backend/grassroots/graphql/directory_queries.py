"""Queries over the directory: regions and categories are public, departments are not."""

from __future__ import annotations

import strawberry

from .. import models
from ..models.enums import RegionLevel as DomainLevel
from .context import Info
from .directory import CategoryType, DepartmentType, RegionType
from .enums import RegionLevel
from .errors import WorkflowError, decode_id
from .permissions import IsAuthenticated


def _id_or_none(value: strawberry.ID | None, type_name: str, field: str) -> int | None:
    if value is None:
        return None
    try:
        return decode_id(value, type_name, field)
    except WorkflowError:
        return -1  # matches nothing: an unknown parent has no children


@strawberry.type
class DirectoryQueries:
    @strawberry.field(description="Regions, by parent or level; roots when neither is given")
    async def regions(
        self,
        parent_id: strawberry.ID | None = None,
        level: RegionLevel | None = None,
        code: str | None = None,
    ) -> list[RegionType]:
        query = models.Region.all()
        parent = _id_or_none(parent_id, "Region", "parentId")
        if parent is not None:
            query = query.filter(parent_id=parent)
        if level is not None:
            query = query.filter(level=DomainLevel(level))
        if code is not None:
            query = query.filter(code=code)
        if parent is None and level is None and code is None:
            query = query.filter(parent_id=None)
        return [RegionType.of(r) for r in await query.order_by("path").limit(1000)]

    @strawberry.field(description="The category tree, flattened; parents before children")
    async def categories(self, parent_id: strawberry.ID | None = None) -> list[CategoryType]:
        query = models.Category.all()
        parent = _id_or_none(parent_id, "Category", "parentId")
        if parent is not None:
            query = query.filter(parent_id=parent)
        rows = await query.order_by("sort_order", "code").limit(1000)
        return [CategoryType.of(c) for c in rows]

    @strawberry.field(permission_classes=[IsAuthenticated])
    async def departments(
        self,
        info: Info,
        region_id: strawberry.ID | None = None,
        category_id: strawberry.ID | None = None,
    ) -> list[DepartmentType]:
        query = models.Department.all()
        region = _id_or_none(region_id, "Region", "regionId")
        if region is not None:
            row = await models.Region.get_or_none(id=region)
            # Departments serving this region or any region above it.
            ids = row.ancestor_ids() if row else [-1]
            query = query.filter(region_id__in=ids)
        category = _id_or_none(category_id, "Category", "categoryId")
        if category is not None:
            query = query.filter(categories__id=category)
        rows = await query.order_by("code").limit(1000)
        return [DepartmentType.of(d) for d in rows]
