"""Fuzzing: schemathesis generates queries and mutations from the running server's own schema
and sends them, signed in as community staff, to a real production-mode server. However odd
the input, the answer is never a 5xx and never an unexpected error (in production an
exception that is not a refusal reaches the client only as the masked "Unexpected error.").

The budget is bounded: a fixed number of examples per operation, drawn deterministically, so
the run takes about a minute and a failure can be replayed.
"""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis.graphql import nodes
from strawberry.relay import GlobalID

from .client import LOGIN, PASSWORD, Api
from .operations import ACCEPT_CASE, REPORT_CASE
from .party_operations import CREATE_ITEM, CREATE_TASK
from .servers import Server, start

# Per operation; about a minute in all. Raise it for a longer hunt.
EXAMPLES_PER_OPERATION = int(os.environ.get("GRASSROOTS_FUZZ_EXAMPLES", "12"))
MASKED = "Unexpected error."
NODE_TYPES = (
    "Case",
    "Region",
    "Category",
    "Department",
    "Account",
    "ApiToken",
    "ListItem",
    "ServiceTask",
    "Assignment",
    "PartyMember",
    "PartyOrganisation",
    "Webhook",
    "WebhookDelivery",
)
# Global ids of objects that exist, of every type and of the wrong type for the argument, so
# that generated requests get past "not a valid id" into the rules; half the time an ID is
# whatever hypothesis makes up instead.
KNOWN_IDS = [str(GlobalID(t, str(pk))) for t in NODE_TYPES for pk in (1, 2, 12)]
schemathesis.graphql.scalar(
    "ID", st.one_of(st.sampled_from(KNOWN_IDS), st.text(max_size=40)).map(nodes.String)
)
# Files travel beside a GraphQL multipart request; in a JSON request an Upload is null.
schemathesis.graphql.scalar("Upload", st.just(nodes.Null))


@pytest.fixture
def server(tmp_path: Path, database_url: str) -> Iterator[Server]:
    """A production server on the demo city, with introspection on so the fuzzer can load
    the schema it serves, and rate limits out of the way of a thousand requests."""
    env = {
        "GRASSROOTS_ENV": "production",
        "GRASSROOTS_SECRET_KEY": "fuzzing-secret-key-not-the-default",
        "GRASSROOTS_INTROSPECTION": "true",
        "GRASSROOTS_RATE_LIMIT_LOGIN": "100000",
        "GRASSROOTS_RATE_LIMIT_MUTATIONS": "100000",
    }
    running = start(tmp_path, database_url, env=env, log=tmp_path / "server.log")
    try:
        yield running
    finally:
        running.stop()


def _run(server: Server, query: str, variables: dict[str, Any], token: str | None = None) -> Any:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    body = httpx.post(
        f"{server.url}/graphql", json={"query": query, "variables": variables}, headers=headers
    ).json()
    assert not body.get("errors"), body
    return body["data"]


def _token(server: Server, username: str) -> str:
    variables = {"input": {"username": username, "password": PASSWORD}}
    return str(_run(server, LOGIN, variables)["login"]["token"])


def _seed(server: Server) -> None:
    """Two cases (one accepted), a wish and a task, for the known ids to point at."""
    resident, staff = _token(server, "resident1"), _token(server, "community1")
    grids = _run(server, "{ regions(level: GRID) { id parent { nameZh } } }", {})["regions"]
    region = next(g["id"] for g in grids if g["parent"]["nameZh"] == "延青社区")
    categories = _run(server, "{ categories { id code } }", {})["categories"]
    category = next(c["id"] for c in categories if c["code"] == "heating.pipe-leak")
    report = {"title": "누수 漏水", "description": "물이 샙니다 漏水了"}
    report |= {"categoryId": category, "regionId": region}
    cases = [
        _run(server, REPORT_CASE, {"input": report}, resident)["reportCase"]["case"]["id"]
        for _ in range(2)
    ]
    _run(server, ACCEPT_CASE, {"input": {"caseId": cases[0]}}, staff)
    wish = {"kind": "WISH", "title": "소원 心愿", "regionId": region}
    _run(server, CREATE_ITEM, {"input": wish}, resident)
    start = datetime.now(UTC) + timedelta(days=2)
    task = {"title": "봉사 志愿", "regionId": region, "slots": 2, "startsAt": start.isoformat()}
    task["endsAt"] = (start + timedelta(hours=1)).isoformat()
    _run(server, CREATE_TASK, {"input": task}, staff)


def _problem(status: int, body: Any) -> str | None:
    """What is wrong with one answer, or None."""
    if status >= 500:
        return f"HTTP {status}"
    if not isinstance(body, dict):
        return "not a JSON object"
    for error in body.get("errors") or []:
        message = str(error.get("message", ""))
        if message == MASKED or "Traceback" in message:
            return f"unexpected error: {message}"
    return None


def _fuzz(operation: Any, url: str, headers: dict[str, str]) -> str | None:
    """Sends the operation's generated examples; the first problem seen, if any."""
    found: list[str] = []

    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy())
    def send(case: Any) -> None:
        if found:
            return
        response = case.call(base_url=url, headers=headers)
        try:
            body = response.json()
        except json.JSONDecodeError:
            body = None
        problem = _problem(response.status_code, body)
        if problem is not None:
            found.append(f"{problem}\n    {json.dumps(case.body, ensure_ascii=False)}")

    send()
    return found[0] if found else None


def test_generated_requests_never_break_the_server(server: Server) -> None:
    # Given the running server's schema, a few objects and a staff token
    _seed(server)
    headers = {"Authorization": f"Bearer {_token(server, 'community1')}"}
    schema = schemathesis.graphql.from_url(f"{server.url}/graphql", headers=headers)

    # When each query and mutation is sent with generated arguments
    operations = [result.ok() for result in schema.get_all_operations()]
    problems = {op.label: _fuzz(op, server.url, headers) for op in operations}

    # Then none broke the server or hit an unexpected error
    assert len(operations) > 50
    broken = {label: problem for label, problem in problems.items() if problem}
    assert not broken, "\n" + "\n".join(f"{k}: {v}" for k, v in sorted(broken.items()))


def _gid(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


# What fuzzing found, replayed on every run: each was an unexpected error before.
FOUND = [
    # a global id of a type that is no Node, of no type, or whose id is no row id
    ("query($id: ID!) { node(id: $id) { id } }", {"id": _gid("ApiToken:1")}, {"node": None}),
    ("query($id: ID!) { node(id: $id) { id } }", {"id": _gid("Nope:1")}, {"node": None}),
    ("query($id: ID!) { node(id: $id) { id } }", {"id": _gid("Case:abc")}, {"node": None}),
    ("query($id: ID!) { node(id: $id) { id } }", {"id": _gid("Case:" + "9" * 20)}, {"node": None}),
    (
        "query($ids: [ID!]!) { nodes(ids: $ids) { id } }",
        {"ids": [_gid("Region:1"), _gid("ApiToken:1"), _gid("Case:x")]},
        {"nodes": [{"id": _gid("Region:1")}, None, None]},
    ),
    # a case number longer than any
    ('query { caseByNumber(number: "%s") { id } }' % ("YJ" * 40), {}, {"caseByNumber": None}),
    # a mutation's id too large for a database key
    (
        "mutation($input: AcceptCaseInput!) { acceptCase(input: $input) { userErrors { code } } }",
        {"input": {"caseId": _gid("Case:" + "9" * 20)}},
        {"acceptCase": {"userErrors": [{"code": "NOT_FOUND"}]}},
    ),
]


@pytest.mark.parametrize(("query", "variables", "data"), FOUND)
async def test_what_fuzzing_found_stays_fixed(
    api: Api, query: str, variables: dict[str, Any], data: dict[str, Any]
) -> None:
    body = await api.raw(query, variables, token=await api.login("community1"))
    assert body.get("errors") is None, body["errors"]
    assert body["data"] == data
