"""Webhooks: an integration registers a URL for event kinds in its region and receives those
events as signed POSTs, in sequence order, at least once — also from a receiver that fails
for a while — with a delivery log, pausing, resuming and redelivery. The receiver is a real
HTTP server on a loopback port."""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import hmac
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from grassroots.app import create_app
from grassroots.models import Account, Event
from grassroots.settings import Settings
from grassroots.workflow import webhook_delivery
from grassroots.workflow.webhook_delivery import WebhookDispatcher, post

from . import flows, lookup
from .client import Api
from .live import serving
from .operations import EVENTS
from .sql_log import sql_statements

T = TypeVar("T")
ERRORS = "userErrors { field message code }"

CREATE_TOKEN = """
mutation Token($input: CreateApiTokenInput!) {
  createApiToken(input: $input) { token apiToken { id } userErrors { field message code } }
}
"""
REVOKE_TOKEN = """
mutation Revoke($input: RevokeApiTokenInput!) {
  revokeApiToken(input: $input) { userErrors { field message code } }
}
"""
REGISTER = f"""
mutation Register($input: RegisterWebhookInput!) {{
  registerWebhook(input: $input) {{ secret webhook {{ id url kinds status cursor }} {ERRORS} }}
}}
"""
UPDATE = f"""
mutation Update($input: UpdateWebhookInput!) {{
  updateWebhook(input: $input) {{ webhook {{ id status pausedReason }} {ERRORS} }}
}}
"""
DELETE = f"""
mutation Delete($input: DeleteWebhookInput!) {{
  deleteWebhook(input: $input) {{ deletedWebhookId {ERRORS} }}
}}
"""
REDELIVER = f"""
mutation Redeliver($input: RedeliverWebhookInput!) {{
  redeliverWebhook(input: $input) {{ delivery {{ id eventSeq status redeliveryOfId }} {ERRORS} }}
}}
"""
WEBHOOKS = """
query Webhooks {
  webhooks(first: 10) {
    nodes {
      id status pausedReason cursor consecutiveFailures region { nameZh }
      deliveries(first: 50) {
        nodes {
          id eventSeq eventKind status attempts responseCode error redeliveryOfId
          attemptLog { responseCode error }
        }
      }
    }
  }
}
"""


# --- a receiver on loopback --------------------------------------------------------------


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: str
    answered: int

    @property
    def seq(self) -> int:
        return int(self.headers["x-grassroots-event-seq"])


@dataclass
class Receiver:
    """Records every POST; answers 500 to the first `failures` ones, then 200, each after
    `delay` seconds."""

    failures: int = 0
    delay: float = 0.0
    requests: list[Received] = field(default_factory=list)
    url: str = ""

    async def hook(self, request: Request) -> Response:
        await asyncio.sleep(self.delay)
        status = 500 if len(self.requests) < self.failures else 200
        self.requests.append(
            Received(
                request.url.path, dict(request.headers), (await request.body()).decode(), status
            )
        )
        return PlainTextResponse("down" if status == 500 else "ok", status_code=status)

    async def moved(self, request: Request) -> Response:
        self.requests.append(Received(request.url.path, dict(request.headers), "", 307))
        return RedirectResponse("/hook", status_code=307)

    @property
    def delivered(self) -> list[Received]:
        return [r for r in self.requests if r.answered == 200]

    @property
    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/hook", self.hook, methods=["POST"]),
                Route("/moved", self.moved, methods=["POST"]),
            ]
        )


@asynccontextmanager
async def receiving(failures: int = 0, delay: float = 0.0) -> AsyncIterator[Receiver]:
    receiver = Receiver(failures=failures, delay=delay)
    async with serving(receiver.app) as ws_url:
        receiver.url = ws_url.replace("ws://", "http://").removesuffix("/graphql")
        yield receiver


# --- the server under test, with delivery running and quick retries ---------------------


@pytest.fixture
async def app(settings: Settings) -> AsyncIterator[Starlette]:
    """The real clock: retries fall due as time passes (tens of milliseconds here)."""
    quick = dataclasses.replace(
        settings,
        webhook_retry_base_seconds=0.02,
        webhook_retry_cap_seconds=0.1,
        webhook_max_attempts=5,
        webhook_timeout_seconds=5.0,
        live_poll_seconds=0.2,
    )
    application = create_app(quick, run_scheduler=True)
    async with application.router.lifespan_context(application):
        yield application


async def eventually(check: Callable[[], Awaitable[T]], within: float = 15.0) -> T:
    """The check's first truthy result; fails if none comes within `within` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while True:
        result = await check()
        if result:
            return result
        if loop.time() > deadline:
            raise AssertionError(f"still {result!r} after {within} s")
        await asyncio.sleep(0.02)


async def integration(api: Api, name: str, community: str = "延青社区", scopes: Any = None) -> str:
    return (await integration_token(api, name, community, scopes))["token"]


async def integration_token(
    api: Api, name: str, community: str = "延青社区", scopes: Any = None
) -> dict[str, Any]:
    region = await lookup.region(api, "COMMUNITY", community)
    variables = {
        "input": {
            "name": name,
            "role": "INTEGRATION",
            "regionId": region["id"],
            "scopes": ["events:read"] if scopes is None else scopes,
        }
    }
    return flows.ok((await api.as_user("admin", CREATE_TOKEN, variables))["createApiToken"])


async def register(
    api: Api, token: str, url: str, kinds: list[str], community: str = "延青社区"
) -> dict[str, Any]:
    region = await lookup.region(api, "COMMUNITY", community)
    variables = {"input": {"regionId": region["id"], "url": url, "kinds": kinds}}
    return (await api.run(REGISTER, variables, token=token))["registerWebhook"]


async def webhook(api: Api, token: str) -> dict[str, Any]:
    nodes = (await api.run(WEBHOOKS, token=token))["webhooks"]["nodes"]
    assert len(nodes) == 1, nodes
    return nodes[0]


async def log_of(api: Api, community: str = "延青社区") -> list[dict[str, Any]]:
    region = await lookup.region(api, "COMMUNITY", community)
    return (await api.as_user("admin", EVENTS, {"regionId": region["id"], "since": 0}))["events"]


def signature(secret: str, received: Received) -> str:
    timestamp = received.headers["x-grassroots-timestamp"]
    message = f"{timestamp}.{received.body}".encode()
    return "sha256=" + hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


# --- the tests ---------------------------------------------------------------------------


async def test_an_integration_gets_its_regions_events_of_its_kinds_in_order_and_signed(
    api: Api,
) -> None:
    async with receiving() as receiver:
        # Given an integration of 延青社区 listening for reports, acceptances and whistles
        token = await integration(api, "city-app")
        registered = flows.ok(
            await register(
                api,
                token,
                f"{receiver.url}/hook",
                ["case.reported", "case.accepted", "case.whistled"],
            )
        )
        secret = registered["secret"]
        assert secret
        assert registered["webhook"]["status"] == "ACTIVE"

        # When a case elsewhere is reported, and one in 延青 goes as far as being claimed
        await flows.report(api, user="resident3", community="民兴社区", title="민흥 民兴")
        case_id = await flows.case_in(api, "IN_PROGRESS")
        claimed = next(e for e in reversed(await log_of(api)) if e["kind"] == "case.claimed")
        await eventually(
            lambda: _cursor_at_least(api, token, claimed["seq"]),
        )

        # Then exactly its three wanted events arrived, in the log's order
        wanted = [
            e
            for e in await log_of(api)
            if e["subjectId"] == case_id
            and e["kind"] in {"case.reported", "case.accepted", "case.whistled"}
        ]
        got = receiver.requests
        assert [r.seq for r in got] == [e["seq"] for e in wanted]
        assert [json.loads(r.body)["kind"] for r in got] == [
            "case.reported",
            "case.accepted",
            "case.whistled",
        ]
        # each signed with the secret over the timestamp and the body
        for r in got:
            assert r.headers["x-grassroots-signature"] == signature(secret, r)
            assert r.headers["x-grassroots-signature"] != signature(secret + "x", r)
            body = json.loads(r.body)
            assert body["seq"] == r.seq
            assert body["subjectId"] == case_id
            assert body["payload"]["caseId"] == wanted[0]["payload"]["caseId"]
            assert r.headers["content-type"].startswith("application/json")
        assert len({r.headers["x-grassroots-delivery-id"] for r in got}) == 3

    # and the delivery log shows each delivered on the first attempt
    hook = await webhook(api, token)
    assert hook["region"]["nameZh"] == "延青社区"
    log = hook["deliveries"]["nodes"]
    assert [(d["eventKind"], d["status"], d["attempts"], d["responseCode"]) for d in log] == [
        ("case.whistled", "DELIVERED", 1, 200),
        ("case.accepted", "DELIVERED", 1, 200),
        ("case.reported", "DELIVERED", 1, 200),
    ]


async def _cursor_at_least(api: Api, token: str, seq: int) -> bool:
    return (await webhook(api, token))["cursor"] >= seq


async def test_a_receiver_that_fails_for_a_while_gets_every_event_at_least_once_in_order(
    api: Api,
) -> None:
    async with receiving(failures=3) as receiver:
        # Given a receiver that answers 500 three times before it recovers
        token = await integration(api, "flaky")
        flows.ok(await register(api, token, f"{receiver.url}/hook", ["case.*"]))

        # When a case goes all the way to resolved
        case_id = await flows.case_in(api, "RESOLVED")
        expected = [e["seq"] for e in await log_of(api) if e["subjectId"] == case_id]
        await eventually(lambda: _has_all(receiver, expected))

    # Then it got every event at least once, never one before an earlier one
    seqs = [r.seq for r in receiver.requests]
    assert seqs == sorted(seqs)
    assert sorted(set(seqs)) == expected
    assert [r.seq for r in receiver.delivered] == expected
    # the first event was tried four times, each a fresh signature of the same body
    first = [r for r in receiver.requests if r.seq == expected[0]]
    assert [r.answered for r in first] == [500, 500, 500, 200]
    assert len({r.body for r in first}) == 1
    assert [r.headers["x-grassroots-attempt"] for r in first] == ["1", "2", "3", "4"]

    # and the delivery log shows the failures and the attempts
    hook = await eventually(lambda: _all_delivered(api, token, len(expected)))
    assert hook["status"] == "ACTIVE"
    assert hook["consecutiveFailures"] == 0
    oldest = hook["deliveries"]["nodes"][-1]
    assert oldest["eventSeq"] == expected[0]
    assert oldest["status"] == "DELIVERED"
    assert oldest["attempts"] == 4
    assert [a["responseCode"] for a in oldest["attemptLog"]] == [500, 500, 500, 200]
    assert oldest["attemptLog"][0]["error"].startswith("HTTP 500")
    assert all(d["attempts"] == 1 for d in hook["deliveries"]["nodes"][:-1])


async def _all_delivered(api: Api, token: str, count: int) -> dict[str, Any] | None:
    hook = await webhook(api, token)
    statuses = [d["status"] for d in hook["deliveries"]["nodes"]]
    return hook if statuses == ["DELIVERED"] * count else None


async def _has_all(receiver: Receiver, expected: list[int]) -> bool:
    return {r.seq for r in receiver.delivered} >= set(expected)


async def test_a_webhook_that_keeps_failing_pauses_and_resumes_where_it_stopped(
    api: Api,
) -> None:
    async with receiving(failures=1000) as receiver:
        # Given a receiver that is down
        token = await integration(api, "down")
        flows.ok(await register(api, token, f"{receiver.url}/hook", ["case.reported"]))
        case_id = await flows.report(api)
        await flows.report(api, title="두번째 第二个")

        # When the maximum attempts (5) have failed, the webhook pauses
        paused = await eventually(lambda: _status(api, token, "PAUSED"))
        assert "5 failed attempts" in paused["pausedReason"]
        [head] = paused["deliveries"]["nodes"]
        assert (head["status"], head["attempts"]) == ("FAILED", 5)
        assert len(receiver.requests) == 5
        assert {r.seq for r in receiver.requests} == {head["eventSeq"]}

        # and stays paused even when the receiver is fixed
        receiver.failures = 0
        await asyncio.sleep(0.3)
        assert len(receiver.requests) == 5

        # When it is resumed, the stopped event goes first, then the next
        resumed = (
            await api.run(
                UPDATE, {"input": {"webhookId": paused["id"], "active": True}}, token=token
            )
        )["updateWebhook"]
        assert flows.ok(resumed)["webhook"]["status"] == "ACTIVE"
        await eventually(lambda: _delivered_count(receiver, 2))
    reports = [e for e in await log_of(api) if e["kind"] == "case.reported"][-2:]
    assert reports[0]["subjectId"] == case_id
    assert [r.seq for r in receiver.delivered] == [e["seq"] for e in reports]


async def _status(api: Api, token: str, status: str) -> dict[str, Any] | None:
    hook = await webhook(api, token)
    return hook if hook["status"] == status else None


async def _delivered_count(receiver: Receiver, count: int) -> bool:
    return len(receiver.delivered) >= count


async def test_redeliver_sends_a_delivered_event_again(api: Api) -> None:
    async with receiving() as receiver:
        # Given an event delivered to a webhook
        token = await integration(api, "replayer")
        secret = flows.ok(await register(api, token, f"{receiver.url}/hook", ["case.reported"]))[
            "secret"
        ]
        await flows.report(api)
        [first] = await eventually(lambda: _delivered(receiver, 1))
        await eventually(lambda: _all_delivered(api, token, 1))

        # When the integration asks for it again by its delivery id
        delivery_id = first.headers["x-grassroots-delivery-id"]
        again = (await api.run(REDELIVER, {"input": {"deliveryId": delivery_id}}, token=token))[
            "redeliverWebhook"
        ]
        copy = flows.ok(again)["delivery"]
        assert copy["redeliveryOfId"] == delivery_id
        assert copy["eventSeq"] == first.seq

        # Then the same event and body arrive again, newly signed, under the new delivery id
        [_, second] = await eventually(lambda: _delivered(receiver, 2))
        assert (second.seq, second.body) == (first.seq, first.body)
        assert second.headers["x-grassroots-delivery-id"] == copy["id"]
        assert second.headers["x-grassroots-signature"] == signature(secret, second)

    # and another account cannot redeliver it
    other = await integration(api, "stranger")
    refused = (await api.run(REDELIVER, {"input": {"deliveryId": delivery_id}}, token=other))[
        "redeliverWebhook"
    ]
    assert refused["delivery"] is None
    assert refused["userErrors"][0]["field"] == "deliveryId"
    assert refused["userErrors"][0]["code"] == "NOT_FOUND"


async def _delivered(receiver: Receiver, count: int) -> list[Received] | None:
    return receiver.delivered if len(receiver.delivered) >= count else None


async def test_a_redirect_is_not_followed(api: Api) -> None:
    async with receiving() as receiver:
        # Given a webhook whose URL answers with a redirect
        token = await integration(api, "moved")
        flows.ok(await register(api, token, f"{receiver.url}/moved", ["case.reported"]))
        # When an event is sent
        await flows.report(api)
        hook = await eventually(lambda: _attempted(api, token))
    # Then the redirect counts as a failure and the target never hears of it
    [delivery] = hook["deliveries"]["nodes"]
    assert delivery["responseCode"] == 307
    assert "redirects are not followed" in delivery["error"]
    assert delivery["status"] in {"RETRYING", "FAILED"}
    assert {r.path for r in receiver.requests} == {"/moved"}


async def _attempted(api: Api, token: str) -> dict[str, Any] | None:
    hook = await webhook(api, token)
    nodes = hook["deliveries"]["nodes"]
    return hook if nodes and nodes[0]["attempts"] >= 1 else None


async def test_two_senders_never_send_one_delivery_twice(api: Api, app: Starlette) -> None:
    # A slow receiver: new events wake both senders while a POST is still under way
    async with receiving(delay=0.05) as receiver:
        # Given a second server process's sender beside this one, both woken by every event
        second = WebhookDispatcher(app.state.rt)
        second.start()
        listener = app.state.hub.listen("/", second.wake)
        try:
            token = await integration(api, "busy")
            made = flows.ok(await register(api, token, f"{receiver.url}/hook", ["*"]))
            start = made["webhook"]["cursor"]
            # When several cases change
            for _ in range(3):
                await flows.case_in(api, "DISPATCHED")
            expected = [e["seq"] for e in await log_of(api) if e["seq"] > start]
            await eventually(lambda: _has_all(receiver, expected))
            await asyncio.sleep(0.3)  # room for a duplicate to show up, were there one
        finally:
            app.state.hub.unlisten(listener)
            await second.stop()
    # Then every event arrived exactly once, in order
    assert [r.seq for r in receiver.requests] == expected
    assert len(expected) >= 9


async def test_refusals_name_the_field_and_change_nothing(api: Api) -> None:
    token = await integration(api, "careful")
    # A bad URL is refused, naming `url`
    for url in [
        "ftp://example.org/hook",
        "not a url",
        "example.org/hook",
        "http://user:pw@example.org/hook",
        "http://example.org:port/hook",
        "http:///hook",
        "",
    ]:
        payload = await register(api, token, url, ["case.*"])
        assert payload["webhook"] is None
        assert payload["secret"] is None
        [error] = payload["userErrors"]
        assert (error["field"], error["code"]) == ("url", "INVALID_INPUT"), (url, error)
    # Kinds must be event kinds
    payload = await register(api, token, "https://example.org/hook", ["case resolved!"])
    assert payload["userErrors"][0]["field"] == "kinds"
    payload = await register(api, token, "https://example.org/hook", [])
    assert payload["userErrors"][0]["field"] == "kinds"
    # An integration may not listen to another community's region
    payload = await register(api, token, "https://example.org/hook", ["*"], community="民兴社区")
    assert payload["userErrors"][0]["code"] == "PERMISSION_DENIED"
    # nor one whose token lacks events:read, nor a person who is not an admin
    unscoped = await integration(api, "unscoped", scopes=["cases:intake"])
    payload = await register(api, unscoped, "https://example.org/hook", ["*"])
    assert payload["userErrors"][0]["code"] == "PERMISSION_DENIED"
    staff = await api.login("community1")
    payload = await register(api, staff, "https://example.org/hook", ["*"])
    assert payload["userErrors"][0]["code"] == "PERMISSION_DENIED"
    # and nothing was registered
    assert (await api.run(WEBHOOKS, token=token))["webhooks"]["nodes"] == []

    # A good one is registered; only its owner (or an admin) sees, changes or deletes it
    made = flows.ok(await register(api, token, "https://example.org/hook", ["case.*"]))
    hook_id = made["webhook"]["id"]
    assert (await api.run(WEBHOOKS, token=unscoped))["webhooks"]["nodes"] == []
    bad = {"input": {"webhookId": hook_id, "url": "gopher://x"}}
    assert (await api.run(UPDATE, bad, token=token))["updateWebhook"]["userErrors"][0][
        "field"
    ] == "url"
    stranger = (await api.run(DELETE, {"input": {"webhookId": hook_id}}, token=unscoped))[
        "deleteWebhook"
    ]
    assert stranger["userErrors"][0]["code"] == "NOT_FOUND"
    admin_sees = (await api.as_user("admin", WEBHOOKS))["webhooks"]["nodes"]
    assert [h["id"] for h in admin_sees] == [hook_id]
    deleted = flows.ok(
        (await api.run(DELETE, {"input": {"webhookId": hook_id}}, token=token))["deleteWebhook"]
    )
    assert deleted["deletedWebhookId"] == hook_id
    assert (await api.run(WEBHOOKS, token=token))["webhooks"]["nodes"] == []


async def test_tokens_and_webhooks_changed_are_in_the_log_and_in_no_regions_feed(
    api: Api,
) -> None:
    # Given an admin who makes an integration token, and the integration's webhook
    before = await Event.all().count()  # the demo's own hotline token was logged too
    made = await integration_token(api, "audited")
    hook = flows.ok(await register(api, made["token"], "https://example.org/hook", ["case.*"]))
    hook_id = hook["webhook"]["id"]

    # When the webhook is paused, then deleted, and the token revoked
    pause = {"input": {"webhookId": hook_id, "active": False}}
    flows.ok((await api.run(UPDATE, pause, token=made["token"]))["updateWebhook"])
    flows.ok(
        (await api.run(DELETE, {"input": {"webhookId": hook_id}}, token=made["token"]))[
            "deleteWebhook"
        ]
    )
    revoke = {"input": {"tokenId": made["apiToken"]["id"]}}
    flows.ok((await api.as_user("admin", REVOKE_TOKEN, revoke))["revokeApiToken"])

    # Then each change is an event, in order, saying who did it and what it became
    rows = await Event.filter(region_path="/").order_by("seq").offset(before)
    assert [e.kind for e in rows] == [
        "token.created",
        "webhook.registered",
        "webhook.updated",
        "webhook.deleted",
        "token.revoked",
    ]
    admin = await Account.get(username="admin")
    integration_account = await Account.get(username="integration:audited")
    assert [e.actor_id for e in rows] == [admin.id] + [integration_account.id] * 3 + [admin.id]
    assert rows[0].payload["scopes"] == ["events:read"]
    assert rows[2].payload["status"] == "PAUSED"
    assert rows[3].payload["url"] == "https://example.org/hook"
    # and no region's feed carries them: they are the integrations' business, not the city's
    assert not [e for e in await log_of(api) if e["kind"].startswith(("token.", "webhook."))]


async def test_a_revoked_integration_gets_nothing_more(api: Api) -> None:
    async with receiving() as receiver:
        # Given an integration's webhook, and the integration's token revoked
        made = await integration_token(api, "retired")
        token = made["token"]
        flows.ok(await register(api, token, f"{receiver.url}/hook", ["*"]))
        revoked = await api.as_user(
            "admin", REVOKE_TOKEN, {"input": {"tokenId": made["apiToken"]["id"]}}
        )
        flows.ok(revoked["revokeApiToken"])
        # When a case is reported in its region
        await flows.report(api)
        # Then the webhook pauses, saying why, and the receiver hears nothing
        hooks = await eventually(lambda: _paused_for_admin(api))
    assert "revoked" in hooks[0]["pausedReason"]
    assert receiver.requests == []


async def _paused_for_admin(api: Api) -> list[dict[str, Any]] | None:
    hooks = (await api.as_user("admin", WEBHOOKS))["webhooks"]["nodes"]
    return hooks if hooks and hooks[0]["status"] == "PAUSED" else None


async def test_production_refuses_to_post_to_internal_addresses(tmp_path: Path) -> None:
    # Given production settings: no webhooks into the server's own network (SSRF)
    production = Settings.from_env(
        environ={
            "GRASSROOTS_DATA_DIR": str(tmp_path),
            "GRASSROOTS_ENV": "production",
            "GRASSROOTS_SECRET_KEY": "a-real-secret-for-tests",
        }
    )
    assert production.webhook_allow_private is False
    async with receiving() as receiver, httpx.AsyncClient() as client:
        # When a delivery targets a loopback receiver
        outcome = await post(
            client, f"{receiver.url}/hook", "{}", {}, total=5.0, allow_private=False
        )
    # Then nothing is sent, and the log says why
    assert outcome.response_code is None
    assert "internal address" in outcome.error
    assert receiver.requests == []


async def test_a_stream_of_reports_costs_the_dispatcher_a_round_per_gap_not_one_per_event(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a running dispatcher, woken by every committed event, whose rounds are at least a
    # second apart (ROUND_GAP is 50 ms; a second keeps the bound far from one round per report
    # however slow the reports are)
    monkeypatch.setattr(webhook_delivery, "ROUND_GAP", 1.0)
    loop = asyncio.get_running_loop()
    await flows.report(api)  # warm: tokens and lookups read

    # When twenty reports land one after another
    with sql_statements() as seen:
        began = loop.time()
        for i in range(20):
            await flows.report(api, title=f"연속 신고 连续上报 {i}")
        took = loop.time() - began

    # Then it looked for due webhooks once per gap (a round begun before may end inside)
    rounds = [
        sql for sql, _ in seen.selects() if '"webhook_subscription"' in sql and "IS NULL" in sql
    ]
    assert len(rounds) <= took + 2, (len(rounds), took)
    assert len(rounds) < 20
