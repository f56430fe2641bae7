"""Secrets: production will not start on the default secret key; a revoked token stops at
once, over HTTP and on a WebSocket already open; a failed sign-in does not tell whether the
user exists, neither by its answer nor by the work it does."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest
import websockets

from grassroots.clock import FrozenClock
from grassroots.models import Account
from grassroots.workflow import auth

from . import lookup, servers
from .client import LOGIN, Api
from .live import SUBPROTOCOL, LiveClient, serving

ME = "query { me { username } }"
CREATE_TOKEN = """
mutation Token($input: CreateApiTokenInput!) {
  createApiToken(input: $input) { token apiToken { id } userErrors { code } }
}
"""
REVOKE_TOKEN = """
mutation Revoke($input: RevokeApiTokenInput!) {
  revokeApiToken(input: $input) { apiToken { id } userErrors { field code } }
}
"""
EVENTS = "subscription Events($r: ID!) { events(regionId: $r) { seq kind } }"
COMMENT = """
mutation Comment($input: CommentOnCaseInput!) {
  commentOnCase(input: $input) { userErrors { code } }
}
"""
REPORT = """
mutation Report($input: ReportCaseInput!) { reportCase(input: $input) { case { id } } }
"""


@pytest.mark.parametrize("secret", [None, ""])
def test_production_refuses_to_start_with_the_default_secret(
    tmp_path: Path, secret: str | None
) -> None:
    # Given production settings without a secret key of their own
    env = {k: v for k, v in os.environ.items() if not k.startswith("GRASSROOTS_")}
    env |= {"GRASSROOTS_ENV": "production", "GRASSROOTS_DATA_DIR": str(tmp_path)}
    if secret is not None:
        env["GRASSROOTS_SECRET_KEY"] = secret

    # When the server is started
    started = subprocess.run(
        [sys.executable, "-m", "grassroots.cli", "serve", "--port", "0"],
        env=env,
        capture_output=True,
        timeout=60,
    )

    # Then it exits at once, saying which setting is missing
    assert started.returncode != 0
    assert b"GRASSROOTS_SECRET_KEY" in started.stderr


async def _token(api: Api, name: str, role: str, scopes: list[str] | None = None) -> dict[str, Any]:
    yanqing = await lookup.region(api, "COMMUNITY", "延青社区")
    variables = {
        "input": {"name": name, "role": role, "regionId": yanqing["id"], "scopes": scopes or []}
    }
    made = (await api.as_user("admin", CREATE_TOKEN, variables))["createApiToken"]
    assert made["userErrors"] == []
    return {"token": made["token"], "id": made["apiToken"]["id"], "region": yanqing["id"]}


async def test_a_revoked_token_stops_working_at_once(api: Api) -> None:
    # Given a wall screen's token and an integration's, both working
    screen = await _token(api, "lobby", "DISPLAY")
    system = await _token(api, "system", "INTEGRATION", ["cases:read"])
    assert (await api.run(ME, token=screen["token"]))["me"]["username"] == "display:lobby"

    # When another account tries to revoke the screen's token, it learns nothing
    refused = await api.as_user("community1", REVOKE_TOKEN, {"input": {"tokenId": screen["id"]}})
    assert refused["revokeApiToken"]["userErrors"] == [{"field": "tokenId", "code": "NOT_FOUND"}]
    assert (await api.run(ME, token=screen["token"]))["me"] is not None

    # When an admin revokes it, and the integration revokes its own
    revoked = await api.as_user("admin", REVOKE_TOKEN, {"input": {"tokenId": screen["id"]}})
    assert revoked["revokeApiToken"]["userErrors"] == []
    own = await api.run(REVOKE_TOKEN, {"input": {"tokenId": system["id"]}}, token=system["token"])
    assert own["revokeApiToken"]["userErrors"] == []

    # Then the very next request with either is nobody's
    for token in (screen["token"], system["token"]):
        assert (await api.run(ME, token=token))["me"] is None
        body = await api.raw("{ cases(first: 1) { totalCount } }", token=token)
        assert body["errors"][0]["message"] == "Sign in first"


async def test_a_token_revoked_on_one_server_stops_working_on_the_others(
    tmp_path: Path, database_url: str
) -> None:
    # Given two server processes on one database, no broker between them, each trusting a
    # checked token for a minute, and a wall screen's token that the second one has seen
    env = {"GRASSROOTS_AUTH_CACHE_SECONDS": "60", "GRASSROOTS_LIVE_POLL_SECONDS": "0.2"}
    first, second = await asyncio.gather(
        asyncio.to_thread(servers.start, tmp_path, database_url, env=env),
        asyncio.to_thread(servers.start, tmp_path, database_url, env=env),
    )
    try:
        async with (
            httpx.AsyncClient(base_url=first.url, timeout=30) as one,
            httpx.AsyncClient(base_url=second.url, timeout=30) as other,
        ):
            on_first, on_second = Api(one), Api(other)
            screen = await _token(on_first, "lobby", "DISPLAY")
            assert (await on_second.run(ME, token=screen["token"]))["me"] is not None

            # When an admin revokes it on the first
            revoke = {"input": {"tokenId": screen["id"]}}
            revoked = await on_first.as_user("admin", REVOKE_TOKEN, revoke)
            assert revoked["revokeApiToken"]["userErrors"] == []

            # Then the second refuses it as soon as it reads the revocation from the log
            # (it polls every 0.2 s here), not when its minute of trust runs out
            for _ in range(50):
                if (await on_second.run(ME, token=screen["token"]))["me"] is None:
                    break
                await asyncio.sleep(0.1)
            assert (await on_second.run(ME, token=screen["token"]))["me"] is None
            assert (await on_first.run(ME, token=screen["token"]))["me"] is None
    finally:
        first.stop()
        second.stop()


async def test_a_revoked_token_closes_its_open_subscriptions(app: Any, api: Api) -> None:
    screen = await _token(api, "lobby", "DISPLAY")
    other = await _token(api, "hall", "DISPLAY")
    case = await _report(api)
    async with serving(app) as url:
        # Given two wall screens following Yanqing's events on open sockets
        async with (
            LiveClient.connect(url, screen["token"]) as revoked_screen,
            LiveClient.connect(url, other["token"]) as kept_screen,
        ):
            for client in (revoked_screen, kept_screen):
                await client.subscribe(EVENTS, {"r": screen["region"]})
            await asyncio.sleep(0.3)

            # When the first screen's token is revoked
            revoked = await api.as_user("admin", REVOKE_TOKEN, {"input": {"tokenId": screen["id"]}})
            assert revoked["revokeApiToken"]["userErrors"] == []

            # Then its socket is closed as forbidden, without another event
            with pytest.raises(websockets.ConnectionClosed) as closed:
                await revoked_screen.receive(5)
            assert closed.value.rcvd is not None
            assert closed.value.rcvd.code == 4403

            # while the other screen goes on following
            note = {"input": {"caseId": case, "note": "확인 核实"}}
            assert (await api.as_user("community1", COMMENT, note))["commentOnCase"] == {
                "userErrors": []
            }
            message = await kept_screen.receive(5)
            assert message["payload"]["data"]["events"]["kind"] == "case.commented"

        # and the revoked token cannot open a socket again
        async with websockets.connect(url, subprotocols=[SUBPROTOCOL]) as socket:
            bearer = {"authorization": f"Bearer {screen['token']}"}
            await socket.send(json.dumps({"type": "connection_init", "payload": bearer}))
            with pytest.raises(websockets.ConnectionClosed) as refused:
                await asyncio.wait_for(socket.recv(), 5)
            assert refused.value.rcvd is not None
            assert refused.value.rcvd.code == 4403


async def test_a_session_closes_its_open_subscriptions_when_it_expires(
    app: Any, api: Api, clock: FrozenClock
) -> None:
    # Given staff following Yanqing's events on a session that lasts a fortnight
    app.state.live.expiry_check_seconds = 0.05  # the server looks at its clock this often
    yanqing = await lookup.region(api, "COMMUNITY", "延青社区")
    token = await api.login("community1")
    async with serving(app) as url, LiveClient.connect(url, token) as staff:
        await staff.subscribe(EVENTS, {"r": yanqing["id"]})

        # When thirteen days pass, the socket stays open
        clock.advance(days=13)
        assert await staff.quiet(0.3)

        # When the fortnight is over
        clock.advance(days=2)

        # Then the socket is closed as forbidden: the client must sign in again
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await staff.receive(5)
        assert closed.value.rcvd is not None
        assert closed.value.rcvd.code == 4403
        assert "expired" in closed.value.rcvd.reason


async def _report(api: Api) -> str:
    yanqing = await lookup.region(api, "COMMUNITY", "延青社区")
    grid = (await lookup.grids_of(api, yanqing["id"]))[0]["id"]
    data = {
        "title": "가로등 고장 路灯不亮",
        "description": "어두워요 太暗了",
        "categoryId": await lookup.category(api, "heating.pipe-leak"),
        "regionId": grid,
    }
    return str(
        (await api.as_user("resident1", REPORT, {"input": data}))["reportCase"]["case"]["id"]
    )


class CountingHasher:
    """The real argon2 hasher, counting how often a password is checked."""

    def __init__(self, hasher: Any) -> None:
        self.hasher = hasher
        self.verified = 0

    def verify(self, password_hash: str, password: str) -> bool:
        self.verified += 1
        return bool(self.hasher.verify(password_hash, password))


async def test_a_failed_sign_in_does_the_same_work_whoever_tries(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a deactivated account beside the demo's
    await Account.filter(username="resident2").update(is_active=False)
    hasher = CountingHasher(auth._hasher)
    monkeypatch.setattr(auth, "_hasher", hasher)

    # When each kind of wrong sign-in is tried: a wrong password, an unknown user, a
    # deactivated user, and a machine account that has no password
    answers = {}
    work = {}
    for username in ("resident1", "no-such-user", "resident2", "integration:hotline"):
        before = hasher.verified
        answers[username] = await api.run(
            LOGIN, {"input": {"username": username, "password": "wrong-password"}}
        )
        work[username] = hasher.verified - before

    # Then each costs exactly one argon2 check and all answer alike
    assert set(work.values()) == {1}, work
    assert len({str(a) for a in answers.values()}) == 1, answers
    assert answers["resident1"]["login"]["userErrors"][0]["code"] == "INVALID_CREDENTIALS"
