"""Service tasks: each sign-up rule and each refusal is a userError with nothing written,
the last-slot race has exactly one winner, and the cancellation window follows the clock."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

import pytest

from grassroots.clock import FrozenClock
from grassroots.models import Assignment, Event, PartyMember, ServiceTask
from grassroots.settings import Settings

from . import flows, lookup
from .client import Api
from .conftest import START
from .party_operations import (
    CANCEL_ASSIGNMENT,
    CANCEL_TASK,
    CHECK_IN,
    COMPLETE_ASSIGNMENT,
    CREATE_TASK,
    MARK_NO_SHOW,
    SERVICE_TASKS,
    SIGN_UP,
    TASK,
    UPDATE_TASK,
)
from .party_setup import community, gid, member_account

TOMORROW = START + timedelta(days=1)


def at(moment: datetime) -> str:
    return moment.isoformat()


@pytest.fixture
async def members(app: object, settings: Settings, clock: FrozenClock) -> None:
    """party1 and member2…member3 serve in Yanqing; a pending one; one serving in Minxing."""
    await member_account(settings, clock, "party1", skills=["first aid"])
    await member_account(settings, clock, "member2")
    await member_account(settings, clock, "member3")
    await member_account(settings, clock, "pending1", confirmed=False)
    await member_account(settings, clock, "minxing1", community_zh="民兴社区")


async def post_task(
    api: Api,
    *,
    slots: int = 2,
    starts: datetime = TOMORROW,
    hours: float = 2,
    user: str = "community1",
    **extra: Any,
) -> dict[str, Any]:
    yanqing = await lookup.region(api, "COMMUNITY", "延青社区")
    variables = {
        "input": {
            "title": "경로당 청소 敬老院打扫",
            "regionId": yanqing["id"],
            "startsAt": at(starts),
            "endsAt": at(starts + timedelta(hours=hours)),
            "slots": slots,
            "place": "교원아빠트 教师公寓",
            "skills": ["cleaning"],
            **extra,
        }
    }
    payload = (await api.as_user(user, CREATE_TASK, variables))["createServiceTask"]
    return flows.ok(payload)["task"]


async def sign_up(api: Api, user: str, task_id: str) -> dict[str, Any]:
    return (await api.as_user(user, SIGN_UP, {"input": {"taskId": task_id}}))["signUpForTask"]


# --- the happy path ----------------------------------------------------------------------


async def test_a_task_is_posted_signed_up_for_checked_in_and_credited(
    api: Api, members: None, clock: FrozenClock
) -> None:
    # Given a task with two slots tomorrow
    task = await post_task(api)
    assert task["status"] == "OPEN"
    assert task["taken"] == 0

    # When two members sign up
    first = flows.ok(await sign_up(api, "party1", task["id"]))
    second = flows.ok(await sign_up(api, "member2", task["id"]))

    # Then the task is full and each holds a slot
    assert first["assignment"]["status"] == "SIGNED_UP"
    assert second["task"]["taken"] == 2
    assert second["task"]["status"] == "FULL"

    # When the task starts and they check in, and staff complete them after it
    clock.set(TOMORROW + timedelta(minutes=5))
    checked = await api.as_user(
        "party1",
        CHECK_IN,
        {
            "input": {
                "assignmentId": first["assignment"]["id"],
                "latitude": 42.9,
                "longitude": 129.5,
            }
        },
    )
    assert flows.ok(checked["checkIn"])["assignment"]["status"] == "CHECKED_IN"
    clock.set(TOMORROW + timedelta(hours=3))
    done = await api.as_user(
        "community1", COMPLETE_ASSIGNMENT, {"input": {"assignmentId": first["assignment"]["id"]}}
    )
    done = flows.ok(done["completeAssignment"])["assignment"]

    # Then the member's profile is credited the task's two hours
    assert done["status"] == "COMPLETED"
    assert done["hours"] == 2
    assert done["member"]["serviceHours"] == 2
    assert done["member"]["serviceCount"] == 1

    # And staff may correct the hours later; the count stays
    fixed = await api.as_user(
        "community1",
        COMPLETE_ASSIGNMENT,
        {"input": {"assignmentId": first["assignment"]["id"], "hours": 1.5}},
    )
    fixed = flows.ok(fixed["completeAssignment"])["assignment"]
    assert fixed["member"]["serviceHours"] == 1.5
    assert fixed["member"]["serviceCount"] == 1

    # And the member who never came is marked NO_SHOW
    noshow = await api.as_user(
        "community1", MARK_NO_SHOW, {"input": {"assignmentId": second["assignment"]["id"]}}
    )
    assert flows.ok(noshow["markNoShow"])["assignment"]["status"] == "NO_SHOW"
    kinds = [e.kind for e in await Event.filter(kind__startswith="assignment.").order_by("seq")]
    assert kinds == [
        "assignment.signed_up",
        "assignment.signed_up",
        "assignment.checked_in",
        "assignment.completed",
        "assignment.corrected",
        "assignment.no_show",
    ]


# --- refusals ----------------------------------------------------------------------------

Arrange = Callable[[Api, FrozenClock], Awaitable[dict[str, str]]]


async def _open_task(api: Api, clock: FrozenClock) -> dict[str, str]:
    return {"task": (await post_task(api))["id"]}


async def _signed_up(api: Api, clock: FrozenClock) -> dict[str, str]:
    task = (await post_task(api))["id"]
    assignment = flows.ok(await sign_up(api, "party1", task))["assignment"]["id"]
    return {"task": task, "assignment": assignment}


async def _overlapping(api: Api, clock: FrozenClock) -> dict[str, str]:
    other = (await post_task(api, starts=TOMORROW - timedelta(hours=1)))["id"]
    flows.ok(await sign_up(api, "party1", other))
    return {"task": (await post_task(api))["id"]}


async def _full(api: Api, clock: FrozenClock) -> dict[str, str]:
    task = (await post_task(api, slots=1))["id"]
    flows.ok(await sign_up(api, "member2", task))
    return {"task": task}


async def _two_taken(api: Api, clock: FrozenClock) -> dict[str, str]:
    task = (await post_task(api, slots=3))["id"]
    for user in ("member2", "member3"):
        flows.ok(await sign_up(api, user, task))
    return {"task": task}


async def _cancelled(api: Api, clock: FrozenClock) -> dict[str, str]:
    task = (await post_task(api))["id"]
    variables = {"input": {"taskId": task, "reason": "비 下雨"}}
    flows.ok((await api.as_user("community1", CANCEL_TASK, variables))["cancelServiceTask"])
    return {"task": task}


async def _under_way(api: Api, clock: FrozenClock) -> dict[str, str]:
    ids = await _open_task(api, clock)
    clock.set(TOMORROW + timedelta(minutes=30))
    return ids


def _signed_up_at(delta: timedelta) -> Arrange:
    async def arrange(api: Api, clock: FrozenClock) -> dict[str, str]:
        ids = await _signed_up(api, clock)
        clock.set(TOMORROW + delta)
        return ids

    return arrange


SIGN = (SIGN_UP, "signUpForTask", "task", {})
WITHDRAW = (CANCEL_ASSIGNMENT, "cancelAssignment", "assignment", {})
CHECK = (CHECK_IN, "checkIn", "assignment", {})
COMPLETE = (COMPLETE_ASSIGNMENT, "completeAssignment", "assignment", {})
NO_SHOW = (MARK_NO_SHOW, "markNoShow", "assignment", {})
UPDATE = (UPDATE_TASK, "updateServiceTask", "task", {"slots": 0})
SHRINK = (UPDATE_TASK, "updateServiceTask", "task", {"slots": 1})
CANCEL = (CANCEL_TASK, "cancelServiceTask", "task", {"reason": "없음 无"})

# (name, arrange, operation, who tries, expected code)
REFUSALS: list[tuple[str, Arrange, tuple[str, str, str, dict[str, Any]], str | None, str]] = [
    ("pending member signs up", _open_task, SIGN, "pending1", "NOT_REGISTERED"),
    ("member of another community", _open_task, SIGN, "minxing1", "NOT_REGISTERED"),
    ("resident signs up", _open_task, SIGN, "resident1", "PERMISSION_DENIED"),
    ("nobody signed in", _open_task, SIGN, None, "UNAUTHENTICATED"),
    ("double sign-up", _signed_up, SIGN, "party1", "DUPLICATE"),
    ("overlapping task", _overlapping, SIGN, "party1", "OVERLAP"),
    ("no overbooking", _full, SIGN, "party1", "FULL"),
    ("cancelled task", _cancelled, SIGN, "party1", "INVALID_TRANSITION"),
    ("task under way", _under_way, SIGN, "party1", "INVALID_TRANSITION"),
    ("check in before the window", _signed_up, CHECK, "party1", "TOO_EARLY"),
    (
        "check in after the window",
        _signed_up_at(timedelta(hours=2, minutes=1)),
        CHECK,
        "party1",
        "TOO_LATE",
    ),
    (
        "staff check a member in",
        _signed_up_at(timedelta(0)),
        CHECK,
        "community1",
        "PERMISSION_DENIED",
    ),
    ("another member checks in", _signed_up_at(timedelta(0)), CHECK, "member2", "NOT_FOUND"),
    (
        "member completes own",
        _signed_up_at(timedelta(hours=3)),
        COMPLETE,
        "party1",
        "PERMISSION_DENIED",
    ),
    ("complete before start", _signed_up, COMPLETE, "community1", "TOO_EARLY"),
    (
        "other community's staff",
        _signed_up_at(timedelta(hours=3)),
        COMPLETE,
        "community2",
        "NOT_FOUND",
    ),
    (
        "no-show during the task",
        _signed_up_at(timedelta(hours=1)),
        NO_SHOW,
        "community1",
        "TOO_EARLY",
    ),
    ("withdraw too late", _signed_up_at(-timedelta(minutes=119)), WITHDRAW, "party1", "TOO_LATE"),
    ("staff withdraw a member", _signed_up, WITHDRAW, "community1", "PERMISSION_DENIED"),
    ("zero slots", _open_task, UPDATE, "community1", "INVALID_INPUT"),
    ("fewer slots than taken", _two_taken, SHRINK, "community1", "INVALID_INPUT"),
    ("resident cancels a task", _open_task, CANCEL, "resident1", "PERMISSION_DENIED"),
    ("cancel a cancelled task", _cancelled, CANCEL, "community1", "INVALID_TRANSITION"),
    ("update a task under way", _under_way, UPDATE, "community1", "INVALID_TRANSITION"),
]


async def _snapshot(api: Api, task_id: str) -> Any:
    task = (await api.as_user("admin", TASK, {"id": task_id}))["node"]
    rows = await Assignment.all().order_by("id").values("status", "service_minutes", "live")
    members = await PartyMember.all().order_by("id").values("service_minutes", "service_count")
    tasks = await ServiceTask.all().order_by("id").values("taken", "slots", "cancelled_at")
    return task, rows, members, tasks, await Event.all().count()


@pytest.mark.parametrize(
    ("name", "arrange", "operation", "user", "code"), REFUSALS, ids=[r[0] for r in REFUSALS]
)
async def test_refusal_is_a_user_error_and_writes_nothing(
    api: Api,
    members: None,
    clock: FrozenClock,
    name: str,
    arrange: Arrange,
    operation: tuple[str, str, str, dict[str, Any]],
    user: str | None,
    code: str,
) -> None:
    # Given the situation
    ids = await arrange(api, clock)
    mutation, field, target, extra = operation
    before = await _snapshot(api, ids["task"])

    # When `user` tries
    key = "taskId" if target == "task" else "assignmentId"
    variables = {"input": {key: ids[target], **extra}}
    if user is None:
        data = await api.run(mutation, variables)
    else:
        data = await api.as_user(user, mutation, variables)

    # Then it is refused with a clear userError, and nothing was written
    payload = data[field]
    assert [e["code"] for e in payload["userErrors"]] == [code], payload["userErrors"]
    assert payload["userErrors"][0]["message"]
    assert await _snapshot(api, ids["task"]) == before


@pytest.mark.parametrize(
    ("user", "extra", "code"),
    [
        ("resident1", {}, "PERMISSION_DENIED"),
        ("community2", {}, "PERMISSION_DENIED"),
        ("community1", {"slots": 0}, "INVALID_INPUT"),
        ("community1", {"endsAt": at(TOMORROW - timedelta(hours=1))}, "INVALID_INPUT"),
        ("community1", {"startsAt": at(START - timedelta(hours=1))}, "INVALID_INPUT"),
        ("community1", {"title": "  "}, "INVALID_INPUT"),
    ],
)
async def test_posting_a_task_is_refused_with_nothing_written(
    api: Api, members: None, user: str, extra: dict[str, Any], code: str
) -> None:
    yanqing = await lookup.region(api, "COMMUNITY", "延青社区")
    variables = {
        "input": {
            "title": "행사 活动",
            "regionId": yanqing["id"],
            "startsAt": at(TOMORROW),
            "endsAt": at(TOMORROW + timedelta(hours=2)),
            "slots": 3,
            **extra,
        }
    }
    events = await Event.all().count()
    payload = (await api.as_user(user, CREATE_TASK, variables))["createServiceTask"]
    assert payload["task"] is None
    assert [e["code"] for e in payload["userErrors"]] == [code]
    assert await ServiceTask.all().count() == 0
    assert await Event.all().count() == events


# --- the cancellation window -------------------------------------------------------------


async def test_a_member_may_withdraw_until_two_hours_before_the_start(
    api: Api, members: None, clock: FrozenClock
) -> None:
    # Given party1 signed up for tomorrow's task
    task = await post_task(api, slots=1)
    assignment = flows.ok(await sign_up(api, "party1", task["id"]))["assignment"]

    # When the clock stands exactly two hours before the start, party1 withdraws
    clock.set(TOMORROW - timedelta(hours=2))
    payload = (
        await api.as_user(
            "party1", CANCEL_ASSIGNMENT, {"input": {"assignmentId": assignment["id"]}}
        )
    )["cancelAssignment"]

    # Then the slot is free again, and another member takes it
    assert flows.ok(payload)["assignment"]["status"] == "CANCELLED"
    assert payload["task"]["taken"] == 0
    assert flows.ok(await sign_up(api, "member2", task["id"]))["task"]["taken"] == 1

    # And a minute later, member2 can no longer withdraw
    clock.advance(minutes=1)
    mine = (await api.as_user("member2", TASK, {"id": task["id"]}))["node"]["myAssignment"]
    late = (
        await api.as_user("member2", CANCEL_ASSIGNMENT, {"input": {"assignmentId": mine["id"]}})
    )["cancelAssignment"]
    assert [e["code"] for e in late["userErrors"]] == ["TOO_LATE"]

    # And party1, having withdrawn, may sign up again only while there is room
    assert [e["code"] for e in (await sign_up(api, "party1", task["id"]))["userErrors"]] == ["FULL"]


async def test_cancelling_a_task_tells_each_signed_up_member(api: Api, members: None) -> None:
    task = await post_task(api, slots=3)
    for user in ("party1", "member2"):
        flows.ok(await sign_up(api, user, task["id"]))
    variables = {"input": {"taskId": task["id"], "reason": "폭설 大雪"}}
    payload = (await api.as_user("community1", CANCEL_TASK, variables))["cancelServiceTask"]
    assert flows.ok(payload)["task"]["status"] == "CANCELLED"
    told = await Event.filter(kind="assignment.task_cancelled").order_by("seq")
    assert len(told) == 2
    assert all(e.subject_type == "Assignment" for e in told)
    cancelled = await Event.get(kind="task.cancelled")
    assert sorted(cancelled.payload["assignmentIds"]) == sorted(e.subject_id for e in told)
    assert await Assignment.filter(status="CANCELLED").count() == 2


# --- the last-slot race ------------------------------------------------------------------

RACERS = 20


async def test_concurrent_sign_ups_for_the_last_slot_have_exactly_one_winner(
    api: Api, settings: Settings, clock: FrozenClock
) -> None:
    # Given a task with one slot left and twenty members who may take it
    for i in range(RACERS):
        await member_account(settings, clock, f"racer{i}")
    await member_account(settings, clock, "early")
    task = await post_task(api, slots=2)
    flows.ok(await sign_up(api, "early", task["id"]))
    for i in range(RACERS):
        await api.login(f"racer{i}")

    # When all twenty sign up at once
    results = await asyncio.gather(*(sign_up(api, f"racer{i}", task["id"]) for i in range(RACERS)))

    # Then exactly one won and every other was told the task is full
    won = [r for r in results if not r["userErrors"]]
    lost = [r for r in results if r["userErrors"]]
    assert len(won) == 1
    assert {e["code"] for r in lost for e in r["userErrors"]} == {"FULL"}
    row = await ServiceTask.get(title="경로당 청소 敬老院打扫")
    assert (row.taken, row.slots) == (2, 2)
    assert await Assignment.filter(status="SIGNED_UP").count() == 2
    assert await Event.filter(kind="assignment.signed_up").count() == 2


# --- the list ----------------------------------------------------------------------------


async def test_service_tasks_filter_by_status_skill_time_and_open_to_me(
    api: Api, members: None, clock: FrozenClock
) -> None:
    yanqing = await lookup.region(api, "COMMUNITY", "延青社区")
    minxing = await community("民兴社区")
    open_task = await post_task(api, slots=3)
    full_task = await post_task(api, slots=1, starts=TOMORROW + timedelta(days=1))
    flows.ok(await sign_up(api, "member2", full_task["id"]))
    later = await post_task(api, starts=TOMORROW + timedelta(days=3), skills=["first aid"])
    elsewhere = await post_task(
        api,
        user="community2",
        regionId=gid("Region", minxing.id),
        openToAll=True,
        starts=TOMORROW + timedelta(days=5),
    )

    async def ids(user: str, **filter: Any) -> list[str]:
        data = await api.as_user(user, SERVICE_TASKS, {"first": 50, "filter": filter})
        return [n["id"] for n in data["serviceTasks"]["nodes"]]

    assert await ids("party1", regionId=yanqing["id"]) == [
        open_task["id"],
        full_task["id"],
        later["id"],
    ]
    assert await ids("party1", statuses=["FULL"]) == [full_task["id"]]
    assert await ids("party1", skill="first aid") == [later["id"]]
    assert await ids("party1", startsAfter=at(TOMORROW + timedelta(days=2))) == [
        later["id"],
        elsewhere["id"],
    ]
    # party1 may take the open Yanqing tasks and the one open to all
    assert await ids("party1", openToMe=True) == [open_task["id"], later["id"], elsewhere["id"]]
    # a Minxing member only the one open to all
    assert await ids("minxing1", openToMe=True) == [elsewhere["id"]]
    clock.set(TOMORROW + timedelta(minutes=1))
    assert await ids("party1", statuses=["UNDER_WAY"]) == [open_task["id"]]
