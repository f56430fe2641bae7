"""Group commit on SQLite: one durable COMMIT for many concurrent transactions.

With synchronous=FULL a COMMIT returns only once the write-ahead log is on disk (an fsync:
5 to 25 ms on the machines this runs on), and SQLite has one writer, so transactions that
commit one by one cap a process at a few dozen writes a second, however fast the rest is.

So transactions that arrive while another one runs or commits share the next transaction:

* each runs alone, in turn, inside its own SAVEPOINT, so a failing one rolls back only its
  own work and its caller alone gets the error;
* when nobody else is waiting for a turn (or the batch is full) the shared transaction
  commits once;
* every caller is answered only after that COMMIT has returned, so nothing acknowledged can
  be lost, and a failing caller too, so what it saw (a rival's claim, a used reference) is
  committed by the time it hears of it. If the COMMIT fails, every caller whose work it held
  gets that error.

The writes land in the order of the savepoints, event sequence numbers included: a batch is
simply its callers' transactions one after another, and a rolled-back savepoint leaves no
gap (SQLite hands the next row the next number).

`GroupCommit.transaction()` is what `in_transaction()` returns outside a transaction on
SQLite (see sqlite_client), so `db.atomic` and the workflow code are unchanged.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from tortoise.backends.base.client import TransactionContext
from tortoise.backends.sqlite.client import SqliteTransactionWrapper
from tortoise.connection import connections

# A bound on how long the first caller of a batch may wait for the last one's work.
MAX_BATCH = 64
SAVEPOINT = "grassroots_member"


@dataclass(eq=False)
class Batch:
    """One shared transaction on the writing connection."""

    txn: SqliteTransactionWrapper
    members: int = 0  # callers that ran in it
    kept: int = 0  # of them, those whose work it holds
    broken: BaseException | None = None  # SQLite rolled the whole transaction back
    done: asyncio.Future[None] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future()
    )

    async def execute(self, sql: str) -> None:
        await self.txn._connection.execute(sql)


class GroupCommit:
    """Runs a SQLite client's outermost transactions in shared, group-committed batches."""

    def __init__(self, client: Any, max_batch: int = MAX_BATCH) -> None:
        self.client = client  # a tortoise SqliteClient; its _lock guards the writer
        self.max_batch = max_batch
        self._turn = asyncio.Lock()  # whose work runs on the shared transaction
        self._waiting = 0
        self._batch: Batch | None = None
        # Called right before a batch's COMMIT (tests inject faults and pauses here).
        self.before_commit: Callable[[Batch], Awaitable[None]] | None = None
        self.commits = 0  # batches committed, and the transactions they held
        self.committed_members = 0

    def transaction(self) -> TransactionContext:
        return _Member(self)

    # --- turns -------------------------------------------------------------------------

    async def _take_turn(self) -> Batch:
        self._waiting += 1
        try:
            await self._turn.acquire()
        finally:
            self._waiting -= 1
        try:
            if self._batch is None:
                self._batch = await self._begin()
            self._batch.members += 1
            return self._batch
        except BaseException:
            self._turn.release()
            raise

    async def _pass_turn(self, batch: Batch) -> None:
        """The caller's work is done; the last caller of a batch commits it for everyone."""
        try:
            last = self._waiting == 0 or batch.members >= self.max_batch or batch.broken
            if last and batch is self._batch:
                self._batch = None
                # Shielded: a cancelled caller must not leave the others' commit half done.
                await asyncio.shield(self._finish(batch))
        finally:
            self._turn.release()

    # --- the shared transaction ----------------------------------------------------------

    async def _begin(self) -> Batch:
        client = self.client
        await client._lock.acquire()
        try:
            if client._connection is None:
                await client.create_connection(with_db=True)
            txn = SqliteTransactionWrapper(client)
            await txn.begin()
        except BaseException:
            client._lock.release()
            raise
        return Batch(txn)

    async def _finish(self, batch: Batch) -> None:
        try:
            if batch.broken is not None:
                raise batch.broken
            if batch.kept == 0:
                await batch.txn.rollback()
            else:
                if self.before_commit is not None:
                    await self.before_commit(batch)
                await batch.txn.commit()
                self.commits += 1
                self.committed_members += batch.kept
        except BaseException as exc:
            if batch.txn._connection.in_transaction:
                await batch.txn._connection.rollback()
            batch.done.set_exception(exc)
            batch.done.exception()  # failing callers need not look at it
        else:
            batch.done.set_result(None)
        finally:
            self.client._lock.release()


class _Member(TransactionContext):
    """One caller's transaction: a savepoint in the shared one, answered after its COMMIT."""

    def __init__(self, group: GroupCommit) -> None:
        self.group = group
        self.batch: Batch | None = None
        self.token: Any = None

    async def __aenter__(self) -> SqliteTransactionWrapper:
        batch = self.batch = await self.group._take_turn()
        try:
            await batch.execute(f"SAVEPOINT {SAVEPOINT}")
        except BaseException as exc:
            batch.broken = exc
            await self.group._pass_turn(batch)
            raise
        self.token = connections.set(batch.txn.connection_name, batch.txn)
        return batch.txn

    async def __aexit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        batch = self.batch
        assert batch is not None
        connections.reset(self.token)
        try:
            if exc_type is None:
                await batch.execute(f"RELEASE {SAVEPOINT}")
                batch.kept += 1
            else:
                await self._undo(batch, exc)
        except BaseException as error:
            batch.broken = error
            raise
        finally:
            await self.group._pass_turn(batch)
        if exc_type is None:
            await batch.done  # raises if the COMMIT failed
        else:
            await asyncio.wait([batch.done])  # answered after the others' commit too

    async def _undo(self, batch: Batch, cause: BaseException | None) -> None:
        if not batch.txn._connection.in_transaction:
            # Some errors make SQLite roll the whole transaction back: the work of the
            # callers before this one is gone too, and they must hear of it, and why
            # (a full disk is the same news for all of them).
            batch.broken = RuntimeError("the shared transaction was rolled back")
            batch.broken.__cause__ = cause
            return
        await batch.execute(f"ROLLBACK TO {SAVEPOINT}")
        await batch.execute(f"RELEASE {SAVEPOINT}")
