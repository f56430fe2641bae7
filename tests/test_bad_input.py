"""Bad input gets a clear error naming the field, and writes nothing."""

from __future__ import annotations

from typing import Any

import pytest

from . import flows, lookup
from .client import Api
from .images import jpeg
from .operations import INTAKE_CASE, REPORT_CASE

COUNTS = """
query Counts($region: ID!) {
  cases(first: 1) { totalCount }
  events(regionId: $region, since: 0, first: 100) { seq }
}
"""


@pytest.fixture
async def place(api: Api) -> dict[str, str]:
    yanqing = await lookup.region(api, "COMMUNITY", "延青社区")
    grid = (await lookup.grids_of(api, yanqing["id"]))[0]
    return {
        "community": yanqing["id"],
        "grid": grid["id"],
        "category": await lookup.category(api, "heating.pipe-leak"),
        "prefecture": (await lookup.region(api, "PREFECTURE", "延边朝鲜族自治州"))["id"],
    }


async def _counts(api: Api, place: dict[str, str]) -> Any:
    return await api.as_user("admin", COUNTS, {"region": place["prefecture"]})


def _report(place: dict[str, str], **overrides: Any) -> dict[str, Any]:
    data = {
        "title": "쓰레기 방치 垃圾堆放",
        "description": "며칠째 치우지 않았습니다 多日未清理",
        "categoryId": place["category"],
        "regionId": place["grid"],
    }
    return {"input": data | overrides}


@pytest.mark.parametrize(
    ("overrides", "field", "code"),
    [
        ({"title": "x" * 201}, "title", "INVALID_INPUT"),
        ({"title": "   "}, "title", "INVALID_INPUT"),
        ({"description": "y" * 5001}, "description", "INVALID_INPUT"),
        ({"latitude": 95.0, "longitude": 129.5}, "latitude", "INVALID_INPUT"),
        ({"latitude": 42.9}, "latitude", "INVALID_INPUT"),
        ({"categoryId": "not-an-id"}, "categoryId", "INVALID_INPUT"),
        ({"categoryId": "REGION"}, "categoryId", "NOT_FOUND"),
        ({"regionId": "Q2F0ZWdvcnk6OTk5OTk="}, "regionId", "NOT_FOUND"),
        ({"regionId": "UmVnaW9uOjk5OTk5"}, "regionId", "NOT_FOUND"),
        ({"regionId": "PREFECTURE"}, "regionId", "INVALID_INPUT"),
        ({"source": "SELF_MEDIA"}, "source", "INVALID_INPUT"),
    ],
)
async def test_report_with_bad_field_is_refused(
    api: Api, place: dict[str, str], overrides: dict[str, Any], field: str, code: str
) -> None:
    overrides = {
        k: place["grid"] if v == "REGION" else place["prefecture"] if v == "PREFECTURE" else v
        for k, v in overrides.items()
    }
    before = await _counts(api, place)
    data = await api.as_user("resident1", REPORT_CASE, _report(place, **overrides))
    payload = data["reportCase"]
    assert payload["case"] is None
    assert [(e["field"], e["code"]) for e in payload["userErrors"]] == [(field, code)]
    assert await _counts(api, place) == before


async def test_wrong_type_is_a_graphql_error_naming_the_field(
    api: Api, place: dict[str, str]
) -> None:
    body = await api.raw(
        REPORT_CASE, _report(place, urgency="HUGE"), token=await api.login("resident1")
    )
    assert "urgency" in body["errors"][0]["message"]
    body = await api.raw(
        REPORT_CASE, _report(place, latitude="north"), token=await api.login("resident1")
    )
    assert "latitude" in body["errors"][0]["message"]


async def test_non_image_upload_is_refused(api: Api, place: dict[str, str]) -> None:
    before = await _counts(api, place)
    variables = _report(place, photos=[None])
    files = {"variables.input.photos.0": ("leak.jpg", b"%PDF-1.4 not an image", "image/jpeg")}
    body = (await api.upload("resident1", REPORT_CASE, variables, files)).json()
    errors = body["data"]["reportCase"]["userErrors"]
    assert [(e["field"], e["code"]) for e in errors] == [("photos.0", "UPLOAD_INVALID")]
    assert await _counts(api, place) == before


async def test_oversized_upload_is_refused(api: Api, place: dict[str, str]) -> None:
    before = await _counts(api, place)
    huge = jpeg() + b"\0" * (10 * 1024 * 1024)
    variables = _report(place, photos=[None])
    files = {"variables.input.photos.0": ("big.jpg", huge, "image/jpeg")}
    body = (await api.upload("resident1", REPORT_CASE, variables, files)).json()
    errors = body["data"]["reportCase"]["userErrors"]
    assert [(e["field"], e["code"]) for e in errors] == [("photos.0", "UPLOAD_TOO_LARGE")]
    assert await _counts(api, place) == before


async def test_too_many_photos_are_refused(api: Api, place: dict[str, str]) -> None:
    variables = _report(place, photos=[None] * 7)
    files = {f"variables.input.photos.{i}": (f"{i}.jpg", jpeg(), "image/jpeg") for i in range(7)}
    body = (await api.upload("resident1", REPORT_CASE, variables, files)).json()
    errors = body["data"]["reportCase"]["userErrors"]
    assert [(e["field"], e["code"]) for e in errors] == [("photos", "TOO_MANY_UPLOADS")]


async def test_upload_without_preflight_header_is_refused(api: Api, place: dict[str, str]) -> None:
    before = await _counts(api, place)
    variables = _report(place, photos=[None])
    files = {"variables.input.photos.0": ("leak.jpg", jpeg(), "image/jpeg")}
    response = await api.upload("resident1", REPORT_CASE, variables, files, preflight=False)
    assert response.status_code == 400
    assert "Preflight" in response.json()["errors"][0]["message"]
    assert await _counts(api, place) == before


async def test_first_is_required_and_capped(api: Api) -> None:
    body = await api.raw("{ cases(first: 101) { totalCount } }", token=await api.login("admin"))
    assert "first" in body["errors"][0]["message"]
    body = await api.raw("{ cases { totalCount } }", token=await api.login("admin"))
    assert "first" in body["errors"][0]["message"]


async def _hotline(api: Api, place: dict[str, str]) -> str:
    return await flows.hotline_token(api)


def _intake(place: dict[str, str], **overrides: Any) -> dict[str, Any]:
    data = {
        "source": "HOTLINE_12345",
        "externalRef": "12345-20261102-0001",
        "title": "난방 안됨 暖气不热",
        "description": "전화 접수 电话受理",
        "categoryId": place["category"],
        "regionId": place["grid"],
        "callerName": "박영희",
        "callerPhone": "13904331234",
    }
    return {"input": data | overrides}


async def test_repeated_intake_returns_the_same_case_and_writes_nothing(
    api: Api, place: dict[str, str]
) -> None:
    token = await _hotline(api, place)
    first = (await api.run(INTAKE_CASE, _intake(place), token=token))["intakeCase"]
    assert first["userErrors"] == []
    assert first["created"] is True
    assert first["case"]["source"] == "HOTLINE_12345"
    before = await _counts(api, place)

    again = (await api.run(INTAKE_CASE, _intake(place), token=token))["intakeCase"]
    assert again["userErrors"] == []
    assert again["created"] is False
    assert again["case"]["id"] == first["case"]["id"]
    assert await _counts(api, place) == before

    # the same reference with other content is a conflict, not a silent overwrite
    other = (await api.run(INTAKE_CASE, _intake(place, title="다른 내용"), token=token))[
        "intakeCase"
    ]
    assert [(e["field"], e["code"]) for e in other["userErrors"]] == [("externalRef", "DUPLICATE")]
    assert await _counts(api, place) == before


async def test_intake_needs_an_integration_token_with_scope(
    api: Api, place: dict[str, str]
) -> None:
    data = await api.as_user("resident1", INTAKE_CASE, _intake(place))
    assert [e["code"] for e in data["intakeCase"]["userErrors"]] == ["PERMISSION_DENIED"]
    data = await api.as_user("city1", INTAKE_CASE, _intake(place))
    assert [e["code"] for e in data["intakeCase"]["userErrors"]] == ["PERMISSION_DENIED"]


async def test_intake_of_a_hotline_caller_masks_the_phone_to_the_department(
    api: Api, place: dict[str, str]
) -> None:
    token = await _hotline(api, place)
    case = (await api.run(INTAKE_CASE, _intake(place), token=token))["intakeCase"]["case"]
    staff_view = await api.as_user(
        "community1",
        "query($id: ID!) { node(id: $id) { ... on Case { reporter { displayName phone } } } }",
        {"id": case["id"]},
    )
    assert staff_view["node"]["reporter"] == {"displayName": "박영희", "phone": "13904331234"}
    display_view = await api.as_user(
        "screen1",
        "query($id: ID!) { node(id: $id) { ... on Case {"
        " reporter { displayName phone masked } } } }",
        {"id": case["id"]},
    )
    assert display_view["node"]["reporter"] == {
        "displayName": "박**",
        "phone": "139****1234",
        "masked": True,
    }
