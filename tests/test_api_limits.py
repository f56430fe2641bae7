"""Cost control and the graphql-cop checks: each probe a scanner sends is refused or harmless."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator

import httpx
import pytest

from grassroots.app import create_app
from grassroots.clock import FrozenClock
from grassroots.settings import Settings

from .client import LOGIN, Api
from .flows import report
from .operations import COMMENT_ON_CASE
from .test_production import _production

ME = "{ me { id } }"
DEEP_REGIONS = "{ regions { children { children { children { children { id } } } } } }"
CASES_PAGE = "{ cases(first: 10) { edges { node { id number } } } }"
COMMENTS = "query($id: ID!) { node(id: $id) { ... on Case { timeline { kind } } } }"


async def _api(settings: Settings, clock: FrozenClock, **overrides: object) -> AsyncIterator[Api]:
    app = create_app(dataclasses.replace(settings, **overrides), clock=clock, run_scheduler=False)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, client=("203.0.113.7", 5000))
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
            yield Api(http)


@pytest.fixture
async def strict_api(settings: Settings, clock: FrozenClock) -> AsyncIterator[Api]:
    async for api in _api(
        settings, clock, rate_limit_login_per_minute=3, rate_limit_mutations_per_minute=2
    ):
        yield api


@pytest.fixture
async def prod_api(settings: Settings, clock: FrozenClock) -> AsyncIterator[Api]:
    production = _production(settings.data_dir, database_url=settings.database_url)
    async for api in _api(production, clock):
        yield api


# --- query cost ---------------------------------------------------------------------------


async def test_every_answer_reports_its_cost(api: Api) -> None:
    body = await api.raw(CASES_PAGE, token=await api.login("community1"))

    assert "errors" not in body
    # the connection (1) + 10 nodes × (edges 1 + node 1 + id 1 + number 1)
    assert body["extensions"]["cost"] == {"requested": 41, "limit": 50_000}


async def test_a_query_that_could_touch_too_much_is_refused_before_it_runs(api: Api) -> None:
    body = await api.raw(DEEP_REGIONS)

    error = body["errors"][0]
    assert error["extensions"]["code"] == "QUERY_TOO_COSTLY"
    assert error["extensions"]["cost"] > error["extensions"]["limit"] == 50_000
    assert "first/last" in error["message"]
    assert body["data"] is None
    # and the answer reports the cost like every other
    assert body["extensions"]["cost"] == {"requested": error["extensions"]["cost"], "limit": 50_000}


def nested_regions(levels: int) -> str:
    """Regions' children and paths, nested through fragments: each level multiplies."""
    fragments = [
        f"fragment F{i} on Region {{ children {{ ...F{i + 1} }} path {{ ...F{i + 1} }} }}"
        for i in range(1, levels)
    ]
    return " ".join(
        ["{ regions(level: CITY) { ...F1 } }", *fragments, f"fragment F{levels} on Region {{ id }}"]
    )


async def test_a_query_too_costly_to_count_is_refused_all_the_same(api: Api) -> None:
    # Given a query within the depth limit whose estimate passes 2**64
    # When anyone sends it
    response = await api.http.post("/graphql", json={"query": nested_regions(11)})

    # Then it is refused as too costly, with a cost a client can read, not a server error
    assert response.status_code == 200
    body = response.json()
    error = body["errors"][0]
    assert error["extensions"]["code"] == "QUERY_TOO_COSTLY"
    assert error["extensions"]["cost"] == 2**53 - 1
    assert body["extensions"]["cost"]["requested"] == 2**53 - 1


async def test_page_size_counts_in_the_cost(api: Api) -> None:
    token = await api.login("community1")
    small = await api.raw("{ cases(first: 2) { nodes { id } } }", token=token)
    large = await api.raw("{ cases(first: 100) { nodes { id } } }", token=token)

    assert large["extensions"]["cost"]["requested"] > 10 * small["extensions"]["cost"]["requested"]


async def test_connections_refuse_pages_over_100(api: Api) -> None:
    body = await api.raw("{ cases(first: 101) { nodes { id } } }", token=await api.login("city1"))

    assert "first" in body["errors"][0]["message"]


# --- rate limits --------------------------------------------------------------------------


async def test_login_is_rate_limited_per_address_with_a_clear_error(strict_api: Api) -> None:
    attempt = {"input": {"username": "resident1", "password": "wrong"}}
    answers = [await strict_api.raw(LOGIN, attempt) for _ in range(4)]

    assert all("errors" not in a for a in answers[:3])
    refused = answers[3]["errors"][0]
    assert refused["extensions"]["code"] == "RATE_LIMITED"
    assert refused["extensions"]["retryAfterSeconds"] >= 1
    assert "try again" in refused["message"]


async def test_mutations_are_rate_limited_per_token_and_a_refused_one_changes_nothing(
    strict_api: Api,
) -> None:
    case_id = await report(strict_api)  # the resident's first mutation
    comment = {"input": {"caseId": case_id, "note": "다시 확인 再确认"}}
    first = await strict_api.as_user("resident1", COMMENT_ON_CASE, comment)
    refused = await strict_api.raw(
        COMMENT_ON_CASE, comment, token=await strict_api.login("resident1")
    )

    assert first["commentOnCase"]["userErrors"] == []
    assert refused["errors"][0]["extensions"]["code"] == "RATE_LIMITED"
    # another account's token has its own budget
    other = await strict_api.as_user("community1", COMMENT_ON_CASE, comment)
    assert other["commentOnCase"]["userErrors"] == []
    timeline = (await strict_api.as_user("community1", COMMENTS, {"id": case_id}))["node"]
    assert [e["kind"] for e in timeline["timeline"]].count("COMMENTED") == 2


# --- what graphql-cop probes ----------------------------------------------------------------


async def test_alias_overloading_is_refused(api: Api) -> None:
    query = "{ " + " ".join(f"a{i}: me {{ id }}" for i in range(101)) + " }"
    body = await api.raw(query)
    assert "alias" in body["errors"][0]["message"].lower()


async def test_batched_queries_are_refused(api: Api) -> None:
    response = await api.http.post("/graphql", json=[{"query": ME}, {"query": ME}])
    assert response.status_code == 400
    assert "batch" in response.text.lower()


async def test_queries_and_mutations_over_get_are_refused(api: Api) -> None:
    for query in (ME, 'mutation { login(input: {username: "a", password: "b"}) { token } }'):
        response = await api.http.get("/graphql", params={"query": query})
        assert response.status_code in (400, 405), query
        assert '"data"' not in response.text


async def test_url_encoded_posts_are_refused(api: Api) -> None:
    response = await api.http.post(
        "/graphql",
        content=f"query={ME}",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code in (400, 415)
    assert '"data"' not in response.text


async def test_json_posts_with_parameters_or_odd_bodies_get_the_general_answers(api: Api) -> None:
    # A content type with parameters runs like the plain one
    with_charset = await api.http.post(
        "/graphql",
        content='{"query": "{ regions { id } }"}',
        headers={"Content-Type": "application/json; charset=utf-8"},
    )
    assert with_charset.status_code == 200
    assert with_charset.json()["data"]["regions"]
    # Variables that are not an object, and a body without a query, are refused by name
    bad_variables = await api.http.post("/graphql", json={"query": ME, "variables": "x"})
    assert bad_variables.status_code == 400
    assert "variables" in bad_variables.text
    no_query = await api.http.post("/graphql", json={"variables": {}})
    assert no_query.status_code == 400
    assert "query" in no_query.text.lower()


async def test_no_tracing_or_debug_output(prod_api: Api) -> None:
    body = await prod_api.raw("{ caseByNumber(number: 1) { id } }")
    text = str(body)
    assert "tracing" not in body.get("extensions", {})
    assert "Traceback" not in text
    assert "stack" not in text


async def test_field_duplication_is_refused(api: Api) -> None:
    body = await api.raw("{ me { " + "id " * 500 + "} }", token=await api.login("resident1"))
    assert body["errors"][0]["message"].lower().startswith("the field")
    assert body.get("data") is None


async def test_field_suggestions_are_off_in_production(api: Api, prod_api: Api) -> None:
    development = await api.raw("{ cas { id } }")
    production = await prod_api.raw("{ cas { id } }")

    assert "Did you mean" in development["errors"][0]["message"]
    assert "Did you mean" not in production["errors"][0]["message"]


async def test_graphiql_and_introspection_are_off_in_production(prod_api: Api) -> None:
    page = await prod_api.http.get("/graphql", headers={"Accept": "text/html"})
    body = await prod_api.raw("{ __schema { queryType { name } } }")
    assert page.status_code != 200 or "graphiql" not in page.text.lower()
    assert "introspection" in body["errors"][0]["message"].lower()


async def test_directive_overloading_is_refused(api: Api) -> None:
    body = await api.raw("{ me " + "@include(if: true) " * 300 + "{ id } }")
    assert body.get("data") is None
    assert body["errors"]


async def test_circular_introspection_is_refused_by_the_depth_limit(api: Api) -> None:
    nested = "name"
    for _ in range(8):
        nested = f"fields {{ type {{ {nested} }} }}"
    body = await api.raw("{ __schema { types { " + nested + " } } }")
    assert "depth" in body["errors"][0]["message"].lower()


async def test_the_schema_has_no_entry_point_around_its_limits(settings: Settings) -> None:
    # Given the service's schema, whose guards run in `execute`
    from grassroots.graphql.schema import build_schema

    schema = build_schema(settings)

    # Then the synchronous and subscription entry points of Strawberry are closed
    with pytest.raises(NotImplementedError):
        schema.execute_sync(DEEP_REGIONS)
    with pytest.raises(NotImplementedError):
        await schema.subscribe(DEEP_REGIONS)
