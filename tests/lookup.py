"""Finding demo objects by their names and codes through the public API."""

from __future__ import annotations

from .client import Api

REGIONS = """
query Regions($level: RegionLevel) { regions(level: $level) { id code nameZh parent { id } } }
"""
CATEGORIES = "{ categories { id code nameZh } }"
DEPARTMENTS = "{ departments { id code nameZh } }"


async def region(api: Api, level: str, name_zh: str) -> dict:
    rows = (await api.run(REGIONS, {"level": level}))["regions"]
    return next(r for r in rows if r["nameZh"] == name_zh)


async def grids_of(api: Api, community_id: str) -> list[dict]:
    rows = (await api.run(REGIONS, {"level": "GRID"}))["regions"]
    return [r for r in rows if r["parent"]["id"] == community_id]


async def category(api: Api, code: str) -> str:
    rows = (await api.run(CATEGORIES))["categories"]
    return next(r["id"] for r in rows if r["code"] == code)


async def department(api: Api, code: str) -> str:
    rows = (await api.as_user("admin", DEPARTMENTS))["departments"]
    return next(r["id"] for r in rows if r["code"] == code)
