"""Production mode: unexpected errors masked, no GraphiQL or introspection; limits always on."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from grassroots.app import create_app
from grassroots.clock import FrozenClock
from grassroots.settings import Settings

from .client import Api


def _production(data_dir: Path, **overrides: object) -> Settings:
    return Settings.from_env(
        environ={
            "GRASSROOTS_DATA_DIR": str(data_dir),
            "GRASSROOTS_ENV": "production",
            "GRASSROOTS_SECRET_KEY": "a-real-secret-for-tests",
        },
        **overrides,
    )


@pytest.fixture
async def prod_api(settings: Settings, clock: FrozenClock) -> AsyncIterator[Api]:
    production = _production(settings.data_dir, database_url=settings.database_url)
    app = create_app(production, clock=clock, run_scheduler=False)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
            yield Api(http)


def test_production_refuses_the_default_secret(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="GRASSROOTS_SECRET_KEY"):
        Settings.from_env(
            environ={"GRASSROOTS_DATA_DIR": str(tmp_path), "GRASSROOTS_ENV": "production"}
        )


async def test_production_hides_graphiql_and_introspection(prod_api: Api) -> None:
    page = await prod_api.http.get("/graphql", headers={"Accept": "text/html"})
    assert page.status_code != 200 or "graphiql" not in page.text.lower()
    body = await prod_api.raw("{ __schema { types { name } } }")
    assert "introspection" in body["errors"][0]["message"].lower()


async def test_development_offers_graphiql(api: Api) -> None:
    page = await api.http.get("/graphql", headers={"Accept": "text/html"})
    assert page.status_code == 200
    assert "graphiql" in page.text.lower()


async def test_expected_errors_stay_readable_in_production(prod_api: Api) -> None:
    body = await prod_api.raw("{ cases(first: 5) { totalCount } }")
    assert body["errors"][0]["message"] == "Sign in first"
    body = await prod_api.raw("{ nosuchfield }")
    assert "nosuchfield" in body["errors"][0]["message"]


async def test_unexpected_errors_are_masked_in_production(
    prod_api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    from grassroots.graphql import directory_queries

    def explode(*args: object, **kwargs: object) -> None:
        raise RuntimeError("secret internals: /etc/passwd")

    monkeypatch.setattr(directory_queries.models.Category, "all", explode)
    body = await prod_api.raw("{ categories { code } }")
    assert body["errors"][0]["message"] == "Unexpected error."
    assert "passwd" not in str(body)


async def test_depth_and_alias_limits(api: Api) -> None:
    deep = "{ regions { " + "children { " * 14 + "id" + " }" * 14 + " } }"
    body = await api.raw(deep)
    assert "exceeds maximum operation depth" in body["errors"][0]["message"]
    aliases = "{ " + " ".join(f"a{i}: categories {{ id }}" for i in range(40)) + " }"
    body = await api.raw(aliases)
    assert "aliases" in body["errors"][0]["message"].lower()


async def test_queries_over_get_are_refused(api: Api) -> None:
    response = await api.http.get("/graphql", params={"query": "{ categories { id } }"})
    assert response.status_code in {400, 405}
