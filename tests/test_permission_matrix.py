"""The permission matrix: who may see each piece of personal data and who may do each
mutation, for every role in and out of scope (tests/permission_world.py has the cast).

The matrix is checked against the schema itself: a new mutation, a new query, a new Node
type, a new subscription or a new field that looks personal (a name, a phone, an address, a
position, a photo URL …) fails `test_the_matrix_covers_the_schema` until it gets a row here.

Policy, as the rows below state it:
- A case is seen by its reporter, by staff, grid workers, block heads, leaders and wall
  screens over its region, by departments ever summoned to it, by admins, and by an
  integration over its region whose token has cases:read. Nobody else learns it exists:
  node/nodes answer null, lists leave it out, mutations answer NOT_FOUND.
- Its reporter's (or hotline caller's) name and phone are clear to the reporter, to staff
  and grid workers over the region, to the lead department (to call back) and to admins;
  masked ("김** 金**", "138****1234") for everyone else who sees the case.
- Its place (address, position) and photos go with the case: whoever sees the case sees
  where the problem is; photo URLs are signed and issued only inside a visible case.
- Accounts are seen by themselves and admins; a Party member's profile by the member, staff
  and leaders over where they serve, and admins; the phone only by the member, staff of
  their community and admins.
- A wish's requester is masked except for staff, the requester and admins.
- An integration reads cases, list items, dashboards and exports only with cases:read, the
  event log only with events:read, and writes nothing on a case (it only pushes cases in).
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from graphql import GraphQLNonNull, GraphQLObjectType, get_named_type

from grassroots.clock import FrozenClock
from grassroots.graphql.schema import build_schema
from grassroots.live.eventlog import last_seq
from grassroots.models import WebhookDelivery
from grassroots.models.webhook import DeliveryStatus
from grassroots.settings import Settings

from . import flows, party_setup
from .client import Api
from .images import jpeg
from .live import LiveClient, serving
from .party_operations import (
    CLAIM_ITEM,
    COMPLETE_ITEM,
    CREATE_ITEM,
    CREATE_TASK,
    REGISTER_ORGANISATION,
    SIGN_UP,
)
from .permission_world import ACTORS, CREATE_TOKEN, REGISTER_WEBHOOK, World, build

SCHEMA = build_schema()._schema
REFUSALS = {"UNAUTHENTICATED", "PERMISSION_DENIED", "NOT_FOUND", "NOT_REGISTERED"}


# --- who sees what -----------------------------------------------------------------------

SEES_CASE_A = frozenset(
    {"resident1", "grid1", "head1", "community1", "street1", "city1", "heating_co1"}
    | {"heating_office1", "leader1", "admin", "screen1", "integration"}
)
CLEAR_CASE_A = frozenset(
    {"resident1", "grid1", "community1", "street1", "city1", "heating_co1", "admin"}
)
SEES_CASE_H = frozenset(
    {"grid1", "head1", "community1", "street1", "city1", "leader1", "admin", "screen1"}
    | {"integration"}
)
CLEAR_CASE_H = frozenset({"grid1", "community1", "street1", "city1", "admin"})
SEES_CASE_M = frozenset(
    {"resident3", "grid_out", "head_out", "community2", "street1", "city1", "leader1"}
    | {"admin", "screen_out", "integration"}
)
SEES_ACCOUNT = frozenset({"resident1", "admin"})
SEES_MEMBER = frozenset({"party1", "community1", "street1", "city1", "leader1", "admin"})
CLEAR_MEMBER = frozenset({"party1", "community1", "street1", "city1", "admin"})
SEES_WISH = frozenset(
    {"resident1", "party1", "grid1", "head1", "community1", "street1", "city1", "leader1"}
    | {"admin", "screen1", "integration"}
)
CLEAR_REQUESTER = frozenset({"resident1", "community1", "street1", "city1", "admin"})
ALL_ASSIGNMENTS = frozenset({"community1", "street1", "city1", "admin"})
SEES_WEBHOOK = frozenset({"integration", "admin"})
READS_YANQING = frozenset(
    {"grid1", "head1", "community1", "street1", "city1", "leader1", "admin", "screen1"}
    | {"integration"}
)


def case_view(
    actor: str, sees: frozenset[str], clear: frozenset[str], hidden: str = "hidden"
) -> str:
    if actor not in sees:
        return hidden
    return "clear" if actor in clear else "masked"


# --- probes: one query each, what the actor got, boiled down -----------------------------

CASE_NODE = """
query CaseNode($id: ID!) { node(id: $id) { ... on Case {
  id address latitude longitude
  reporter { displayName phone masked }
  photos { url thumbnailUrl }
  timeline { kind actorName }
} } }
"""
CASE_LIST = "query Cases { cases(first: 100) { nodes { id reporter { displayName masked } } } }"
CASE_BY_NUMBER = "query ByNumber($n: String!) { caseByNumber(number: $n) { id } }"
NODES = "query Nodes($ids: [ID!]!) { nodes(ids: $ids) { id } }"
ACCOUNT_NODE = """
query AccountNode($id: ID!) { node(id: $id) { ... on Account { username displayName phone } } }
"""
ME = "query Me { me { username phone } }"
MEMBER_FIELDS = "id displayName phone phoneMasked workplace"
MEMBER_NODE = (
    f"query Member($id: ID!) {{ node(id: $id) {{ ... on PartyMember {{ {MEMBER_FIELDS} }} }} }}"
)
MEMBER_LIST = f"query Members {{ partyMembers(first: 100) {{ nodes {{ {MEMBER_FIELDS} }} }} }}"
WISH_NODE = """
query Wish($id: ID!) { node(id: $id) { ... on ListItem {
  id requestedByName claimedByName photos { url thumbnailUrl }
} } }
"""
WISH_LIST = "query Items { listItems(first: 100) { nodes { id requestedByName } } }"
ORGANISATION_NODE = """
query Org($id: ID!) { node(id: $id) { ... on PartyOrganisation { id secretaryName } } }
"""
TASK_NODE = """
query Task($id: ID!, $assignment: ID!) {
  node(id: $id) { ... on ServiceTask { id assignments { member { displayName phone } } } }
  assignment: node(id: $assignment) { id }
}
"""
WEBHOOK_NODES = """
query Hooks($hook: ID!, $delivery: ID!) {
  hook: node(id: $hook) { ... on Webhook { url } }
  delivery: node(id: $delivery) { ... on WebhookDelivery { body } }
  webhooks(first: 20) { nodes { url } }
}
"""
EVENTS = "query Events($r: ID!) { events(regionId: $r, since: 0, first: 5) { seq } }"
DASHBOARD = "query Dash($r: ID!) { dashboard(regionId: $r) { total } }"


@dataclass(frozen=True)
class Probe:
    """A query, what each actor should get, and the personal fields (Type.field) it checks."""

    name: str
    fields: frozenset[str]
    queries: frozenset[str]
    observe: Callable[[Api, World, str], Awaitable[str]]
    expect: Callable[[str], str]


async def _data(api: Api, world: World, actor: str, query: str, **variables: Any) -> Any:
    """The data, or "refused" when the query was refused as a whole."""
    body = await api.raw(query, variables, token=world.token(actor))
    if body.get("errors"):
        return "refused"
    return body["data"]


async def _fetch_ok(api: Api, url: str) -> bool:
    response = await api.http.get(url)
    return response.status_code == 200 and response.headers["content-type"].startswith("image/")


def _person_view(world: World, who: str, name: Any, phone: Any, masked: Any) -> str:
    person = world.people[who]
    if (name, phone) == (person.name, person.phone) and masked in (False, None):
        return "clear"
    if (name, phone) == person.masked and masked in (True, None):
        return "masked"
    return f"wrong: {name!r} {phone!r} masked={masked!r}"


async def observe_case_a(api: Api, world: World, actor: str) -> str:
    data = await _data(api, world, actor, CASE_NODE, id=world.ids["case_a"])
    node = data["node"]
    if node is None:
        return "hidden"
    if (node["address"], node["latitude"], node["longitude"]) != (
        "교원아파트 3동 201호 教师公寓3栋201",
        42.9,
        129.5,
    ):
        return f"wrong place: {node['address']!r}"
    photo = node["photos"][0]
    if not (await _fetch_ok(api, photo["url"]) and await _fetch_ok(api, photo["thumbnailUrl"])):
        return "photo not served"
    reporter = node["reporter"]
    view = _person_view(world, "resident1", reporter["displayName"], reporter["phone"], None)
    reported = next(e for e in node["timeline"] if e["kind"] == "REPORTED")
    expected_actor = world.people["resident1"].name if view == "clear" else None
    if view == "masked":
        expected_actor = world.people["resident1"].masked[0]
    if reported["actorName"] != expected_actor:
        return f"timeline leaks {reported['actorName']!r}"
    return view if reporter["masked"] == (view == "masked") else "masked flag wrong"


async def observe_case_h(api: Api, world: World, actor: str) -> str:
    data = await _data(api, world, actor, CASE_NODE, id=world.ids["case_h"])
    if data["node"] is None:
        return "hidden"
    reporter = data["node"]["reporter"]
    return _person_view(
        world, "caller", reporter["displayName"], reporter["phone"], reporter["masked"]
    )


async def observe_case_lists(api: Api, world: World, actor: str) -> str:
    """Which of cases A, H and M the case list, caseByNumber and nodes() reveal."""
    listed = await _data(api, world, actor, CASE_LIST)
    if listed == "refused":
        return "refused"
    names = {world.ids[k]: k for k in ("case_a", "case_h", "case_m")}
    seen = sorted(names[c["id"]] for c in listed["cases"]["nodes"] if c["id"] in names)
    for case in listed["cases"]["nodes"]:
        if case["id"] == world.ids["case_a"]:
            clear = case["reporter"]["displayName"] == world.people["resident1"].name
            if clear == case["reporter"]["masked"]:
                return "list masks differently"
    by_number = await _data(api, world, actor, CASE_BY_NUMBER, n=world.numbers["case_a"])
    if ("case_a" in seen) != (by_number["caseByNumber"] is not None):
        return "caseByNumber disagrees"
    nodes = await _data(api, world, actor, NODES, ids=list(names))
    by_nodes = sorted(names[n["id"]] for n in nodes["nodes"] if n is not None)
    if by_nodes != seen:
        return f"nodes() shows {by_nodes}, the list {seen}"
    return " ".join(seen) or "none"


def expect_case_lists(actor: str) -> str:
    if actor == "anonymous":
        return "refused"
    seen = [
        name
        for name, sees in (
            ("case_a", SEES_CASE_A),
            ("case_h", SEES_CASE_H),
            ("case_m", SEES_CASE_M),
        )
        if actor in sees
    ]
    return " ".join(seen) or "none"


async def observe_account(api: Api, world: World, actor: str) -> str:
    data = await _data(api, world, actor, ACCOUNT_NODE, id=world.ids["account:resident1"])
    me = await _data(api, world, actor, ME)
    if actor != "anonymous" and me["me"]["username"] != ACTORS_USERNAME.get(actor, actor):
        return f"me is {me['me']['username']}"
    node = data["node"]
    if node is None:
        return "hidden"
    return _person_view(world, "resident1", node["displayName"], node["phone"], None)


# Machine tokens' accounts are named after their role and name.
ACTORS_USERNAME = {
    "screen_out": "display:screen_out",
    "integration": "integration:integration",
    "integration_bare": "integration:integration_bare",
    "integration_out": "integration:integration_out",
}


async def observe_member(api: Api, world: World, actor: str) -> str:
    data = await _data(api, world, actor, MEMBER_NODE, id=world.ids["member"])
    listed = await _data(api, world, actor, MEMBER_LIST)
    in_list = listed != "refused" and any(
        m["id"] == world.ids["member"] for m in listed["partyMembers"]["nodes"]
    )
    node = data["node"]
    if (node is not None) != in_list:
        return "node and list disagree"
    if node is None:
        return "hidden"
    party1 = world.people["party1"]
    if node["displayName"] != party1.name:
        return "name wrong"
    if node["phone"] == party1.phone and not node["phoneMasked"]:
        return "clear"
    return "masked" if (node["phone"], node["phoneMasked"]) == (party1.masked[1], True) else "wrong"


async def observe_wish(api: Api, world: World, actor: str) -> str:
    data = await _data(api, world, actor, WISH_NODE, id=world.ids["wish"])
    listed = await _data(api, world, actor, WISH_LIST)
    in_list = listed != "refused" and any(
        i["id"] == world.ids["wish"] for i in listed["listItems"]["nodes"]
    )
    node = data["node"]
    if (node is not None) != in_list:
        return "node and list disagree"
    if node is None:
        return "hidden"
    if node["claimedByName"] != world.people["party1"].name:
        return "claimer wrong"
    photo = node["photos"][0]
    if not await _fetch_ok(api, photo["url"]):
        return "photo not served"
    requester = world.people["resident1"]
    if node["requestedByName"] == requester.name:
        return "clear"
    return "masked" if node["requestedByName"] == requester.masked[0] else "wrong"


async def observe_organisation(api: Api, world: World, actor: str) -> str:
    data = await _data(api, world, actor, ORGANISATION_NODE, id=world.ids["organisation"])
    node = data["node"]
    if node is None:
        return "hidden"
    return "clear" if node["secretaryName"] == world.people["party1"].name else "wrong"


async def observe_assignments(api: Api, world: World, actor: str) -> str:
    data = await _data(
        api, world, actor, TASK_NODE, id=world.ids["task"], assignment=world.ids["assignment"]
    )
    if data["node"] is None:
        return "hidden"
    members = [a["member"] for a in data["node"]["assignments"]]
    if (data["assignment"] is not None) != bool(members):
        return "assignment node and task disagree"
    if not members:
        return "none"
    views = {_person_view(world, "party1", m["displayName"], m["phone"], None) for m in members}
    return "all " + " ".join(sorted(views))


def expect_assignments(actor: str) -> str:
    if actor == "anonymous":
        return "hidden"
    if actor in ALL_ASSIGNMENTS or actor == "party1":
        return "all clear"
    return "none"


async def observe_webhook(api: Api, world: World, actor: str) -> str:
    data = await _data(
        api, world, actor, WEBHOOK_NODES, hook=world.ids["webhook"], delivery=world.ids["delivery"]
    )
    if data == "refused":
        return "refused"
    seen = [data["hook"] is not None, data["delivery"] is not None, bool(data["webhooks"]["nodes"])]
    if all(seen):
        return "visible"
    return "hidden" if not any(seen) else f"partly {seen}"


async def observe_events(api: Api, world: World, actor: str) -> str:
    events = await _data(api, world, actor, EVENTS, r=world.ids["yanqing"])
    dashboard = await _data(api, world, actor, DASHBOARD, r=world.ids["yanqing"])
    reads = events != "refused" and bool(events["events"])
    shows = dashboard != "refused" and dashboard["dashboard"] is not None
    return f"events {'yes' if reads else 'no'}, dashboard {'yes' if shows else 'no'}"


def expect_events(actor: str) -> str:
    yes = "yes" if actor in READS_YANQING else "no"
    return f"events {yes}, dashboard {yes}"


PROBES = [
    Probe(
        "case A (reported by resident1) via node",
        frozenset(
            {"Case.address", "Case.latitude", "Case.longitude", "Case.reporter"}
            | {"Reporter.displayName", "Reporter.phone", "Photo.url", "Photo.thumbnailUrl"}
            | {"TimelineEntry.actorName", "Case.photos"}
        ),
        frozenset({"node"}),
        observe_case_a,
        lambda a: case_view(a, SEES_CASE_A, CLEAR_CASE_A),
    ),
    Probe(
        "case H (a hotline caller) via node",
        frozenset({"Reporter.displayName", "Reporter.phone"}),
        frozenset({"node"}),
        observe_case_h,
        lambda a: case_view(a, SEES_CASE_H, CLEAR_CASE_H),
    ),
    Probe(
        "cases A, H, M via cases, caseByNumber and nodes",
        frozenset({"Case.reporter"}),
        frozenset({"cases", "caseByNumber", "nodes"}),
        observe_case_lists,
        expect_case_lists,
    ),
    Probe(
        "resident1's account via node, and me",
        frozenset({"Account.username", "Account.displayName", "Account.phone"}),
        frozenset({"node", "me"}),
        observe_account,
        lambda a: case_view(a, SEES_ACCOUNT, SEES_ACCOUNT),
    ),
    Probe(
        "party1's member profile via node and partyMembers",
        frozenset(
            {"PartyMember.displayName", "PartyMember.phone", "PartyMember.workplace"}
            | {"PartyMember.phoneMasked"}
        ),
        frozenset({"node", "partyMembers"}),
        observe_member,
        lambda a: case_view(a, SEES_MEMBER, CLEAR_MEMBER),
    ),
    Probe(
        "resident1's wish via node and listItems",
        frozenset(
            {"ListItem.requestedByName", "ListItem.claimedByName", "ListItemPhoto.url"}
            | {"ListItemPhoto.thumbnailUrl", "ListItem.photos"}
        ),
        frozenset({"node", "listItems"}),
        observe_wish,
        lambda a: case_view(a, SEES_WISH, CLEAR_REQUESTER),
    ),
    Probe(
        "a Party branch's secretary via node",
        frozenset({"PartyOrganisation.secretaryName"}),
        frozenset({"node"}),
        observe_organisation,
        lambda a: "hidden" if a == "anonymous" else "clear",
    ),
    Probe(
        "who signed up for a task, via node(ServiceTask) and node(Assignment)",
        frozenset({"ServiceTask.assignments", "Assignment.member"}),
        frozenset({"node"}),
        observe_assignments,
        expect_assignments,
    ),
    Probe(
        "the integration's webhook and a delivery via node and webhooks",
        frozenset({"Webhook.url", "WebhookDelivery.body"}),
        frozenset({"node", "webhooks"}),
        observe_webhook,
        lambda a: "refused" if a == "anonymous" else ("visible" if a in SEES_WEBHOOK else "hidden"),
    ),
    Probe(
        "Yanqing's event log and dashboard",
        frozenset({"Event.payload", "Dashboard.latestEvents"}),
        frozenset({"events", "dashboard"}),
        observe_events,
        expect_events,
    ),
]


# --- the schema's coverage -----------------------------------------------------------------

# Field names that smell of a person, a place or a picture.
PERSONAL_NAME = re.compile(
    r"(?i)(name|phone|address|latitude|longitude|lat$|lng$|url$|photo|workplace|body"
    r"|payload|member$|assignments$|reporter|events$)"
)
# Fields the pattern catches that carry nothing about a resident, and why.
NOT_PERSONAL = {
    **dict.fromkeys(
        [
            f"{t}.{f}"
            for t in ("Region", "Category", "Department", "PartyOrganisation")
            for f in ("name", "nameKo", "nameZh", "nameEn")
        ],
        "the name of a place, a category, a department or an organisation",
    ),
    "Region.centerLat": "the centre of a region",
    "Region.centerLng": "the centre of a region",
    "PartyOrganisation.workplace": "an organisation's workplace",
    "CalendarDay.name": "a holiday's name",
    "ApiToken.name": "a machine token's name, shown to its creator",
    "Export.url": "a signed download issued by requestExport: see the requestExport row",
    "Export.filename": "the download's file name",
    "WebhookDelivery.eventKind": "an event kind",
    "Webhook.deliveries": "reached only through a Webhook: see the webhook probe",
    "PartyStats.membersRegistered": "a count",
    "PartyStats.membersPending": "a count",
    "Dashboard.party": "counts",
    "DashboardGrid.grid": "a region",
}
PUBLIC_QUERIES = {
    "regions": "the region tree is public",
    "categories": "the category tree is public",
    "departments": "departments and their rates, for signed-in users; no one's data",
    "calendar": "working days",
    "myPartyProfile": "the viewer's own profile only",
    "partyOrganisations": "organisations, the secretaryName probe covers their persons",
    "partyStats": "counts for staff, leaders and screens in scope; nobody's data",
    "serviceTasks": "tasks are public to signed-in users; the assignments probe covers who",
    "listSummary": "counts for item readers in scope; nobody's data",
}
PUBLIC_MUTATIONS = {"login": "anyone may try to sign in (tests/test_auth.py, test_secrets.py)"}


def _object_types() -> list[GraphQLObjectType]:
    """The schema's own object types. Mutation payloads are left out: they hand back the
    object acted on to whoever acted, and the object's type is checked as such."""
    roots = {"Query", "Mutation", "Subscription"}
    return [
        t
        for name, t in SCHEMA.type_map.items()
        if isinstance(t, GraphQLObjectType)
        and not name.startswith("__")
        and name not in roots
        and not name.endswith("Payload")
    ]


def test_the_matrix_covers_the_schema() -> None:
    # Given the schema as the server builds it
    mutations = set(SCHEMA.mutation_type.fields) if SCHEMA.mutation_type else set()
    queries = set(SCHEMA.query_type.fields) if SCHEMA.query_type else set()
    subscriptions = set(SCHEMA.subscription_type.fields) if SCHEMA.subscription_type else set()
    node_types = {t.name for t in _object_types() if any(i.name == "Node" for i in t.interfaces)}
    looks_personal = {
        f"{t.name}.{name}"
        for t in _object_types()
        for name in t.fields
        if PERSONAL_NAME.search(name)
    }

    # Then every mutation, query, Node type, subscription and personal-looking field has a row
    covered_fields = {f for probe in PROBES for f in probe.fields}
    probed_queries = {q for probe in PROBES for q in probe.queries}
    assert mutations - set(ROWS) - set(PUBLIC_MUTATIONS) == set(), "mutations without a row"
    assert set(ROWS) <= mutations, "rows for mutations that no longer exist"
    assert queries - probed_queries - set(PUBLIC_QUERIES) == set(), "queries without a probe"
    assert node_types - set(NODE_PROBES) == set(), "Node types without a node() probe"
    assert subscriptions - set(SUBSCRIPTION_RULES) == set(), "subscriptions without a rule"
    assert looks_personal - covered_fields - set(NOT_PERSONAL) == set(), "personal fields"


# Which probe reaches each Node type through node(id:), or why none needs to.
NODE_PROBES = {
    "Case": "case A / case H probes",
    "Account": "the account probe",
    "PartyMember": "the member probe",
    "ListItem": "the wish probe",
    "PartyOrganisation": "the secretary probe",
    "ServiceTask": "the assignments probe (tasks are public to signed-in users)",
    "Assignment": "the assignments probe",
    "Webhook": "the webhook probe",
    "WebhookDelivery": "the webhook probe",
    "Region": "public",
    "Category": "public",
    "Department": "public to signed-in users",
}


# --- personal data, every probe by every actor -----------------------------------------------


@pytest.fixture
async def world(api: Api, app: Any, settings: Settings, clock: FrozenClock) -> World:
    return await build(api, app.state.rt, settings, clock)  # type: ignore[attr-defined]


def _table(mismatches: list[tuple[str, str, str, str]]) -> str:
    return "\n".join(
        f"{probe} | {actor} ({ACTORS[actor]}): expected {want}, got {got}"
        for probe, actor, want, got in mismatches
    )


async def test_personal_data_is_seen_only_by_those_who_may(api: Api, world: World) -> None:
    # Given the world, when every actor runs every probe
    mismatches = []
    for probe in PROBES:
        for actor in ACTORS:
            got = await probe.observe(api, world, actor)
            want = probe.expect(actor)
            # Then each sees exactly what the policy says: clear, masked or nothing
            if got != want:
                mismatches.append((probe.name, actor, want, got))
    assert not mismatches, "\n" + _table(mismatches)


# --- subscriptions on a real server ------------------------------------------------------------

CASE_UPDATED = """
subscription Case($id: ID!) { caseUpdated(id: $id) { id reporter { displayName phone masked } } }
"""
EVENTS_LIVE = "subscription Events($r: ID!) { events(regionId: $r) { seq kind } }"
DASHBOARD_LIVE = "subscription Dash($r: ID!) { dashboardUpdated(regionId: $r) { total } }"
COMMENT = """
mutation Comment($input: CommentOnCaseInput!) {
  commentOnCase(input: $input) { userErrors { code } }
}
"""
SUBSCRIPTION_RULES = {
    "caseUpdated": "followed by those who see the case, masked as in queries",
    "events": "followed by region readers (an integration with events:read)",
    "dashboardUpdated": "followed by region readers (an integration with cases:read)",
}


async def _outcomes(client: LiveClient, wanted: int, within: float = 8.0) -> dict[str, Any]:
    """The first message of each of `wanted` operations: its payload, or "error"."""
    seen: dict[str, Any] = {}
    deadline = asyncio.get_running_loop().time() + within
    while len(seen) < wanted:
        left = deadline - asyncio.get_running_loop().time()
        if left <= 0:
            break
        try:
            message = await client.receive(left)
        except TimeoutError:
            break
        op = message.get("id")
        if op is not None and op not in seen:
            seen[op] = "error" if message["type"] == "error" else message["payload"]
    return seen


async def test_subscriptions_follow_only_what_the_viewer_may_see(
    app: Any, api: Api, world: World
) -> None:
    yanqing = world.ids["yanqing"]
    async with serving(app) as url:
        # Given every actor on its own socket, following case A, Yanqing's log and dashboard
        clients = {}
        async with _connections(url, world) as sockets:
            for actor, client in sockets.items():
                await client.subscribe(CASE_UPDATED, {"id": world.ids["case_a"]})
                await client.subscribe(EVENTS_LIVE, {"r": yanqing})
                await client.subscribe(DASHBOARD_LIVE, {"r": yanqing})
                clients[actor] = client
            # When case A changes
            await asyncio.sleep(0.3)
            changed = await api.run(
                COMMENT,
                {"input": {"caseId": world.ids["case_a"], "note": "확인 中 核实中"}},
                token=world.token("community1"),
            )
            assert changed["commentOnCase"]["userErrors"] == []
            outcomes = {actor: await _outcomes(c, 3) for actor, c in clients.items()}

    # Then only those who may see each feed get it, and the case is masked as in queries
    mismatches = []
    for actor, seen in outcomes.items():
        got = tuple(_live_view(world, seen.get(op)) for op in ("1", "2", "3"))
        followed = "followed" if actor in READS_YANQING else "refused"
        want = (case_view(actor, SEES_CASE_A, CLEAR_CASE_A, "refused"), followed, followed)
        if got != want:
            mismatches.append(("caseUpdated, events, dashboardUpdated", actor, str(want), str(got)))
    assert not mismatches, "\n" + _table(mismatches)


def _live_view(world: World, outcome: Any) -> str:
    """ "refused" for an error; a case as clear or masked; "followed" for other data;
    "silent" when nothing came at all."""
    if outcome is None:
        return "silent"
    if outcome == "error":
        return "refused"
    data = outcome["data"]
    if "caseUpdated" not in data:
        return "followed"
    reporter = data["caseUpdated"]["reporter"]
    return _person_view(
        world, "resident1", reporter["displayName"], reporter["phone"], reporter["masked"]
    )


class _connections:
    """One LiveClient per actor, all open at once."""

    def __init__(self, url: str, world: World) -> None:
        self.url, self.world = url, world
        self.stack: list[Any] = []

    async def __aenter__(self) -> dict[str, LiveClient]:
        clients = {}
        for actor in ACTORS:
            manager = LiveClient.connect(self.url, self.world.token(actor))
            clients[actor] = await manager.__aenter__()
            self.stack.append(manager)
        return clients

    async def __aexit__(self, *exc: object) -> None:
        for manager in reversed(self.stack):
            await manager.__aexit__(None, None, None)


# --- mutations: every one by every actor ----------------------------------------------------------


@dataclass
class Row:
    """A mutation, who may do it, and how to make a fresh object for it to act on.

    Everyone else is refused (UNAUTHENTICATED, PERMISSION_DENIED, NOT_FOUND for what they may
    not see, NOT_REGISTERED) with a userError and no change. Each allowed actor then succeeds,
    each on a fresh object."""

    allowed: frozenset[str]
    target: Callable[[Ctx], Awaitable[dict[str, Any]]]
    upload: str | None = None  # the input field that takes a photo on success


@dataclass
class Ctx:
    api: Api
    world: World
    settings: Settings
    clock: FrozenClock
    serial: list[int] = field(default_factory=lambda: [0])

    def next(self) -> int:
        self.serial[0] += 1
        return self.serial[0]

    async def as_(self, actor: str, query: str, **data: Any) -> dict[str, Any]:
        return await self.api.run(query, {"input": data}, token=self.world.token(actor))


STAFF_OVER_YANQING = frozenset({"community1", "street1", "city1", "admin"})
REASON = "테스트 사유 测试原因"


def case_in(status: str, **extra: Any) -> Callable[[Ctx], Awaitable[dict[str, Any]]]:
    async def make(ctx: Ctx) -> dict[str, Any]:
        return {"caseId": await flows.case_in(ctx.api, status), **extra}

    return make


async def _merge_target(ctx: Ctx) -> dict[str, Any]:
    original = await flows.report(ctx.api, title="원본 原始")
    return {"caseId": await flows.case_in(ctx.api, "REPORTED"), "originalCaseId": original}


async def _whistle_target(ctx: Ctx) -> dict[str, Any]:
    return {
        "caseId": await flows.case_in(ctx.api, "ACCEPTED"),
        "departmentIds": [ctx.world.ids["company"]],
    }


async def _closable(ctx: Ctx) -> dict[str, Any]:
    case = await flows.case_in(ctx.api, "RESOLVED")
    ctx.clock.advance(days=4)  # past the reporter's rating window
    return {"caseId": case, "reason": REASON}


async def _report_target(ctx: Ctx) -> dict[str, Any]:
    return {
        "title": "가로등 고장 路灯不亮",
        "description": "어두워요 太暗了",
        "categoryId": ctx.world.ids["category"],
        "regionId": ctx.world.ids["grid"],
    }


async def _intake_target(ctx: Ctx) -> dict[str, Any]:
    return await _report_target(ctx) | {
        "source": "HOTLINE_12345",
        "externalRef": f"12345-ROW-{ctx.next()}",
        "callerPhone": "13900000000",
    }


async def _pending_member(ctx: Ctx) -> dict[str, Any]:
    member = await party_setup.member_account(
        ctx.settings, ctx.clock, f"pending{ctx.next()}", confirmed=False
    )
    return {"partyMemberId": party_setup.gid("PartyMember", member.id)}


async def _branch(ctx: Ctx) -> str:
    branch = await party_setup.branch(ctx.settings, ctx.clock, secretary="party1")
    return party_setup.gid("PartyOrganisation", branch.id)


async def _organisation_to_register(ctx: Ctx) -> dict[str, Any]:
    return {"organisationId": await _branch(ctx), "communityId": ctx.world.ids["yanqing"]}


async def _organisation_to_confirm(ctx: Ctx) -> dict[str, Any]:
    target = await _organisation_to_register(ctx)
    registered = await ctx.as_("party1", REGISTER_ORGANISATION, **target)
    flows.ok(registered["registerOrganisationWithCommunity"])
    return {"organisationId": target["organisationId"]}


def _task_input(
    ctx: Ctx, *, starts_in: timedelta, lasting: timedelta = timedelta(minutes=30)
) -> dict[str, Any]:
    start = ctx.clock.now() + starts_in
    return {
        "title": "청소 봉사 清扫志愿",
        "regionId": ctx.world.ids["yanqing"],
        "startsAt": start.isoformat(),
        "endsAt": (start + lasting).isoformat(),
        "slots": 5,
    }


async def _new_task(ctx: Ctx) -> str:
    # Each in its own hour, so party1's sign-ups never overlap.
    data = _task_input(ctx, starts_in=timedelta(days=2, hours=ctx.next()))
    created = await ctx.as_("community1", CREATE_TASK, **data)
    return str(flows.ok(created["createServiceTask"])["task"]["id"])


async def _later_task(ctx: Ctx) -> dict[str, Any]:
    return _task_input(ctx, starts_in=timedelta(days=3))


async def _task_target(ctx: Ctx) -> dict[str, Any]:
    return {"taskId": await _new_task(ctx)}


async def _assignment_now(ctx: Ctx, *, then: timedelta) -> dict[str, Any]:
    """party1 on a one-minute task starting in a minute; the clock then moves on by `then`
    (so the next such task does not overlap it)."""
    data = _task_input(ctx, starts_in=timedelta(minutes=1), lasting=timedelta(minutes=1))
    task = flows.ok((await ctx.as_("community1", CREATE_TASK, **data))["createServiceTask"])
    signed = await ctx.as_("party1", SIGN_UP, taskId=task["task"]["id"])
    assignment = flows.ok(signed["signUpForTask"])["assignment"]["id"]
    ctx.clock.advance(seconds=then.total_seconds())
    return {"assignmentId": assignment}


async def _assignment_target(ctx: Ctx) -> dict[str, Any]:
    signed = await ctx.as_("party1", SIGN_UP, taskId=await _new_task(ctx))
    return {"assignmentId": flows.ok(signed["signUpForTask"])["assignment"]["id"]}


async def _wish(ctx: Ctx, *, claimed: bool = False, done: bool = False) -> str:
    data = {
        "kind": "WISH",
        "title": f"소원 心愿 {ctx.next()}",
        "regionId": ctx.world.ids["yanqing"],
    }
    wish = flows.ok((await ctx.as_("resident1", CREATE_ITEM, **data))["createListItem"])
    item = wish["listItem"]["id"]
    if claimed or done:
        flows.ok((await ctx.as_("party1", CLAIM_ITEM, listItemId=item))["claimListItem"])
    if done:
        variables = {"input": {"listItemId": item, "note": "완료 完成", "photos": [None]}}
        files = {"variables.input.photos.0": ("done.jpg", jpeg(), "image/jpeg")}
        response = await ctx.api.upload(
            None, COMPLETE_ITEM, variables, files, token=ctx.world.token("party1")
        )
        flows.ok(response.json()["data"]["completeListItem"])
    return str(item)


async def _hook(ctx: Ctx) -> str:
    data = {
        "regionId": ctx.world.ids["yanqing"],
        "url": f"https://receiver.example/{ctx.next()}",
        "kinds": ["case.*"],
    }
    made = await ctx.as_("integration", REGISTER_WEBHOOK, **data)
    return str(flows.ok(made["registerWebhook"])["webhook"]["id"])


async def _delivered(ctx: Ctx) -> dict[str, Any]:
    from strawberry.relay import GlobalID

    hook = await _hook(ctx)
    delivery = await WebhookDelivery.create(
        subscription_id=int(GlobalID.from_id(hook).node_id),
        event_seq=1,
        event_kind="case.reported",
        body="{}",
        status=DeliveryStatus.DELIVERED,
        created_at=ctx.clock.now(),
    )
    return {"deliveryId": party_setup.gid("WebhookDelivery", delivery.id)}


async def _fresh_display_token(ctx: Ctx) -> dict[str, Any]:
    data = {"name": f"lobby{ctx.next()}", "role": "DISPLAY", "regionId": ctx.world.ids["yanqing"]}
    made = flows.ok((await ctx.as_("admin", CREATE_TOKEN, **data))["createApiToken"])
    return {"tokenId": made["apiToken"]["id"]}


def fixed(**data: Any) -> Callable[[Ctx], Awaitable[dict[str, Any]]]:
    async def make(ctx: Ctx) -> dict[str, Any]:
        return {k: ctx.world.ids.get(v, v) if isinstance(v, str) else v for k, v in data.items()}

    return make


def unique(**data: Any) -> Callable[[Ctx], Awaitable[dict[str, Any]]]:
    """`data` with a fresh `name` each time."""

    async def make(ctx: Ctx) -> dict[str, Any]:
        made = await fixed(**data)(ctx)
        return made | {"name": f"{made['name']}{ctx.next()}"}

    return make


# Who may comment on a case like case A: all who see it but the machines, which only read.
COMMENTERS = SEES_CASE_A - {"screen1", "integration"}

ROWS: dict[str, Row] = {
    # tokens
    "createApiToken": Row(
        frozenset({"admin", "city1"}),
        unique(name="lobby", role="DISPLAY", regionId="yanqing"),
    ),
    "revokeApiToken": Row(frozenset({"admin"}), _fresh_display_token),
    # cases
    "reportCase": Row(
        frozenset({"resident1", "resident2", "party1", "grid1", "head1"}) | STAFF_OVER_YANQING,
        _report_target,
    ),
    "intakeCase": Row(frozenset({"integration"}), _intake_target),
    "acceptCase": Row(STAFF_OVER_YANQING, case_in("REPORTED")),
    "rejectCase": Row(STAFF_OVER_YANQING, case_in("REPORTED", reason=REASON)),
    "mergeCase": Row(STAFF_OVER_YANQING, _merge_target),
    "whistleCase": Row(STAFF_OVER_YANQING, _whistle_target),
    "escalateCase": Row(STAFF_OVER_YANQING, case_in("ACCEPTED", reason=REASON)),
    "claimCase": Row(frozenset({"heating_co1", "heating_office1"}), case_in("DISPATCHED")),
    "arriveOnSite": Row(frozenset({"heating_co1"}), case_in("IN_PROGRESS")),
    "resolveCase": Row(frozenset({"heating_co1"}), case_in("IN_PROGRESS", note="수리 修好")),
    "rateCase": Row(frozenset({"resident1"}), case_in("RESOLVED", satisfaction="SATISFIED")),
    "reopenCase": Row(STAFF_OVER_YANQING | {"resident1"}, case_in("CLOSED", reason=REASON)),
    "closeCase": Row(STAFF_OVER_YANQING, _closable),
    "commentOnCase": Row(
        COMMENTERS,
        case_in("IN_PROGRESS", note="확인 核实"),
    ),
    # Party members and organisations
    "confirmRegistration": Row(STAFF_OVER_YANQING, _pending_member),
    "updateMyPartyProfile": Row(frozenset({"party1"}), fixed(workplace="연길시 병원 延吉市医院")),
    "registerOrganisationWithCommunity": Row(
        frozenset({"party1", "admin"}), _organisation_to_register
    ),
    "confirmOrganisationRegistration": Row(STAFF_OVER_YANQING, _organisation_to_confirm),
    "registerWithCommunity": Row(frozenset({"party1"}), fixed(communityId="minxing")),
    # service tasks
    "createServiceTask": Row(
        STAFF_OVER_YANQING,
        _later_task,
    ),
    "updateServiceTask": Row(STAFF_OVER_YANQING, _task_target),
    "cancelServiceTask": Row(
        STAFF_OVER_YANQING, lambda ctx: _with(_task_target(ctx), reason=REASON)
    ),
    "signUpForTask": Row(frozenset({"party1"}), _task_target),
    "cancelAssignment": Row(frozenset({"party1"}), _assignment_target),
    "checkIn": Row(
        frozenset({"party1"}), lambda ctx: _assignment_now(ctx, then=timedelta(seconds=90))
    ),
    "completeAssignment": Row(
        STAFF_OVER_YANQING, lambda ctx: _assignment_now(ctx, then=timedelta(seconds=90))
    ),
    "markNoShow": Row(
        STAFF_OVER_YANQING, lambda ctx: _assignment_now(ctx, then=timedelta(hours=1))
    ),
    # the three lists
    "createListItem": Row(
        frozenset({"resident1", "resident2", "party1", "head1"}) | STAFF_OVER_YANQING,
        fixed(kind="WISH", title="소원 心愿", regionId="yanqing"),
    ),
    "claimListItem": Row(frozenset({"party1"}), lambda ctx: _item(ctx)),
    "completeListItem": Row(
        frozenset({"party1"}),
        lambda ctx: _item(ctx, claimed=True, note="완료 完成"),
        upload="photos",
    ),
    "verifyListItem": Row(STAFF_OVER_YANQING, lambda ctx: _item(ctx, done=True)),
    "sendBackListItem": Row(STAFF_OVER_YANQING, lambda ctx: _item(ctx, done=True, reason=REASON)),
    # webhooks, the calendar, exports
    "registerWebhook": Row(
        frozenset({"integration", "admin"}),
        fixed(regionId="yanqing", url="https://receiver.example/new", kinds=["case.*"]),
    ),
    "updateWebhook": Row(
        frozenset({"integration", "admin"}),
        lambda ctx: _with_id(_hook(ctx), "webhookId", description="바뀜 改了"),
    ),
    "deleteWebhook": Row(
        frozenset({"integration", "admin"}), lambda ctx: _with_id(_hook(ctx), "webhookId")
    ),
    "redeliverWebhook": Row(frozenset({"integration", "admin"}), _delivered),
    "setCalendarDay": Row(frozenset({"admin"}), fixed(date="2026-12-24", isWorkingDay=False)),
    "requestExport": Row(
        READS_YANQING - {"screen1"},
        fixed(kind="CASES", regionId="yanqing", format="CSV", month="2026-10"),
    ),
}


async def _with(made: Awaitable[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    return await made | extra


async def _with_id(made: Awaitable[str], key: str, **extra: Any) -> dict[str, Any]:
    return {key: await made, **extra}


async def _item(
    ctx: Ctx, *, claimed: bool = False, done: bool = False, **extra: Any
) -> dict[str, Any]:
    return {"listItemId": await _wish(ctx, claimed=claimed, done=done), **extra}


def document(name: str) -> str:
    """`name`(input:) selecting only userErrors, as the schema types its input."""
    assert SCHEMA.mutation_type is not None
    argument = SCHEMA.mutation_type.fields[name].args["input"].type
    assert isinstance(argument, GraphQLNonNull)
    input_type = get_named_type(argument).name
    return (
        f"mutation M($input: {input_type}!) {{ {name}(input: $input) "
        "{ userErrors { field code message } } }"
    )


async def _attempt(
    ctx: Ctx, name: str, actor: str, data: dict[str, Any], upload: str | None
) -> Any:
    if upload is None:
        body = await ctx.api.raw(document(name), {"input": data}, token=ctx.world.token(actor))
    else:
        variables = {"input": data | {upload: [None]}}
        files = {f"variables.input.{upload}.0": ("p.jpg", jpeg(), "image/jpeg")}
        response = await ctx.api.upload(
            None, document(name), variables, files, token=ctx.world.token(actor)
        )
        body = response.json()
    if body.get("errors"):
        return f"GraphQL error {body['errors'][0]['message']!r}"
    return body["data"][name]["userErrors"]


async def _check_rows(ctx: Ctx, names: list[str]) -> list[tuple[str, str, str, str]]:
    mismatches = []
    for name in names:
        row = ROWS[name]
        target = await row.target(ctx)
        for actor in sorted(set(ACTORS) - row.allowed):
            before = await last_seq()
            errors = await _attempt(ctx, name, actor, target, None)
            refused = isinstance(errors, list) and [e["code"] in REFUSALS for e in errors] == [True]
            if not refused or await last_seq() != before:
                mismatches.append((name, actor, "refused, nothing changed", str(errors)))
        for actor in sorted(row.allowed):
            errors = await _attempt(ctx, name, actor, await row.target(ctx), row.upload)
            if errors != []:
                mismatches.append((name, actor, "allowed", str(errors)))
    return mismatches


@pytest.fixture
async def ctx(api: Api, world: World, settings: Settings, clock: FrozenClock) -> Ctx:
    return Ctx(api, world, settings, clock)


CASE_ROWS = [n for n in ROWS if n.endswith("Case") or n in {"arriveOnSite"}]
PARTY_ROWS = [
    "confirmRegistration",
    "updateMyPartyProfile",
    "registerOrganisationWithCommunity",
    "confirmOrganisationRegistration",
    "createListItem",
    "claimListItem",
    "completeListItem",
    "verifyListItem",
    "sendBackListItem",
    "registerWithCommunity",  # last: party1 then serves elsewhere
]
TASK_ROWS = [
    "createServiceTask",
    "updateServiceTask",
    "cancelServiceTask",
    "signUpForTask",
    "cancelAssignment",
    "checkIn",
    "completeAssignment",
    "markNoShow",
]
OTHER_ROWS = sorted(set(ROWS) - set(CASE_ROWS) - set(PARTY_ROWS) - set(TASK_ROWS))


@pytest.mark.parametrize(
    "names",
    [CASE_ROWS, PARTY_ROWS, TASK_ROWS, OTHER_ROWS],
    ids=["cases", "party-and-lists", "tasks", "tokens-webhooks-calendar-exports"],
)
async def test_every_mutation_is_refused_to_all_but_those_who_may(
    ctx: Ctx, names: list[str]
) -> None:
    # Given the world; when every actor tries each mutation on an object made for it
    mismatches = await _check_rows(ctx, names)
    # Then all but the allowed are refused with a userError and change nothing
    assert not mismatches, "\n" + _table(mismatches)
