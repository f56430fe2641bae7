"""Queries walked on plans (graphql/planned.py) get graphql-core's answer, to the byte, errors
included; a page of cases is walked, not handed back to graphql-core's executor; and an
answered request leaves no garbage for the cycle collector."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import strawberry
from graphql.execution import Executor
from strawberry.dataloader import DataLoader
from strawberry.permission import BasePermission
from strawberry.scalars import JSON
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from grassroots.graphql.operations import GrassrootsSchema, SchemaOptions
from grassroots.graphql.schema import build_schema
from grassroots.settings import Settings

from . import flows
from .client import LOGIN, Api
from .operations import CASE, CASE_FIELDS
from .sql_log import sql_statements

# Aliases, fragments (named and inline), __typename, @include and @skip on variables, an
# interface field, lists of objects, arguments from literals and from variables.
WIDE = f"""
query Wide($first: Int!, $withPath: Boolean!, $locale: String) {{
  me {{ __typename username roles bindings {{ role region {{ code }} }} }}
  page: cases(first: $first) {{
    totalCount
    edges {{
      cursor
      node {{
        ...Row
        regionPath @include(if: $withPath) {{ code name(locale: $locale) }}
        where: region @skip(if: $withPath) {{ nameKo }}
      }}
    }}
    pageInfo {{ hasNextPage endCursor }}
  }}
  first: cases(first: 1) {{ edges {{ node {{ ... on Node {{ __typename id }} }} }} }}
}}
fragment Row on Case {{
  {CASE_FIELDS}
  category {{ zh: name(locale: "zh") en: name(locale: "en") }}
  lastEvent {{ kind actorName createdAt }}
}}
"""
# Public and refused fields side by side: graphql-core answers with partial data.
PARTLY_REFUSED = """
{ categories { code nameZh } caseByNumber(number: "YJ-2026-000001") { id title } }
"""


@contextmanager
def on_graphql_core(settings: Settings) -> Iterator[None]:
    """Queries run by graphql-core's executor alone, as before the walk."""
    schema = build_schema(settings)
    plans, schema.plans = schema.plans, None  # type: ignore[assignment]
    try:
        yield
    finally:
        schema.plans = plans


@pytest.fixture
def handed_back(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The operations the planned executor handed to graphql-core's executor."""
    seen: list[str] = []
    run = StrawberryGraphQLCoreExecutionContext.execute_operation

    def spy(self: Any, *args: Any, **kwargs: Any) -> Any:
        seen.append(self.operation.operation.value)
        return run(self, *args, **kwargs)

    monkeypatch.setattr(StrawberryGraphQLCoreExecutionContext, "execute_operation", spy)
    return seen


async def test_a_wide_query_gets_graphql_cores_answer(api: Api, settings: Settings) -> None:
    # Given cases along the whole path, with departments, whistles, ratings and timelines
    for status in ("REPORTED", "DISPATCHED", "CLOSED"):
        await flows.case_in(api, status)
    token = await api.login("admin")

    for variables in (
        {"first": 3, "withPath": True, "locale": "zh"},
        {"first": 2, "withPath": False, "locale": None},
    ):
        # When the same query runs walked and on graphql-core alone
        walked = await api.http.post(
            "/graphql",
            json={"query": WIDE, "variables": variables},
            headers={"Authorization": f"Bearer {token}"},
        )
        with on_graphql_core(settings):
            core = await api.http.post(
                "/graphql",
                json={"query": WIDE, "variables": variables},
                headers={"Authorization": f"Bearer {token}"},
            )

        # Then the answers are the same bytes, and a real answer
        assert walked.text == core.text
        body = walked.json()
        assert "errors" not in body
        assert len(body["data"]["page"]["edges"]) == variables["first"]
        node = body["data"]["page"]["edges"][0]["node"]
        assert ("regionPath" in node) is variables["withPath"]
        assert ("where" in node) is not variables["withPath"]


async def test_a_case_read_by_its_node_id_is_the_same_walked(api: Api, settings: Settings) -> None:
    # Given a dispatched case
    case_id = await flows.case_in(api, "DISPATCHED")
    token = await api.login("community1")

    # When community staff read it walked and on graphql-core alone
    walked = await api.raw(CASE, {"id": case_id}, token=token)
    with on_graphql_core(settings):
        core = await api.raw(CASE, {"id": case_id}, token=token)

    # Then they read the same case, whistles and timeline included
    assert walked == core
    assert walked["data"]["node"]["whistles"], "a dispatched case has its whistle"


async def test_a_refused_field_gets_graphql_cores_partial_data_and_errors(
    api: Api, settings: Settings, handed_back: list[str]
) -> None:
    # Given a visitor who has not signed in
    # When they ask for the public categories and a case, walked and on graphql-core alone
    walked = await api.raw(PARTLY_REFUSED)
    with on_graphql_core(settings):
        core = await api.raw(PARTLY_REFUSED)

    # Then both answer the categories, refuse the case at its path, and say the same
    assert walked == core
    assert walked["data"]["categories"], "the public part is answered"
    assert walked["data"]["caseByNumber"] is None
    assert [error["path"] for error in walked["errors"]] == [["caseByNumber"]]
    # and graphql-core ran it twice: for the walk, which hands it over at the first error,
    # and alone
    assert handed_back == ["query", "query"]


async def test_a_page_of_cases_is_walked_without_graphql_cores_executor(
    api: Api, handed_back: list[str]
) -> None:
    # Given cases and a signed-in staff member (signing in is a mutation: graphql-core's)
    for status in ("REPORTED", "DISPATCHED"):
        await flows.case_in(api, status)
    token = await api.login("admin")
    handed_back.clear()

    # When they read a page of cases with everything on it
    data = await api.run(WIDE, {"first": 2, "withPath": True}, token=token)

    # Then the page is answered by the walk alone
    assert len(data["page"]["edges"]) == 2
    assert handed_back == []
    # while a mutation still runs on graphql-core's executor
    await api.run(LOGIN, {"input": {"username": "admin", "password": "grassroots"}})
    assert handed_back == ["mutation"]


async def test_an_answered_request_leaves_nothing_for_the_cycle_collector(api: Api) -> None:
    # Given a signed-in staff member, and a collector that will not run
    await flows.case_in(api, "DISPATCHED")
    token = await api.login("admin")
    gc.collect()
    gc.disable()
    try:
        # When they read a page of cases (loaders, rows, nodes) and a mutation runs
        await api.run(WIDE, {"first": 2, "withPath": True}, token=token)
        await api.run(LOGIN, {"input": {"username": "admin", "password": "grassroots"}})

        # Then none of it is alive once answered: freed at once, not left in a cycle
        alive = [o for o in gc.get_objects() if isinstance(o, DataLoader | Executor)]
        assert alive == []
    finally:
        gc.enable()


# A schema of its own for what the city's schema does not have (yet): a permission on a
# field without a resolver, an attribute that holds an awaitable.
class Never(BasePermission):
    message = "never shown"

    def has_permission(self, source: Any, info: strawberry.Info, **kwargs: Any) -> bool:
        return False


@strawberry.type
class Box:
    shown: str
    kept: str = strawberry.field(permission_classes=[Never])


@strawberry.type
class Parcel:
    later: JSON


async def _one() -> dict[str, int]:
    return {"a": 1}


@strawberry.type
class BoxQuery:
    @strawberry.field
    def box(self) -> Box:
        return Box(shown="shown", kept="kept")

    @strawberry.field
    def parcel(self) -> Parcel:
        return Parcel(later=_one())


BOX = "{ box { shown kept } }"


async def test_a_permission_on_a_plain_field_holds_when_walked() -> None:
    # Given a field without a resolver that no one may read, beside one anyone may
    schema = GrassrootsSchema(query=BoxQuery, options=SchemaOptions())

    # When it is asked for
    result = await schema.execute(BOX)

    # Then it is refused
    assert [error.message for error in result.errors or []] == ["never shown"]
    assert result.data is None  # `kept` is non-null: the null reaches the root


async def test_an_attribute_holding_an_awaitable_is_awaited() -> None:
    # Given a field without a resolver whose attribute is a coroutine
    schema = GrassrootsSchema(query=BoxQuery, options=SchemaOptions())

    # When it is asked for alone
    result = await schema.execute("{ parcel { later } }")

    # Then its value is the coroutine's
    assert result.errors is None
    assert result.data == {"parcel": {"later": {"a": 1}}}


async def test_a_refused_argument_is_an_error_not_a_crash(api: Api, settings: Settings) -> None:
    # Given a variable with a default, sent as null where the argument may not be null
    query = "query($s: Boolean = false) { categories @skip(if: $s) { code } }"

    # When a visitor sends it, walked and on graphql-core alone
    walked = await api.raw(query, {"s": None})
    with on_graphql_core(settings):
        core = await api.raw(query, {"s": None})

    # Then both refuse it the same way, as a GraphQL error
    assert walked == core
    assert walked["errors"]
    assert walked.get("data") is None


PAGES_TWICE = """
{
  a: cases(first: 5) { edges { node { lastEvent { kind } timeline { kind } } } }
  b: cases(first: 5) { edges { node { lastEvent { kind } timeline { kind } } } }
}
"""


async def test_two_pages_of_the_same_cases_load_their_events_once(api: Api) -> None:
    # Given cases with timelines
    for status in ("REPORTED", "DISPATCHED"):
        await flows.case_in(api, status)
    token = await api.login("admin")

    # When one query asks for the same page twice
    with sql_statements() as log:
        data = await api.run(PAGES_TWICE, token=token)

    # Then the pages are the same, and each relation was read once
    assert data["a"] == data["b"]
    events = [sql for sql, _ in log.selects() if 'FROM "case_event"' in sql]
    assert len(events) == 2, events  # the last events, the timelines
