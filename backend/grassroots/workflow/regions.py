"""The region tree: paths, levels and the next level up."""

from __future__ import annotations

from typing import Any

from ..models import Region
from ..models.enums import RegionLevel

# The levels a case's queue climbs; a grid's cases start in their community's queue.
QUEUE_LEVELS = (
    RegionLevel.COMMUNITY,
    RegionLevel.STREET,
    RegionLevel.CITY,
    RegionLevel.PREFECTURE,
)


async def create_region(parent: Region | None, **fields: Any) -> Region:
    region = await Region.create(parent=parent, path="", **fields)
    region.path = f"{parent.path if parent else '/'}{region.id}/"
    await region.save(update_fields=["path"])
    return region


async def ancestors(region: Region) -> list[Region]:
    """Root first, the region itself last; with their id, code, level, parent and path only
    (every case report climbs this chain: no names or shapes to load)."""
    ids = region.ancestor_ids()
    query = Region.filter(id__in=ids).only("id", "code", "level", "parent_id", "path")
    rows = {r.id: r for r in await query}
    return [rows[i] for i in ids if i in rows]


async def queue_region_for(region: Region) -> Region:
    """The nearest region at or above `region` whose level holds a queue."""
    if region.level in QUEUE_LEVELS:
        return region
    chain = await ancestors(region)
    for candidate in reversed(chain):
        if candidate.level in QUEUE_LEVELS:
            return candidate
    return chain[0]


async def next_level_up(region: Region) -> Region | None:
    """The nearest ancestor one queue level above `region`, or None at the top."""
    chain = await ancestors(region)
    above = [r for r in chain[:-1] if r.level in QUEUE_LEVELS]
    return above[-1] if above else None
