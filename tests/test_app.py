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
