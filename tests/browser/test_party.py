"""The Party member portal (/party) on a phone: party1 signs up for a task and sees the places
left drop, cancels, sees their hours and history; refusals are said in words; a small wish
is claimed; the portal speaks the member's language."""

from __future__ import annotations

import itertools
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from playwright.sync_api import Page, expect

from ..party_operations import CREATE_ITEM, CREATE_TASK, ITEM, SIGN_UP, TASK
from .conftest import NewPage
from .pages import PHONE, SyncApi, sign_in

PROFILE = "{ myPartyProfile { serviceHours serviceCount } }"


def _unique(what: str) -> str:
    return f"{what} {uuid.uuid4().hex[:6]}"


def _ok(payload: dict[str, Any]) -> dict[str, Any]:
    assert payload["userErrors"] == [], payload["userErrors"]
    return payload


SLOTS = itertools.count()


def _slot_in_the_future() -> datetime:
    """A start a month ahead, four hours after the last one handed out, so the tests' two-hour
    tasks never overlap one another's (nor the demo's, which all start within nine days)."""
    start = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) + timedelta(days=30)
    return start + timedelta(hours=4 * next(SLOTS))


def _post_task(
    api: SyncApi, yanqing: dict[str, str], *, slots: int, starts: datetime | None = None
) -> dict[str, Any]:
    starts = starts or _slot_in_the_future()
    variables = {
        "input": {
            "title": _unique("경로당 청소 敬老院打扫"),
            "regionId": yanqing["id"],
            "startsAt": starts.isoformat(),
            "endsAt": (starts + timedelta(hours=2)).isoformat(),
            "slots": slots,
            "place": "교원아빠트 教师公寓",
        }
    }
    return _ok(api.as_user("community1", CREATE_TASK, variables)["createServiceTask"])["task"]


def _open_portal(page: Page, base_url: str, tab: str = "tasks") -> None:
    sign_in(page, base_url, "party1", "/party")
    page.get_by_role("combobox", name="Language").select_option("en")
    page.get_by_test_id(f"tab-{tab}").click()
    expect(page.get_by_test_id(f"tab-{tab}")).to_have_attribute("aria-selected", "true")


def test_member_signs_up_sees_the_places_drop_cancels_and_sees_their_hours(
    new_page: NewPage, base_url: str, api: SyncApi, yanqing: dict[str, str]
) -> None:
    # Given a task in 延青社区 with three places
    task = _post_task(api, yanqing, slots=3)

    # When party1 opens the portal on a phone, the task is among those open to them
    page = new_page(PHONE)
    _open_portal(page, base_url)
    card = page.get_by_test_id(f"task-{task['id']}")
    expect(card.get_by_test_id("slots-left")).to_have_text("3 of 3 slots left")

    # When they sign up, the places left drop and their place shows
    card.get_by_test_id("sign-up").click()
    expect(card.get_by_test_id("slots-left")).to_have_text("2 of 3 slots left")
    expect(card.get_by_test_id("my-assignment")).to_have_attribute("data-status", "SIGNED_UP")
    assert api.as_user("admin", TASK, {"id": task["id"]})["node"]["taken"] == 1
    # and a reload still shows their place
    page.reload()
    expect(card.get_by_test_id("my-assignment")).to_have_attribute("data-status", "SIGNED_UP")

    # When they cancel, the place is given back
    card.get_by_test_id("cancel-sign-up").click()
    expect(card.get_by_test_id("slots-left")).to_have_text("3 of 3 slots left")
    expect(card.get_by_test_id("sign-up")).to_be_enabled()
    assert api.as_user("admin", TASK, {"id": task["id"]})["node"]["taken"] == 0

    # Then "My service" shows their credited hours and the cancelled sign-up
    page.get_by_test_id("tab-history").click()
    profile = api.as_user("party1", PROFILE)["myPartyProfile"]
    hours = page.get_by_test_id("service-hours")
    expect(hours).to_have_text(f"{profile['serviceHours']:g} h")
    expect(page.get_by_test_id("service-count")).to_have_text(str(profile["serviceCount"]))
    row = page.get_by_test_id(f"history-{task['id']}")
    expect(row).to_have_attribute("data-status", "CANCELLED")


def test_refusals_are_said_in_words(
    new_page: NewPage, base_url: str, api: SyncApi, yanqing: dict[str, str]
) -> None:
    # Given a one-place task, a task at the same time as one party1 holds, and a third task
    last_place = _post_task(api, yanqing, slots=1)
    starts = _slot_in_the_future()
    held = _post_task(api, yanqing, slots=3, starts=starts)
    clashing = _post_task(api, yanqing, slots=3, starts=starts + timedelta(hours=1))
    twice = _post_task(api, yanqing, slots=3)
    _ok(api.as_user("party1", SIGN_UP, {"input": {"taskId": held["id"]}})["signUpForTask"])
    page = new_page(PHONE)
    _open_portal(page, base_url)
    for task in (last_place, clashing, twice):
        expect(page.get_by_test_id(f"task-{task['id']}").get_by_test_id("sign-up")).to_be_enabled()
    # and, while the page is open, party2 takes the last place and party1 signs up elsewhere
    _ok(api.as_user("party2", SIGN_UP, {"input": {"taskId": last_place["id"]}})["signUpForTask"])
    _ok(api.as_user("party1", SIGN_UP, {"input": {"taskId": twice["id"]}})["signUpForTask"])

    # When party1 tries each, each refusal is said in words and the card shows the task now
    full = page.get_by_test_id(f"task-{last_place['id']}")
    full.get_by_test_id("sign-up").click()
    expect(full.get_by_test_id("task-error")).to_have_text("The task is full.")
    expect(full.get_by_test_id("slots-left")).to_have_text("0 of 1 slots left")
    expect(full.get_by_test_id("sign-up")).to_be_disabled()

    overlap = page.get_by_test_id(f"task-{clashing['id']}")
    overlap.get_by_test_id("sign-up").click()
    expect(overlap.get_by_test_id("task-error")).to_have_text(
        "You are signed up for another task at the same time."
    )
    expect(overlap.get_by_test_id("slots-left")).to_have_text("3 of 3 slots left")

    again = page.get_by_test_id(f"task-{twice['id']}")
    again.get_by_test_id("sign-up").click()
    expect(again.get_by_test_id("task-error")).to_have_text(
        "You have already signed up for this task."
    )
    expect(again.get_by_test_id("my-assignment")).to_have_attribute("data-status", "SIGNED_UP")
    # and nothing changed on the tasks
    assert api.as_user("admin", TASK, {"id": last_place["id"]})["node"]["taken"] == 1
    assert api.as_user("admin", TASK, {"id": clashing["id"]})["node"]["taken"] == 0
    assert api.as_user("admin", TASK, {"id": twice["id"]})["node"]["taken"] == 1


def test_member_claims_a_small_wish(
    new_page: NewPage, base_url: str, api: SyncApi, yanqing: dict[str, str]
) -> None:
    # Given a resident's small wish, collected by the community
    title = _unique("휠체어 수리 修理轮椅")
    variables = {
        "input": {
            "kind": "WISH",
            "title": title,
            "regionId": yanqing["id"],
            "description": "바퀴가 빠졌습니다 轮子掉了",
        }
    }
    wish = _ok(api.as_user("community1", CREATE_ITEM, variables)["createListItem"])["listItem"]

    # When party1 opens the small wishes and claims it
    page = new_page(PHONE)
    _open_portal(page, base_url, tab="wishes")
    card = page.get_by_test_id(f"wish-{wish['id']}")
    expect(card).to_contain_text("轮子掉了")
    card.get_by_test_id("claim-wish").click()

    # Then it moves from the open wishes to theirs, and the API says party1 has it
    expect(page.get_by_test_id("wish-notice")).to_contain_text(title)
    expect(card).to_have_count(0)
    expect(page.get_by_test_id(f"my-wish-{wish['id']}")).to_contain_text("Claimed")
    item = api.as_user("party1", ITEM, {"id": wish["id"]})["node"]
    assert (item["status"], item["claimedByMe"]) == ("CLAIMED", True)


def test_registration_shows_in_the_members_language(
    new_page: NewPage, base_url: str, api: SyncApi
) -> None:
    # Given party1 on their registration
    page = new_page(PHONE)
    _open_portal(page, base_url, tab="me")
    expect(page.get_by_test_id("community")).to_have_text("Yanqing Community")

    # When they switch to Chinese, then Korean
    page.get_by_role("combobox", name="Language").select_option("zh")

    # Then the page and the demo's names follow
    expect(page.locator("html")).to_have_attribute("lang", "zh")
    expect(page.get_by_test_id("tab-me")).to_have_text("我的报到")
    expect(page.get_by_test_id("community")).to_have_text("延青社区")
    expect(page.get_by_test_id("organisation")).to_have_text("延青社区党支部")
    expect(page.get_by_test_id("registration-status")).to_have_text("已确认")
    page.get_by_role("combobox", name="语言").select_option("ko")
    expect(page.get_by_test_id("tab-tasks")).to_have_text("봉사 과제")
    expect(page.get_by_test_id("community")).to_have_text("연청사회구역")
