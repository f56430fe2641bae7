"""A plain one-line progress report on a terminal, for long commands (generate, export)."""

from __future__ import annotations

import sys
import time
from typing import TextIO


class ProgressBar:
    """Redrawn with \\r at most every `every` seconds: "exporting 1,200/5,000 rows 24.0% …"."""

    def __init__(
        self,
        total: int,
        stream: TextIO | None = None,
        every: float = 0.5,
        *,
        verb: str = "generating",
        unit: str = "cases",
    ) -> None:
        self.total = max(total, 1)
        self.stream = stream if stream is not None else sys.stderr
        self.every = every
        self.verb = verb
        self.unit = unit
        self.started = self._last = time.monotonic()

    def __call__(self, done: int, *, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._last < self.every:
            return
        self._last = now
        elapsed = max(now - self.started, 1e-9)
        rate = done / elapsed
        left = (self.total - done) / rate if rate else 0
        self.stream.write(
            f"\r{self.verb} {done:>10,}/{self.total:,} {self.unit} "
            f"{100 * done / self.total:5.1f}% {rate:8,.0f} {self.unit}/s  "
            f"{elapsed:6.0f}s elapsed  ~{left:5.0f}s left "
        )
        self.stream.flush()

    def close(self, done: int) -> None:
        self(done, force=True)
        self.stream.write("\n")
        self.stream.flush()
