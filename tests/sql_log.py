"""The SQL statements the server sends while a block runs, as Tortoise's clients log them
("<sql>: <values>" on the tortoise.db_client logger)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


class Statements(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.seen: list[tuple[str, Any]] = []

    def emit(self, record: logging.LogRecord) -> None:
        if isinstance(record.args, tuple) and len(record.args) == 2:
            self.seen.append((str(record.args[0]), record.args[1]))

    def selects(self) -> list[tuple[str, Any]]:
        return [(sql, v) for sql, v in self.seen if sql.lstrip().upper().startswith("SELECT")]


@contextmanager
def sql_statements() -> Iterator[Statements]:
    logger = logging.getLogger("tortoise.db_client")
    handler = Statements()
    old_level = logger.level
    logger.setLevel(logging.DEBUG)
    logger.addHandler(handler)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)
        logger.setLevel(old_level)
