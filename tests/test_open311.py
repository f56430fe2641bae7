"""The Open311 GeoReport v2 facade: services, service definitions, posting requests through the
workflow's intake, and reading them back within the token's region, as JSON and XML."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import datetime
from typing import Any

import httpx
import pytest

from grassroots.clock import FrozenClock

from . import flows, lookup
from .client import Api
from .operations import REJECT_CASE

BASE = "/open311/v2"
SPEC_KEYS = ["service_code", "service_name", "description", "metadata", "type", "keywords", "group"]
REQUEST_KEYS = [
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
]

TOKEN = """
mutation Token($input: CreateApiTokenInput!) {
  createApiToken(input: $input) { token userErrors { field code message } }
}
"""
COUNT = "{ cases(first: 1) { totalCount } }"
BY_NUMBER = """
query ByNumber($number: String!) {
  caseByNumber(number: $number) {
    id number title description status source urgency address resolveDueAt
    category { code } region { nameZh } reporter { displayName phone isCaller }
  }
}
"""
NUMBER = "query($id: ID!) { node(id: $id) { ... on Case { number resolveDueAt } } }"


async def _token(
    api: Api, name: str, scopes: list[str], city: str = "延吉市", role: str = "INTEGRATION"
) -> str:
    region = await lookup.region(api, "CITY", city)
    variables = {"input": {"name": name, "role": role, "regionId": region["id"], "scopes": scopes}}
    payload = (await api.as_user("admin", TOKEN, variables))["createApiToken"]
    assert payload["userErrors"] == []
    return str(payload["token"])


async def _cases(api: Api) -> int:
    return int((await api.as_user("admin", COUNT))["cases"]["totalCount"])


async def _number(api: Api, case_id: str) -> str:
    return str((await api.as_user("admin", NUMBER, {"id": case_id}))["node"]["number"])


async def _get(api: Api, path: str, **params: str) -> httpx.Response:
    return await api.http.get(f"{BASE}/{path}", params=params)


async def _post(api: Api, path: str, form: dict[str, Any]) -> httpx.Response:
    return await api.http.post(f"{BASE}/{path}", data=form)


def _xml(response: httpx.Response) -> ET.Element:
    assert response.headers["content-type"] == "text/xml; charset=utf-8"
    assert response.content.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
    return ET.fromstring(response.content)


def _error(response: httpx.Response, status: int, field: str) -> str:
    """The spec's error document, with a description that names the field."""
    assert response.status_code == status, response.text
    [error] = response.json()
    assert error["code"] == status
    assert error["description"].startswith(f"{field}:"), error
    return str(error["description"])


@pytest.fixture
async def grid(api: Api) -> str:
    yanqing = await lookup.region(api, "COMMUNITY", "延青社区")
    return str((await lookup.grids_of(api, yanqing["id"]))[0]["code"])


@pytest.fixture
async def hotline(api: Api) -> str:
    return await _token(api, "open311-hotline", ["cases:intake", "cases:read"])


def _spec_post(key: str, grid: str, **overrides: Any) -> dict[str, Any]:
    """The spec's example POST, with this city's jurisdiction, service and attributes."""
    form = {
        "api_key": key,
        "jurisdiction_id": grid,
        "service_code": "heating.pipe-leak",
        "lat": "42.9012",
        "long": "129.5101",
        "address_string": "연청사회구역 3동 延青社区3号楼",
        "email": "smit333@example.org",
        "device_id": "tt222111",
        "account_id": "123456",
        "first_name": "영희",
        "last_name": "박",
        "phone": "13904331234",
        "description": "지하실 난방관 누수 地下室暖气管道漏水\n물이 계속 샙니다",
        "media_url": "http://example.org/2212426634_5ed477a060.jpg",
        "attribute[URGENCY]": "URGENT",
        "attribute[EXTERNAL_REF]": "crm-2026-0001",
    }
    return {k: v for k, v in (form | overrides).items() if v is not None}


# --- services ------------------------------------------------------------------------------


async def test_services_are_the_categories_in_json_and_xml(api: Api) -> None:
    # When a client lists the services as JSON and as XML
    as_json = await _get(api, "services.json")
    as_xml = await _get(api, "services.xml")

    # Then every category is a service with the spec's fields, in both formats alike
    assert as_json.status_code == 200
    assert as_json.headers["content-type"] == "application/json; charset=utf-8"
    services = {s["service_code"]: s for s in as_json.json()}
    leak = services["heating.pipe-leak"]
    assert list(leak) == SPEC_KEYS
    assert leak["service_name"] == "Pipe leak"
    assert leak["group"] == "Heating"
    assert (leak["metadata"], leak["type"]) == (True, "realtime")
    assert "暖气管道漏水" in leak["keywords"]
    assert "claimed within 60 minutes and resolved within 24 hours" in leak["description"]
    root = _xml(as_xml)
    assert root.tag == "services"
    xml_services = {s.findtext("service_code"): s for s in root.findall("service")}
    assert set(xml_services) == set(services)
    assert [child.tag for child in xml_services["heating.pipe-leak"]] == SPEC_KEYS
    assert xml_services["heating.pipe-leak"].findtext("metadata") == "true"
    # and the names follow the locale asked for
    in_chinese = (await _get(api, "services.json", locale="zh")).json()
    assert {s["service_code"]: s["service_name"] for s in in_chinese}["heating"] == "供热"


async def test_an_unknown_jurisdiction_or_format_is_refused(api: Api) -> None:
    _error(await _get(api, "services.json", jurisdiction_id="nowhere"), 404, "jurisdiction_id")
    assert (await _get(api, "services.json", jurisdiction_id="222401")).status_code == 200
    _error(await _get(api, "services.csv"), 404, "format")
    _error(await _get(api, "services.json", locale="fr"), 400, "locale")
    # and a resource the facade does not offer (tokens: every request is realtime) is not found
    missing = await _get(api, "tokens/12345.json")
    assert missing.status_code == 404
    assert missing.json()[0]["code"] == 404


async def test_a_service_definition_lists_the_attributes_a_request_may_carry(api: Api) -> None:
    # When a client asks for a service's definition
    response = await _get(api, "services/heating.pipe-leak.json")

    # Then it has the spec's shape, with the case fields a request can set
    definition = response.json()
    assert definition["service_code"] == "heating.pipe-leak"
    attributes = {a["code"]: a for a in definition["attributes"]}
    assert list(attributes) == ["URGENCY", "TITLE", "SOURCE", "EXTERNAL_REF"]
    assert [a["order"] for a in definition["attributes"]] == [1, 2, 3, 4]
    urgency = attributes["URGENCY"]
    assert (urgency["datatype"], urgency["required"], urgency["variable"]) == (
        "singlevaluelist",
        False,
        True,
    )
    assert [v["key"] for v in urgency["values"]] == ["NORMAL", "URGENT", "CRITICAL"]
    assert urgency["values"][1]["name"] == "Urgent: resolved within 12 h"
    assert attributes["EXTERNAL_REF"]["datatype"] == "string"
    # and the XML nests attributes and values as the spec's example does
    root = _xml(await _get(api, "services/heating.pipe-leak.xml"))
    assert root.tag == "service_definition"
    first = root.find("attributes/attribute")
    assert first is not None
    assert [c.tag for c in first] == [
        "variable",
        "code",
        "datatype",
        "required",
        "datatype_description",
        "order",
        "description",
        "values",
    ]
    assert [v.findtext("key") for v in first.findall("values/value")] == [
        "NORMAL",
        "URGENT",
        "CRITICAL",
    ]
    # and an unknown service is not found, in the spec's error format
    _error(await _get(api, "services/no-such-thing.json"), 404, "service_code")
    root = _xml(await _get(api, "services/no-such-thing.xml"))
    assert (root.tag, root.findtext("error/code")) == ("errors", "404")


# --- POST requests -------------------------------------------------------------------------


async def test_posting_a_request_files_a_case_once(api: Api, hotline: str, grid: str) -> None:
    # Given no cases
    assert await _cases(api) == 0

    # When a client posts the spec's example request
    response = await _post(api, "requests.json", _spec_post(hotline, grid))

    # Then a case is filed through intake, and its number is the service_request_id
    assert response.status_code == 200, response.text
    [created] = response.json()
    assert list(created) == ["service_request_id", "service_notice", "account_id"]
    number = created["service_request_id"]
    assert number == "YJ-2026-000001"
    assert created["service_notice"].startswith(f"Case {number} is to be resolved by ")
    case = (await api.as_user("admin", BY_NUMBER, {"number": number}))["caseByNumber"]
    assert case["category"]["code"] == "heating.pipe-leak"
    assert case["title"] == "지하실 난방관 누수 地下室暖气管道漏水"
    assert case["description"].endswith("물이 계속 샙니다")
    assert (case["status"], case["source"], case["urgency"]) == ("REPORTED", "OTHER", "URGENT")
    assert case["address"] == "연청사회구역 3동 延青社区3号楼"
    assert case["reporter"] == {"displayName": "영희 박", "phone": "13904331234", "isCaller": True}

    # and reading it back shows the request, but not the caller
    [shown] = (await _get(api, f"requests/{number}.json", api_key=hotline)).json()
    assert (shown["status"], shown["status_notes"], shown["lat"]) == ("open", "REPORTED", 42.9012)
    assert "영희" not in str(shown)
    assert "13904331234" not in str(shown)

    # When the client repeats the same POST (a retry), as XML this time
    again = await _post(api, "requests.xml", _spec_post(hotline, grid))

    # Then it gets the same request back and nothing new is filed
    assert _xml(again).findtext("request/service_request_id") == number
    assert await _cases(api) == 1
    # but the same reference with other content is refused
    other = _spec_post(hotline, grid, description="다른 내용 其他内容")
    _error(await _post(api, "requests.json", other), 400, "attribute[EXTERNAL_REF]")
    # and without a reference of the client's, each POST is a new request
    unkeyed = _spec_post(hotline, grid, **{"attribute[EXTERNAL_REF]": None})
    first = (await _post(api, "requests.json", unkeyed)).json()[0]["service_request_id"]
    second = (await _post(api, "requests.json", unkeyed)).json()[0]["service_request_id"]
    assert first != second
    assert await _cases(api) == 3


@pytest.mark.parametrize(
    ("overrides", "status", "field"),
    [
        ({"lat": "north"}, 400, "lat"),
        ({"lat": "95"}, 400, "lat"),
        ({"long": "-200"}, 400, "long"),
        ({"long": None}, 400, "lat"),
        ({"lat": None, "long": None, "address_string": None}, 400, "lat"),
        ({"service_code": None}, 400, "service_code"),
        ({"service_code": "no-such-service"}, 404, "service_code"),
        ({"jurisdiction_id": None}, 400, "jurisdiction_id"),
        ({"jurisdiction_id": "nowhere"}, 404, "jurisdiction_id"),
        ({"jurisdiction_id": "222401003"}, 400, "jurisdiction_id"),  # a street, not a community
        ({"jurisdiction_id": "222405001001"}, 403, "jurisdiction_id"),  # outside the token
        ({"description": None}, 400, "description"),
        ({"attribute[URGENCY]": "SOON"}, 400, "attribute[URGENCY]"),
        ({"attribute[WHISPAWN]": "123456"}, 400, "attribute[WHISPAWN]"),  # the spec's own
        ({"attribute[TITLE]": "x" * 201}, 400, "attribute[TITLE]"),
    ],
)
async def test_bad_input_names_the_field_and_files_nothing(
    api: Api,
    hotline: str,
    grid: str,
    overrides: dict[str, Any],
    status: int,
    field: str,
) -> None:
    # When a client posts a request with one bad or missing parameter
    response = await _post(api, "requests.json", _spec_post(hotline, grid, **overrides))

    # Then the error names that parameter and nothing is filed
    _error(response, status, field)
    assert await _cases(api) == 0


async def test_a_bad_api_key_is_forbidden(api: Api, grid: str) -> None:
    # Given tokens that may not post: none, a made-up one, a person's session, a read-only one
    session = await api.login("city1")
    read_only = await _token(api, "open311-reader", ["cases:read"])
    for key in [None, "gr_made-up", session, read_only]:
        # When each posts a request
        response = await _post(api, "requests.json", _spec_post(key or "", grid))

        # Then it is forbidden, as the spec's 403, and nothing is filed
        assert response.status_code == 403, (key, response.text)
        assert response.json()[0]["code"] == 403
    assert await _cases(api) == 0
    # and reading needs the cases:read scope
    intake_only = await _token(api, "open311-writer", ["cases:intake"])
    for key in [None, "gr_made-up", session, intake_only]:
        response = await _get(api, "requests.json", **({"api_key": key} if key else {}))
        assert response.status_code == 403, (key, response.text)


# --- GET requests --------------------------------------------------------------------------


async def test_requests_are_filtered_and_default_to_the_last_90_days(
    api: Api, clock: FrozenClock, hotline: str, grid: str
) -> None:
    # Given a case from four months ago, and two from today in different services
    old = await _number(api, await flows.report(api, title="오래된 일 旧事"))
    clock.advance(days=120)
    api.tokens.clear()  # the sign-ins have expired meanwhile
    leak = await _number(api, await flows.report(api, title="새 누수 新漏水"))
    pothole_form = _spec_post(
        hotline, grid, service_code="roads.pothole", **{"attribute[EXTERNAL_REF]": "crm-9"}
    )
    pothole = (await _post(api, "requests.json", pothole_form)).json()[0]["service_request_id"]

    async def numbers(**params: str) -> list[str]:
        response = await _get(api, "requests.json", api_key=hotline, **params)
        assert response.status_code == 200, response.text
        return [r["service_request_id"] for r in response.json()]

    # Then without dates only the last 90 days are listed, newest first
    assert await numbers() == [pothole, leak]
    # and a range finds the old one, but may not span more than 90 days
    range_ = {"start_date": "2026-10-01T00:00:00Z", "end_date": "2026-12-01T00:00:00+08:00"}
    assert await numbers(**range_) == [old]
    assert await numbers(start_date="2026-11-01T00:00:00Z") == [old]
    assert await numbers(end_date="2026-11-30T00:00:00Z") == [old]
    _error(
        await _get(
            api,
            "requests.json",
            api_key=hotline,
            start_date="2026-10-01T00:00:00Z",
            end_date="2027-01-01T00:00:00Z",
        ),
        400,
        "start_date",
    )
    _error(await _get(api, "requests.json", api_key=hotline, end_date="yesterday"), 400, "end_date")
    _error(
        await _get(api, "requests.json", api_key=hotline, start_date="2026-11-01T00:00:00"),
        400,
        "start_date",
    )
    # and the spec's other filters narrow the list
    assert await numbers(service_code="roads.pothole") == [pothole]
    assert await numbers(service_code="roads.pothole,heating.pipe-leak") == [pothole, leak]
    assert await numbers(status="closed") == []
    assert await numbers(status="open,closed") == [pothole, leak]
    assert await numbers(jurisdiction_id="222401003002") == []  # 民兴社区
    assert await numbers(jurisdiction_id="222401003001") == [pothole, leak]  # 延青社区
    _error(await _get(api, "requests.json", api_key=hotline, status="done"), 400, "status")
    _error(
        await _get(api, "requests.json", api_key=hotline, service_code="nope"), 400, "service_code"
    )
    # and service_request_id overrides every other filter, the 90 days included
    assert set(await numbers(service_request_id=f"{old},{pothole}", status="closed")) == {
        old,
        pothole,
    }


async def test_a_request_shows_its_status_lead_department_and_deadline(
    api: Api, hotline: str
) -> None:
    # Given cases at each step of the workflow, reported by resident1
    steps = ["REPORTED", "IN_PROGRESS", "RESOLVED", "CLOSED"]
    ids = {step: await flows.case_in(api, step) for step in steps}
    ids["REJECTED"] = await flows.report(api, title="장난 신고 恶作剧")
    flows.ok(
        (
            await api.as_user(
                "community1", REJECT_CASE, {"input": {"caseId": ids["REJECTED"], "reason": "중복"}}
            )
        )["rejectCase"]
    )
    numbers = {step: await _number(api, case_id) for step, case_id in ids.items()}

    # When the client reads each request
    seen: dict[str, dict[str, Any]] = {}
    for step, number in numbers.items():
        response = await _get(api, f"requests/{number}.json", api_key=hotline)
        assert response.status_code == 200, response.text
        [seen[step]] = response.json()

    # Then the spec's open/closed carries the platform's finer status in status_notes
    assert {s: (r["status"], r["status_notes"]) for s, r in seen.items()} == {
        "REPORTED": ("open", "REPORTED"),
        "IN_PROGRESS": ("open", "IN_PROGRESS"),
        "RESOLVED": ("closed", "RESOLVED"),
        "CLOSED": ("closed", "CLOSED"),
        "REJECTED": ("closed", "REJECTED"),
    }
    working = seen["IN_PROGRESS"]
    assert list(working) == REQUEST_KEYS
    assert working["agency_responsible"] == "Yanji Heating Company"
    assert seen["REPORTED"]["agency_responsible"] is None
    assert working["service_code"] == "heating.pipe-leak"
    due = (await api.as_user("admin", NUMBER, {"id": ids["IN_PROGRESS"]}))["node"]["resolveDueAt"]
    assert datetime.fromisoformat(working["expected_datetime"]) == datetime.fromisoformat(due)
    assert working["requested_datetime"] == "2026-11-02T09:00:00+08:00"  # the city's offset
    # and a third party never sees the reporter
    for request in seen.values():
        assert "김민수" not in str(request)
        assert "13804331234" not in str(request)
    # and the XML document is the spec's service_requests/request
    root = _xml(await _get(api, f"requests/{numbers['CLOSED']}.xml", api_key=hotline))
    request = root.find("request")
    assert request is not None
    assert [c.tag for c in request] == REQUEST_KEYS
    assert root.findtext("request/status") == "closed"
    assert root.findtext("request/address_id") == ""
    # and the status filter follows the same mapping
    listed = (await _get(api, "requests.json", api_key=hotline, status="open")).json()
    assert {r["status_notes"] for r in listed} == {"REPORTED", "IN_PROGRESS"}


async def test_reading_stays_within_the_tokens_region(api: Api, hotline: str) -> None:
    # Given a case in Yanji, and a reader bound to Longjing
    number = await _number(api, await flows.case_in(api, "DISPATCHED"))
    longjing = await _token(api, "open311-longjing", ["cases:read"], city="龙井市")

    # Then Yanji's reader sees it, Longjing's neither by id nor in the list
    assert (await _get(api, f"requests/{number}.json", api_key=hotline)).status_code == 200
    _error(await _get(api, f"requests/{number}.json", api_key=longjing), 404, "service_request_id")
    assert (await _get(api, "requests.json", api_key=longjing)).json() == []
    # and a jurisdiction it is not in hides it as well
    _error(
        await _get(api, f"requests/{number}.json", api_key=hotline, jurisdiction_id="222401003002"),
        404,
        "service_request_id",
    )
