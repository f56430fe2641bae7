"""Global ids that can name a row, and node()/nodes() that answer null for any other.

A global id decodes to a type name and a node id made up by the client. Only a type that
implements Node, with the decimal id of a row (1 … 2³¹−1, what an integer primary key holds
on every database we run on), can name anything; every other id names nothing. Without this
check a stray type name, "Case:abc" or "Case:99999999999999999999" reached the resolvers and
the database and failed there as an unexpected error.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable
from typing import Any

from strawberry.extensions import FieldExtension
from strawberry.extensions.field_extension import SyncExtensionResolver
from strawberry.relay import GlobalID, GlobalIDValueError
from strawberry.types import Info

MAX_ROW_ID = 2**31 - 1


def row_id(node_id: str) -> int | None:
    """The row id a node id spells, or None: digits only, within the key's range."""
    if not (node_id.isascii() and node_id.isdigit()):
        return None
    value = int(node_id)
    return value if 1 <= value <= MAX_ROW_ID else None


def names_a_row(gid: GlobalID, info: Info) -> bool:
    try:
        gid.resolve_type(info)
    except GlobalIDValueError:
        return False
    return row_id(gid.node_id) is not None


async def _settled(value: Any) -> Any:
    return await value if inspect.isawaitable(value) else value


class CheckedNodeIds(FieldExtension):
    """For node(id:) and nodes(ids:): an id that cannot name a row resolves to null without
    reaching the resolvers, as an id of a row that does not exist does."""

    def resolve(self, next_: SyncExtensionResolver, source: Any, info: Info, **kwargs: Any) -> Any:
        if "id" in kwargs:
            return next_(source, info, **kwargs) if names_a_row(kwargs["id"], info) else None
        ids: list[GlobalID] = kwargs["ids"]
        named = [names_a_row(gid, info) for gid in ids]
        if all(named):
            return next_(source, info, **kwargs)
        valid = [gid for gid, ok in zip(ids, named, strict=True) if ok]
        found = next_(source, info, ids=valid) if valid else []
        return self._merge(found, named)

    async def resolve_async(self, next_: Any, source: Any, info: Info, **kwargs: Any) -> Any:
        return await _settled(self.resolve(next_, source, info, **kwargs))

    @staticmethod
    async def _merge(found: Awaitable[list[Any]] | list[Any], named: list[bool]) -> list[Any]:
        """The resolved nodes back in their places, null where the id named nothing."""
        rows = iter(await _settled(found))
        return [next(rows) if ok else None for ok in named]
