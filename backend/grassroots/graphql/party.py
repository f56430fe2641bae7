"""Party members and organisations as the API shows them (phones masked for those who may
not see them), double registration, the partyMembers list and a region's Party stats."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any, Self

import strawberry
from strawberry import relay
from tortoise.expressions import Q

from .. import models
from ..models.enums import Role as DomainRole
from ..workflow import party as flow
from ..workflow.actor import STAFF_ROLES
from ..workflow.errors import WorkflowError
from ..workflow.party_stats import party_stats
from ..workflow.visibility import mask_phone
from .context import Info
from .directory import RegionType, pick_name, region_of
from .enums import OrganisationKind, RegistrationStatus
from .errors import UserError, decode_id
from .pagination import Connection, paged
from .payloads import query_error, run
from .permissions import IsAuthenticated

# Who may read a region's Party stats.
STATS_READER_ROLES = frozenset({*STAFF_ROLES, DomainRole.LEADER, DomainRole.DISPLAY})


@strawberry.type(name="PartyOrganisation")
class PartyOrganisationType(relay.Node):
    """A Party committee or branch; every signed-in user may see it."""

    id: relay.NodeID[int]
    kind: OrganisationKind
    name_ko: str
    name_zh: str
    name_en: str
    workplace: str
    registration: RegistrationStatus | None
    registered_at: datetime | None
    confirmed_at: datetime | None
    _m: strawberry.Private[models.PartyOrganisation]

    @classmethod
    def of(cls, m: models.PartyOrganisation) -> Self:
        return cls(
            id=m.id,
            kind=m.kind,
            name_ko=m.name_ko,
            name_zh=m.name_zh,
            name_en=m.name_en,
            workplace=m.workplace,
            registration=m.registration,
            registered_at=m.registered_at,
            confirmed_at=m.confirmed_at,
            _m=m,
        )

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Self | None]:
        if info.context.actor is None:
            return [None for _ in node_ids]
        loader = info.context.loaders.party_organisation_by_id
        rows = await loader.load_many([int(i) for i in node_ids])
        return [cls.of(m) if m else None for m in rows]

    @strawberry.field
    def name(self, locale: str | None = None) -> str:
        return pick_name(self._m, locale)

    @strawberry.field(description="The region it belongs to")
    async def region(self, info: Info) -> RegionType | None:
        return await region_of(info, self._m.region_id)

    @strawberry.field(description="The community it registered to serve (双报到)")
    async def community(self, info: Info) -> RegionType | None:
        return await region_of(info, self._m.community_id)

    @strawberry.field
    async def parent(self, info: Info) -> PartyOrganisationType | None:
        return await organisation_of(info, self._m.parent_id)

    @strawberry.field(description="The secretary's name")
    async def secretary_name(self, info: Info) -> str | None:
        if self._m.secretary_id is None:
            return None
        row = await info.context.loaders.account_by_id.load(self._m.secretary_id)
        return row.display_name if row else None

    @strawberry.field(description="How many Party members belong to it")
    async def member_count(self, info: Info) -> int:
        return int(await info.context.loaders.member_count_by_organisation.load(self._m.id))


async def organisation_of(info: Info, org_id: int | None) -> PartyOrganisationType | None:
    if org_id is None:
        return None
    row = await info.context.loaders.party_organisation_by_id.load(org_id)
    return PartyOrganisationType.of(row) if row else None


@strawberry.type(name="PartyMember")
class PartyMemberType(relay.Node):
    """A Party member's profile: visible to the member, and to staff and leaders over the
    community where they serve or over their organisation."""

    id: relay.NodeID[int]
    workplace: str
    skills: list[str]
    registration: RegistrationStatus | None
    registered_at: datetime | None
    confirmed_at: datetime | None
    service_count: int
    points: int
    last_served_at: datetime | None
    _m: strawberry.Private[models.PartyMember]

    @classmethod
    def of(cls, m: models.PartyMember) -> Self:
        return cls(
            id=m.id,
            workplace=m.workplace,
            skills=m.skills,
            registration=m.registration,
            registered_at=m.registered_at,
            confirmed_at=m.confirmed_at,
            service_count=m.service_count,
            points=m.points,
            last_served_at=m.last_served_at,
            _m=m,
        )

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Self | None]:
        loaders = info.context.loaders
        rows = await loaders.party_member_by_id.load_many([int(i) for i in node_ids])
        result: list[Self | None] = []
        for m in rows:
            org = (
                await loaders.party_organisation_by_id.load(m.organisation_id)
                if m and m.organisation_id
                else None
            )
            visible = m is not None and flow.can_see_member(
                info.context.actor, m, org.region_path if org else None
            )
            result.append(cls.of(m) if m and visible else None)
        return result

    @strawberry.field(description="Total hours credited for service")
    def service_hours(self) -> float:
        return round(self._m.service_minutes / 60, 2)

    @strawberry.field
    async def display_name(self, info: Info) -> str:
        row = await info.context.loaders.account_by_id.load(self._m.account_id)
        return row.display_name if row else ""

    @strawberry.field(description="Masked unless the viewer may see it")
    async def phone(self, info: Info) -> str | None:
        row = await info.context.loaders.account_by_id.load(self._m.account_id)
        phone = row.phone if row else None
        if flow.can_see_member_phone(info.context.actor, self._m):
            return phone
        return mask_phone(phone)

    @strawberry.field
    def phone_masked(self, info: Info) -> bool:
        return not flow.can_see_member_phone(info.context.actor, self._m)

    @strawberry.field
    async def organisation(self, info: Info) -> PartyOrganisationType | None:
        return await organisation_of(info, self._m.organisation_id)

    @strawberry.field(description="The community where the member registered to serve")
    async def community(self, info: Info) -> RegionType | None:
        return await region_of(info, self._m.community_id)


@strawberry.type(description="A region subtree's Party work, as reported upward")
class PartyStats:
    members_registered: int = strawberry.field(description="Confirmed registrations")
    members_pending: int
    organisations_registered: int
    tasks_posted: int
    sign_ups: int = strawberry.field(description="Assignments not cancelled")
    services_completed: int
    service_hours: float
    wishes_collected: int
    wishes_claimed: int
    wishes_fulfilled: int
    projects_established: int
    projects_completed: int
    difficulties_collected: int
    difficulties_solved: int
    cases_collected: int = strawberry.field(description="Problems collected (the case total)")


# --- queries -----------------------------------------------------------------------------


@strawberry.input
class PartyMemberFilter:
    community_id: strawberry.ID | None = strawberry.field(
        default=None, description="Members registered in this region's subtree"
    )
    organisation_id: strawberry.ID | None = None
    skill: str | None = None
    registration: RegistrationStatus | None = None
    active_within_days: int | None = strawberry.field(
        default=None, description="Served at least once in the last N days"
    )


def _member_search(f: PartyMemberFilter | None) -> flow.MemberSearch:
    if f is None:
        return flow.MemberSearch()
    return flow.MemberSearch(
        community_id=decode_id(f.community_id, "Region", "filter.communityId")
        if f.community_id
        else None,
        organisation_id=decode_id(f.organisation_id, "PartyOrganisation", "filter.organisationId")
        if f.organisation_id
        else None,
        skill=f.skill,
        registration=f.registration,
        active_within_days=f.active_within_days,
    )


@strawberry.type
class PartyQueries:
    @strawberry.field(
        permission_classes=[IsAuthenticated],
        description="Party members the viewer may see; `first` is required, at most 100",
    )
    async def party_members(
        self,
        info: Info,
        first: int,
        after: str | None = None,
        filter: PartyMemberFilter | None = None,
    ) -> Connection[PartyMemberType]:
        ctx = info.context
        return await paged(
            lambda: flow.search_members(ctx.actor, _member_search(filter), ctx.rt.clock.now()),
            PartyMemberType.of,
            key="id",
            descending=False,
            first=first,
            after=after,
            is_time=False,
        )

    @strawberry.field(permission_classes=[IsAuthenticated])
    async def my_party_profile(self, info: Info) -> PartyMemberType | None:
        actor = info.context.actor
        assert actor is not None
        row = await info.context.loaders.party_member_by_account.load(actor.account_id)
        return PartyMemberType.of(row) if row else None

    @strawberry.field(
        permission_classes=[IsAuthenticated],
        description="Organisations in a region's subtree or registered with a community there",
    )
    async def party_organisations(
        self, info: Info, region_id: strawberry.ID | None = None
    ) -> list[PartyOrganisationType]:
        query = models.PartyOrganisation.all()
        if region_id is not None:
            try:
                region = await models.Region.get_or_none(
                    id=decode_id(region_id, "Region", "regionId")
                )
            except WorkflowError as exc:
                raise query_error(exc) from exc
            path = region.path if region else "-"
            query = query.filter(
                Q(region_path__startswith=path) | Q(community_path__startswith=path)
            )
        rows = await query.order_by("region_path", "id").limit(1000)
        return [PartyOrganisationType.of(r) for r in rows]

    @strawberry.field(
        permission_classes=[IsAuthenticated],
        description="Party work in a region's subtree; staff, leaders and displays in scope",
    )
    async def party_stats(self, info: Info, region_id: strawberry.ID) -> PartyStats | None:
        actor = info.context.actor
        assert actor is not None
        try:
            region = await models.Region.get_or_none(id=decode_id(region_id, "Region", "regionId"))
        except WorkflowError as exc:
            raise query_error(exc) from exc
        if region is None or not actor.covers(region.path, STATS_READER_ROLES):
            return None
        stats = await party_stats(region.path)
        return PartyStats(**vars(stats))


# --- mutations ---------------------------------------------------------------------------


@strawberry.type
class PartyMemberPayload:
    party_member: PartyMemberType | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class PartyOrganisationPayload:
    organisation: PartyOrganisationType | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class RegisterWithCommunityInput:
    community_id: strawberry.ID


@strawberry.input
class ConfirmRegistrationInput:
    party_member_id: strawberry.ID


@strawberry.input
class RegisterOrganisationInput:
    organisation_id: strawberry.ID
    community_id: strawberry.ID


@strawberry.input
class ConfirmOrganisationInput:
    organisation_id: strawberry.ID


@strawberry.input
class UpdateMyPartyProfileInput:
    workplace: str | None = None
    skills: list[str] | None = None


def _member(m: models.PartyMember) -> dict[str, Any]:
    return {"party_member": PartyMemberType.of(m)}


def _organisation(m: models.PartyOrganisation) -> dict[str, Any]:
    return {"organisation": PartyOrganisationType.of(m)}


@strawberry.type
class PartyMutations:
    @strawberry.mutation(description="A Party member registers to serve in a community (双报到)")
    async def register_with_community(
        self, info: Info, input: RegisterWithCommunityInput
    ) -> PartyMemberPayload:
        ctx = info.context

        async def act() -> dict[str, Any]:
            community = decode_id(input.community_id, "Region", "communityId")
            return _member(await flow.register_with_community(ctx.rt, ctx.actor, community))

        return await run(PartyMemberPayload, act)

    @strawberry.mutation(description="Community staff confirm a member's registration")
    async def confirm_registration(
        self, info: Info, input: ConfirmRegistrationInput
    ) -> PartyMemberPayload:
        ctx = info.context

        async def act() -> dict[str, Any]:
            member = decode_id(input.party_member_id, "PartyMember", "partyMemberId")
            return _member(await flow.confirm_registration(ctx.rt, ctx.actor, member))

        return await run(PartyMemberPayload, act)

    @strawberry.mutation
    async def update_my_party_profile(
        self, info: Info, input: UpdateMyPartyProfileInput
    ) -> PartyMemberPayload:
        ctx = info.context

        async def act() -> dict[str, Any]:
            member = await flow.update_my_profile(
                ctx.rt, ctx.actor, workplace=input.workplace, skills=input.skills
            )
            return _member(member)

        return await run(PartyMemberPayload, act)

    @strawberry.mutation(description="An organisation's secretary registers it with a community")
    async def register_organisation_with_community(
        self, info: Info, input: RegisterOrganisationInput
    ) -> PartyOrganisationPayload:
        ctx = info.context

        async def act() -> dict[str, Any]:
            org = decode_id(input.organisation_id, "PartyOrganisation", "organisationId")
            community = decode_id(input.community_id, "Region", "communityId")
            return _organisation(
                await flow.register_organisation(ctx.rt, ctx.actor, org, community)
            )

        return await run(PartyOrganisationPayload, act)

    @strawberry.mutation(description="Community staff confirm an organisation's registration")
    async def confirm_organisation_registration(
        self, info: Info, input: ConfirmOrganisationInput
    ) -> PartyOrganisationPayload:
        ctx = info.context

        async def act() -> dict[str, Any]:
            org = decode_id(input.organisation_id, "PartyOrganisation", "organisationId")
            return _organisation(await flow.confirm_organisation(ctx.rt, ctx.actor, org))

        return await run(PartyOrganisationPayload, act)
