"""What every workflow operation needs besides its input: settings, clock, what this
process keeps of the database's slow-changing rows (tokens checked, regions, categories,
departments), and its writer of new cases."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..clock import Clock, SystemClock
from ..models import Category, Department, Region
from ..settings import Settings
from .kept_rows import KeptRows
from .new_cases import NewCases
from .regions import RegionTree
from .token_cache import TokenCache


@dataclass
class Runtime:
    settings: Settings
    clock: Clock
    tokens: TokenCache = field(init=False)
    regions: RegionTree = field(init=False)
    categories: KeptRows[Category] = field(init=False)  # with their SLA policies
    # whole rows, names and shapes too, for what the API shows of them
    region_rows: KeptRows[Region] = field(init=False)
    department_rows: KeptRows[Department] = field(init=False)
    new_cases: NewCases = field(init=False)  # on PostgreSQL, written in batches

    def __post_init__(self) -> None:
        self.tokens = TokenCache(self.settings.auth_cache_seconds)
        self.regions = RegionTree()
        self.categories = KeptRows(Category)
        self.region_rows = KeptRows(Region)
        self.department_rows = KeptRows(Department)
        self.new_cases = NewCases()

    @classmethod
    def create(cls, settings: Settings, clock: Clock | None = None) -> Runtime:
        return cls(settings=settings, clock=clock or SystemClock())
