"""Party members and organisations: profiles, and double registration (双报到) with a
community, which community staff confirm. A member serves where their registration is
confirmed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from tortoise.expressions import Q
from tortoise.queryset import QuerySet

from ..db import atomic
from ..live import eventlog
from ..models import Account, PartyMember, PartyOrganisation, Region
from ..models.enums import RegionLevel, Role
from ..models.party import OrganisationKind, RegistrationStatus, skills_text
from .actor import STAFF_ROLES, Actor
from .errors import ErrorCode, WorkflowError, denied, invalid, not_found
from .inputs import clean_skills, clean_text
from .runtime import Runtime

# Who sees the Party members of a region, and their phones.
MEMBER_READER_ROLES = frozenset({*STAFF_ROLES, Role.LEADER})


def require_actor(actor: Actor | None, field_name: str | None = None) -> Actor:
    if actor is None:
        raise WorkflowError(ErrorCode.UNAUTHENTICATED, "Sign in first", field_name)
    return actor


async def member_of(actor: Actor) -> PartyMember | None:
    return await PartyMember.get_or_none(account_id=actor.account_id)


async def require_member(actor: Actor, field_name: str | None = None) -> PartyMember:
    member = await member_of(actor)
    if member is None:
        raise denied("Only Party members may do that", field_name)
    return member


def serves_in(member: PartyMember, path: str) -> bool:
    """Whether the member's confirmed registration covers a region path."""
    return (
        member.registration is RegistrationStatus.CONFIRMED
        and member.community_path is not None
        and path.startswith(member.community_path)
    )


def member_event_payload(member: PartyMember) -> dict[str, Any]:
    return {
        "partyMemberId": member.id,
        "organisationId": member.organisation_id,
        "communityId": member.community_id,
        "registration": member.registration.value if member.registration else None,
    }


def organisation_event_payload(org: PartyOrganisation) -> dict[str, Any]:
    return {
        "organisationId": org.id,
        "kind": org.kind.value,
        "name": org.name_zh,
        "communityId": org.community_id,
        "registration": org.registration.value if org.registration else None,
    }


# --- profiles (the demo and administrators make them) ------------------------------------


async def create_organisation(
    rt: Runtime,
    *,
    kind: OrganisationKind,
    name: tuple[str, str, str],
    region: Region,
    parent: PartyOrganisation | None = None,
    workplace: str = "",
    secretary: Account | None = None,
) -> PartyOrganisation:
    return await PartyOrganisation.create(
        kind=kind,
        name_ko=name[0],
        name_zh=name[1],
        name_en=name[2],
        parent_id=parent.id if parent else None,
        region_id=region.id,
        region_path=region.path,
        workplace=workplace,
        secretary_id=secretary.id if secretary else None,
        created_at=rt.clock.now(),
    )


async def create_member(
    rt: Runtime,
    account: Account,
    *,
    organisation: PartyOrganisation | None = None,
    workplace: str = "",
    skills: list[str] | None = None,
    community: Region | None = None,
    confirmed: bool = False,
) -> PartyMember:
    """A member profile, optionally already registered (and confirmed) with a community."""
    now = rt.clock.now()
    registration = None
    if community is not None:
        registration = RegistrationStatus.CONFIRMED if confirmed else RegistrationStatus.PENDING
    return await PartyMember.create(
        account_id=account.id,
        organisation_id=organisation.id if organisation else None,
        workplace=workplace,
        skills_text=skills_text(clean_skills(skills)),
        community_id=community.id if community else None,
        community_path=community.path if community else None,
        registration=registration,
        registered_at=now if community else None,
        confirmed_at=now if confirmed and community else None,
        created_at=now,
    )


async def update_my_profile(
    rt: Runtime,
    actor: Actor | None,
    *,
    workplace: str | None = None,
    skills: list[str] | None = None,
) -> PartyMember:
    actor = require_actor(actor)
    member = await require_member(actor)
    changes: dict[str, Any] = {}
    if workplace is not None:
        changes["workplace"] = clean_text(workplace, "workplace", max_len=128, required=False)
    if skills is not None:
        changes["skills_text"] = skills_text(clean_skills(skills))
    if changes:
        await PartyMember.filter(id=member.id).update(**changes)
        for key, value in changes.items():
            setattr(member, key, value)
    return member


# --- double registration -----------------------------------------------------------------


async def _community(community_id: int) -> Region:
    region = await Region.get_or_none(id=community_id)
    if region is None:
        raise not_found("Region", "communityId")
    if region.level is not RegionLevel.COMMUNITY:
        raise invalid("communityId", "Members and organisations register with a community")
    return region


async def register_with_community(
    rt: Runtime, actor: Actor | None, community_id: int
) -> PartyMember:
    """A Party member asks to serve in a community; staff there confirm it."""
    actor = require_actor(actor, "communityId")
    if not actor.has_role(Role.PARTY_MEMBER):
        raise denied("Only Party members register with a community", "communityId")
    community = await _community(community_id)
    now = rt.clock.now()
    async with atomic():
        member = await member_of(actor)
        if member is None:
            member = await PartyMember.create(account_id=actor.account_id, created_at=now)
        if member.community_id == community.id and member.registration is not None:
            raise WorkflowError(
                ErrorCode.DUPLICATE,
                f"You are already registered with this community ({member.registration.value})",
                "communityId",
            )
        changes: dict[str, Any] = {
            "community_id": community.id,
            "community_path": community.path,
            "registration": RegistrationStatus.PENDING,
            "registered_at": now,
            "confirmed_at": None,
            "confirmed_by_id": None,
        }
        await PartyMember.filter(id=member.id).update(**changes)
        for key, value in changes.items():
            setattr(member, key, value)
        await eventlog.append(
            kind="party_member.registered",
            region_path=community.path,
            subject_type="PartyMember",
            subject_id=member.id,
            actor_id=actor.account_id,
            at=now,
            payload=member_event_payload(member),
        )
    return member


async def confirm_registration(rt: Runtime, actor: Actor | None, member_id: int) -> PartyMember:
    actor = require_actor(actor, "partyMemberId")
    member = await PartyMember.get_or_none(id=member_id)
    if member is None or member.community_path is None:
        raise not_found("PartyMember", "partyMemberId")
    if not actor.covers(member.community_path, STAFF_ROLES):
        raise denied("Only staff of the community may confirm a registration", "partyMemberId")
    if member.registration is not RegistrationStatus.PENDING:
        raise WorkflowError(
            ErrorCode.INVALID_TRANSITION, "The registration is not waiting", "partyMemberId"
        )
    now = rt.clock.now()
    async with atomic():
        updated = await PartyMember.filter(
            id=member.id,
            community_id=member.community_id,
            registration=RegistrationStatus.PENDING,
        ).update(
            registration=RegistrationStatus.CONFIRMED,
            confirmed_at=now,
            confirmed_by_id=actor.account_id,
        )
        if not updated:
            raise WorkflowError(
                ErrorCode.CONFLICT, "The registration changed meanwhile", "partyMemberId"
            )
        member.registration = RegistrationStatus.CONFIRMED
        member.confirmed_at = now
        member.confirmed_by_id = actor.account_id
        await eventlog.append(
            kind="party_member.confirmed",
            region_path=member.community_path,
            subject_type="PartyMember",
            subject_id=member.id,
            actor_id=actor.account_id,
            at=now,
            payload=member_event_payload(member),
        )
    return member


async def register_organisation(
    rt: Runtime, actor: Actor | None, organisation_id: int, community_id: int
) -> PartyOrganisation:
    """An organisation's secretary registers it with a community."""
    actor = require_actor(actor, "organisationId")
    org = await PartyOrganisation.get_or_none(id=organisation_id)
    if org is None:
        raise not_found("PartyOrganisation", "organisationId")
    if not actor.is_admin and org.secretary_id != actor.account_id:
        raise denied("Only the organisation's secretary may register it", "organisationId")
    community = await _community(community_id)
    if org.community_id == community.id and org.registration is not None:
        raise WorkflowError(
            ErrorCode.DUPLICATE, "The organisation is already registered there", "communityId"
        )
    now = rt.clock.now()
    async with atomic():
        changes: dict[str, Any] = {
            "community_id": community.id,
            "community_path": community.path,
            "registration": RegistrationStatus.PENDING,
            "registered_at": now,
            "confirmed_at": None,
        }
        await PartyOrganisation.filter(id=org.id).update(**changes)
        for key, value in changes.items():
            setattr(org, key, value)
        await eventlog.append(
            kind="organisation.registered",
            region_path=community.path,
            subject_type="PartyOrganisation",
            subject_id=org.id,
            actor_id=actor.account_id,
            at=now,
            payload=organisation_event_payload(org),
        )
    return org


async def confirm_organisation(
    rt: Runtime, actor: Actor | None, organisation_id: int
) -> PartyOrganisation:
    actor = require_actor(actor, "organisationId")
    org = await PartyOrganisation.get_or_none(id=organisation_id)
    if org is None or org.community_path is None:
        raise not_found("PartyOrganisation", "organisationId")
    if not actor.covers(org.community_path, STAFF_ROLES):
        raise denied("Only staff of the community may confirm a registration", "organisationId")
    if org.registration is not RegistrationStatus.PENDING:
        raise WorkflowError(
            ErrorCode.INVALID_TRANSITION, "The registration is not waiting", "organisationId"
        )
    now = rt.clock.now()
    async with atomic():
        updated = await PartyOrganisation.filter(
            id=org.id, community_id=org.community_id, registration=RegistrationStatus.PENDING
        ).update(registration=RegistrationStatus.CONFIRMED, confirmed_at=now)
        if not updated:
            raise WorkflowError(
                ErrorCode.CONFLICT, "The registration changed meanwhile", "organisationId"
            )
        org.registration = RegistrationStatus.CONFIRMED
        org.confirmed_at = now
        await eventlog.append(
            kind="organisation.confirmed",
            region_path=org.community_path,
            subject_type="PartyOrganisation",
            subject_id=org.id,
            actor_id=actor.account_id,
            at=now,
            payload=organisation_event_payload(org),
        )
    return org


# --- reading -----------------------------------------------------------------------------


def member_filter(actor: Actor | None) -> Q | None:
    """Members `actor` may see: their own profile, and those registered in or belonging to
    an organisation of a region they staff or lead. None means all."""
    if actor is None:
        return Q(id=-1)
    if actor.is_admin:
        return None
    clauses = [Q(account_id=actor.account_id)]
    for path in actor.region_paths(MEMBER_READER_ROLES):
        clauses.append(Q(community_path__startswith=path))
        clauses.append(Q(organisation__region_path__startswith=path))
    return Q(*clauses, join_type="OR")


def can_see_member(actor: Actor | None, member: PartyMember, org_path: str | None) -> bool:
    if actor is None:
        return False
    if actor.is_admin or member.account_id == actor.account_id:
        return True
    paths = [p for p in (member.community_path, org_path) if p]
    return any(actor.covers(p, MEMBER_READER_ROLES) for p in paths)


def can_see_member_phone(actor: Actor | None, member: PartyMember) -> bool:
    """The member, admins and the staff of the community where they serve."""
    if actor is None:
        return False
    if actor.is_admin or member.account_id == actor.account_id:
        return True
    return member.community_path is not None and actor.covers(member.community_path, STAFF_ROLES)


@dataclass
class MemberSearch:
    community_id: int | None = None
    organisation_id: int | None = None
    skill: str | None = None
    registration: RegistrationStatus | None = None
    active_within_days: int | None = None


async def search_members(actor: Actor | None, search: MemberSearch, now: datetime) -> QuerySet:
    query = PartyMember.all()
    scope = member_filter(actor)
    if scope is not None:
        query = query.filter(scope)
    if search.community_id is not None:
        region = await Region.get_or_none(id=search.community_id)
        query = query.filter(community_path__startswith=region.path if region else "-")
    if search.organisation_id is not None:
        query = query.filter(organisation_id=search.organisation_id)
    if search.skill:
        query = query.filter(skills_text__contains=f"|{search.skill.strip()}|")
    if search.registration is not None:
        query = query.filter(registration=search.registration)
    if search.active_within_days is not None:
        if not 1 <= search.active_within_days <= 3660:
            raise invalid("filter.activeWithinDays", "activeWithinDays must be 1 to 3660")
        query = query.filter(last_served_at__gte=now - timedelta(days=search.active_within_days))
    return query.distinct()
