"""The "mine" filters behind the phone pages: the cases I reported (a grid worker sees the
whole grid's otherwise) and the tasks I ever signed up for (my service history)."""

from __future__ import annotations

from datetime import timedelta

from grassroots.clock import FrozenClock
from grassroots.settings import Settings

from . import flows
from .client import Api
from .conftest import START
from .party_operations import CANCEL_ASSIGNMENT
from .party_setup import member_account
from .test_tasks import post_task, sign_up

MY_CASES = """
query Mine($filter: CaseFilter) { cases(first: 100, filter: $filter) { nodes { id } } }
"""
MY_TASKS = """
query MyTasks($filter: ServiceTaskFilter) {
  serviceTasks(first: 100, filter: $filter) { nodes { id assignments { status } } }
}
"""


async def _case_ids(api: Api, user: str, mine: bool) -> set[str]:
    data = await api.as_user(user, MY_CASES, {"filter": {"mine": mine}})
    return {n["id"] for n in data["cases"]["nodes"]}


async def test_mine_keeps_only_the_cases_i_reported(api: Api) -> None:
    # Given a case reported by resident1 and one by the grid worker of the same community
    residents = await flows.report(api, title="주민 신고 居民上报")
    grid_workers = await flows.report(api, user="grid1", title="망격원 신고 网格员上报")

    # Then the grid worker sees both, but only their own among "mine"
    assert await _case_ids(api, "grid1", mine=False) == {residents, grid_workers}
    assert await _case_ids(api, "grid1", mine=True) == {grid_workers}
    assert await _case_ids(api, "resident1", mine=True) == {residents}
    # and someone who reported nothing has nothing of their own
    assert await _case_ids(api, "community1", mine=True) == set()


async def test_mine_lists_every_task_i_signed_up_for_cancelled_ones_too(
    api: Api, settings: Settings, clock: FrozenClock
) -> None:
    # Given party1 signed up for one task and withdrew from another; a third is untouched
    await member_account(settings, clock, "party1")
    kept = await post_task(api, starts=START + timedelta(days=1))
    withdrawn = await post_task(api, starts=START + timedelta(days=2))
    untouched = await post_task(api, starts=START + timedelta(days=3))
    flows.ok(await sign_up(api, "party1", kept["id"]))
    taken = flows.ok(await sign_up(api, "party1", withdrawn["id"]))["assignment"]
    variables = {"input": {"assignmentId": taken["id"]}}
    flows.ok((await api.as_user("party1", CANCEL_ASSIGNMENT, variables))["cancelAssignment"])

    # When party1 asks for their tasks
    data = await api.as_user("party1", MY_TASKS, {"filter": {"mine": True}})

    # Then both tasks they touched come back, each with its assignment's status
    statuses = {
        n["id"]: [a["status"] for a in n["assignments"]] for n in data["serviceTasks"]["nodes"]
    }
    assert statuses == {kept["id"]: ["SIGNED_UP"], withdrawn["id"]: ["CANCELLED"]}
    assert untouched["id"] not in statuses
    # and someone who is not a member has no history
    data = await api.as_user("resident1", MY_TASKS, {"filter": {"mine": True}})
    assert data["serviceTasks"]["nodes"] == []
