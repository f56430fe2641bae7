"""The case desk (/desk, /desk/cases/:id) in Chromium against the demo city: the queue's
filters, overdue cases standing out, the API's refusals shown in its own words, the keyboard,
live rows, and the three lists."""

from __future__ import annotations

import re
import sqlite3
import uuid
from typing import Any

from playwright.sync_api import Page, Route, expect

from ..images import jpeg
from ..operations import (
    ACCEPT_CASE,
    CLAIM_CASE,
    CLOSE_CASE,
    INTAKE_CASE,
    REJECT_CASE,
    REPORT_CASE,
    RESOLVE_CASE,
    WHISTLE_CASE,
)
from .conftest import NewPage
from .pages import DemoServer, SyncApi, sign_in

LIVE = 15_000  # ms: a live update lands within a second or two; this only bounds a hang
GRIDS = "{ regions(level: GRID) { id code } }"
CATEGORIES = "{ categories { id code } }"
DEPARTMENTS = "{ departments { id code } }"
CREATE_LIST_ITEM = """
mutation Create($input: CreateListItemInput!) {
  createListItem(input: $input) { listItem { id } userErrors { field message code } }
}
"""
YANQING_GRID = "222401003001-01"


def _unique(what: str) -> str:
    return f"{what} {uuid.uuid4().hex[:6]}"


def _id(api: SyncApi, query: str, key: str, code: str) -> str:
    found = api.as_user("community1", query)[key]
    return str(next(x["id"] for x in found if x["code"] == code))


def _report(api: SyncApi, title: str, category: str = "heating.pipe-leak") -> dict[str, Any]:
    variables = {
        "input": {
            "title": title,
            "description": "확인 부탁드립니다 请核实处理",
            "categoryId": _id(api, CATEGORIES, "categories", category),
            "regionId": _id(api, GRIDS, "regions", YANQING_GRID),
        }
    }
    payload = api.as_user("resident1", REPORT_CASE, variables)["reportCase"]
    assert payload["userErrors"] == [], payload["userErrors"]
    return dict(payload["case"])


def _hotline(api: SyncApi, server: DemoServer, title: str, category: str) -> dict[str, Any]:
    variables = {
        "input": {
            "source": "HOTLINE_12345",
            "externalRef": uuid.uuid4().hex,
            "title": title,
            "description": "12345 来电",
            "categoryId": _id(api, CATEGORIES, "categories", category),
            "regionId": _id(api, GRIDS, "regions", YANQING_GRID),
            "callerName": "赵先生",
            "callerPhone": "13504339931",
        }
    }
    payload = api.run(INTAKE_CASE, variables, token=server.hotline_token)["intakeCase"]
    assert payload["userErrors"] == [], payload["userErrors"]
    return dict(payload["case"])


def _step(api: SyncApi, user: str, mutation: str, input: dict[str, Any]) -> None:
    data = api.as_user(user, mutation, {"input": input})
    errors = next(iter(data.values()))["userErrors"]
    assert errors == [], errors


def _resolved(api: SyncApi, title: str) -> dict[str, Any]:
    """A resident's case the heating company has resolved a moment ago."""
    case = _report(api, title)
    company = _id(api, DEPARTMENTS, "departments", "yanji-heating-co")
    _step(api, "community1", ACCEPT_CASE, {"caseId": case["id"]})
    _step(api, "community1", WHISTLE_CASE, {"caseId": case["id"], "departmentIds": [company]})
    _step(api, "heating_co1", CLAIM_CASE, {"caseId": case["id"]})
    _step(api, "heating_co1", RESOLVE_CASE, {"caseId": case["id"], "note": "修好了"})
    return case


def _make_overdue(server: DemoServer, number: str) -> None:
    """Let the case's resolve deadline pass, as time would: it fell due when it was reported."""
    with sqlite3.connect(server.data_dir / "grassroots.db", timeout=30) as db:
        db.execute('UPDATE "case" SET resolve_due_at = created_at WHERE number = ?', (number,))


def _desk(new_page: NewPage, base_url: str, user: str, path: str = "/desk") -> Page:
    page = new_page()
    page.add_init_script("localStorage.setItem('grassroots.locale', 'en')")
    sign_in(page, base_url, user, path)
    expect(page.locator("[data-test=queue], [data-test=case], [data-test=lists]")).to_be_visible()
    return page


def _row(page: Page, number: str) -> Any:
    return page.locator(f"[data-test=queue-row][data-number='{number}']")


def test_the_queue_filters_by_source_category_status_and_words(
    new_page: NewPage, base_url: str, api: SyncApi, live_server: DemoServer
) -> None:
    # Given a resident's heating leak and a 12345 call about something else, both in 延青
    leak = _report(api, _unique("난방관 누수 暖气漏水"))
    call = _hotline(api, live_server, _unique("路灯不亮"), "roads.streetlight")
    page = _desk(new_page, base_url, "community1")
    rows = page.get_by_test_id("queue-row")
    expect(_row(page, leak["number"])).to_be_visible()
    expect(_row(page, call["number"])).to_be_visible()

    # When community staff keep only the hotline's cases
    page.get_by_test_id("filter-source").select_option("HOTLINE_12345")
    # Then the call is there and nothing from another source
    expect(_row(page, call["number"])).to_be_visible()
    expect(_row(page, leak["number"])).to_have_count(0)
    expect(page.locator("[data-test=queue-row]:not([data-source=HOTLINE_12345])")).to_have_count(0)

    # When they keep heating problems instead (the category and its subcategories)
    page.get_by_test_id("filter-source").select_option("")
    heating = _id(api, CATEGORIES, "categories", "heating")
    page.get_by_test_id("filter-category").select_option(heating)
    # Then the leak is there, the call is not, and every row is a heating problem
    expect(_row(page, leak["number"])).to_be_visible()
    expect(_row(page, call["number"])).to_have_count(0)
    expect(page.locator("[data-test=queue-row]:not([data-category^=heating])")).to_have_count(0)

    # When they keep only the cases still waiting to be accepted
    page.get_by_test_id("filter-status").select_option("REPORTED")
    expect(page.locator("[data-test=queue-row]:not([data-status=REPORTED])")).to_have_count(0)
    expect(_row(page, leak["number"])).to_be_visible()

    # And the filters live in the address: a reload shows the same queue
    page.reload()
    expect(page.get_by_test_id("filter-status")).to_have_value("REPORTED")
    expect(page.get_by_test_id("filter-category")).to_have_value(heating)
    expect(_row(page, leak["number"])).to_be_visible()

    # When they search for the leak's number across every status
    page.get_by_test_id("filter-status").select_option("all")
    page.get_by_test_id("filter-category").select_option("")
    page.get_by_test_id("filter-text").fill(leak["number"])
    page.get_by_test_id("filter-search").click()
    # Then it is the only row
    expect(rows).to_have_count(1)
    expect(rows.first).to_have_attribute("data-number", leak["number"])


def test_an_overdue_case_stands_out_in_colour_and_in_words(
    new_page: NewPage, base_url: str, api: SyncApi, live_server: DemoServer
) -> None:
    # Given a case whose resolve deadline has passed and one still in time
    late = _report(api, _unique("지하실 침수 地下室积水"))
    fine = _report(api, _unique("계단 조명 楼道灯"))
    _make_overdue(live_server, late["number"])
    page = _desk(new_page, base_url, "community1")

    # Then the overdue row says so in words and with an icon, not by colour alone
    late_row, fine_row = _row(page, late["number"]), _row(page, fine["number"])
    expect(late_row).to_have_attribute("data-overdue", "true")
    expect(late_row.get_by_test_id("overdue-badge")).to_have_text(re.compile(r"⚠\s*Overdue"))
    expect(fine_row).to_have_attribute("data-overdue", "false")
    expect(fine_row.get_by_test_id("overdue-badge")).to_have_count(0)
    # And it is coloured apart from a row in time
    style = "e => [getComputedStyle(e).backgroundColor, getComputedStyle(e).borderLeftColor]"
    assert late_row.evaluate(style) != fine_row.evaluate(style)

    # When staff keep only the overdue cases
    page.get_by_test_id("filter-overdue").select_option("yes")
    expect(fine_row).to_have_count(0)
    expect(late_row).to_be_visible()
    expect(page.locator("[data-test=queue-row][data-overdue=false]")).to_have_count(0)

    # And the case page says it too
    late_row.click()
    expect(page.get_by_test_id("case-overdue")).to_contain_text("Overdue")


def test_an_action_the_api_refuses_shows_the_apis_words_next_to_the_field(
    new_page: NewPage, base_url: str, api: SyncApi
) -> None:
    # Given a new report, and what the API answers to a rejection without a reason
    case = _report(api, _unique("소음 噪音扰民"))
    refused = api.as_user(
        "community1", REJECT_CASE, {"input": {"caseId": case["id"], "reason": ""}}
    )
    words = refused["rejectCase"]["userErrors"][0]["message"]
    page = _desk(new_page, base_url, "community1", f"/desk?status=all&q={case['number']}")
    _row(page, case["number"]).click()

    # When community staff reject it without a reason
    page.get_by_test_id("action-reject").click()
    page.get_by_test_id("submit-reject").click()
    # Then the API's words stand under the reason, tied to it for screen readers
    reason = page.get_by_test_id("field-reason")
    expect(reason).to_have_attribute("aria-invalid", "true")
    error = page.locator(f"#{reason.get_attribute('aria-describedby')}")
    expect(error).to_have_text(words)
    # And nothing changed
    expect(page.get_by_test_id("case-status")).to_have_attribute("data-status", "REPORTED")

    # Given a case resolved a moment ago, whose reporter still has days to rate it
    resolved = _resolved(api, _unique("난방 안됨 暖气不热"))
    too_early = api.as_user(
        "community1", CLOSE_CASE, {"input": {"caseId": resolved["id"], "reason": "测试"}}
    )["closeCase"]["userErrors"][0]
    assert too_early["code"] == "TOO_EARLY"
    page.goto(f"{base_url}/desk/cases/{resolved['id']}")
    # When staff try to tick it off
    page.get_by_test_id("action-close").click()
    page.get_by_test_id("field-reason").fill("居民已电话确认")
    page.get_by_test_id("submit-close").click()
    # Then the form says why not, in the API's words, and the case stays resolved
    expect(page.get_by_test_id("action-error")).to_have_text(too_early["message"])
    expect(page.get_by_test_id("case-status")).to_have_attribute("data-status", "RESOLVED")


def test_the_queue_works_from_the_keyboard(new_page: NewPage, base_url: str, api: SyncApi) -> None:
    # Given two fresh cases at the top of community staff's queue
    _report(api, _unique("가로등 路灯"))
    _report(api, _unique("쓰레기 垃圾"))
    page = _desk(new_page, base_url, "community1")
    expect(page.get_by_test_id("queue-row").nth(1)).to_be_visible()

    # When they press Tab until a row has the focus
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.dataset.test") == "queue-row":
            break
    focused = page.locator("[data-test=queue-row]:focus")
    expect(focused).to_have_count(1)
    # Then the focus is visible
    outline = focused.evaluate(
        "e => [getComputedStyle(e).outlineStyle, getComputedStyle(e).outlineWidth]"
    )
    assert outline[0] != "none", outline
    assert float(outline[1].removesuffix("px")) >= 2, outline

    # When they move down a row and press Enter
    first = focused.get_attribute("data-number")
    page.keyboard.press("ArrowDown")
    second = page.locator("[data-test=queue-row]:focus").get_attribute("data-number")
    assert second
    assert second != first
    page.keyboard.press("Enter")
    # Then that case opens
    expect(page).to_have_url(re.compile(r"/desk/cases/"))
    expect(page.get_by_test_id("case-number")).to_have_text(second)
    # And the focus is on it, so the keyboard carries on from there
    expect(page.get_by_test_id("case-title")).to_be_focused()

    # When they go back to the queue
    page.get_by_test_id("back-to-queue").click()
    # Then the row they opened has the focus again
    expect(_row(page, second)).to_be_focused()


def test_the_queue_shows_new_and_changed_cases_live(
    new_page: NewPage, base_url: str, api: SyncApi
) -> None:
    # Given community staff looking at their queue
    page = _desk(new_page, base_url, "community1")
    expect(page.get_by_test_id("live-state")).to_have_attribute(
        "data-state", "connected", timeout=LIVE
    )

    # When a resident reports a problem
    case = _report(api, _unique("수도관 파열 水管爆裂"))
    # Then it appears without a reload
    row = _row(page, case["number"])
    expect(row).to_be_visible(timeout=LIVE)
    expect(row).to_have_attribute("data-status", "REPORTED")

    # When a colleague accepts it elsewhere
    _step(api, "community1", ACCEPT_CASE, {"caseId": case["id"]})
    # Then the row follows
    expect(row).to_have_attribute("data-status", "ACCEPTED", timeout=LIVE)


def test_staff_put_a_project_on_the_lists(new_page: NewPage, base_url: str, api: SyncApi) -> None:
    # Given community staff on the three lists, and the API's words for an untitled item
    region = api.run("query($c: String!) { regions(code: $c) { id } }", {"c": "222401003001"})
    refused = api.as_user(
        "community1",
        CREATE_LIST_ITEM,
        {"input": {"kind": "PROJECT", "title": "", "regionId": region["regions"][0]["id"]}},
    )["createListItem"]["userErrors"][0]
    page = _desk(new_page, base_url, "community1", "/desk?tab=lists")
    expect(page.get_by_test_id("list-kind-PROJECT")).to_have_attribute("aria-pressed", "true")

    # When they create a project without a title
    page.get_by_test_id("list-new").click()
    page.get_by_test_id("list-create-submit").click()
    # Then the API's words stand under the title
    expect(page.locator("#lc-title-error")).to_have_text(refused["message"])
    expect(page.get_by_test_id("list-field-title")).to_have_attribute("aria-invalid", "true")

    # When they give it a title
    title = _unique("楼道照明改造")
    page.get_by_test_id("list-field-title").fill(title)
    page.get_by_test_id("list-create-submit").click()
    # Then it is on the list, open, waiting for an organisation to take it on
    item = page.locator(f"[data-test=list-item][data-title='{title}']")
    expect(item).to_have_attribute("data-status", "OPEN")
    expect(page.get_by_test_id("list-done")).to_contain_text(title)


def test_a_list_item_opened_before_the_regions_arrive_goes_to_the_region_shown(
    new_page: NewPage, base_url: str
) -> None:
    # Given community staff whose desk is still waiting for its regions
    held: list[Route] = []
    page = new_page()
    page.add_init_script("localStorage.setItem('grassroots.locale', 'en')")
    page.route(
        "**/graphql",
        lambda route: (
            held.append(route)
            if "DeskScope" in (route.request.post_data or "")
            else route.fallback()
        ),
    )
    with page.expect_request(lambda request: "DeskScope" in (request.post_data or "")):
        sign_in(page, base_url, "community1", "/desk?tab=lists")
    expect(page.get_by_test_id("list-new")).to_be_visible()

    # When they open the form, the regions arrive, and they create a titled project
    page.get_by_test_id("list-new").click()
    for route in held:
        route.fallback()
    region = page.get_by_test_id("list-field-region")
    expect(region.locator("option").first).to_be_attached()
    shown = region.evaluate("select => select.selectedOptions[0]?.textContent ?? ''")
    title = _unique("단지 입구 경사로")
    page.get_by_test_id("list-field-title").fill(title)
    page.get_by_test_id("list-create-submit").click()

    # Then it is on the list, in the region the form showed
    item = page.locator(f"[data-test=list-item][data-title='{title}']")
    expect(item).to_have_attribute("data-status", "OPEN")
    expect(item.locator("td").nth(1)).to_have_text(shown)


def test_a_resolution_photo_goes_in_through_the_desk(
    new_page: NewPage, base_url: str, api: SyncApi
) -> None:
    # Given a case the heating company has claimed
    case = _report(api, _unique("배관 누수 管道漏水"))
    company = _id(api, DEPARTMENTS, "departments", "yanji-heating-co")
    _step(api, "community1", ACCEPT_CASE, {"caseId": case["id"]})
    _step(api, "community1", WHISTLE_CASE, {"caseId": case["id"], "departmentIds": [company]})
    _step(api, "heating_co1", CLAIM_CASE, {"caseId": case["id"]})
    page = _desk(new_page, base_url, "heating_co1", f"/desk/cases/{case['id']}")
    # Then the company may go on site and resolve it, and may not accept or whistle
    expect(page.get_by_test_id("action-resolve")).to_be_visible()
    expect(page.get_by_test_id("action-accept")).to_have_count(0)
    expect(page.get_by_test_id("action-whistle")).to_have_count(0)

    # When it resolves the case with a photo
    page.get_by_test_id("action-resolve").click()
    page.get_by_test_id("field-note").fill("용접 완료 已焊接修复")
    page.get_by_test_id("field-photos").set_input_files(
        {"name": "fixed.jpg", "mimeType": "image/jpeg", "buffer": jpeg()}
    )
    page.get_by_test_id("submit-resolve").click()
    # Then the case is resolved and the photo is on it, a thumbnail linking to full size
    expect(page.get_by_test_id("case-status")).to_have_attribute("data-status", "RESOLVED")
    photo = page.locator("[data-test=case-photos] li[data-kind=RESOLUTION] a")
    expect(photo).to_have_count(1)
    assert photo.get_attribute("href") != photo.locator("img").get_attribute("src")
