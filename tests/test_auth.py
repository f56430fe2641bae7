"""Signing in, tokens, and what anonymous callers may read."""

from __future__ import annotations

from grassroots.clock import FrozenClock

from . import lookup
from .client import LOGIN, Api

ME = "{ me { username roles bindings { role region { nameZh } department { code } } } }"


async def test_login_returns_a_token_that_identifies_the_user(api: Api) -> None:
    token = await api.login("heating_co1")
    me = (await api.run(ME, token=token))["me"]
    assert me["username"] == "heating_co1"
    assert me["roles"] == ["DEPARTMENT_STAFF"]
    assert me["bindings"][0]["department"]["code"] == "yanji-heating-co"


async def test_wrong_password_and_unknown_user_fail_alike(api: Api) -> None:
    wrong = await api.run(LOGIN, {"input": {"username": "resident1", "password": "nope"}})
    unknown = await api.run(LOGIN, {"input": {"username": "nobody", "password": "nope"}})
    assert wrong == unknown
    assert wrong["login"]["token"] is None
    assert wrong["login"]["userErrors"][0]["code"] == "INVALID_CREDENTIALS"


async def test_a_session_token_expires(api: Api, clock: FrozenClock) -> None:
    # Given a session in use (the server has checked its token, and may trust it for a while)
    token = await api.login("resident1")
    assert (await api.run(ME, token=token))["me"] is not None
    # When its fortnight is over, it is nobody's at once
    clock.advance(days=15)
    assert (await api.run(ME, token=token))["me"] is None


async def test_a_forged_token_is_nobody(api: Api) -> None:
    assert (await api.run(ME, token="gr_forged"))["me"] is None


async def test_anonymous_callers_read_only_regions_and_categories(api: Api) -> None:
    regions = (await api.run("{ regions { nameKo children { nameZh } } }"))["regions"]
    assert regions[0]["nameKo"] == "연변조선족자치주"
    assert {c["nameZh"] for c in regions[0]["children"]} >= {"延吉市", "龙井市"}
    assert (await api.run("{ categories { code } }"))["categories"]
    for query in ("{ cases(first: 5) { totalCount } }", "{ departments { code } }"):
        body = await api.raw(query)
        assert body["errors"][0]["message"] == "Sign in first"
    assert (await api.run("{ me { username } }"))["me"] is None


async def test_display_and_integration_tokens_are_made_by_admins_only(api: Api) -> None:
    create = """mutation($input: CreateApiTokenInput!) {
      createApiToken(input: $input) { token apiToken { name scopes } userErrors { field code } }
    }"""
    yanqing = await lookup.region(api, "COMMUNITY", "延青社区")
    variables = {"input": {"name": "lobby", "role": "DISPLAY", "regionId": yanqing["id"]}}
    refused = (await api.as_user("community1", create, variables))["createApiToken"]
    assert refused["userErrors"] == [{"field": None, "code": "PERMISSION_DENIED"}]
    made = (await api.as_user("admin", create, variables))["createApiToken"]
    assert made["userErrors"] == []
    me = (await api.run(ME, token=made["token"]))["me"]
    assert me["roles"] == ["DISPLAY"]
    assert me["bindings"][0]["region"]["nameZh"] == "延青社区"
    bad = {
        "input": {
            "name": "x",
            "role": "INTEGRATION",
            "regionId": yanqing["id"],
            "scopes": ["cases:delete"],
        }
    }
    refused = (await api.as_user("admin", create, bad))["createApiToken"]
    assert refused["userErrors"] == [{"field": "scopes", "code": "INVALID_INPUT"}]
