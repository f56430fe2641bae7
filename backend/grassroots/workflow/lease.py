"""A lease in the database: one process at a time holds it and runs the job it guards.

Taking and renewing are one conditional UPDATE (`… WHERE holder = me OR expires_at <= now`),
so of several processes exactly one wins, on SQLite and PostgreSQL alike; the very first
take is an INSERT that only one can make (the name is the primary key). A holder that dies
stops renewing, and the lease passes on once it expires. Times are the machines' own clocks:
keep them in step well within the lease's length (NTP does).
"""

from __future__ import annotations

import os
import secrets
import socket
from datetime import datetime, timedelta

from tortoise.exceptions import IntegrityError
from tortoise.expressions import Q

from ..models import Lease


def instance_id() -> str:
    """Names this process among all the machines' processes: host, pid and a random tag."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"


class DatabaseLease:
    def __init__(self, name: str, holder: str, seconds: float) -> None:
        if seconds <= 0:
            raise ValueError("a lease lasts more than 0 seconds")
        self.name = name
        self.holder = holder
        self.length = timedelta(seconds=seconds)

    async def hold(self, now: datetime) -> bool:
        """Take the lease, or renew it if it is ours; True while we hold it until now+length."""
        until = now + self.length
        ours_or_lapsed = Q(holder=self.holder) | Q(expires_at__lte=now)
        if await Lease.filter(ours_or_lapsed, name=self.name).update(
            holder=self.holder, expires_at=until
        ):
            return True
        if await Lease.exists(name=self.name):
            return False  # someone else's, still valid
        try:
            await Lease.create(name=self.name, holder=self.holder, expires_at=until)
        except IntegrityError:  # another process made it first
            return False
        return True

    async def release(self) -> None:
        """Give the lease up at once (on shutdown), so that another process need not wait."""
        await Lease.filter(name=self.name, holder=self.holder).delete()
