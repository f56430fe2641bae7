"""The same hotline call sent many times at once (a client retrying on every connection it
has): exactly one case, every caller gets it, and one event records it."""

from __future__ import annotations

import asyncio

from grassroots.models import Case, Event

from . import flows, lookup
from .client import Api
from .operations import INTAKE_CASE

SENDERS = 20


async def test_concurrent_intakes_of_one_reference_make_exactly_one_case(api: Api) -> None:
    # Given a hotline token and one call to push in
    token = await flows.hotline_token(api)
    yanqing = await lookup.region(api, "COMMUNITY", "延青社区")
    call = {
        "input": {
            "source": "HOTLINE_12345",
            "externalRef": "12345-20261102-0042",
            "title": "엘리베이터 고장 电梯故障",
            "description": "전화 접수 电话受理",
            "categoryId": await lookup.category(api, "heating.pipe-leak"),
            "regionId": (await lookup.grids_of(api, yanqing["id"]))[0]["id"],
        }
    }

    # When it arrives twenty times at once
    answers = await asyncio.gather(
        *(api.run(INTAKE_CASE, call, token=token) for _ in range(SENDERS))
    )

    # Then one call created the case, every other was answered with that same case
    payloads = [flows.ok(a["intakeCase"]) for a in answers]
    assert [p["created"] for p in payloads].count(True) == 1
    assert {p["case"]["id"] for p in payloads} == {payloads[0]["case"]["id"]}
    assert await Case.filter(external_ref="12345-20261102-0042").count() == 1
    assert await Event.filter(kind="case.reported").count() == 1
