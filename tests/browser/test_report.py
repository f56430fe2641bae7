"""The instant-photo page (/report) on a phone: a resident reports a problem with a photo and a
place, follows it live under "My reports", is told what is wrong with a bad report, and
rates a resolved case."""

from __future__ import annotations

import uuid
from typing import Any

from playwright.sync_api import Page, expect

from ..images import jpeg
from ..operations import ACCEPT_CASE, CLAIM_CASE, REPORT_CASE, RESOLVE_CASE, WHISTLE_CASE
from .conftest import NewPage
from .pages import PHONE, SyncApi, sign_in

LIVE = 15_000  # ms: a live update arrives within a second or two; this only bounds a hang
GRID_2 = "222401003001-02"  # 延青第2网格, east half of 延青社区's north row
IN_GRID_2 = {"latitude": 42.9041, "longitude": 129.5055}

CATEGORIES = "{ categories { id code } }"
GRIDS = "{ regions(level: GRID) { id code } }"
DEPARTMENTS = "{ departments { id code } }"
MY_CASES = """
query Mine($text: String) {
  cases(first: 10, filter: { mine: true, text: $text }) {
    totalCount
    nodes {
      id number status satisfaction latitude longitude address urgency
      region { code } category { code } photos { contentType width height }
      timeline { kind note }
    }
  }
}
"""


def _unique(what: str) -> str:
    return f"{what} {uuid.uuid4().hex[:6]}"


def _category(api: SyncApi, code: str) -> str:
    return str(next(c["id"] for c in api.run(CATEGORIES)["categories"] if c["code"] == code))


def _mine(api: SyncApi, text: str | None = None) -> dict[str, Any]:
    return dict(api.as_user("resident1", MY_CASES, {"text": text})["cases"])


def _ok(payload: dict[str, Any]) -> dict[str, Any]:
    assert payload["userErrors"] == [], payload["userErrors"]
    return payload


def _open_report(page: Page, base_url: str) -> None:
    sign_in(page, base_url, "resident1", "/report")
    page.get_by_role("combobox", name="Language").select_option("en")
    expect(page.get_by_test_id("report-form")).to_be_visible()
    expect(page.get_by_test_id("grid-map")).to_be_visible()


def _case_card(page: Page, title: str) -> Any:
    return page.locator("article.case", has_text=title)


def test_resident_reports_a_problem_with_a_photo_and_follows_it(
    new_page: NewPage, base_url: str, api: SyncApi
) -> None:
    # Given resident1 on a phone, standing in grid 2 of 延青社区
    page = new_page(PHONE)
    page.context.grant_permissions(["geolocation"])
    page.context.set_geolocation(IN_GRID_2)
    _open_report(page, base_url)
    title = _unique("계단 누수 楼道漏水")

    # When they take a photo, pick a category, describe the problem, use their location
    page.get_by_test_id("photo-input").set_input_files(
        [{"name": "leak.jpg", "mimeType": "image/jpeg", "buffer": jpeg(640, 480)}]
    )
    expect(page.get_by_test_id("photo-previews").locator("img")).to_have_count(1)
    page.get_by_label("Category").select_option(_category(api, "heating.pipe-leak"))
    page.get_by_label("Title").fill(title)
    page.get_by_label("Description").fill("아침부터 뜨거운 물이 샙니다 早上起热水一直漏")
    page.get_by_test_id("urgency-URGENT").check()
    page.get_by_test_id("use-location").click()
    expect(page.get_by_test_id(f"grid-{GRID_2}")).to_have_attribute("aria-checked", "true")
    page.get_by_label("Address").fill("교원아빠트 3동 教师公寓3栋")
    page.get_by_test_id("send").click()

    # Then the page says it was received and shows it first among "My reports"
    expect(page.get_by_test_id("report-sent")).to_contain_text("YJ-")
    card = _case_card(page, title)
    expect(card).to_have_attribute("data-status", "REPORTED")
    expect(card.get_by_test_id("timeline").locator("li")).to_have_count(1)
    expect(card.get_by_test_id("timeline-REPORTED")).to_contain_text("早上起热水一直漏")
    expect(card.locator(".photos img")).to_have_count(1)
    # and the API holds exactly what was entered: the photo, the grid, the point, the urgency
    found = _mine(api, title)
    assert found["totalCount"] == 1
    case = found["nodes"][0]
    assert case["region"]["code"] == GRID_2
    assert case["category"]["code"] == "heating.pipe-leak"
    assert case["urgency"] == "URGENT"
    assert (case["latitude"], case["longitude"]) == (42.9041, 129.5055)
    assert case["address"] == "교원아빠트 3동 教师公寓3栋"
    assert case["photos"] == [{"contentType": "image/jpeg", "width": 640, "height": 480}]
    expect(card.get_by_text(case["number"])).to_be_visible()

    # When the community accepts it, the open card follows without a reload
    _ok(api.as_user("community1", ACCEPT_CASE, {"input": {"caseId": case["id"]}})["acceptCase"])
    expect(card).to_have_attribute("data-status", "ACCEPTED", timeout=LIVE)
    expect(card.get_by_test_id("timeline-ACCEPTED")).to_be_visible()


def test_a_grid_picked_on_the_map_is_where_the_case_is(
    new_page: NewPage, base_url: str, api: SyncApi
) -> None:
    # Given resident1 without a location, who taps grid 2 on the map
    page = new_page(PHONE)
    _open_report(page, base_url)
    title = _unique("가로등 고장 路灯不亮")
    page.get_by_test_id(f"grid-{GRID_2}").click()
    expect(page.get_by_test_id(f"grid-{GRID_2}")).to_have_attribute("aria-checked", "true")

    # When they send a report without a photo
    page.get_by_label("Category").select_option(_category(api, "roads.streetlight"))
    page.get_by_label("Title").fill(title)
    page.get_by_label("Description").fill("밤에 어둡습니다 晚上很黑")
    page.get_by_test_id("send").click()

    # Then the case is in grid 2, without a point
    expect(_case_card(page, title)).to_be_visible()
    case = _mine(api, title)["nodes"][0]
    assert case["region"]["code"] == GRID_2
    assert (case["latitude"], case["longitude"]) == (None, None)
    assert case["photos"] == []


def test_empty_description_shows_the_api_error_and_creates_nothing(
    new_page: NewPage, base_url: str, api: SyncApi
) -> None:
    # Given the API's own words for an empty description
    grid = next(r for r in api.run(GRIDS)["regions"] if r["code"] == GRID_2)
    variables = {
        "input": {
            "title": "빈 설명 空描述",
            "description": "   ",
            "categoryId": _category(api, "heating.pipe-leak"),
            "regionId": grid["id"],
        }
    }
    refused = api.as_user("resident1", REPORT_CASE, variables)["reportCase"]
    assert [e["field"] for e in refused["userErrors"]] == ["description"]
    words = refused["userErrors"][0]["message"]
    before = _mine(api)["totalCount"]

    # When resident1 sends a report with a photo and a title but no description
    page = new_page(PHONE)
    _open_report(page, base_url)
    page.get_by_test_id("photo-input").set_input_files(
        [{"name": "leak.jpg", "mimeType": "image/jpeg", "buffer": jpeg()}]
    )
    page.get_by_label("Category").select_option(_category(api, "heating.pipe-leak"))
    page.get_by_label("Title").fill(_unique("설명 없음 没有描述"))
    page.get_by_test_id("send").click()

    # Then those words stand under the description, which is marked invalid and focused
    description = page.get_by_label("Description")
    expect(description).to_have_attribute("aria-invalid", "true")
    expect(description).to_have_attribute("aria-describedby", "report-description-error")
    expect(page.locator("#report-description-error")).to_have_text(words)
    expect(description).to_be_focused()
    # and nothing was created; the photo and the title are still there to try again
    assert _mine(api)["totalCount"] == before
    expect(page.get_by_test_id("photo-previews").locator("img")).to_have_count(1)
    expect(page.get_by_test_id("report-sent")).to_have_count(0)


def _resolved_case(api: SyncApi, title: str) -> str:
    """A case of resident1's, accepted, whistled, claimed and resolved by the demo's staff."""
    grid = next(r for r in api.run(GRIDS)["regions"] if r["code"] == GRID_2)
    report = {
        "title": title,
        "description": "난방이 안 됩니다 暖气不热",
        "categoryId": _category(api, "heating.pipe-leak"),
        "regionId": grid["id"],
    }
    reported = _ok(api.as_user("resident1", REPORT_CASE, {"input": report})["reportCase"])
    case_id = str(reported["case"]["id"])
    _ok(api.as_user("community1", ACCEPT_CASE, {"input": {"caseId": case_id}})["acceptCase"])
    departments = api.as_user("admin", DEPARTMENTS)["departments"]
    company = next(d["id"] for d in departments if d["code"] == "yanji-heating-co")
    whistle = {"caseId": case_id, "departmentIds": [company]}
    _ok(api.as_user("community1", WHISTLE_CASE, {"input": whistle})["whistleCase"])
    _ok(api.as_user("heating_co1", CLAIM_CASE, {"input": {"caseId": case_id}})["claimCase"])
    resolve = {"caseId": case_id, "note": "배관 교체 완료 已更换管道"}
    _ok(api.as_user("heating_co1", RESOLVE_CASE, {"input": resolve})["resolveCase"])
    return case_id


def test_a_resolved_case_is_rated_from_my_reports(
    new_page: NewPage, base_url: str, api: SyncApi
) -> None:
    # Given a case of resident1's that the heating company resolved
    title = _unique("난방 불량 暖气不热")
    _resolved_case(api, title)

    # When resident1 opens it under "My reports" and rates it satisfied with a comment
    page = new_page(PHONE)
    _open_report(page, base_url)
    page.get_by_test_id("tab-mine").click()
    card = _case_card(page, title)
    expect(card).to_have_attribute("data-status", "RESOLVED")
    card.get_by_test_id("case-toggle").click()
    expect(card.get_by_test_id("timeline-RESOLVED")).to_contain_text("已更换管道")
    card.get_by_test_id("rate-SATISFIED").check()
    card.get_by_label("Comment").fill("빨리 고쳐 주셔서 감사합니다 谢谢")
    card.get_by_test_id("rate-send").click()

    # Then the case is ticked off, the rating is on its timeline and the form is gone
    expect(card).to_have_attribute("data-status", "CLOSED")
    expect(card.get_by_test_id("case-notice")).to_have_text("Thank you for rating.")
    expect(card.get_by_test_id("timeline-RATED")).to_contain_text("Satisfied")
    expect(card.get_by_test_id("rate-form")).to_have_count(0)
    case = _mine(api, title)["nodes"][0]
    assert (case["status"], case["satisfaction"]) == ("CLOSED", "SATISFIED")
    assert case["timeline"][-1] == {"kind": "RATED", "note": "빨리 고쳐 주셔서 감사합니다 谢谢"}
