"""What every workflow operation needs besides its input: settings, clock and media store."""

from __future__ import annotations

from dataclasses import dataclass

from ..clock import Clock, SystemClock
from ..settings import Settings


@dataclass
class Runtime:
    settings: Settings
    clock: Clock

    @classmethod
    def create(cls, settings: Settings, clock: Clock | None = None) -> Runtime:
        return cls(settings=settings, clock=clock or SystemClock())
