"""The service's other routes: health, the front end, and media access."""

from __future__ import annotations

from .client import Api


async def test_health(api: Api) -> None:
    response = await api.http.get("/healthz")
    assert response.json() == {"status": "ok"}


async def test_the_front_end_is_served_for_every_client_route(api: Api) -> None:
    for path in ("/", "/screen", "/desk/cases/123"):
        response = await api.http.get(path)
        assert response.status_code == 200
        assert "Grassroots" in response.text


async def test_media_needs_a_valid_signature(api: Api) -> None:
    name = "0" * 32 + ".jpg"
    assert (await api.http.get(f"/media/{name}")).status_code == 404
    escape = await api.http.get("/media/..%2Fgrassroots.db?exp=9999999999&sig=x")
    assert escape.status_code == 404


REGION_NAMES = "{ regions(level: COMMUNITY) { nameKo nameZh } }"


async def test_korean_and_chinese_travel_as_utf8_not_escapes(api: Api) -> None:
    # given a query whose answer is mostly Korean and Chinese names
    # when it is answered
    response = await api.http.post("/graphql", json={"query": REGION_NAMES})

    # then the names are UTF-8 in the body (3 bytes a character, not a 6-byte \uXXXX)
    assert "延青社区".encode() in response.content
    assert b"\\u" not in response.content


async def test_a_body_that_is_not_json_is_refused_with_400(api: Api) -> None:
    response = await api.http.post(
        "/graphql",
        content=b'{"query": "{ me { id } }"',
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 400
    assert "JSON" in response.text
