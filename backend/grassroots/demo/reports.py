"""Composing a plausible new report: what (category, text, urgency, photo) and where (grid,
point, address). Shared by the history builder and the live simulator."""

from __future__ import annotations

import random
from dataclasses import dataclass

from ..models import Category, Region
from ..models.enums import Source, Urgency
from ..workflow.cases import NewCase
from .case_texts import CALLERS, PROBLEMS, CaseText, Problem, caller_phone, compose
from .cast import Cast
from .city import PLACES
from .photos import report_photo

# Late November in Yanbian: the heating season has begun and the first snow has fallen.
TOPIC_WEIGHTS = {
    "heating": 3.0,
    "water": 1.4,
    "roads": 1.2,
    "sanitation": 1.5,
    "housing": 1.2,
    "safety": 0.6,
    "disputes": 1.0,
    "welfare": 0.8,
}
# Some problems are urgent by nature; others are marked urgent now and then.
URGENCY_BY_CATEGORY = {
    "safety.gas": (Urgency.CRITICAL, 1.0),
    "water.pipe-burst": (Urgency.URGENT, 0.7),
    "roads.manhole": (Urgency.URGENT, 0.6),
    "heating.pipe-leak": (Urgency.URGENT, 0.25),
}
OCCASIONALLY_URGENT = 0.08


def reportable_categories(categories: list[Category]) -> list[Category]:
    """Leaf categories for which the demo has words."""
    return [c for c in categories if c.code in PROBLEMS]


def pick_category(rng: random.Random, categories: list[Category]) -> Category:
    weights = [TOPIC_WEIGHTS.get(c.code.partition(".")[0], 1.0) for c in categories]
    return rng.choices(categories, weights=weights)[0]


def pick_community(rng: random.Random, cast: Cast) -> Region:
    """Bigger communities (more grids) report more."""
    communities = cast.communities()
    weights = [max(1, len(cast.grids_of(c.id))) for c in communities]
    return rng.choices(communities, weights=weights)[0]


def pick_urgency(rng: random.Random, category_code: str) -> Urgency:
    urgency, chance = URGENCY_BY_CATEGORY.get(category_code, (Urgency.URGENT, OCCASIONALLY_URGENT))
    return urgency if rng.random() < chance else Urgency.NORMAL


def point_in(rng: random.Random, region: Region) -> tuple[float | None, float | None]:
    """A random point well inside the region's polygon (its bounding box, inset)."""
    geometry = region.geometry or {}
    ring = (geometry.get("coordinates") or [[]])[0]
    if not ring:
        return region.center_lat, region.center_lng
    lngs = [p[0] for p in ring]
    lats = [p[1] for p in ring]
    lat = rng.uniform(min(lats), max(lats))
    lng = rng.uniform(min(lngs), max(lngs))
    # Pull towards the centre so points never sit on a boundary line.
    centre_lat, centre_lng = (min(lats) + max(lats)) / 2, (min(lngs) + max(lngs)) / 2
    return round(centre_lat + (lat - centre_lat) * 0.8, 6), round(
        centre_lng + (lng - centre_lng) * 0.8, 6
    )


@dataclass(frozen=True)
class Report:
    data: NewCase
    text: CaseText


def compose_report(
    rng: random.Random,
    cast: Cast,
    community: Region,
    category: Category,
    source: Source,
    *,
    urgency: Urgency | None = None,
    problem: Problem | None = None,
    text: CaseText | None = None,
    grid: Region | None = None,
    photo: bool | None = None,
    external_ref: str | None = None,
) -> Report:
    places = PLACES.get(community.code, ())
    if problem is not None:
        # A chosen problem is told at the first of the community's named blocks.
        places = places[:1]
    text = text or compose(rng, category.code, places, problem)
    grids = cast.grids_of(community.id)
    grid = grid or (rng.choice(grids) if grids else community)
    latitude, longitude = point_in(rng, grid)
    chain = cast.chain(community.id)
    address = "".join(r.name_zh for r in chain[1:])
    if text.place_zh:
        address += f" {text.place_zh}{text.building}号楼"
    if photo is None:
        photo = source is Source.APP_PHOTO and rng.random() < 0.6
    hotline = source is Source.HOTLINE_12345
    data = NewCase(
        title=text.title,
        description=text.description,
        category_id=category.id,
        region_id=grid.id,
        source=source,
        urgency=urgency or pick_urgency(rng, category.code),
        address=address,
        latitude=latitude,
        longitude=longitude,
        caller_name=rng.choice(CALLERS) if hotline else None,
        caller_phone=caller_phone(rng) if hotline else None,
        external_ref=external_ref,
        photos=[report_photo(category.code)] if photo else [],
    )
    return Report(data=data, text=text)
