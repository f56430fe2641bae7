"""Writing new cases: the case, its photos, its REPORTED step, in one transaction.

On PostgreSQL, reports that arrive while others are being written are written together, in
one transaction with one statement per table (row_inserts): a new case takes eight round
trips, and each costs this process and the database server more than the rest of the
report. The hotline's bursts and the morning's reports come concurrently, so a batch is
whoever waited for the batch before: nobody waits for a timer, and a lone report is written
at once. Each caller is answered after its batch has committed.

A hotline call sent again (a client retrying) must not fail its batch-mates' batch on its
unique externalRef: a repeat within a batch is held back until the first is written, and a
batch that fails on a call written since its caller looked is written again without it;
either is answered as a repeat. If a batch fails otherwise, its members are written again
one by one, so each hears of its own outcome alone (a category deleted meanwhile), as if
written alone; unless the database was full or busy, which all of them hear at once. A
caller that goes away has its case written all the same, like a request whose answer was
lost.

Reports with photos are written alone (their files are stored as they are recorded, and
must not be stored twice), and so is everything on SQLite, where sqlite_client's group
commit already shares one COMMIT among concurrent transactions.
"""

from __future__ import annotations

import asyncio
from contextvars import Context
from dataclasses import dataclass, field
from datetime import tzinfo
from functools import partial
from typing import TYPE_CHECKING, Any

from tortoise.exceptions import IntegrityError

from ..db import atomic, connection, is_postgres
from ..models import Case, Photo
from ..models.enums import CaseEventKind, PhotoKind, Source
from ..row_inserts import insert_all
from ..storage_errors import storage_refusal
from . import photos as photo_store
from .actor import Actor
from .photo_records import record_photos
from .stats import portable
from .timeline import Entry, record_all

if TYPE_CHECKING:
    from .runtime import Runtime

NUMBER_PREFIX = "YJ"
MAX_BATCH = 64

# One statement: the first cases of a year must not both try to create the counter (on
# PostgreSQL the second would fail on the key); the row lock orders everyone else. It hands
# out `?` numbers at once and returns the last.
NEXT_NUMBERS = (
    'INSERT INTO "counter" ("name", "value") VALUES (?, ?) '
    'ON CONFLICT ("name") DO UPDATE SET "value" = "counter"."value" + excluded."value" '
    'RETURNING "value"'
)


@dataclass(eq=False)
class CaseToWrite:
    """A case to write (not yet saved, no number yet) and what its REPORTED step records."""

    case: Case
    actor: Actor
    data: dict[str, Any]  # the step's data
    images: list[photo_store.CheckedImage] = field(default_factory=list)
    photo_ids_in_data: bool = False  # the step lists the photos it brought
    done: asyncio.Future[None] | None = None


async def take_numbers(cases: list[Case], zone: tzinfo) -> None:
    """Number the unnumbered of `cases` in their order, within the year each was reported in
    (the city's)."""
    by_year: dict[int, list[Case]] = {}
    for case in cases:
        if not case.number:
            by_year.setdefault(case.created_at.astimezone(zone).year, []).append(case)
    conn = connection()
    for year, of_year in by_year.items():
        rows = await conn.execute_query_dict(
            portable(NEXT_NUMBERS, conn), [f"case:{year}", len(of_year)]
        )
        first = int(rows[0]["value"]) - len(of_year) + 1
        for i, case in enumerate(of_year):
            case.number = f"{NUMBER_PREFIX}-{year}-{first + i:06d}"


class NewCases:
    """A process's writer of new cases (one per Runtime)."""

    def __init__(self, max_batch: int = MAX_BATCH) -> None:
        self.max_batch = max_batch
        self._waiting: list[CaseToWrite] = []
        self._writer: asyncio.Task[None] | None = None
        # For tests: cases written in batches of several, and cases of failed batches
        # written again alone.
        self.batched_cases = 0
        self.rewritten_alone = 0

    async def write(self, rt: Runtime, new: CaseToWrite) -> Case:
        """Write `new` (call outside any transaction); the case, saved and numbered."""
        if new.images or not is_postgres():
            await _write(rt, [new])
            return new.case
        new.done = asyncio.get_running_loop().create_future()
        self._waiting.append(new)
        if self._writer is None:
            # In a context of its own: the batch is nobody's request (logs, transactions).
            self._writer = asyncio.create_task(self._write_waiting(rt), context=Context())
        # Shielded: a caller that goes away must not cancel what its batch-mates wait for
        # (its own case is written all the same, like a request whose answer was lost).
        await asyncio.shield(new.done)
        return new.case

    async def drain(self) -> None:
        """Wait until what is waiting is written (at shutdown, before the database closes)."""
        while self._writer is not None:
            await asyncio.wait([self._writer])

    async def _write_waiting(self, rt: Runtime) -> None:
        batch: list[CaseToWrite] = []
        try:
            while self._waiting:
                batch = self._waiting[: self.max_batch]
                del self._waiting[: self.max_batch]
                await self._write_batch(rt, batch)
        except BaseException:  # cancelled at shutdown, or a bug: nobody may wait for ever
            for new in [*batch, *self._waiting]:
                if new.done is not None and not new.done.done():
                    _answer(new, RuntimeError("the case could not be written"))
            self._waiting.clear()
            raise
        finally:
            self._writer = None

    async def _write_batch(self, rt: Runtime, batch: list[CaseToWrite]) -> None:
        # The same hotline call sent twice at once would fail the batch on its unique key:
        # the repeat is held back, and told its reference is taken once the first is
        # written, which intake_case answers as a repeat (no number, no transaction spent).
        firsts, repeats = _split_repeats(batch)
        await self._write_firsts(rt, firsts)
        written = {_ref(new) for new in firsts if new.done and new.done.exception() is None}
        for new in repeats:
            if _ref(new) in written:
                _answer(new, _taken(new))
            else:  # its first was refused: this one may fare otherwise
                await self._write_alone(rt, [new], None)

    async def _write_firsts(self, rt: Runtime, batch: list[CaseToWrite]) -> None:
        try:
            await _write(rt, batch)
        except Exception as error:
            if len(batch) == 1 or storage_refusal(error) is not None:
                # A full or busy database is nobody's own doing: all hear it, none waits again.
                for new in batch:
                    _answer(new, error)
                return
            # A call whose first was written by an earlier batch, since its caller looked?
            try:
                taken = await _taken_refs(batch)
            except Exception:
                taken = set()
            if taken:
                rest = [new for new in batch if _ref(new) not in taken]
                for new in batch:
                    if _ref(new) in taken:
                        _answer(new, _taken(new))
                if rest:
                    await self._write_firsts(rt, rest)
                return
            self.rewritten_alone += len(batch)
            await self._write_alone(rt, batch, error)
        else:
            if len(batch) > 1:
                self.batched_cases += len(batch)
            for new in batch:
                _answer(new, None)

    async def _write_alone(
        self, rt: Runtime, batch: list[CaseToWrite], error: Exception | None
    ) -> None:
        """Write each of `batch` alone, so that each hears of its own outcome; `error`: the
        batch failed with it."""
        for i, new in enumerate(batch):
            if error is not None and storage_refusal(error) is not None:
                for rest in batch[i:]:  # all hear it, none waits again
                    _answer(rest, error)
                return
            try:
                await _write(rt, [new])
            except Exception as alone:
                error = alone
                _answer(new, alone)
            else:
                error = None
                _answer(new, None)


Ref = tuple[Source, str | None]


def _ref(new: CaseToWrite) -> Ref:
    return new.case.source, new.case.external_ref


def _taken(new: CaseToWrite) -> IntegrityError:
    return IntegrityError(f"externalRef {new.case.external_ref} is taken")


def _split_repeats(batch: list[CaseToWrite]) -> tuple[list[CaseToWrite], list[CaseToWrite]]:
    """The batch without the repeats of an externalRef already in it, and those repeats."""
    seen: set[Ref] = set()
    firsts, repeats = [], []
    for new in batch:
        key = _ref(new)
        if key in seen:
            repeats.append(new)
        else:
            if key[1]:
                seen.add(key)
            firsts.append(new)
    return firsts, repeats


async def _taken_refs(batch: list[CaseToWrite]) -> set[Ref]:
    """The externalRefs of `batch` that cases in the database already have."""
    refs = {_ref(new) for new in batch if new.case.external_ref}
    if not refs:
        return set()
    sources, names = {source for source, _ in refs}, {name for _, name in refs}
    found = Case.filter(source__in=sources, external_ref__in=names)
    return set(await found.values_list("source", "external_ref")) & refs  # type: ignore[arg-type]


def _answer(new: CaseToWrite, error: BaseException | None) -> None:
    assert new.done is not None
    if error is None:
        new.done.set_result(None)
    else:
        new.done.set_exception(error)
        new.done.exception()  # heard by the caller, whose shield may have gone away


async def _write(rt: Runtime, batch: list[CaseToWrite]) -> None:
    """Write `batch` in one transaction, a statement per table for all of it on PostgreSQL."""
    cases = [new.case for new in batch]
    postgres = is_postgres()
    if postgres:
        # Numbers come first, in a statement that commits on its own: the counter row stays
        # locked until the transaction that bumped it commits, so inside it every report in
        # the city would wait for the whole of the one before. The price is a gap in the
        # year's numbers when a write fails after numbering.
        await take_numbers(cases, rt.settings.zone)  # those of a failed batch keep theirs
    async with atomic():
        if not postgres:  # one writer at a time: numbered inside, and no number is lost
            await take_numbers(cases, rt.settings.zone)
        await insert_all(cases)
        for new in batch:
            saved: list[Photo] = []
            if new.images:
                create = partial(Photo.create, case_id=new.case.id, kind=PhotoKind.REPORT)
                saved = await record_photos(
                    new.images, rt.settings.upload_dir, new.actor, rt.clock.now(), create
                )
            if new.photo_ids_in_data:
                new.data["photoIds"] = [photo.id for photo in saved]
        await record_all(
            rt,
            [
                Entry(
                    new.case,
                    CaseEventKind.REPORTED,
                    at=new.case.created_at,
                    actor=new.actor,
                    status_before=None,
                    note=new.case.description,
                    data=new.data,
                )
                for new in batch
            ],
        )
