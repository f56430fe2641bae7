"""The three lists: who may put items on them and claim them, the claim race, ticking off,
verifying and sending back, and the filters and summary counts."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

import pytest

from grassroots.clock import FrozenClock
from grassroots.models import Account, Event, ListItem, ListItemCase
from grassroots.settings import Settings

from . import flows, lookup
from .client import Api
from .conftest import START
from .images import jpeg
from .party_operations import (
    CLAIM_ITEM,
    COMPLETE_ITEM,
    CREATE_ITEM,
    ITEM,
    LIST_ITEMS,
    LIST_SUMMARY,
    SEND_BACK_ITEM,
    VERIFY_ITEM,
)
from .party_setup import branch, gid, member_account


@pytest.fixture
async def party(app: object, settings: Settings, clock: FrozenClock) -> None:
    """party1 serves in Yanqing; secretary1 leads the Yanqing branch; minxing1 serves
    elsewhere."""
    await member_account(settings, clock, "party1")
    await member_account(settings, clock, "secretary1")
    await branch(settings, clock, secretary="secretary1")
    await member_account(settings, clock, "minxing1", community_zh="民兴社区")


async def create(api: Api, kind: str, *, user: str = "community1", **extra: Any) -> dict[str, Any]:
    yanqing = await lookup.region(api, "COMMUNITY", "延青社区")
    variables = {
        "input": {"kind": kind, "title": f"{kind} 항목 事项", "regionId": yanqing["id"], **extra}
    }
    return (await api.as_user(user, CREATE_ITEM, variables))["createListItem"]


async def claim(api: Api, user: str, item_id: str) -> dict[str, Any]:
    return (await api.as_user(user, CLAIM_ITEM, {"input": {"listItemId": item_id}}))[
        "claimListItem"
    ]


async def complete(api: Api, user: str, item_id: str, note: str = "완료 已完成") -> Any:
    variables = {"input": {"listItemId": item_id, "note": note, "photos": [None]}}
    response = await api.upload(
        user,
        COMPLETE_ITEM,
        variables,
        {"variables.input.photos.0": ("done.jpg", jpeg(), "image/jpeg")},
    )
    assert response.status_code == 200, response.text
    return response.json()["data"]["completeListItem"]


# --- who creates and who claims ----------------------------------------------------------


async def test_each_kind_is_claimed_by_its_own_claimer(api: Api, party: None) -> None:
    project = flows.ok(await create(api, "PROJECT"))["listItem"]
    difficulty = flows.ok(await create(api, "DIFFICULTY"))["listItem"]
    wish = flows.ok(await create(api, "WISH", user="resident1"))["listItem"]
    assert wish["requestedByName"] == "김민수 金民洙"

    claimed = flows.ok(await claim(api, "secretary1", project["id"]))["listItem"]
    assert claimed["status"] == "CLAIMED"
    assert claimed["organisation"]["nameZh"] == "延青党支部"
    assert flows.ok(await claim(api, "leader1", difficulty["id"]))["listItem"]["claimedByMe"]
    claimed_wish = flows.ok(await claim(api, "party1", wish["id"]))["listItem"]
    assert claimed_wish["claimedByName"] == "김영애 金英爱"
    # the requester's name is masked for the member who claims the wish
    assert claimed_wish["requestedByName"] == "김** 金**"


async def test_a_block_head_files_a_wish_for_a_resident(api: Api, party: None) -> None:
    resident = await Account.get(username="resident2")
    payload = await create(api, "WISH", user="head1", onBehalfOfId=gid("Account", resident.id))
    flows.ok(payload)
    item = await ListItem.get(kind="WISH")
    assert item.requested_by_id == resident.id
    assert item.created_by_id == (await Account.get(username="head1")).id


async def test_an_item_made_from_cases_links_back_to_them(api: Api, party: None) -> None:
    first = await flows.report(api, title="놀이터 파손 游乐场损坏")
    second = await flows.report(api, title="놀이터 그네 秋千坏了")
    payload = await create(api, "PROJECT", caseIds=[first, second])
    item = flows.ok(payload)["listItem"]
    assert sorted(c["id"] for c in item["cases"]) == sorted([first, second])
    assert await ListItemCase.all().count() == 2
    # and each case shows the item it became part of
    query = "query($id: ID!) { node(id: $id) { ... on Case { listItems { id kind } } } }"
    for case_id in (first, second):
        shown = (await api.as_user("community1", query, {"id": case_id}))["node"]["listItems"]
        assert shown == [{"id": item["id"], "kind": "PROJECT"}]


Arrange = Callable[[Api], Awaitable[str]]


def _item(kind: str, user: str = "community1", then_claim: str | None = None) -> Arrange:
    async def arrange(api: Api) -> str:
        item = flows.ok(await create(api, kind, user=user))["listItem"]["id"]
        if then_claim:
            flows.ok(await claim(api, then_claim, item))
        return str(item)

    return arrange


def _done(kind: str, claimer: str) -> Arrange:
    async def arrange(api: Api) -> str:
        item = await _item(kind, then_claim=claimer)(api)
        flows.ok(await complete(api, claimer, item))
        return item

    return arrange


CLAIM = (CLAIM_ITEM, "claimListItem", {})
VERIFY = (VERIFY_ITEM, "verifyListItem", {})
SEND_BACK = (SEND_BACK_ITEM, "sendBackListItem", {"reason": "사진 부족 照片不够"})

# (name, arrange, operation, who tries, expected code)
REFUSALS: list[tuple[str, Arrange, tuple[str, str, dict[str, Any]], str | None, str]] = [
    ("a member claims a project", _item("PROJECT"), CLAIM, "party1", "PERMISSION_DENIED"),
    ("a leader claims a wish", _item("WISH"), CLAIM, "leader1", "PERMISSION_DENIED"),
    ("a member claims a difficulty", _item("DIFFICULTY"), CLAIM, "party1", "PERMISSION_DENIED"),
    ("a resident claims a wish", _item("WISH"), CLAIM, "resident1", "NOT_FOUND"),
    ("a member from elsewhere", _item("WISH"), CLAIM, "minxing1", "NOT_FOUND"),
    ("claimed twice", _item("WISH", then_claim="party1"), CLAIM, "party1", "ALREADY_CLAIMED"),
    ("a member verifies", _done("WISH", "party1"), VERIFY, "party1", "PERMISSION_DENIED"),
    ("verify an open item", _item("WISH"), VERIFY, "community1", "INVALID_TRANSITION"),
    (
        "send back a claimed item",
        _item("WISH", then_claim="party1"),
        SEND_BACK,
        "community1",
        "INVALID_TRANSITION",
    ),
    ("another community's staff", _done("WISH", "party1"), VERIFY, "community2", "NOT_FOUND"),
    ("nobody signed in", _item("WISH"), CLAIM, None, "UNAUTHENTICATED"),
]


async def _snapshot(api: Api, item_id: str) -> Any:
    node = (await api.as_user("admin", ITEM, {"id": item_id}))["node"]
    return node, await Event.all().count()


@pytest.mark.parametrize(
    ("name", "arrange", "operation", "user", "code"), REFUSALS, ids=[r[0] for r in REFUSALS]
)
async def test_refusal_is_a_user_error_and_writes_nothing(
    api: Api,
    party: None,
    name: str,
    arrange: Arrange,
    operation: tuple[str, str, dict[str, Any]],
    user: str | None,
    code: str,
) -> None:
    item_id = await arrange(api)
    mutation, field, extra = operation
    before = await _snapshot(api, item_id)
    variables = {"input": {"listItemId": item_id, **extra}}
    data = (
        await api.run(mutation, variables)
        if user is None
        else await api.as_user(user, mutation, variables)
    )
    payload = data[field]
    assert payload["listItem"] is None
    assert [e["code"] for e in payload["userErrors"]] == [code], payload["userErrors"]
    assert await _snapshot(api, item_id) == before


@pytest.mark.parametrize(
    ("kind", "user", "code"),
    [
        ("PROJECT", "resident1", "PERMISSION_DENIED"),
        ("DIFFICULTY", "head1", "PERMISSION_DENIED"),
        ("WISH", "resident3", "PERMISSION_DENIED"),
        ("WISH", "heating_co1", "PERMISSION_DENIED"),
        ("WISH", None, "UNAUTHENTICATED"),
    ],
)
async def test_creating_is_refused_with_nothing_written(
    api: Api, party: None, kind: str, user: str | None, code: str
) -> None:
    events = await Event.all().count()
    if user is None:
        yanqing = await lookup.region(api, "COMMUNITY", "延青社区")
        variables = {"input": {"kind": kind, "title": "x", "regionId": yanqing["id"]}}
        payload = (await api.run(CREATE_ITEM, variables))["createListItem"]
    else:
        payload = await create(api, kind, user=user)
    assert [e["code"] for e in payload["userErrors"]] == [code]
    assert await ListItem.all().count() == 0
    assert await Event.all().count() == events


async def test_ticking_off_needs_a_photo(api: Api, party: None) -> None:
    item = await _item("WISH", then_claim="party1")(api)
    variables = {"input": {"listItemId": item, "note": "완료 完成"}}
    payload = (await api.as_user("party1", COMPLETE_ITEM, variables))["completeListItem"]
    assert [e["code"] for e in payload["userErrors"]] == ["INVALID_INPUT"]
    assert (await ListItem.get(kind="WISH")).status == "CLAIMED"


# --- the claim race ----------------------------------------------------------------------

CLAIMERS = 12


async def test_concurrent_claims_have_exactly_one_winner(
    api: Api, party: None, settings: Settings, clock: FrozenClock
) -> None:
    # Given an open wish and a dozen members who may claim it
    for i in range(CLAIMERS):
        await member_account(settings, clock, f"claimer{i}")
        await api.login(f"claimer{i}")
    item = await _item("WISH", user="resident1")(api)

    # When all claim at once
    results = await asyncio.gather(*(claim(api, f"claimer{i}", item) for i in range(CLAIMERS)))

    # Then one won, every other was told, and one event records the claim
    won = [r for r in results if not r["userErrors"]]
    lost = [r for r in results if r["userErrors"]]
    assert len(won) == 1
    assert {e["code"] for r in lost for e in r["userErrors"]} == {"ALREADY_CLAIMED"}
    assert await Event.filter(kind="list_item.claimed").count() == 1


# --- verify, send back, filters and summary ---------------------------------------------


async def test_staff_send_back_and_verify_and_the_summary_counts(
    api: Api, party: None, clock: FrozenClock
) -> None:
    due = (START + timedelta(days=2)).isoformat()
    wish = flows.ok(await create(api, "WISH", dueAt=due))["listItem"]["id"]
    late = flows.ok(await create(api, "WISH", dueAt=due))["listItem"]["id"]
    project = flows.ok(await create(api, "PROJECT"))["listItem"]["id"]
    flows.ok(await claim(api, "party1", wish))
    flows.ok(await claim(api, "secretary1", project))
    done = flows.ok(await complete(api, "party1", wish))["listItem"]
    assert done["status"] == "DONE"
    assert done["doneOnTime"] is True
    assert done["photos"][0]["url"].startswith("/media/")

    # staff send it back, the claimer ticks it off again, staff verify
    back = await api.as_user(
        "community1", SEND_BACK_ITEM, {"input": {"listItemId": wish, "reason": "다시 重做"}}
    )
    assert flows.ok(back["sendBackListItem"])["listItem"]["status"] == "CLAIMED"
    flows.ok(await complete(api, "party1", wish))
    verified = await api.as_user("community1", VERIFY_ITEM, {"input": {"listItemId": wish}})
    assert flows.ok(verified["verifyListItem"])["listItem"]["status"] == "VERIFIED"

    # three days on, the other wish is overdue
    clock.advance(days=3)
    yanqing = await lookup.region(api, "COMMUNITY", "延青社区")
    overdue = await api.as_user(
        "community1", LIST_ITEMS, {"first": 10, "filter": {"overdue": True}}
    )
    assert [n["id"] for n in overdue["listItems"]["nodes"]] == [late]
    owned = await api.as_user(
        "community1",
        LIST_ITEMS,
        {
            "first": 10,
            "filter": {"ownerId": gid("Account", (await Account.get(username="party1")).id)},
        },
    )
    assert [n["id"] for n in owned["listItems"]["nodes"]] == [wish]
    kinds = await api.as_user(
        "community1", LIST_ITEMS, {"first": 10, "filter": {"kinds": ["PROJECT"]}}
    )
    assert [n["id"] for n in kinds["listItems"]["nodes"]] == [project]

    summary = (await api.as_user("community1", LIST_SUMMARY, {"regionId": yanqing["id"]}))[
        "listSummary"
    ]
    by_kind = {row.pop("kind"): row for row in summary}
    assert by_kind["WISH"] == {
        "collected": 2,
        "claimed": 1,
        "done": 1,
        "overdue": 1,
        "doneOnTime": 1,
    }
    assert by_kind["PROJECT"] == {
        "collected": 1,
        "claimed": 1,
        "done": 0,
        "overdue": 0,
        "doneOnTime": 0,
    }
    assert by_kind["DIFFICULTY"]["collected"] == 0


PARTY_ON_DASHBOARD = """
query($id: ID!) { dashboard(regionId: $id) {
  party { wishesCollected wishesClaimed membersRegistered casesCollected } } }
"""


async def test_the_dashboard_shows_the_party_work_of_its_region(api: Api, party: None) -> None:
    yanqing = await lookup.region(api, "COMMUNITY", "延青社区")

    async def figures() -> dict[str, int]:
        data = await api.as_user("screen1", PARTY_ON_DASHBOARD, {"id": yanqing["id"]})
        return data["dashboard"]["party"]

    before = await figures()
    wish = flows.ok(await create(api, "WISH"))["listItem"]["id"]
    flows.ok(await claim(api, "party1", wish))
    after = await figures()
    assert after["wishesCollected"] == before["wishesCollected"] + 1
    assert after["wishesClaimed"] == before["wishesClaimed"] + 1
    assert after["membersRegistered"] >= 2
