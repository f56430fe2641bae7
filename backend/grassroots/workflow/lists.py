"""The three lists: a Party organisation's practical projects, a leading cadre's difficulties
and residents' small wishes.

OPEN › CLAIMED (exactly one claimer: a conditional UPDATE settles the race) › DONE (ticked
off with a note and photos) › VERIFIED by staff, or sent back to CLAIMED with a reason.
Who claims: a PROJECT an organisation's secretary, a DIFFICULTY a LEADER, a WISH a Party
member registered with the community. A refused action raises WorkflowError, writes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from typing import Any

from tortoise.expressions import Q
from tortoise.functions import Count
from tortoise.queryset import QuerySet

from ..db import atomic
from ..live import eventlog
from ..models import (
    Account,
    ListItem,
    ListItemCase,
    ListItemPhoto,
    PartyOrganisation,
    Region,
    RoleBinding,
)
from ..models.enums import RegionLevel, Role
from ..models.lists import ListItemKind, ListItemStatus
from ..models.party import RegistrationStatus
from . import photos as photo_store
from .actor import CASES_READ, REGION_READER_ROLES, STAFF_ROLES, Actor
from .cases import load_visible_case
from .errors import ErrorCode, WorkflowError, denied, invalid, not_found
from .inputs import clean_text
from .party import member_of, require_actor, serves_in
from .photo_records import record_photos
from .runtime import Runtime

MAX_CASES = 20
ITEM_LEVELS = frozenset({RegionLevel.COMMUNITY, RegionLevel.GRID})
OPEN_STATUSES = (ListItemStatus.OPEN, ListItemStatus.CLAIMED)
DONE_STATUSES = (ListItemStatus.DONE, ListItemStatus.VERIFIED)
# Who sees every item of a region subtree.
ITEM_READER_ROLES = frozenset({*REGION_READER_ROLES, Role.PARTY_MEMBER})


def reads_items_in(actor: Actor, path: str) -> bool:
    """Whether `actor` reads every item of a region subtree (an integration: with cases:read)."""
    return actor.covers(path, actor.reading(ITEM_READER_ROLES, CASES_READ))


def is_overdue(item: ListItem, now: datetime) -> bool:
    return item.status in OPEN_STATUSES and item.due_at is not None and item.due_at < now


def item_payload(item: ListItem) -> dict[str, Any]:
    """What every list item event carries: nothing personal."""
    return {
        "listItemId": item.id,
        "kind": item.kind.value,
        "title": item.title,
        "status": item.status.value,
        "regionId": item.region_id,
        "organisationId": item.organisation_id,
        "dueAt": item.due_at.isoformat() if item.due_at else None,
    }


async def _record(kind: str, item: ListItem, actor: Actor, at: datetime, **extra: Any) -> None:
    await eventlog.append(
        kind=f"list_item.{kind}",
        region_path=item.region_path,
        subject_type="ListItem",
        subject_id=item.id,
        actor_id=actor.account_id,
        at=at,
        payload=item_payload(item) | extra,
    )


# --- visibility --------------------------------------------------------------------------


async def _extra_paths(actor: Actor) -> list[str]:
    """Regions an actor reads items in beyond their bindings: where they serve as a member,
    and the regions of organisations they are secretary of."""
    paths = []
    member = await member_of(actor)
    if member is not None and member.registration is RegistrationStatus.CONFIRMED:
        paths.append(member.community_path or "-")
    for org in await PartyOrganisation.filter(secretary_id=actor.account_id):
        paths.append(org.region_path)
        if org.community_path and org.registration is RegistrationStatus.CONFIRMED:
            paths.append(org.community_path)
    return paths


async def item_filter(actor: Actor | None) -> Q | None:
    if actor is None:
        return Q(id=-1)
    if actor.is_admin:
        return None
    clauses = [
        Q(requested_by_id=actor.account_id),
        Q(created_by_id=actor.account_id),
        Q(claimed_by_id=actor.account_id),
    ]
    readers = actor.reading(ITEM_READER_ROLES, CASES_READ)
    paths = actor.region_paths(readers) + await _extra_paths(actor)
    clauses += [Q(region_path__startswith=p) for p in paths]
    return Q(*clauses, join_type="OR")


async def can_see_item(actor: Actor | None, item: ListItem) -> bool:
    if actor is None:
        return False
    if actor.is_admin or actor.account_id in (
        item.requested_by_id,
        item.created_by_id,
        item.claimed_by_id,
    ):
        return True
    if reads_items_in(actor, item.region_path):
        return True
    return any(item.region_path.startswith(p) for p in await _extra_paths(actor))


async def load_visible_item(
    actor: Actor | None, item_id: int, field_name: str = "listItemId"
) -> ListItem:
    actor = require_actor(actor, field_name)
    item = await ListItem.get_or_none(id=item_id)
    if item is None or not await can_see_item(actor, item):
        raise not_found("ListItem", field_name)
    return item


# --- creating ----------------------------------------------------------------------------


@dataclass
class ItemDraft:
    kind: ListItemKind
    title: str
    region_id: int
    description: str = ""
    due_at: datetime | None = None
    case_ids: list[int] = field(default_factory=list)
    on_behalf_of_id: int | None = None


async def _requester(actor: Actor, draft: ItemDraft, region: Region) -> int | None:
    """Who the item is for; refuses those who may not create this kind here."""
    staff = actor.covers(region.path, STAFF_ROLES)
    if draft.kind is not ListItemKind.WISH:
        if not staff:
            raise denied("Only community staff may put projects and difficulties on the lists")
        return None
    if draft.on_behalf_of_id is not None:
        if not staff and not actor.covers(region.path, {Role.BLOCK_HEAD}):
            raise denied("Only block heads and staff file wishes for a resident", "onBehalfOfId")
        resident_paths = await RoleBinding.filter(
            account_id=draft.on_behalf_of_id, role=Role.RESIDENT
        ).values_list("region__path", flat=True)
        if not any(region.path.startswith(str(p)) for p in resident_paths):
            raise invalid("onBehalfOfId", "That account is not a resident of this place")
        return draft.on_behalf_of_id
    if staff:
        return None
    if actor.covers(region.path, {Role.RESIDENT}):
        return actor.account_id
    if actor.covers(region.path, {Role.BLOCK_HEAD}):
        return None  # a block head may file for a resident without an account
    raise denied("Residents ask for wishes where they live", "regionId")


async def create_item(rt: Runtime, actor: Actor | None, draft: ItemDraft) -> ListItem:
    actor = require_actor(actor)
    now = rt.clock.now()
    title = clean_text(draft.title, "title", max_len=200)
    description = clean_text(draft.description, "description", max_len=5000, required=False)
    if draft.due_at is not None and draft.due_at <= now:
        raise invalid("dueAt", "dueAt must be in the future")
    if len(draft.case_ids) > MAX_CASES:
        raise invalid("caseIds", f"At most {MAX_CASES} cases per list item")
    region = await Region.get_or_none(id=draft.region_id)
    if region is None:
        raise not_found("Region", "regionId")
    if region.level not in ITEM_LEVELS:
        raise invalid("regionId", "A list item belongs to a community or a grid")
    requested_by = await _requester(actor, draft, region)
    case_ids = list(dict.fromkeys(draft.case_ids))
    for case_id in case_ids:
        case = await load_visible_case(actor, case_id, "caseIds")
        if not case.region_path.startswith(region.path) and not region.path.startswith(
            case.region_path
        ):
            raise invalid("caseIds", f"Case {case.number} is in another region")
    async with atomic():
        item = await ListItem.create(
            kind=draft.kind,
            title=title,
            description=description,
            status=ListItemStatus.OPEN,
            region_id=region.id,
            region_path=region.path,
            requested_by_id=requested_by,
            created_by_id=actor.account_id,
            due_at=draft.due_at,
            created_at=now,
            updated_at=now,
        )
        for case_id in case_ids:
            await ListItemCase.create(list_item_id=item.id, case_id=case_id)
        await _record("created", item, actor, now, caseIds=case_ids)
    return item


# --- claiming ----------------------------------------------------------------------------


async def _claimer(
    actor: Actor, item: ListItem, organisation_id: int | None
) -> PartyOrganisation | None:
    """Checks that `actor` may claim this kind here; a PROJECT's organisation is returned."""
    if item.kind is ListItemKind.DIFFICULTY:
        if not actor.covers(item.region_path, {Role.LEADER}):
            raise denied("Only a leading cadre over this region claims a difficulty", "listItemId")
        return None
    if item.kind is ListItemKind.WISH:
        member = await member_of(actor)
        if member is None:
            raise denied("Only Party members claim wishes", "listItemId")
        if not serves_in(member, item.region_path):
            raise WorkflowError(
                ErrorCode.NOT_REGISTERED,
                "Only members registered with this community claim its wishes",
                "listItemId",
            )
        return None
    orgs = PartyOrganisation.filter(secretary_id=actor.account_id)
    if organisation_id is not None:
        orgs = orgs.filter(id=organisation_id)
    candidates = [
        org
        for org in await orgs.order_by("id")
        if item.region_path.startswith(org.region_path)
        or (
            org.registration is RegistrationStatus.CONFIRMED
            and org.community_path
            and item.region_path.startswith(org.community_path)
        )
    ]
    if not candidates:
        raise denied(
            "Only the secretary of a Party organisation serving here claims a project",
            "organisationId" if organisation_id is not None else "listItemId",
        )
    return candidates[0]


async def claim_item(
    rt: Runtime, actor: Actor | None, item_id: int, *, organisation_id: int | None = None
) -> ListItem:
    item = await load_visible_item(actor, item_id)
    assert actor is not None
    org = await _claimer(actor, item, organisation_id)
    if item.status is not ListItemStatus.OPEN:
        raise WorkflowError(ErrorCode.ALREADY_CLAIMED, "Someone has claimed it", "listItemId")
    now = rt.clock.now()
    async with atomic():
        # The race is settled here: exactly one UPDATE matches.
        won = await ListItem.filter(id=item.id, status=ListItemStatus.OPEN).update(
            status=ListItemStatus.CLAIMED,
            claimed_by_id=actor.account_id,
            organisation_id=org.id if org else None,
            claimed_at=now,
            updated_at=now,
        )
        if not won:
            raise WorkflowError(ErrorCode.ALREADY_CLAIMED, "Someone has claimed it", "listItemId")
        await item.refresh_from_db()
        await _record("claimed", item, actor, now)
    return item


# --- ticking off -------------------------------------------------------------------------


def _transition(item: ListItem, *allowed: ListItemStatus) -> None:
    if item.status not in allowed:
        raise WorkflowError(
            ErrorCode.INVALID_TRANSITION, f"The item is {item.status.value}", "listItemId"
        )


async def _move(item: ListItem, expected: ListItemStatus, **changes: Any) -> None:
    if not await ListItem.filter(id=item.id, status=expected).update(**changes):
        raise WorkflowError(
            ErrorCode.CONFLICT, "The item changed meanwhile; reload it", "listItemId"
        )
    for key, value in changes.items():
        setattr(item, key, value)


def check_photos(rt: Runtime, photos: list[bytes]) -> list[photo_store.CheckedImage]:
    limit = rt.settings.max_photos_per_case
    if len(photos) > limit:
        raise WorkflowError(ErrorCode.TOO_MANY_UPLOADS, f"At most {limit} photos", "photos")
    return [
        photo_store.check_image(data, field=f"photos.{i}", max_bytes=rt.settings.max_upload_bytes)
        for i, data in enumerate(photos)
    ]


async def complete_item(
    rt: Runtime, actor: Actor | None, item_id: int, *, note: str, photos: list[bytes]
) -> ListItem:
    """The claimer ticks the item off (销号) with a note and photos as evidence."""
    item = await load_visible_item(actor, item_id)
    assert actor is not None
    if item.claimed_by_id != actor.account_id:
        raise denied("Only whoever claimed it may tick it off", "listItemId")
    _transition(item, ListItemStatus.CLAIMED)
    note = clean_text(note, "note", max_len=2000)
    images = check_photos(rt, photos)
    if not images and not await ListItemPhoto.exists(list_item_id=item.id):
        raise invalid("photos", "Tick it off with at least one photo")
    now = rt.clock.now()
    async with atomic():
        await _move(
            item,
            ListItemStatus.CLAIMED,
            status=ListItemStatus.DONE,
            done_at=now,
            completion_note=note,
            sent_back_reason="",
            updated_at=now,
        )
        create = partial(ListItemPhoto.create, list_item_id=item.id)
        saved = await record_photos(images, rt.settings.upload_dir, actor, now, create)
        on_time = item.due_at is None or now <= item.due_at
        await _record("done", item, actor, now, photoIds=[p.id for p in saved], onTime=on_time)
    return item


def _require_item_staff(actor: Actor, item: ListItem) -> None:
    if not actor.covers(item.region_path, STAFF_ROLES):
        raise denied("Only staff over this region may do that", "listItemId")


async def verify_item(rt: Runtime, actor: Actor | None, item_id: int) -> ListItem:
    item = await load_visible_item(actor, item_id)
    assert actor is not None
    _require_item_staff(actor, item)
    _transition(item, ListItemStatus.DONE)
    now = rt.clock.now()
    async with atomic():
        await _move(
            item,
            ListItemStatus.DONE,
            status=ListItemStatus.VERIFIED,
            verified_at=now,
            verified_by_id=actor.account_id,
            updated_at=now,
        )
        await _record("verified", item, actor, now)
    return item


async def send_back_item(
    rt: Runtime, actor: Actor | None, item_id: int, *, reason: str
) -> ListItem:
    item = await load_visible_item(actor, item_id)
    assert actor is not None
    _require_item_staff(actor, item)
    _transition(item, ListItemStatus.DONE)
    reason = clean_text(reason, "reason", max_len=2000)
    now = rt.clock.now()
    async with atomic():
        await _move(
            item,
            ListItemStatus.DONE,
            status=ListItemStatus.CLAIMED,
            done_at=None,
            sent_back_reason=reason,
            updated_at=now,
        )
        await _record("sent_back", item, actor, now)
    return item


# --- reading -----------------------------------------------------------------------------


@dataclass
class ItemSearch:
    kinds: list[ListItemKind] = field(default_factory=list)
    statuses: list[ListItemStatus] = field(default_factory=list)
    region_id: int | None = None
    # An owner is an account (who claimed it or asked for it) or a Party organisation.
    owner_account_id: int | None = None
    owner_organisation_id: int | None = None
    overdue: bool | None = None


def overdue_filter(now: datetime) -> Q:
    return Q(status__in=list(OPEN_STATUSES), due_at__lt=now)


async def _region_path(region_id: int | None) -> str | None:
    if region_id is None:
        return None
    region = await Region.get_or_none(id=region_id)
    return region.path if region else "-"


async def search_items(actor: Actor | None, search: ItemSearch, now: datetime) -> QuerySet:
    require_actor(actor)
    query = ListItem.all()
    scope = await item_filter(actor)
    if scope is not None:
        query = query.filter(scope)
    if search.kinds:
        query = query.filter(kind__in=search.kinds)
    if search.statuses:
        query = query.filter(status__in=search.statuses)
    path = await _region_path(search.region_id)
    if path is not None:
        query = query.filter(region_path__startswith=path)
    if search.owner_account_id is not None:
        owner = search.owner_account_id
        query = query.filter(Q(claimed_by_id=owner) | Q(requested_by_id=owner))
    if search.owner_organisation_id is not None:
        query = query.filter(organisation_id=search.owner_organisation_id)
    if search.overdue is True:
        query = query.filter(overdue_filter(now))
    elif search.overdue is False:
        query = query.exclude(overdue_filter(now))
    return query


@dataclass(frozen=True)
class KindSummary:
    kind: ListItemKind
    collected: int
    claimed: int
    done: int
    overdue: int
    done_on_time: int


async def summarise(region_path: str, now: datetime) -> list[KindSummary]:
    """Per kind, for a region subtree: collected, ever claimed, done (ticked off, verified
    or not), open past their due date, and done by their due date (or without one)."""
    base = ListItem.filter(region_path__startswith=region_path)

    async def by_kind(query: QuerySet) -> dict[str, int]:
        rows = await query.annotate(n=Count("id")).group_by("kind").values_list("kind", "n")
        return {str(k): int(n) for k, n in rows}

    collected = await by_kind(base)
    claimed = await by_kind(base.filter(claimed_at__isnull=False))
    done = await by_kind(base.filter(status__in=list(DONE_STATUSES)))
    overdue = await by_kind(base.filter(overdue_filter(now)))
    done_rows = await base.filter(status__in=list(DONE_STATUSES)).values_list(
        "kind", "done_at", "due_at"
    )
    on_time: dict[str, int] = {}
    for kind, done_at, due_at in done_rows:
        if due_at is None or (done_at is not None and done_at <= due_at):
            on_time[str(kind)] = on_time.get(str(kind), 0) + 1
    return [
        KindSummary(
            kind=kind,
            collected=collected.get(kind.value, 0),
            claimed=claimed.get(kind.value, 0),
            done=done.get(kind.value, 0),
            overdue=overdue.get(kind.value, 0),
            done_on_time=on_time.get(kind.value, 0),
        )
        for kind in ListItemKind
    ]


async def account_exists(account_id: int) -> bool:
    return await Account.exists(id=account_id)
