"""The people and objects of the permission matrix: one of each role in and out of scope,
and a case, a hotline case, a wish, a task, a Party member and a webhook for them to reach
(tests/test_permission_matrix.py)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from strawberry.relay import GlobalID

from grassroots.clock import FrozenClock
from grassroots.models import Account, Region, RoleBinding, WebhookDelivery
from grassroots.models.enums import Role, TokenKind
from grassroots.settings import Settings
from grassroots.workflow.auth import issue_token
from grassroots.workflow.runtime import Runtime
from grassroots.workflow.visibility import mask_name, mask_phone

from . import lookup, party_setup
from .client import Api
from .flows import ok
from .images import jpeg
from .operations import ACCEPT_CASE, CLAIM_CASE, INTAKE_CASE, REPORT_CASE, WHISTLE_CASE
from .party_operations import CLAIM_ITEM, COMPLETE_ITEM, CREATE_ITEM, CREATE_TASK, SIGN_UP

YANQING, MINXING = "延青社区", "民兴社区"

# Every actor of the matrix, and what it is. "Yanqing" is where the world's objects are.
ACTORS: dict[str, str] = {
    "anonymous": "no token",
    "resident1": "RESIDENT of Yanqing, the reporter of case A and requester of the wish",
    "resident2": "RESIDENT of Yanqing, not the reporter",
    "resident3": "RESIDENT of Minxing (another community), reporter of case M",
    "grid1": "GRID_WORKER of Yanqing",
    "grid_out": "GRID_WORKER of Minxing",
    "head1": "BLOCK_HEAD of Yanqing",
    "head_out": "BLOCK_HEAD of Minxing",
    "community1": "COMMUNITY_STAFF of Yanqing",
    "community2": "COMMUNITY_STAFF of Minxing",
    "street1": "STREET_STAFF over Yanqing and Minxing",
    "street2": "STREET_STAFF of another street",
    "city1": "CITY_STAFF of Yanji (over all of the above)",
    "city2": "CITY_STAFF of Longjing",
    "heating_co1": "DEPARTMENT_STAFF, summoned to case A, its lead",
    "heating_office1": "DEPARTMENT_STAFF, summoned to case A, assisting",
    "urban1": "DEPARTMENT_STAFF, never summoned",
    "party1": "PARTY_MEMBER serving in Yanqing (and a RESIDENT there), claimer of the wish",
    "leader1": "LEADER of Yanji",
    "admin": "ADMIN",
    "screen1": "DISPLAY of Yanqing",
    "screen_out": "DISPLAY token of Minxing",
    "integration": "INTEGRATION token of Yanji with cases:intake, cases:read, events:read",
    "integration_bare": "INTEGRATION token of Yanji without scopes",
    "integration_out": "INTEGRATION token of Longjing with every scope",
}
ALL_SCOPES = ["cases:intake", "cases:read", "events:read"]

CREATE_TOKEN = """
mutation Token($input: CreateApiTokenInput!) {
  createApiToken(input: $input) { token apiToken { id } userErrors { field code message } }
}
"""
REGISTER_WEBHOOK = """
mutation Hook($input: RegisterWebhookInput!) {
  registerWebhook(input: $input) { webhook { id } userErrors { field code message } }
}
"""
ACCOUNT_ID = "query { me { id } }"


@dataclass
class Person:
    """What a viewer who may see it in clear sees; `masked` is what the others see."""

    name: str
    phone: str | None

    @property
    def masked(self) -> tuple[str | None, str | None]:
        return mask_name(self.name), mask_phone(self.phone)


@dataclass
class World:
    tokens: dict[str, str | None]
    ids: dict[str, str] = field(default_factory=dict)  # global ids by name
    numbers: dict[str, str] = field(default_factory=dict)  # case numbers by name
    people: dict[str, Person] = field(default_factory=dict)
    token_ids: dict[str, str] = field(default_factory=dict)

    def token(self, actor: str) -> str | None:
        return self.tokens[actor]


async def _person(
    clock: FrozenClock, username: str, name: str, phone: str, role: Role, zh: str
) -> None:
    """A person the demo lacks: a grid worker or block head of Minxing."""
    region = await Region.get(name_zh=zh)
    account = await Account.create(
        username=username, display_name=name, phone=phone, created_at=clock.now()
    )
    await RoleBinding.create(account=account, role=role, region=region)


async def _session(rt: Runtime, username: str) -> str:
    account = await Account.get(username=username)
    token, _ = await issue_token(
        rt, account, name="matrix", kind=TokenKind.SESSION, ttl=timedelta(days=60)
    )
    return token


async def _machine_token(
    api: Api, world: World, actor: str, role: str, region_id: str, scopes: list[str]
) -> None:
    variables = {"input": {"name": actor, "role": role, "regionId": region_id, "scopes": scopes}}
    payload = (await api.run(CREATE_TOKEN, variables, token=world.tokens["admin"]))[
        "createApiToken"
    ]
    assert payload["userErrors"] == [], payload["userErrors"]
    world.tokens[actor] = payload["token"]
    world.token_ids[actor] = payload["apiToken"]["id"]


async def build(api: Api, rt: Runtime, settings: Settings, clock: FrozenClock) -> World:
    """Every actor's token, and the objects they reach, brought about through the API."""
    await _person(
        clock, "grid_out", "민흥 그리드 民兴网格员", "13500000001", Role.GRID_WORKER, MINXING
    )
    await _person(clock, "head_out", "민흥 동장 民兴楼长", "13500000002", Role.BLOCK_HEAD, MINXING)
    people = [a for a in ACTORS if a not in {"anonymous", "screen_out"} and "integration" not in a]
    world = World(tokens={"anonymous": None})
    for username in people:
        world.tokens[username] = await _session(rt, username)
    api.tokens.update({k: v for k, v in world.tokens.items() if v})  # flows sign in with these

    yanqing = await lookup.region(api, "COMMUNITY", YANQING)
    minxing = await lookup.region(api, "COMMUNITY", MINXING)
    yanji = await lookup.region(api, "CITY", "延吉市")
    longjing = await lookup.region(api, "CITY", "龙井市")
    grid = (await lookup.grids_of(api, yanqing["id"]))[0]["id"]
    minxing_grid = (await lookup.grids_of(api, minxing["id"]))[0]["id"]
    world.ids |= {"yanqing": yanqing["id"], "minxing": minxing["id"], "grid": grid}
    world.ids["minxing_grid"] = minxing_grid
    world.ids["yanji"] = yanji["id"]
    await _machine_token(api, world, "screen_out", "DISPLAY", minxing["id"], [])
    await _machine_token(api, world, "integration", "INTEGRATION", yanji["id"], ALL_SCOPES)
    await _machine_token(api, world, "integration_bare", "INTEGRATION", yanji["id"], [])
    await _machine_token(api, world, "integration_out", "INTEGRATION", longjing["id"], ALL_SCOPES)
    for actor in ("resident1", "party1"):
        me = await api.run(ACCOUNT_ID, token=world.tokens[actor])
        world.ids[f"account:{actor}"] = me["me"]["id"]
    world.people["resident1"] = Person("김민수 金民洙", "13804331234")
    world.people["party1"] = Person("김영애 金英爱", "13894350078")
    world.people["caller"] = Person("박영희", "13904331234")

    pipe_leak = await lookup.category(api, "heating.pipe-leak")
    world.ids["category"] = pipe_leak
    await _case_a(api, world, pipe_leak)
    await _case_h(api, world, pipe_leak)
    case_m = await api.run(
        REPORT_CASE,
        {"input": _report(pipe_leak, minxing_grid, "민흥 누수 民兴漏水")},
        token=world.tokens["resident3"],
    )
    world.ids["case_m"] = ok(case_m["reportCase"])["case"]["id"]

    member = await party_setup.member_account(settings, clock, "party1")
    world.ids["member"] = party_setup.gid("PartyMember", member.id)
    branch = await party_setup.branch(settings, clock, secretary="party1")
    world.ids["organisation"] = party_setup.gid("PartyOrganisation", branch.id)
    await _wish(api, world)
    await _task(api, world, clock)
    await _webhook(api, world, clock)
    return world


def _report(category: str, region: str, title: str, **extra: Any) -> dict[str, Any]:
    return {
        "title": title,
        "description": "확인 부탁드립니다 请核实处理",
        "categoryId": category,
        "regionId": region,
        "address": "교원아파트 3동 201호 教师公寓3栋201",
        "latitude": 42.9,
        "longitude": 129.5,
        **extra,
    }


async def _case_a(api: Api, world: World, category: str) -> None:
    """Reported by resident1 with a photo; the heating company leads, the office assists."""
    variables = {"input": _report(category, world.ids["grid"], "난방관 누수 暖气管道漏水")}
    variables["input"]["photos"] = [None]
    files = {"variables.input.photos.0": ("leak.jpg", jpeg(), "image/jpeg")}
    response = await api.upload(
        None, REPORT_CASE, variables, files, token=world.tokens["resident1"]
    )
    case = ok(response.json()["data"]["reportCase"])["case"]
    world.ids["case_a"], world.numbers["case_a"] = case["id"], case["number"]
    company = await lookup.department(api, "yanji-heating-co")
    office = await lookup.department(api, "yanji-heating-office")
    world.ids |= {"company": company, "office": office}
    steps = [
        ("community1", ACCEPT_CASE, {"caseId": case["id"]}, "acceptCase"),
        (
            "community1",
            WHISTLE_CASE,
            {"caseId": case["id"], "departmentIds": [company, office], "leadDepartmentId": company},
            "whistleCase",
        ),
        ("heating_co1", CLAIM_CASE, {"caseId": case["id"]}, "claimCase"),
    ]
    for actor, mutation, data, name in steps:
        ok((await api.run(mutation, {"input": data}, token=world.tokens[actor]))[name])


async def _case_h(api: Api, world: World, category: str) -> None:
    """A 12345 hotline case with a caller who has no account."""
    caller = world.people["caller"]
    data = _report(category, world.ids["grid"], "난방 안됨 暖气不热")
    data |= {
        "source": "HOTLINE_12345",
        "externalRef": "12345-MATRIX-1",
        "callerName": caller.name,
        "callerPhone": caller.phone,
    }
    data.pop("latitude"), data.pop("longitude")
    payload = await api.run(INTAKE_CASE, {"input": data}, token=world.tokens["integration"])
    world.ids["case_h"] = ok(payload["intakeCase"])["case"]["id"]


async def _wish(api: Api, world: World) -> None:
    """resident1's small wish, claimed and ticked off with a photo by party1."""
    data = {"kind": "WISH", "title": "창문 수리 修窗户", "regionId": world.ids["yanqing"]}
    created = await api.run(CREATE_ITEM, {"input": data}, token=world.tokens["resident1"])
    wish = ok(created["createListItem"])["listItem"]["id"]
    world.ids["wish"] = wish
    claimed = await api.run(
        CLAIM_ITEM, {"input": {"listItemId": wish}}, token=world.tokens["party1"]
    )
    ok(claimed["claimListItem"])
    variables = {"input": {"listItemId": wish, "note": "고쳤습니다 修好了", "photos": [None]}}
    files = {"variables.input.photos.0": ("done.jpg", jpeg(), "image/jpeg")}
    response = await api.upload(None, COMPLETE_ITEM, variables, files, token=world.tokens["party1"])
    ok(response.json()["data"]["completeListItem"])


async def _task(api: Api, world: World, clock: FrozenClock) -> None:
    """A service task in Yanqing tomorrow, party1 signed up."""
    start = clock.now() + timedelta(days=1)
    data = {
        "title": "어르신 방문 看望老人",
        "regionId": world.ids["yanqing"],
        "startsAt": start.isoformat(),
        "endsAt": (start + timedelta(hours=2)).isoformat(),
        "slots": 3,
    }
    created = await api.run(CREATE_TASK, {"input": data}, token=world.tokens["community1"])
    world.ids["task"] = ok(created["createServiceTask"])["task"]["id"]
    signed = await api.run(
        SIGN_UP, {"input": {"taskId": world.ids["task"]}}, token=world.tokens["party1"]
    )
    world.ids["assignment"] = ok(signed["signUpForTask"])["assignment"]["id"]


async def _webhook(api: Api, world: World, clock: FrozenClock) -> None:
    """The integration's webhook on Yanqing, with one delivery queued."""
    data = {
        "regionId": world.ids["yanqing"],
        "url": "https://receiver.example/grassroots",
        "kinds": ["case.*"],
    }
    payload = await api.run(REGISTER_WEBHOOK, {"input": data}, token=world.tokens["integration"])
    hook = ok(payload["registerWebhook"])["webhook"]["id"]
    world.ids["webhook"] = hook
    delivery = await WebhookDelivery.create(
        subscription_id=int(GlobalID.from_id(hook).node_id),
        event_seq=1,
        event_kind="case.reported",
        body='{"kind": "case.reported"}',
        created_at=clock.now(),
    )
    world.ids["delivery"] = party_setup.gid("WebhookDelivery", delivery.id)
