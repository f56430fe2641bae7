"""Party organisations and members for the tests, made straight in the test's database."""

from __future__ import annotations

from strawberry.relay import GlobalID

from grassroots.clock import FrozenClock
from grassroots.models import Account, PartyMember, PartyOrganisation, Region, RoleBinding
from grassroots.models.enums import RegionLevel, Role
from grassroots.models.party import OrganisationKind
from grassroots.settings import Settings
from grassroots.workflow import party
from grassroots.workflow.runtime import Runtime

from .client import PASSWORD

_HASH: dict[str, str] = {}


def gid(type_name: str, pk: int) -> str:
    return str(GlobalID(type_name, str(pk)))


def _password_hash() -> str:
    if "h" not in _HASH:
        from grassroots.workflow.auth import hash_password

        _HASH["h"] = hash_password(PASSWORD)
    return _HASH["h"]


async def community(name_zh: str) -> Region:
    return await Region.get(level=RegionLevel.COMMUNITY, name_zh=name_zh)


async def member_account(
    settings: Settings,
    clock: FrozenClock,
    username: str,
    *,
    community_zh: str | None = "延青社区",
    confirmed: bool = True,
    organisation: PartyOrganisation | None = None,
    skills: list[str] | None = None,
) -> PartyMember:
    """An account with a PARTY_MEMBER binding where it lives and a member profile,
    registered (and by default confirmed) with `community_zh`."""
    rt = Runtime(settings=settings, clock=clock)
    home = await community(community_zh or "延青社区")
    account = await Account.get_or_none(username=username)
    if account is None:
        account = await Account.create(
            username=username,
            display_name=f"당원 {username} 党员",
            phone="13900001111",
            password_hash=_password_hash(),
            created_at=clock.now(),
        )
        await RoleBinding.create(account=account, role=Role.PARTY_MEMBER, region=home)
    return await party.create_member(
        rt,
        account,
        organisation=organisation,
        skills=skills,
        community=home if community_zh else None,
        confirmed=confirmed,
    )


async def branch(
    settings: Settings, clock: FrozenClock, *, secretary: str | None = None
) -> PartyOrganisation:
    rt = Runtime(settings=settings, clock=clock)
    home = await community("延青社区")
    account = await Account.get(username=secretary) if secretary else None
    return await party.create_organisation(
        rt,
        kind=OrganisationKind.BRANCH,
        name=("연청 당지부", "延青党支部", "Yanqing Party Branch"),
        region=home,
        secretary=account,
    )
