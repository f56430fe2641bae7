"""Regions, departments and categories: the public directory every client reads first."""

from __future__ import annotations

from collections.abc import Awaitable, Iterable
from datetime import datetime
from typing import Any, Self, TypeVar

import strawberry
from strawberry import relay
from strawberry.scalars import JSON

from .. import models
from ..workflow.rates import Rates as DomainRates
from ..workflow.rates import department_rates, region_rates
from .context import Info
from .enums import DepartmentKind, RegionLevel
from .permissions import IsAuthenticated
from .prefetch import ready


def pick_name(obj: Any, locale: str | None) -> str:
    return str(getattr(obj, f"name_{locale}", None) or obj.name_ko) if locale else obj.name_ko


@strawberry.type(description="The three rates and mean times over a period")
class Rates:
    response_rate: float | None = strawberry.field(
        description="Share of summoned departments that reported for duty before the deadline"
    )
    resolution_rate: float | None = strawberry.field(
        description="Share of cases resolved before their deadline"
    )
    satisfaction_rate: float | None = strawberry.field(
        description="Share of ratings that were satisfied or basically satisfied"
    )
    responses_due: int
    resolutions_due: int
    ratings: int
    mean_minutes_to_claim: float | None
    mean_hours_to_resolve: float | None

    @classmethod
    def of(cls, r: DomainRates) -> Rates:
        return cls(
            response_rate=r.response_rate,
            resolution_rate=r.resolution_rate,
            satisfaction_rate=r.satisfaction_rate,
            responses_due=r.responses_due,
            resolutions_due=r.resolutions_due,
            ratings=r.ratings,
            mean_minutes_to_claim=r.mean_minutes_to_claim,
            mean_hours_to_resolve=r.mean_hours_to_resolve,
        )


async def _many(info: Info, loader: str, ids: Iterable[str]) -> list[Any]:
    return await getattr(info.context.loaders, loader).load_many([int(i) for i in ids])


@strawberry.type(name="Region")
class RegionType(relay.Node):
    id: relay.NodeID[int]
    code: str
    level: RegionLevel
    name_ko: str
    name_zh: str
    name_en: str
    geometry: JSON | None = strawberry.field(description="GeoJSON geometry")
    center_lat: float | None
    center_lng: float | None
    _m: strawberry.Private[models.Region]

    @classmethod
    def of(cls, m: models.Region) -> Self:
        return cls(
            id=m.id,
            code=m.code,
            level=m.level,
            name_ko=m.name_ko,
            name_zh=m.name_zh,
            name_en=m.name_en,
            geometry=m.geometry,  # type: ignore[arg-type]
            center_lat=m.center_lat,
            center_lng=m.center_lng,
            _m=m,
        )

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Self | None]:
        return [cls.of(m) if m else None for m in await _many(info, "region_by_id", node_ids)]

    @strawberry.field(description="The name in ko, zh or en (default ko)")
    def name(self, locale: str | None = None) -> str:
        return pick_name(self._m, locale)

    @strawberry.field
    async def parent(self, info: Info) -> RegionType | None:
        return await region_of(info, self._m.parent_id)

    @strawberry.field(description="Ancestors from the root down to this region itself")
    async def path(self, info: Info) -> list[RegionType]:
        rows = await info.context.loaders.region_by_id.load_many(self._m.ancestor_ids())
        return [RegionType.of(r) for r in rows if r]

    @strawberry.field
    async def children(self, info: Info) -> list[RegionType]:
        rows = await info.context.loaders.regions_by_parent.load(self._m.id)
        return [RegionType.of(r) for r in rows]

    @strawberry.field(permission_classes=[IsAuthenticated])
    async def rates(self, info: Info, since: datetime | None = None) -> Rates:
        now = info.context.rt.clock.now()
        return Rates.of(await region_rates(self._m.path, now=now, since=since))


@strawberry.type(name="Category")
class CategoryType(relay.Node):
    id: relay.NodeID[int]
    code: str
    name_ko: str
    name_zh: str
    name_en: str
    claim_minutes: int = strawberry.field(description="Claim deadline for NORMAL urgency")
    resolve_hours: int = strawberry.field(description="Resolve deadline for NORMAL urgency")
    claim_working_days: int | None = strawberry.field(
        description="Set: the claim deadline counts working days instead of claimMinutes"
    )
    resolve_working_days: int | None = strawberry.field(
        description="Set: the resolve deadline counts working days instead of resolveHours"
    )
    _m: strawberry.Private[models.Category]

    @classmethod
    def of(cls, m: models.Category) -> Self:
        return cls(
            id=m.id,
            code=m.code,
            name_ko=m.name_ko,
            name_zh=m.name_zh,
            name_en=m.name_en,
            claim_minutes=m.claim_minutes,
            resolve_hours=m.resolve_hours,
            claim_working_days=m.claim_working_days,
            resolve_working_days=m.resolve_working_days,
            _m=m,
        )

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Self | None]:
        return [cls.of(m) if m else None for m in await _many(info, "category_by_id", node_ids)]

    @strawberry.field
    def name(self, locale: str | None = None) -> str:
        return pick_name(self._m, locale)

    @strawberry.field
    async def parent(self, info: Info) -> CategoryType | None:
        if self._m.parent_id is None:
            return None
        parent = await info.context.loaders.category_by_id.load(self._m.parent_id)
        return CategoryType.of(parent) if parent else None


@strawberry.type(name="Department")
class DepartmentType(relay.Node):
    id: relay.NodeID[int]
    code: str
    kind: DepartmentKind
    name_ko: str
    name_zh: str
    name_en: str
    _m: strawberry.Private[models.Department]

    @classmethod
    def of(cls, m: models.Department) -> Self:
        return cls(
            id=m.id,
            code=m.code,
            kind=m.kind,
            name_ko=m.name_ko,
            name_zh=m.name_zh,
            name_en=m.name_en,
            _m=m,
        )

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Self | None]:
        if info.context.actor is None:
            return [None for _ in node_ids]
        rows = await _many(info, "department_by_id", node_ids)
        return [cls.of(m) if m else None for m in rows]

    @strawberry.field
    def name(self, locale: str | None = None) -> str:
        return pick_name(self._m, locale)

    @strawberry.field(description="The region the department serves")
    async def region(self, info: Info) -> RegionType:
        return must(await region_of(info, self._m.region_id))

    @strawberry.field
    async def parent(self, info: Info) -> DepartmentType | None:
        return await department_of(info, self._m.parent_id)

    @strawberry.field
    async def rates(self, info: Info, since: datetime | None = None) -> Rates:
        now = info.context.rt.clock.now()
        return Rates.of(await department_rates(self._m.id, now=now, since=since))


async def region_of(info: Info, region_id: int | None) -> RegionType | None:
    """The region with this id through the request's loader; None for no id."""
    if region_id is None:
        return None
    row = await info.context.loaders.region_by_id.load(region_id)
    return info.context.loaders.node(RegionType, row) if row else None


async def department_of(info: Info, department_id: int | None) -> DepartmentType | None:
    """The department with this id through the request's loader; None for no id."""
    if department_id is None:
        return None
    row = await info.context.loaders.department_by_id.load(department_id)
    return info.context.loaders.node(DepartmentType, row) if row else None


def region_now(info: Info, region_id: int) -> RegionType | Awaitable[RegionType]:
    """A region the database guarantees (a foreign key), at once when the request's loader
    holds it already (a prefetched page, prefetch.py), else awaitable."""
    loaders = info.context.loaders
    return ready(
        loaders.region_by_id,
        region_id,
        lambda row: must(loaders.node(RegionType, row) if row else None),
    )


def department_now(
    info: Info, department_id: int | None
) -> DepartmentType | Awaitable[DepartmentType | None] | None:
    """department_of, at once when the request's loader holds the department already."""
    if department_id is None:
        return None
    loaders = info.context.loaders
    return ready(
        loaders.department_by_id,
        department_id,
        lambda row: loaders.node(DepartmentType, row) if row else None,
    )


T = TypeVar("T")


def must(value: T | None) -> T:
    """For relations the database guarantees (foreign keys that are not null)."""
    if value is None:
        raise LookupError("a required related object is missing")
    return value
