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


# A region's place in the tree: set when it is made (create_region) and never changed after.
PLACE_FIELDS = ("id", "code", "level", "parent_id", "path")


class RegionTree:
    """The regions' places in the tree (id, code, level, parent, path), each read once per
    process: every case report and escalation climbs this chain. The rows hold those fields
    only (no names, no shapes) and are shared: never change them."""

    def __init__(self) -> None:
        self._known: dict[int, Region] = {}

    async def region(self, region_id: int) -> Region | None:
        found = self._known.get(region_id)
        if found is None:
            found = await Region.filter(id=region_id).only(*PLACE_FIELDS).first()
            self._keep([found] if found else [])
        return found

    async def ancestors(self, region: Region) -> list[Region]:
        """Root first, the region itself last."""
        ids = region.ancestor_ids()
        missing = [i for i in ids if i not in self._known]
        if missing:
            self._keep(await Region.filter(id__in=missing).only(*PLACE_FIELDS))
        return [self._known[i] for i in ids if i in self._known]

    def _keep(self, rows: list[Region]) -> None:
        for row in rows:
            if row.path:  # a region being made has no path for a moment: not final yet
                self._known[row.id] = row


async def queue_region_for(tree: RegionTree, region: Region) -> Region:
    """The nearest region at or above `region` whose level holds a queue."""
    if region.level in QUEUE_LEVELS:
        return region
    chain = await tree.ancestors(region)
    for candidate in reversed(chain):
        if candidate.level in QUEUE_LEVELS:
            return candidate
    return chain[0]


async def next_level_up(tree: RegionTree, region: Region) -> Region | None:
    """The nearest ancestor one queue level above `region`, or None at the top."""
    chain = await tree.ancestors(region)
    above = [r for r in chain[:-1] if r.level in QUEUE_LEVELS]
    return above[-1] if above else None
