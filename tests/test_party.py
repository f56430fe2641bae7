"""Party members and organisations: double registration confirmed by community staff, the
partyMembers list with its filters, phones masked for those who may not see them, and who
may read a region's Party stats."""

from __future__ import annotations

import pytest

from grassroots.clock import FrozenClock
from grassroots.models import Case, Event, PartyMember, PartyOrganisation, Region
from grassroots.settings import Settings

from . import flows, lookup
from .client import Api
from .party_operations import (
    CONFIRM,
    CONFIRM_ORGANISATION,
    MY_PROFILE,
    PARTY_MEMBERS,
    PARTY_STATS,
    REGISTER,
    REGISTER_ORGANISATION,
)
from .party_setup import branch, gid, member_account


async def test_a_member_registers_and_community_staff_confirm(api: Api, app: object) -> None:
    yanqing = await lookup.region(api, "COMMUNITY", "延青社区")

    # When party1 registers with Yanqing
    registered = await api.as_user("party1", REGISTER, {"input": {"communityId": yanqing["id"]}})
    member = flows.ok(registered["registerWithCommunity"])["partyMember"]
    assert member["registration"] == "PENDING"
    assert member["phone"] == "13894350078"  # their own, in full

    # Then staff of another community may not confirm it, Yanqing's staff may
    other = await api.as_user("community2", CONFIRM, {"input": {"partyMemberId": member["id"]}})
    assert [e["code"] for e in other["confirmRegistration"]["userErrors"]] == ["PERMISSION_DENIED"]
    confirmed = await api.as_user("community1", CONFIRM, {"input": {"partyMemberId": member["id"]}})
    assert flows.ok(confirmed["confirmRegistration"])["partyMember"]["registration"] == "CONFIRMED"

    # And confirming twice is refused
    again = await api.as_user("community1", CONFIRM, {"input": {"partyMemberId": member["id"]}})
    assert [e["code"] for e in again["confirmRegistration"]["userErrors"]] == ["INVALID_TRANSITION"]
    profile = (await api.as_user("party1", MY_PROFILE))["myPartyProfile"]
    assert profile["community"]["nameZh"] == "延青社区"
    assert [e.kind for e in await Event.filter(kind__startswith="party_member.")] == [
        "party_member.registered",
        "party_member.confirmed",
    ]


@pytest.mark.parametrize(
    ("user", "community", "code"),
    [
        ("resident1", "延青社区", "PERMISSION_DENIED"),
        ("party1", "建工街道", "INVALID_INPUT"),
        (None, "延青社区", "UNAUTHENTICATED"),
    ],
)
async def test_registration_refusals_write_nothing(
    api: Api, app: object, user: str | None, community: str, code: str
) -> None:
    level = "STREET" if community.endswith("街道") else "COMMUNITY"
    region = await lookup.region(api, level, community)
    variables = {"input": {"communityId": region["id"]}}
    data = (
        await api.run(REGISTER, variables)
        if user is None
        else await api.as_user(user, REGISTER, variables)
    )
    assert [e["code"] for e in data["registerWithCommunity"]["userErrors"]] == [code]
    assert await PartyMember.all().count() == 0
    assert await Event.exclude(region_path="/").count() == 0  # the demo logs only its token


async def test_an_organisation_registers_through_its_secretary(
    api: Api, settings: Settings, clock: FrozenClock
) -> None:
    await member_account(settings, clock, "secretary1", community_zh=None)
    org = await branch(settings, clock, secretary="secretary1")
    await member_account(settings, clock, "member2", organisation=org)
    minxing = await lookup.region(api, "COMMUNITY", "民兴社区")
    variables = {
        "input": {"organisationId": gid("PartyOrganisation", org.id), "communityId": minxing["id"]}
    }

    refused = await api.as_user("party1", REGISTER_ORGANISATION, variables)
    assert [e["code"] for e in refused["registerOrganisationWithCommunity"]["userErrors"]] == [
        "PERMISSION_DENIED"
    ]
    done = await api.as_user("secretary1", REGISTER_ORGANISATION, variables)
    registered = flows.ok(done["registerOrganisationWithCommunity"])["organisation"]
    assert registered["registration"] == "PENDING"
    assert registered["memberCount"] == 1
    confirm = {"input": {"organisationId": registered["id"]}}
    confirmed = await api.as_user("community2", CONFIRM_ORGANISATION, confirm)
    assert (
        flows.ok(confirmed["confirmOrganisationRegistration"])["organisation"]["registration"]
        == "CONFIRMED"
    )
    assert (await PartyOrganisation.get(id=org.id)).community_path is not None


async def test_party_members_filters_pages_and_masks_phones(
    api: Api, settings: Settings, clock: FrozenClock
) -> None:
    org = await branch(settings, clock)
    for i in range(5):
        await member_account(
            settings,
            clock,
            f"m{i}",
            organisation=org if i < 2 else None,
            skills=["cooking"] if i % 2 else [],
        )
    await member_account(settings, clock, "minxing1", community_zh="民兴社区")
    yanqing = await lookup.region(api, "COMMUNITY", "延青社区")

    async def names(user: str, **filter: object) -> list[str]:
        data = await api.as_user(user, PARTY_MEMBERS, {"first": 50, "filter": filter})
        return [n["displayName"] for n in data["partyMembers"]["nodes"]]

    assert len(await names("community1", communityId=yanqing["id"])) == 5
    assert len(await names("community1", organisationId=gid("PartyOrganisation", org.id))) == 2
    assert len(await names("community1", skill="cooking")) == 2
    assert await names("community1", activeWithinDays=30) == []
    # staff of Yanqing see Yanqing's members only; a leader over the city sees all six
    assert len(await names("community1")) == 5
    assert len(await names("leader1")) == 6
    # a member sees only themselves
    assert await names("m0") == ["당원 m0 党员"]

    # pages of two, with the phone in full for staff and masked for the leader
    first = (await api.as_user("community1", PARTY_MEMBERS, {"first": 2}))["partyMembers"]
    assert first["totalCount"] == 5
    assert first["pageInfo"]["hasNextPage"] is True
    assert first["nodes"][0]["phone"] == "13900001111"
    after = first["pageInfo"]["endCursor"]
    second = await api.as_user("community1", PARTY_MEMBERS, {"first": 2, "after": after})
    assert len(second["partyMembers"]["nodes"]) == 2
    led = (await api.as_user("leader1", PARTY_MEMBERS, {"first": 1}))["partyMembers"]["nodes"]
    assert led[0]["phone"] == "139****1111"
    assert led[0]["phoneMasked"] is True
    too_many = await api.raw(
        "{ partyMembers(first: 101) { totalCount } }", token=await api.login("admin")
    )
    assert "first" in too_many["errors"][0]["message"]


@pytest.mark.parametrize(
    ("user", "visible"),
    [
        ("community1", True),
        ("leader1", True),
        ("screen1", True),
        ("party1", False),
        ("resident1", False),
    ],
)
async def test_party_stats_are_for_staff_leaders_and_displays_in_scope(
    api: Api, app: object, user: str, visible: bool
) -> None:
    yanqing = await lookup.region(api, "COMMUNITY", "延青社区")
    stats = (await api.as_user(user, PARTY_STATS, {"regionId": yanqing["id"]}))["partyStats"]
    assert (stats is not None) is visible


async def test_party_stats_count_the_cases_of_their_region(api: Api, app: object) -> None:
    # Given the Party figures of 延青 and of the whole city
    yanqing = await lookup.region(api, "COMMUNITY", "延青社区")
    city = await lookup.region(api, "CITY", "延吉市")

    async def collected(region: dict[str, str]) -> int:
        stats = await api.as_user("admin", PARTY_STATS, {"regionId": region["id"]})
        return int(stats["partyStats"]["casesCollected"])

    before = (await collected(yanqing), await collected(city))

    # When a resident reports a problem in 延青
    await flows.report(api)

    # Then both count it, and 延青's figure is the number of its cases
    assert (await collected(yanqing), await collected(city)) == (before[0] + 1, before[1] + 1)
    path = (await Region.get(name_zh="延青社区")).path
    assert await collected(yanqing) == await Case.filter(region_path__startswith=path).count()


async def test_the_demo_party_builder_plays_its_weeks_without_refusals(
    api: Api, settings: Settings, clock: FrozenClock
) -> None:
    from grassroots.demo.city import City
    from grassroots.demo.party import build_party
    from grassroots.models import Department, Region
    from grassroots.workflow.runtime import Runtime

    city = City(
        regions={r.code: r for r in await Region.all()},
        departments={d.code: d for d in await Department.all()},
        categories={},
    )
    result = await build_party(Runtime(settings=settings, clock=clock), city, members=40)
    assert result.failures == []
    assert result.counts["party_members"] == 40
    yanqing = await lookup.region(api, "COMMUNITY", "延青社区")
    for user in ("party1", "party2", "party3", "party4", "party5"):
        profile = (await api.as_user(user, MY_PROFILE))["myPartyProfile"]
        assert profile["registration"] == "CONFIRMED"
        assert profile["community"]["id"] == yanqing["id"]
    stats = (await api.as_user("community1", PARTY_STATS, {"regionId": yanqing["id"]}))[
        "partyStats"
    ]
    assert stats["membersRegistered"] >= 5
    assert stats["tasksPosted"] > 0
    assert stats["wishesCollected"] > 0
