"""The story the platform was built for, through its pages: a resident reports a leaking
heating pipe on /report with a photo, the community accepts it and blows the whistle on /desk,
the heating company reports for duty, goes on site and resolves it with a photo, the resident
rates the result, and the community centre's wall screen shows every step as it happens."""

from __future__ import annotations

import re
import uuid

from playwright.sync_api import FilePayload, Page, expect

from ..images import jpeg
from .conftest import NewPage
from .pages import PHONE, SyncApi, open_screen, sign_in

LIVE = 15_000  # ms: a live update lands within a second or two; this only bounds a hang
CATEGORIES = "{ categories { id code } }"
NUMBER = re.compile(r"YJ-\d{4}-\d{6}")


def _photo(name: str, colour: tuple[int, int, int]) -> FilePayload:
    return {"name": name, "mimeType": "image/jpeg", "buffer": jpeg(640, 480, colour)}


def _in_feed(screen: Page, kind: str, title: str) -> None:
    """The wall screen's feed shows this step of this case."""
    item = screen.locator(f"[data-test=feed-item][data-kind={kind}]", has_text=title)
    expect(item).to_have_count(1, timeout=LIVE)


def _closed_today(screen: Page) -> int:
    return int(screen.get_by_test_id("kpi-closedToday").get_by_test_id("value").inner_text())


def _english(page: Page) -> Page:
    page.add_init_script("localStorage.setItem('grassroots.locale', 'en')")
    return page


def test_a_heating_leak_goes_from_report_to_rating_and_the_wall_screen_shows_each_step(
    new_page: NewPage, base_url: str, api: SyncApi, display_token: str
) -> None:
    title = f"난방관 누수 暖气管道漏水 {uuid.uuid4().hex[:6]}"
    pipe_leak = next(
        c["id"] for c in api.run(CATEGORIES)["categories"] if c["code"] == "heating.pipe-leak"
    )

    # Given the community centre's wall screen, live
    screen = new_page()
    open_screen(screen, base_url, display_token, lang="zh")
    expect(screen.get_by_test_id("connection")).to_have_attribute(
        "data-state", "connected", timeout=LIVE
    )
    closed_before = _closed_today(screen)

    # When a resident reports the leak on their phone, with a photo
    resident = _english(new_page(PHONE))
    sign_in(resident, base_url, "resident1", "/report")
    resident.get_by_test_id("photo-input").set_input_files(_photo("leak.jpg", (90, 60, 40)))
    expect(resident.get_by_test_id("photo-previews").locator("img")).to_have_count(1)
    resident.get_by_test_id("category").select_option(pipe_leak)
    resident.get_by_test_id("title").fill(title)
    resident.get_by_test_id("description").fill(
        "3동 계단에 물이 새고 난방이 끊겼습니다 3号楼楼道漏水，暖气停了"
    )
    resident.get_by_test_id("address").fill("延青社区 3号楼")
    resident.get_by_test_id("send").click()
    sent = resident.get_by_test_id("report-sent")
    expect(sent).to_contain_text(NUMBER)
    found = NUMBER.search(sent.inner_text())
    assert found
    number = found.group(0)
    # Then the wall screen shows it at once
    _in_feed(screen, "case_reported", title)

    # When community staff find it on the desk, accept it and blow the whistle for the heating
    # office and the heating company, the company to lead
    community = _english(new_page())
    sign_in(community, base_url, "community1", f"/desk?q={number}")
    row = community.locator(f"[data-test=queue-row][data-number='{number}']")
    row.focus()
    community.keyboard.press("Enter")
    expect(community.get_by_test_id("case-number")).to_have_text(number)
    expect(community.locator("[data-test=case-photos] li[data-kind=REPORT]")).to_have_count(1)
    community.get_by_test_id("action-accept").click()
    community.get_by_test_id("submit-accept").click()
    expect(community.get_by_test_id("case-status")).to_have_attribute("data-status", "ACCEPTED")
    _in_feed(screen, "case_accepted", title)
    community.get_by_test_id("action-whistle").click()
    office = community.locator("[data-test=department-option][data-code=yanji-heating-office]")
    company = community.locator("[data-test=department-option][data-code=yanji-heating-co]")
    office.check()
    company.check()
    community.get_by_test_id("field-lead").select_option(company.get_attribute("value"))
    community.get_by_test_id("field-note").fill("供暖所请立即转供热公司，一小时内到场")
    community.get_by_test_id("submit-whistle").click()
    # Then the case waits for the departments, and the screen shows the whistle
    expect(community.get_by_test_id("case-status")).to_have_attribute("data-status", "DISPATCHED")
    expect(community.get_by_test_id("whistle-answer")).to_have_count(2)
    _in_feed(screen, "case_whistled", title)

    # When the heating company reports for duty, arrives and resolves it with a photo
    heating = _english(new_page())
    sign_in(heating, base_url, "heating_co1", f"/desk?q={number}")
    heating.locator(f"[data-test=queue-row][data-number='{number}']").click()
    heating.get_by_test_id("action-claim").click()
    heating.get_by_test_id("submit-claim").click()
    expect(heating.get_by_test_id("case-status")).to_have_attribute("data-status", "IN_PROGRESS")
    expect(heating.get_by_test_id("action-done")).to_contain_text("Lead")
    _in_feed(screen, "case_claimed", title)
    heating.get_by_test_id("action-arrive").click()
    heating.get_by_test_id("field-note").fill("현장 도착 已到现场")
    heating.get_by_test_id("submit-arrive").click()
    expect(heating.locator("[data-test=timeline-entry][data-kind=ARRIVED]")).to_have_count(1)
    _in_feed(screen, "case_arrived", title)
    heating.get_by_test_id("action-resolve").click()
    heating.get_by_test_id("field-note").fill("관을 용접하고 난방 재개 已焊接管道，恢复供暖")
    heating.get_by_test_id("field-photos").set_input_files(_photo("fixed.jpg", (30, 120, 200)))
    heating.get_by_test_id("submit-resolve").click()
    expect(heating.get_by_test_id("case-status")).to_have_attribute("data-status", "RESOLVED")
    expect(heating.locator("[data-test=case-photos] li[data-kind=RESOLUTION]")).to_have_count(1)
    _in_feed(screen, "case_resolved", title)
    # And the community's open case page followed along live
    expect(community.get_by_test_id("case-status")).to_have_attribute(
        "data-status", "RESOLVED", timeout=LIVE
    )

    # When the resident, whose report page followed along, rates the result as satisfied
    card = resident.get_by_test_id(f"case-{number}")
    expect(card).to_have_attribute("data-status", "RESOLVED", timeout=LIVE)
    if not resident.get_by_test_id("rate-form").is_visible():
        card.get_by_test_id("case-toggle").click()
    resident.get_by_test_id("rate-SATISFIED").check()
    resident.get_by_test_id("rate-send").click()
    # Then the case is ticked off, everywhere
    expect(card).to_have_attribute("data-status", "CLOSED", timeout=LIVE)
    expect(community.get_by_test_id("case-status")).to_have_attribute(
        "data-status", "CLOSED", timeout=LIVE
    )
    expect(screen.get_by_test_id("kpi-closedToday").get_by_test_id("value")).to_have_text(
        str(closed_before + 1), timeout=LIVE
    )
