"""Cases as the API shows them: personal data masked for those who may not see it."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Self

import strawberry
from strawberry import relay
from strawberry.scalars import JSON

from .. import models
from ..models.enums import CaseStatus as DomainStatus
from ..models.region import path_ids
from ..workflow.photos import media_url
from ..workflow.visibility import (
    can_see_case,
    can_see_personal_data,
    mask_name,
    mask_phone,
)
from .context import Info
from .directory import (
    CategoryType,
    DepartmentType,
    RegionType,
    department_now,
    department_of,
    must,
    region_now,
    region_of,
)
from .enums import (
    CaseEventKind,
    CaseStatus,
    DepartmentRole,
    PhotoKind,
    RegionLevel,
    Satisfaction,
    Source,
    Urgency,
    WhistleStatus,
)
from .prefetch import ready, ready_many

if TYPE_CHECKING:
    from .lists import ListItemType

MEDIA_URL_TTL_SECONDS = 3600


def is_overdue(case: models.Case, now: datetime) -> bool:
    if case.status is DomainStatus.DISPATCHED and case.claim_due_at and case.claim_due_at < now:
        return True
    open_ = case.status in models.enums.OPEN_STATUSES
    return bool(open_ and case.resolve_due_at and case.resolve_due_at < now)


@strawberry.type
class Reporter:
    """Who reported the case; masked unless the viewer may see personal data."""

    display_name: str | None
    phone: str | None
    masked: bool
    is_caller: bool = strawberry.field(description="A hotline caller without an account")


@strawberry.type
class Photo:
    id: strawberry.ID
    kind: PhotoKind
    content_type: str
    width: int
    height: int
    url: str = strawberry.field(description="Signed, expires after an hour")
    thumbnail_url: str
    created_at: datetime


@strawberry.type
class CaseDepartment:
    role: DepartmentRole
    summoned_at: datetime
    claimed_at: datetime | None
    _department_id: strawberry.Private[int]

    @strawberry.field
    def department(self, info: Info) -> DepartmentType:
        return department_now(info, self._department_id)  # type: ignore[return-value]


@strawberry.type
class WhistleResponse:
    designated_lead: bool
    due_at: datetime
    claimed_at: datetime | None
    _department_id: strawberry.Private[int]

    @strawberry.field(description="Reported for duty before the deadline")
    def on_time(self) -> bool | None:
        if self.claimed_at is None:
            return None
        return self.claimed_at <= self.due_at

    @strawberry.field
    async def department(self, info: Info) -> DepartmentType:
        return must(await department_of(info, self._department_id))


@strawberry.type
class Whistle:
    id: strawberry.ID
    level: RegionLevel
    status: WhistleStatus
    note: str
    due_at: datetime
    created_at: datetime
    answered_at: datetime | None
    escalated_at: datetime | None
    _m: strawberry.Private[models.Whistle]

    @strawberry.field
    async def region(self, info: Info) -> RegionType:
        return must(await region_of(info, self._m.region_id))

    @strawberry.field
    async def responses(self, info: Info) -> list[WhistleResponse]:
        rows = await info.context.loaders.responses_by_whistle.load(self._m.id)
        return [
            WhistleResponse(
                designated_lead=r.designated_lead,
                due_at=r.due_at,
                claimed_at=r.claimed_at,
                _department_id=r.department_id,
            )
            for r in rows
        ]


@strawberry.type
class TimelineEntry:
    id: strawberry.ID
    kind: CaseEventKind
    status_before: CaseStatus | None
    status_after: CaseStatus | None
    note: str
    data: JSON
    created_at: datetime
    _m: strawberry.Private[models.CaseEvent]
    _mask_actor: strawberry.Private[bool]

    @strawberry.field(description="Who did it; a reporter's name is masked like the reporter")
    async def actor_name(self, info: Info) -> str | None:
        if self._m.actor_id is None:
            return None
        row = await info.context.loaders.account_by_id.load(self._m.actor_id)
        if row is None:
            return None
        return mask_name(row.display_name) if self._mask_actor else row.display_name

    @strawberry.field
    async def department(self, info: Info) -> DepartmentType | None:
        return await department_of(info, self._m.department_id)


@strawberry.type(name="Case")
class CaseType(relay.Node):
    id: relay.NodeID[int]
    number: str
    title: str
    description: str
    status: CaseStatus
    level: RegionLevel = strawberry.field(description="The level whose queue holds the case")
    source: Source
    urgency: Urgency
    address: str
    latitude: float | None
    longitude: float | None
    self_handled: bool
    claim_due_at: datetime | None
    resolve_due_at: datetime | None
    claimed_at: datetime | None
    arrived_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    satisfaction: Satisfaction | None
    external_ref: str | None
    created_at: datetime
    updated_at: datetime
    _m: strawberry.Private[models.Case]

    @classmethod
    def of(cls, m: models.Case) -> Self:
        return cls(
            id=m.id,
            number=m.number,
            title=m.title,
            description=m.description,
            status=m.status,
            level=m.level,
            source=m.source,
            urgency=m.urgency,
            address=m.address,
            latitude=m.latitude,
            longitude=m.longitude,
            self_handled=m.self_handled,
            claim_due_at=m.claim_due_at,
            resolve_due_at=m.resolve_due_at,
            claimed_at=m.claimed_at,
            arrived_at=m.arrived_at,
            resolved_at=m.resolved_at,
            closed_at=m.closed_at,
            satisfaction=m.satisfaction,
            external_ref=m.external_ref,
            created_at=m.created_at,
            updated_at=m.updated_at,
            _m=m,
        )

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Self | None]:
        loaders = info.context.loaders
        rows = await loaders.case_by_id.load_many([int(i) for i in node_ids])
        result: list[Self | None] = []
        for m in rows:
            if m is None:
                result.append(None)
                continue
            summoned = await loaders.summoned_departments_by_case.load(m.id)
            visible = can_see_case(info.context.actor, m, summoned)
            result.append(cls.of(m) if visible else None)
        return result

    @strawberry.field
    def overdue(self, info: Info) -> bool:
        return is_overdue(self._m, info.context.rt.clock.now())

    # The fields a page of cases selects most resolve at once when the page has prefetched
    # their rows (prefetch.py), and await their loaders otherwise.
    @strawberry.field
    def category(self, info: Info) -> CategoryType:
        loaders = info.context.loaders
        return ready(  # type: ignore[return-value]
            loaders.category_by_id,
            self._m.category_id,
            lambda row: loaders.node(CategoryType, row),
        )

    @strawberry.field(description="Where the problem is: a grid or a community")
    def region(self, info: Info) -> RegionType:
        return region_now(info, self._m.region_id)  # type: ignore[return-value]

    @strawberry.field(description="The region's ancestry, root first, the region last")
    def region_path(self, info: Info) -> list[RegionType]:
        loaders = info.context.loaders
        path = self._m.region_path
        made = loaders.region_paths.get(path)  # the cases of a page share a few paths
        if made is not None:
            return made  # type: ignore[return-value]

        def make(rows: list[models.Region | None]) -> list[RegionType]:
            nodes = loaders.region_paths[path] = [loaders.node(RegionType, r) for r in rows if r]
            return nodes

        return ready_many(loaders.region_by_id, path_ids(path), make)  # type: ignore[return-value]

    @strawberry.field(description="The region whose queue holds the case")
    def queue_region(self, info: Info) -> RegionType:
        return region_now(info, self._m.queue_region_id)  # type: ignore[return-value]

    @strawberry.field
    async def reporter(self, info: Info) -> Reporter | None:
        m = self._m
        visible = can_see_personal_data(info.context.actor, m)
        if m.reporter_id is None:
            if m.caller_name is None and m.caller_phone is None:
                return None
            name, phone, caller = m.caller_name, m.caller_phone, True
        else:
            account = await info.context.loaders.account_by_id.load(m.reporter_id)
            if account is None:
                return None
            name, phone, caller = account.display_name, account.phone, False
        if visible:
            return Reporter(display_name=name, phone=phone, masked=False, is_caller=caller)
        return Reporter(
            display_name=mask_name(name), phone=mask_phone(phone), masked=True, is_caller=caller
        )

    @strawberry.field
    def photos(self, info: Info) -> list[Photo]:
        return ready(  # type: ignore[return-value]
            info.context.loaders.photos_by_case, self._m.id, lambda rows: self._photos(info, rows)
        )

    def _photos(self, info: Info, rows: list[models.Photo]) -> list[Photo]:
        key = info.context.rt.settings.secret_key
        # Rounded so that repeated reads give the same URL and the browser cache works.
        now = int(info.context.rt.clock.now().timestamp())
        expires = (now // MEDIA_URL_TTL_SECONDS + 2) * MEDIA_URL_TTL_SECONDS
        return [
            Photo(
                id=strawberry.ID(str(p.id)),
                kind=p.kind,
                content_type=p.content_type,
                width=p.width,
                height=p.height,
                created_at=p.created_at,
                url=media_url(key, p.file_name, expires),
                thumbnail_url=media_url(key, p.thumb_name, expires),
            )
            for p in rows
        ]

    @strawberry.field(description="Lead and assisting departments, with their claim times")
    def departments(self, info: Info) -> list[CaseDepartment]:
        return ready(  # type: ignore[return-value]
            info.context.loaders.case_departments_by_case,
            self._m.id,
            lambda rows: [
                CaseDepartment(
                    role=r.role,
                    summoned_at=r.summoned_at,
                    claimed_at=r.claimed_at,
                    _department_id=r.department_id,
                )
                for r in rows
            ],
        )

    @strawberry.field
    def lead_department(self, info: Info) -> DepartmentType | None:
        return department_now(info, self._m.lead_department_id)  # type: ignore[return-value]

    @strawberry.field
    async def whistles(self, info: Info) -> list[Whistle]:
        rows = await info.context.loaders.whistles_by_case.load(self._m.id)
        return [
            Whistle(
                id=strawberry.ID(str(w.id)),
                level=w.level,
                status=w.status,
                note=w.note,
                due_at=w.due_at,
                created_at=w.created_at,
                answered_at=w.answered_at,
                escalated_at=w.escalated_at,
                _m=w,
            )
            for w in rows
        ]

    def _entry(self, info: Info, e: models.CaseEvent) -> TimelineEntry:
        mask = (
            e.actor_id is not None
            and e.actor_id == self._m.reporter_id
            and not can_see_personal_data(info.context.actor, self._m)
        )
        return TimelineEntry(
            id=strawberry.ID(str(e.id)),
            kind=e.kind,
            status_before=e.status_before,
            status_after=e.status_after,
            note=e.note,
            data=e.data,  # type: ignore[arg-type]
            created_at=e.created_at,
            _m=e,
            _mask_actor=mask,
        )

    @strawberry.field(description="Every step, oldest first")
    def timeline(self, info: Info) -> list[TimelineEntry]:
        return ready(  # type: ignore[return-value]
            info.context.loaders.timeline_by_case,
            self._m.id,
            lambda rows: [self._entry(info, e) for e in rows],
        )

    @strawberry.field
    def last_event(self, info: Info) -> TimelineEntry | None:
        return ready(  # type: ignore[return-value]
            info.context.loaders.last_event_by_case,
            self._m.id,
            lambda row: self._entry(info, row) if row else None,
        )

    @strawberry.field(description="Items of the three lists made from this case")
    async def list_items(
        self, info: Info
    ) -> list[Annotated[ListItemType, strawberry.lazy("grassroots.graphql.lists")]]:
        from .lists import ListItemType

        links = await info.context.loaders.list_item_links_by_case.load(self._m.id)
        ids = [str(link.list_item_id) for link in links]
        found = await ListItemType.resolve_nodes(info=info, node_ids=ids)
        return [item for item in found if item is not None]

    @strawberry.field(description="The original this duplicate was merged into")
    async def duplicate_of(self, info: Info) -> CaseType | None:
        if self._m.duplicate_of_id is None:
            return None
        found = await CaseType.resolve_nodes(info=info, node_ids=[str(self._m.duplicate_of_id)])
        return found[0]
