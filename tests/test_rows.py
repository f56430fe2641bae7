"""Models made from rows by models/base.py are Tortoise's, attribute for attribute: the same
values, of the same types, timestamps in the same zone object."""

from __future__ import annotations

from typing import Any

from tortoise import Tortoise, connections
from tortoise.models import Model as TortoiseModel

from grassroots.models import Region

from . import flows
from .client import Api


def attributes(model: Any) -> dict[str, tuple[type, Any, Any]]:
    return {
        name: (type(value), value, getattr(value, "tzinfo", None))
        for name, value in vars(model).items()
    }


async def test_every_model_is_made_as_tortoise_makes_it(api: Api) -> None:
    # Given a database with cases along the whole path (timelines, whistles, ratings, events)
    for status in ("DISPATCHED", "CLOSED"):
        await flows.case_in(api, status)
    connection = connections.get("default")

    compared = set()
    for model in Tortoise.apps["models"].values():
        # When rows of every table are made into models, by us and by Tortoise
        columns = ", ".join(f'"{column}"' for column in model._meta.db_fields)
        _, rows = await connection.execute_query(
            f'SELECT {columns} FROM "{model._meta.db_table}" LIMIT 25'
        )
        for row in rows:
            ours = model._init_from_db(**dict(row))
            theirs = TortoiseModel._init_from_db.__func__(model, **dict(row))  # type: ignore[attr-defined]

            # Then they are the same
            assert attributes(ours) == attributes(theirs), model.__name__
            compared.add(model.__name__)

    assert {"Case", "CaseEvent", "Whistle", "Region", "Category", "Account"} <= compared
    assert len(compared) >= 15


async def test_a_partial_row_is_made_by_tortoise(api: Api) -> None:
    # When regions are read with some of their columns
    regions = await Region.all().only("id", "code")

    # Then they are partial models with those columns
    assert regions
    assert all(r._partial and r.code for r in regions)
