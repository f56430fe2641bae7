"""Relations of a page, loaded before its fields resolve.

A field that awaits its dataloader costs graphql-core a coroutine, a future and often a
task, for every object of the page: on a page of 50 cases that machinery costs more than
the queries. So a page resolver loads what its query selects (through the same loaders, in
one batch per relation, as strawberry-django's optimizer does), and the fields then take
their value at once with `ready`; a field reached some other way still awaits its loader.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable, Iterable
from typing import Any, TypeVar

from strawberry.dataloader import DataLoader
from strawberry.types.nodes import FragmentSpread, InlineFragment, SelectedField, Selection

from .. import models
from ..models.region import path_ids
from .context import Info

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")
R = TypeVar("R")


_MISSING: Any = object()


def cached(loader: DataLoader[K, V], key: K) -> V:
    """The loader's value for `key` if it holds it already, else _MISSING."""
    future = loader.cache_map.get(key)
    if future is None or not future.done() or future.cancelled() or future.exception():
        return _MISSING  # type: ignore[no-any-return]
    return future.result()


def ready(loader: DataLoader[K, V], key: K, then: Callable[[V], R]) -> R | Awaitable[R]:
    """`then(value)` now when the loader holds the key's value already, else an awaitable of
    it (graphql-core awaits whatever a resolver returns that is awaitable)."""
    value = cached(loader, key)
    if value is not _MISSING:
        return then(value)

    async def later() -> R:
        return then(await loader.load(key))

    return later()


def ready_many(
    loader: DataLoader[K, V], keys: list[K], then: Callable[[list[V]], R]
) -> R | Awaitable[R]:
    values = [cached(loader, key) for key in keys]
    if all(v is not _MISSING for v in values):
        return then(values)

    async def later() -> R:
        return then(await loader.load_many(keys))

    return later()


async def fill(loader: DataLoader[K, V], keys: Iterable[K]) -> None:
    """Puts the values of `keys` in the request's loader with one call of its batch function.
    Loading a page's keys one by one costs the loader a future, a task entry and two
    callbacks per key, more than the query. The keys' futures are in the loader while the
    call runs, so a field that asks for one meanwhile waits for this call, not a query of
    its own."""
    cache = loader.cache_map
    missing = [
        key for key in dict.fromkeys(keys) if (held := cache.get(key)) is None or held.cancelled()
    ]
    if not missing:
        return
    futures: list[asyncio.Future[V]] = [loader.loop.create_future() for _ in missing]
    for key, future in zip(missing, futures, strict=True):
        cache.set(key, future)
    try:
        values = await loader.load_fn(missing)
    except BaseException as error:
        for key, future in zip(missing, futures, strict=True):
            cache.delete(key)  # a later load asks again
            _fail(future, error)
        raise
    for future, value in zip(futures, values, strict=True):
        if isinstance(value, BaseException):
            _fail(future, value)  # as the loader does: the key's awaiters get the error
        else:
            future.set_result(value)


def _fail(future: asyncio.Future[Any], error: BaseException) -> None:
    if not isinstance(error, Exception):
        future.cancel()
        return
    future.set_exception(error)
    future.exception()  # told to whoever awaits it; not logged as lost if nobody does


def _names(selections: Iterable[Selection], into: dict[str, SelectedField]) -> None:
    for selection in selections:
        if isinstance(selection, SelectedField):
            into.setdefault(selection.name, selection)
        elif isinstance(selection, FragmentSpread | InlineFragment):
            _names(selection.selections, into)


def _children(selections: Iterable[Selection]) -> dict[str, SelectedField]:
    """The fields of a selection set by name, fragments spread in."""
    out: dict[str, SelectedField] = {}
    _names(selections, out)
    return out


def node_selection(info: Info) -> dict[str, SelectedField]:
    """The fields selected on the nodes of the connection being resolved (edges.node and
    nodes), by name."""
    field = _children(info.selected_fields).get(info.field_name)
    if field is None:
        return {}
    below = _children(field.selections)
    node = _children(below["edges"].selections).get("node") if "edges" in below else None
    fields = _children(node.selections) if node else {}
    if "nodes" in below:
        _names(below["nodes"].selections, fields)
    return fields


async def prefetch_cases(info: Info, cases: list[models.Case]) -> None:
    """Loads the page's categories, regions, departments, photos, timelines and last events,
    as far as the query selects them."""
    if not cases:
        return
    selected = node_selection(info)
    loaders = info.context.loaders
    waits: list[Awaitable[Any]] = []
    if "category" in selected:
        waits.append(fill(loaders.category_by_id, {c.category_id for c in cases}))
    ids = [c.id for c in cases]
    regions: set[int] = set()
    if "regionPath" in selected:
        for c in cases:
            regions.update(path_ids(c.region_path))
    if "region" in selected:
        regions.update(c.region_id for c in cases)
    if "queueRegion" in selected:
        regions.update(c.queue_region_id for c in cases)
    if regions:
        waits.append(fill(loaders.region_by_id, sorted(regions)))
    for field, loader in (
        ("lastEvent", loaders.last_event_by_case),
        ("photos", loaders.photos_by_case),
        ("timeline", loaders.timeline_by_case),
        ("departments", loaders.case_departments_by_case),
    ):
        if field in selected:
            waits.append(fill(loader, ids))
    departments: set[int] = set()
    if "leadDepartment" in selected:
        departments.update(c.lead_department_id for c in cases if c.lead_department_id)
    await asyncio.gather(*waits)
    if "departments" in selected and "department" in _children(selected["departments"].selections):
        links = [cached(loaders.case_departments_by_case, i) for i in ids]
        departments.update(
            link.department_id for rows in links if rows is not _MISSING for link in rows
        )
    if departments:
        await fill(loaders.department_by_id, sorted(departments))
