"""The three lists as the API shows them: list items with their cases, photos and spawned
tasks, the listItems list with its summary, and the mutations that move items."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any, Self

import strawberry
from strawberry import relay
from strawberry.file_uploads import Upload
from strawberry.relay import GlobalID, GlobalIDValueError

from .. import models
from ..workflow import lists as flow
from ..workflow.actor import STAFF_ROLES
from ..workflow.errors import WorkflowError, invalid
from ..workflow.photos import media_url
from ..workflow.visibility import mask_name
from .case_types import MEDIA_URL_TTL_SECONDS, CaseType
from .context import Info
from .directory import RegionType, must, region_of
from .enums import ListItemKind, ListItemStatus
from .errors import UserError, decode_id, decode_ids
from .pagination import Connection, paged
from .party import PartyOrganisationType, organisation_of
from .payloads import query_error, run
from .permissions import IsAuthenticated
from .tasks import ServiceTaskType
from .uploads import read_uploads


@strawberry.type
class ListItemPhoto:
    id: strawberry.ID
    content_type: str
    width: int
    height: int
    url: str = strawberry.field(description="Signed, expires after an hour")
    thumbnail_url: str
    created_at: datetime


@strawberry.type(name="ListItem")
class ListItemType(relay.Node):
    """A practical project, a difficulty or a small wish."""

    id: relay.NodeID[int]
    kind: ListItemKind
    title: str
    description: str
    status: ListItemStatus
    due_at: datetime | None
    claimed_at: datetime | None
    done_at: datetime | None
    completion_note: str
    verified_at: datetime | None
    sent_back_reason: str
    created_at: datetime
    updated_at: datetime
    _m: strawberry.Private[models.ListItem]

    @classmethod
    def of(cls, m: models.ListItem) -> Self:
        return cls(
            id=m.id,
            kind=m.kind,
            title=m.title,
            description=m.description,
            status=m.status,
            due_at=m.due_at,
            claimed_at=m.claimed_at,
            done_at=m.done_at,
            completion_note=m.completion_note,
            verified_at=m.verified_at,
            sent_back_reason=m.sent_back_reason,
            created_at=m.created_at,
            updated_at=m.updated_at,
            _m=m,
        )

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Self | None]:
        rows = await info.context.loaders.list_item_by_id.load_many([int(i) for i in node_ids])
        result: list[Self | None] = []
        for m in rows:
            visible = m is not None and await flow.can_see_item(info.context.actor, m)
            result.append(cls.of(m) if m and visible else None)
        return result

    @strawberry.field(description="Open past its due date")
    def overdue(self, info: Info) -> bool:
        return flow.is_overdue(self._m, info.context.rt.clock.now())

    @strawberry.field(description="Ticked off by its due date (null while not done)")
    def done_on_time(self) -> bool | None:
        if self._m.done_at is None:
            return None
        return self._m.due_at is None or self._m.done_at <= self._m.due_at

    @strawberry.field
    async def region(self, info: Info) -> RegionType:
        return must(await region_of(info, self._m.region_id))

    async def _name(self, info: Info, account_id: int | None, *, personal: bool) -> str | None:
        if account_id is None:
            return None
        row = await info.context.loaders.account_by_id.load(account_id)
        if row is None:
            return None
        actor = info.context.actor
        clear = actor is not None and (
            actor.is_admin
            or actor.account_id == account_id
            or actor.covers(self._m.region_path, STAFF_ROLES)
        )
        return row.display_name if clear or not personal else mask_name(row.display_name)

    @strawberry.field(description="The resident it is for; masked except for staff")
    async def requested_by_name(self, info: Info) -> str | None:
        return await self._name(info, self._m.requested_by_id, personal=True)

    @strawberry.field(description="Who claimed it")
    async def claimed_by_name(self, info: Info) -> str | None:
        return await self._name(info, self._m.claimed_by_id, personal=False)

    @strawberry.field(description="For a project: the organisation that took it on")
    async def organisation(self, info: Info) -> PartyOrganisationType | None:
        return await organisation_of(info, self._m.organisation_id)

    @strawberry.field(description="Whether the viewer claimed it")
    def claimed_by_me(self, info: Info) -> bool:
        actor = info.context.actor
        return actor is not None and actor.account_id == self._m.claimed_by_id

    @strawberry.field(description="The cases it was made from, those the viewer may see")
    async def cases(self, info: Info) -> list[CaseType]:
        links = await info.context.loaders.case_links_by_list_item.load(self._m.id)
        found = await CaseType.resolve_nodes(info=info, node_ids=[str(x.case_id) for x in links])
        return [c for c in found if c is not None]

    @strawberry.field(description="Service tasks posted for it")
    async def tasks(self, info: Info) -> list[ServiceTaskType]:
        rows = await info.context.loaders.tasks_by_list_item.load(self._m.id)
        return [ServiceTaskType.of(t) for t in rows]

    @strawberry.field(description="The evidence it was ticked off with")
    async def photos(self, info: Info) -> list[ListItemPhoto]:
        rows = await info.context.loaders.list_item_photos_by_list_item.load(self._m.id)
        key = info.context.rt.settings.secret_key
        now = int(info.context.rt.clock.now().timestamp())
        expires = (now // MEDIA_URL_TTL_SECONDS + 2) * MEDIA_URL_TTL_SECONDS
        return [
            ListItemPhoto(
                id=strawberry.ID(str(p.id)),
                content_type=p.content_type,
                width=p.width,
                height=p.height,
                created_at=p.created_at,
                url=media_url(key, p.file_name, expires),
                thumbnail_url=media_url(key, p.thumb_name, expires),
            )
            for p in rows
        ]


@strawberry.type(description="Counts of one kind of list item in a region subtree")
class ListSummary:
    kind: ListItemKind
    collected: int
    claimed: int = strawberry.field(description="Ever claimed")
    done: int = strawberry.field(description="Ticked off (DONE or VERIFIED)")
    overdue: int
    done_on_time: int


# --- queries -----------------------------------------------------------------------------


@strawberry.input
class ListItemFilter:
    kinds: list[ListItemKind] | None = None
    statuses: list[ListItemStatus] | None = None
    region_id: strawberry.ID | None = strawberry.field(
        default=None, description="Items in this region's whole subtree"
    )
    owner_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="An Account (who claimed it or asked for it) or a PartyOrganisation",
    )
    overdue: bool | None = None


def _owner(value: strawberry.ID) -> tuple[int | None, int | None]:
    try:
        gid = GlobalID.from_id(str(value))
    except GlobalIDValueError as exc:
        raise invalid("filter.ownerId", "ownerId is not a valid id") from exc
    if gid.type_name == "PartyOrganisation":
        return None, decode_id(value, "PartyOrganisation", "filter.ownerId")
    return decode_id(value, "Account", "filter.ownerId"), None


def _item_search(f: ListItemFilter | None) -> flow.ItemSearch:
    if f is None:
        return flow.ItemSearch()
    account, organisation = _owner(f.owner_id) if f.owner_id else (None, None)
    return flow.ItemSearch(
        kinds=list(f.kinds or []),
        statuses=list(f.statuses or []),
        region_id=decode_id(f.region_id, "Region", "filter.regionId") if f.region_id else None,
        owner_account_id=account,
        owner_organisation_id=organisation,
        overdue=f.overdue,
    )


@strawberry.type
class ListQueries:
    @strawberry.field(
        permission_classes=[IsAuthenticated],
        description="List items the viewer may see, newest first; `first` is at most 100",
    )
    async def list_items(
        self,
        info: Info,
        first: int,
        after: str | None = None,
        filter: ListItemFilter | None = None,
    ) -> Connection[ListItemType]:
        ctx = info.context
        return await paged(
            lambda: flow.search_items(ctx.actor, _item_search(filter), ctx.rt.clock.now()),
            ListItemType.of,
            key="created_at",
            descending=True,
            first=first,
            after=after,
        )

    @strawberry.field(
        permission_classes=[IsAuthenticated],
        description="Per kind: collected, claimed, done, overdue and done on time, for a "
        "region's subtree (staff, leaders, Party members and displays in scope)",
    )
    async def list_summary(self, info: Info, region_id: strawberry.ID) -> list[ListSummary]:
        actor = info.context.actor
        assert actor is not None
        try:
            region = await models.Region.get_or_none(id=decode_id(region_id, "Region", "regionId"))
        except WorkflowError as exc:
            raise query_error(exc) from exc
        if region is None or not flow.reads_items_in(actor, region.path):
            return []
        rows = await flow.summarise(region.path, info.context.rt.clock.now())
        return [ListSummary(**vars(r)) for r in rows]


# --- mutations ---------------------------------------------------------------------------


@strawberry.type
class ListItemPayload:
    list_item: ListItemType | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class CreateListItemInput:
    kind: ListItemKind
    title: str
    region_id: strawberry.ID = strawberry.field(description="A community or a grid")
    description: str = ""
    due_at: datetime | None = None
    case_ids: list[strawberry.ID] = strawberry.field(
        default_factory=list, description="Cases it is made from; they link back"
    )
    on_behalf_of_id: strawberry.ID | None = strawberry.field(
        default=None, description="For a WISH filed by a block head: the resident's account"
    )


@strawberry.input
class ClaimListItemInput:
    list_item_id: strawberry.ID
    organisation_id: strawberry.ID | None = strawberry.field(
        default=None, description="For a PROJECT, when you are secretary of several"
    )


@strawberry.input
class CompleteListItemInput:
    list_item_id: strawberry.ID
    note: str
    photos: list[Upload] | None = strawberry.field(
        default=None, description="Evidence: JPEG, PNG or WebP; at most 6, 10 MB each"
    )


@strawberry.input
class VerifyListItemInput:
    list_item_id: strawberry.ID


@strawberry.input
class SendBackListItemInput:
    list_item_id: strawberry.ID
    reason: str


def _item_id(value: strawberry.ID) -> int:
    return decode_id(value, "ListItem", "listItemId")


def _item(m: models.ListItem) -> dict[str, Any]:
    return {"list_item": ListItemType.of(m)}


@strawberry.type
class ListMutations:
    @strawberry.mutation(
        description="Put an item on a list: staff any kind (from cases with caseIds), a "
        "resident their own wish, a block head a wish for a resident"
    )
    async def create_list_item(self, info: Info, input: CreateListItemInput) -> ListItemPayload:
        ctx = info.context

        async def act() -> dict[str, Any]:
            draft = flow.ItemDraft(
                kind=input.kind,
                title=input.title,
                region_id=decode_id(input.region_id, "Region", "regionId"),
                description=input.description,
                due_at=input.due_at,
                case_ids=decode_ids(input.case_ids, "Case", "caseIds"),
                on_behalf_of_id=(
                    decode_id(input.on_behalf_of_id, "Account", "onBehalfOfId")
                    if input.on_behalf_of_id
                    else None
                ),
            )
            return _item(await flow.create_item(ctx.rt, ctx.actor, draft))

        return await run(ListItemPayload, act)

    @strawberry.mutation(
        description="Take an item on: a PROJECT by an organisation's secretary, a DIFFICULTY "
        "by a leader, a WISH by a Party member; exactly one claimer wins"
    )
    async def claim_list_item(self, info: Info, input: ClaimListItemInput) -> ListItemPayload:
        ctx = info.context

        async def act() -> dict[str, Any]:
            org = (
                decode_id(input.organisation_id, "PartyOrganisation", "organisationId")
                if input.organisation_id
                else None
            )
            item = await flow.claim_item(
                ctx.rt, ctx.actor, _item_id(input.list_item_id), organisation_id=org
            )
            return _item(item)

        return await run(ListItemPayload, act)

    @strawberry.mutation(
        description="Tick the item off (销号) with a note and photos (multipart request)"
    )
    async def complete_list_item(self, info: Info, input: CompleteListItemInput) -> ListItemPayload:
        ctx = info.context

        async def act() -> dict[str, Any]:
            settings = ctx.rt.settings
            photos = await read_uploads(
                input.photos, settings.max_upload_bytes, settings.max_photos_per_case
            )
            item = await flow.complete_item(
                ctx.rt, ctx.actor, _item_id(input.list_item_id), note=input.note, photos=photos
            )
            return _item(item)

        return await run(ListItemPayload, act)

    @strawberry.mutation(description="Staff confirm a ticked-off item")
    async def verify_list_item(self, info: Info, input: VerifyListItemInput) -> ListItemPayload:
        ctx = info.context

        async def act() -> dict[str, Any]:
            return _item(await flow.verify_item(ctx.rt, ctx.actor, _item_id(input.list_item_id)))

        return await run(ListItemPayload, act)

    @strawberry.mutation(description="Staff send a ticked-off item back to its claimer")
    async def send_back_list_item(
        self, info: Info, input: SendBackListItemInput
    ) -> ListItemPayload:
        ctx = info.context

        async def act() -> dict[str, Any]:
            item = await flow.send_back_item(
                ctx.rt, ctx.actor, _item_id(input.list_item_id), reason=input.reason
            )
            return _item(item)

        return await run(ListItemPayload, act)
