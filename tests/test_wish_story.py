"""A small wish's whole life over HTTP: a resident asks, party1 claims it, community staff
spawn a service task, members sign up and check in, staff complete it, party1 ticks the wish
off with a photo, staff verify it, and the counts follow."""

from __future__ import annotations

from datetime import timedelta

from grassroots.clock import FrozenClock
from grassroots.settings import Settings

from . import flows, lookup
from .client import Api
from .conftest import START
from .images import jpeg
from .party_operations import (
    CHECK_IN,
    CLAIM_ITEM,
    COMPLETE_ASSIGNMENT,
    COMPLETE_ITEM,
    CREATE_ITEM,
    CREATE_TASK,
    EVENTS,
    ITEM,
    LIST_SUMMARY,
    PARTY_STATS,
    SIGN_UP,
    VERIFY_ITEM,
)
from .party_setup import member_account

SATURDAY = START + timedelta(days=5)


async def test_a_small_wish_from_asking_to_ticked_off(
    api: Api, settings: Settings, clock: FrozenClock
) -> None:
    # Given party1 and two more members serving in Yanqing
    for user in ("party1", "member2", "member3"):
        await member_account(settings, clock, user)
    yanqing = await lookup.region(api, "COMMUNITY", "延青社区")
    stats_before = (await api.as_user("community1", PARTY_STATS, {"regionId": yanqing["id"]}))[
        "partyStats"
    ]

    # When resident1 asks for a small wish
    asked = await api.as_user(
        "resident1",
        CREATE_ITEM,
        {
            "input": {
                "kind": "WISH",
                "title": "창문 단열 窗户保温",
                "description": "겨울 전에 창문 틈을 막아 주세요 入冬前帮忙封窗缝",
                "regionId": yanqing["id"],
                "dueAt": (START + timedelta(days=10)).isoformat(),
            }
        },
    )
    wish = flows.ok(asked["createListItem"])["listItem"]
    assert wish["status"] == "OPEN"

    # And party1 claims it
    claimed = await api.as_user("party1", CLAIM_ITEM, {"input": {"listItemId": wish["id"]}})
    assert flows.ok(claimed["claimListItem"])["listItem"]["status"] == "CLAIMED"

    # And community staff spawn a service task for it
    posted = await api.as_user(
        "community1",
        CREATE_TASK,
        {
            "input": {
                "title": "창문 단열 봉사 封窗志愿服务",
                "regionId": yanqing["id"],
                "startsAt": SATURDAY.isoformat(),
                "endsAt": (SATURDAY + timedelta(hours=3)).isoformat(),
                "slots": 3,
                "skills": ["repairs"],
                "originListItemId": wish["id"],
            }
        },
    )
    task = flows.ok(posted["createServiceTask"])["task"]

    # And three members sign up, and check in on Saturday
    assignments = {}
    for user in ("party1", "member2", "member3"):
        signed = await api.as_user(user, SIGN_UP, {"input": {"taskId": task["id"]}})
        assignments[user] = flows.ok(signed["signUpForTask"])["assignment"]["id"]
    clock.set(SATURDAY + timedelta(minutes=10))
    for user, assignment in assignments.items():
        checked = await api.as_user(user, CHECK_IN, {"input": {"assignmentId": assignment}})
        assert flows.ok(checked["checkIn"])["assignment"]["status"] == "CHECKED_IN"

    # And staff complete them after the task
    clock.set(SATURDAY + timedelta(hours=3, minutes=5))
    for assignment in assignments.values():
        done = await api.as_user(
            "community1", COMPLETE_ASSIGNMENT, {"input": {"assignmentId": assignment}}
        )
        assert flows.ok(done["completeAssignment"])["assignment"]["hours"] == 3

    # And party1 ticks the wish off with a photo, and staff verify it
    response = await api.upload(
        "party1",
        COMPLETE_ITEM,
        {"input": {"listItemId": wish["id"], "note": "창문 6개 完成6扇窗", "photos": [None]}},
        {"variables.input.photos.0": ("window.jpg", jpeg(), "image/jpeg")},
    )
    ticked = flows.ok(response.json()["data"]["completeListItem"])["listItem"]
    assert ticked["status"] == "DONE"
    assert ticked["doneOnTime"] is True
    assert len(ticked["photos"]) == 1
    media = await api.http.get(ticked["photos"][0]["url"])
    assert media.status_code == 200
    verified = await api.as_user("community1", VERIFY_ITEM, {"input": {"listItemId": wish["id"]}})
    assert flows.ok(verified["verifyListItem"])["listItem"]["status"] == "VERIFIED"

    # Then the resident sees their wish fulfilled, with the task that served it
    seen = (await api.as_user("resident1", ITEM, {"id": wish["id"]}))["node"]
    assert seen["status"] == "VERIFIED"
    assert [t["id"] for t in seen["tasks"]] == [task["id"]]

    # And the counts follow
    stats = (await api.as_user("community1", PARTY_STATS, {"regionId": yanqing["id"]}))[
        "partyStats"
    ]
    assert stats["tasksPosted"] == stats_before["tasksPosted"] + 1
    assert stats["signUps"] == stats_before["signUps"] + 3
    assert stats["serviceHours"] == stats_before["serviceHours"] + 9
    assert stats["wishesClaimed"] == stats_before["wishesClaimed"] + 1
    assert stats["wishesFulfilled"] == stats_before["wishesFulfilled"] + 1
    summary = (await api.as_user("community1", LIST_SUMMARY, {"regionId": yanqing["id"]}))[
        "listSummary"
    ]
    wishes = next(row for row in summary if row["kind"] == "WISH")
    assert (wishes["collected"], wishes["claimed"], wishes["done"], wishes["doneOnTime"]) == (
        1,
        1,
        1,
        1,
    )

    # And the wall screen saw every step, with nothing personal in the payloads
    events = (await api.as_user("screen1", EVENTS, {"regionId": yanqing["id"]}))["events"]
    kinds = [e["kind"] for e in events]
    for kind in (
        "list_item.created",
        "list_item.claimed",
        "task.created",
        "assignment.signed_up",
        "assignment.checked_in",
        "assignment.completed",
        "list_item.done",
        "list_item.verified",
    ):
        assert kind in kinds
    text = str([e["payload"] for e in events])
    for personal in ("김민수", "金民洙", "13804331234", "김영애", "13894350078"):
        assert personal not in text
