"""What every workflow operation needs besides its input: settings, clock, and what this
process keeps of the database's slow-changing rows (tokens checked, regions, categories)."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..clock import Clock, SystemClock
from ..settings import Settings
from .categories import CategoryBook
from .regions import RegionTree
from .token_cache import TokenCache


@dataclass
class Runtime:
    settings: Settings
    clock: Clock
    tokens: TokenCache = field(init=False)
    regions: RegionTree = field(init=False)
    categories: CategoryBook = field(init=False)

    def __post_init__(self) -> None:
        self.tokens = TokenCache(self.settings.auth_cache_seconds)
        self.regions = RegionTree()
        self.categories = CategoryBook()

    @classmethod
    def create(cls, settings: Settings, clock: Clock | None = None) -> Runtime:
        return cls(settings=settings, clock=clock or SystemClock())
