"""Sending webhooks: each webhook's matching events, one at a time in sequence order, as
POSTs signed with HMAC-SHA256, at least once.

A webhook's cursor says which part of the event log it has taken in; the next matching event
becomes a queued delivery in the same transaction that moves the cursor. The oldest queued
delivery blocks the ones after it (order), and a failed attempt is retried with exponential
backoff until the maximum attempts pause the webhook. Receivers de-duplicate by the event
sequence. All state lives in the database, so it survives restarts; a lease on the webhook
row, taken and kept with conditional UPDATEs, keeps two server processes from sending for
the same webhook at once.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import functools
import hashlib
import hmac
import ipaddress
import json
import logging
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import httpx
from tortoise.expressions import Q

from ..db import atomic
from ..live.eventlog import read_after
from ..models import Account, ApiToken, Event, WebhookDelivery, WebhookSubscription
from ..models.enums import AccountKind
from ..models.webhook import QUEUED_STATUSES, DeliveryStatus, WebhookStatus
from ..settings import Settings
from .actor import REGION_READER_ROLES
from .auth import load_actor
from .runtime import Runtime
from .webhooks import add_waker, kind_matches, remove_waker

log = logging.getLogger(__name__)

BATCH = 500
# The least time between two scheduling rounds (what a wake-up may wait for company).
ROUND_GAP = 0.05
LEASE_MARGIN = timedelta(seconds=30)
KEEP_ATTEMPTS = 20
MAX_ERROR = 500
USER_AGENT = "Grassroots-Webhooks/1"


# --- what is sent ------------------------------------------------------------------------


def global_id(type_name: str, pk: int) -> str:
    """The API's opaque id (relay: base64 of "Type:id"), so receivers can query the node."""
    return base64.b64encode(f"{type_name}:{pk}".encode()).decode()


def event_body(event: Event, webhook_id: int) -> str:
    """The event as the `events` query shows it. Event payloads carry nothing personal
    (workflow/timeline.case_payload), so any reader of the region may receive them."""
    return json.dumps(
        {
            "webhookId": global_id("Webhook", webhook_id),
            "seq": event.seq,
            "kind": event.kind,
            "createdAt": event.created_at.isoformat(),
            "subjectType": event.subject_type,
            "subjectId": global_id(event.subject_type, event.subject_id),
            "payload": event.payload,
        },
        ensure_ascii=False,
        separators=(",", ":"),
    )


def sign(secret: str, timestamp: int, body: str) -> str:
    """`sha256=` and the hex HMAC-SHA256 of "<timestamp>.<body>" under the webhook's secret."""
    message = f"{timestamp}.{body}".encode()
    return "sha256=" + hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def headers_for(secret: str, delivery: WebhookDelivery, timestamp: int) -> dict[str, str]:
    return {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": USER_AGENT,
        "X-Grassroots-Delivery-Id": global_id("WebhookDelivery", delivery.id),
        "X-Grassroots-Event-Seq": str(delivery.event_seq),
        "X-Grassroots-Event-Kind": delivery.event_kind,
        "X-Grassroots-Attempt": str(delivery.attempts + 1),
        "X-Grassroots-Timestamp": str(timestamp),
        "X-Grassroots-Signature": sign(secret, timestamp, delivery.body),
    }


def backoff(settings: Settings, failures: int) -> float:
    """Seconds before the next attempt after `failures` failures in a row."""
    base = settings.webhook_retry_base_seconds
    return float(min(settings.webhook_retry_cap_seconds, base * 2 ** max(0, failures - 1)))


@dataclass(frozen=True)
class Outcome:
    response_code: int | None
    error: str
    duration_ms: int

    @property
    def ok(self) -> bool:
        return self.response_code is not None and 200 <= self.response_code < 300


async def private_address(url: str) -> str | None:
    """The loopback, private, link-local or otherwise internal address the URL's host
    resolves to, if any: such a webhook would let a third party probe our own network.
    (A DNS answer that changes between this check and the connection is not caught.)"""
    host = urlsplit(url).hostname or ""
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, None)
    except OSError:
        return None  # the POST itself will report that the host is unknown
    for info in infos:
        address = ipaddress.ip_address(info[4][0])
        if not address.is_global or address.is_multicast:
            return str(address)
    return None


async def post(
    client: httpx.AsyncClient,
    url: str,
    body: str,
    headers: dict[str, str],
    *,
    total: float,
    allow_private: bool = True,
) -> Outcome:
    """One attempt; any answer but 2xx, a redirect included, is a failure."""
    started = time.monotonic()
    code: int | None = None
    error = ""
    try:
        if not allow_private and (internal := await private_address(url)):
            return Outcome(None, f"{internal} is an internal address; not sent", 0)
        async with asyncio.timeout(total):  # httpx times each phase; this bounds the whole
            response = await client.post(url, content=body.encode(), headers=headers)
        code = response.status_code
        if 300 <= code < 400:
            error = f"HTTP {code}: redirects are not followed"
        elif not 200 <= code < 300:
            error = f"HTTP {code}: {response.text[:200]}".strip().rstrip(":")
    except (TimeoutError, httpx.TimeoutException):
        error = f"No answer within {total:g} s"
    except httpx.HTTPError as exc:
        error = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    return Outcome(code, error[:MAX_ERROR], int((time.monotonic() - started) * 1000))


# --- the worker --------------------------------------------------------------------------


class WebhookDispatcher:
    """Sends due webhooks in the server's event loop: woken by new events (and by changes to
    webhooks), and polling for what another process queued or a retry that fell due."""

    def __init__(
        self, rt: Runtime, *, poll_interval: float | None = None, concurrency: int = 8
    ) -> None:
        self.rt = rt
        self.poll_interval = poll_interval or rt.settings.live_poll_seconds
        self.owner = uuid.uuid4().hex  # this process's name on the leases it holds
        self.sent = 0
        self._limit = asyncio.Semaphore(concurrency)
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._working: dict[int, asyncio.Task[None]] = {}
        self._again: set[int] = set()
        self._client: httpx.AsyncClient | None = None

    # --- lifecycle ------------------------------------------------------------------------

    def start(self) -> None:
        if self._task is not None:
            return
        self._client = httpx.AsyncClient(
            follow_redirects=False,
            timeout=httpx.Timeout(self.rt.settings.webhook_timeout_seconds),
            headers={"User-Agent": USER_AGENT},
        )
        add_waker(self.wake)
        self._task = asyncio.create_task(self._loop(), name="webhook-dispatcher")

    async def stop(self) -> None:
        if self._task is None:
            return
        remove_waker(self.wake)
        tasks = [self._task, *self._working.values()]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._task = None
        self._working.clear()
        # Let another process take over now rather than when the leases run out.
        with contextlib.suppress(Exception):
            await WebhookSubscription.filter(lease_owner=self.owner).update(
                lease_owner=None, leased_until=None
            )
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    def wake(self, *_: Any) -> None:
        """Something may be due: an event was committed, or a webhook changed."""
        self._wake.set()

    # --- scheduling -----------------------------------------------------------------------

    async def _loop(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            try:
                began = loop.time()
                self._wake.clear()
                await self._start_due()
                wait = await self._until_next()
                # Not wait_for: on Python 3.11 it swallows a cancel that meets a wake-up.
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(wait):
                        await self._wake.wait()
                # Every committed event wakes this loop and a round costs two queries: under a
                # stream of reports, the events of ROUND_GAP share one round.
                await asyncio.sleep(max(0.0, began + ROUND_GAP - loop.time()))
            except asyncio.CancelledError:
                raise
            except Exception:  # keep sending; the next round retries
                log.exception("webhook scheduling failed")
                await asyncio.sleep(0.5)

    async def _start_due(self) -> None:
        now = self.rt.clock.now()
        # Leased ones too: the lease may be this process's, and `_work` claims conditionally.
        due: list[int] = await WebhookSubscription.filter(  # type: ignore[assignment]
            Q(next_attempt_at=None) | Q(next_attempt_at__lte=now), status=WebhookStatus.ACTIVE
        ).values_list("id", flat=True)
        for webhook_id in due:
            if webhook_id in self._working:
                self._again.add(webhook_id)  # it may have read the log before this wake-up
                continue
            task = asyncio.create_task(self._work(webhook_id), name=f"webhook-{webhook_id}")
            self._working[webhook_id] = task
            task.add_done_callback(functools.partial(self._done, webhook_id))

    def _done(self, webhook_id: int, _: asyncio.Task[None]) -> None:
        self._working.pop(webhook_id, None)
        if webhook_id in self._again:
            self._again.discard(webhook_id)
            self._wake.set()

    async def _until_next(self) -> float:
        """Seconds to sleep: until the next retry falls due, at most a poll interval (those
        already due were just started, here or by another process)."""
        now = self.rt.clock.now()
        first = (
            await WebhookSubscription.filter(status=WebhookStatus.ACTIVE, next_attempt_at__gt=now)
            .order_by("next_attempt_at")
            .first()
        )
        if first is None or first.next_attempt_at is None:
            return self.poll_interval
        left = (first.next_attempt_at - now).total_seconds()
        return max(0.001, min(self.poll_interval, left))

    # --- one webhook ----------------------------------------------------------------------

    def _lease_end(self, now: datetime) -> datetime:
        return now + timedelta(seconds=self.rt.settings.webhook_timeout_seconds) + LEASE_MARGIN

    async def _work(self, webhook_id: int) -> None:
        async with self._limit:
            now = self.rt.clock.now()
            claimed = await WebhookSubscription.filter(
                Q(leased_until=None) | Q(leased_until__lt=now),
                id=webhook_id,
                status=WebhookStatus.ACTIVE,
            ).update(lease_owner=self.owner, leased_until=self._lease_end(now))
            if not claimed:
                return  # another process has it
            try:
                await self._drain(webhook_id)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("webhook %s: delivery failed unexpectedly", webhook_id)
            finally:
                with contextlib.suppress(Exception):
                    await WebhookSubscription.filter(id=webhook_id, lease_owner=self.owner).update(
                        lease_owner=None, leased_until=None
                    )

    def _mine(self, webhook_id: int) -> Any:
        return WebhookSubscription.filter(id=webhook_id, lease_owner=self.owner)

    async def _drain(self, webhook_id: int) -> None:
        """Send queued deliveries in order until none is left or one fails."""
        webhook = await self._mine(webhook_id).first()
        if webhook is None or not await self._owner_may_read(webhook):
            return
        while True:
            webhook = await self._mine(webhook_id).first()
            if webhook is None or webhook.status is not WebhookStatus.ACTIVE:
                return
            head = (
                await WebhookDelivery.filter(subscription_id=webhook.id, status__in=QUEUED_STATUSES)
                .order_by("id")
                .first()
            )
            if head is None:
                head = await self._queue_next(webhook)
                if head is None:
                    return  # caught up with the log
            if head.next_attempt_at is not None and head.next_attempt_at > self.rt.clock.now():
                await self._mine(webhook.id).update(next_attempt_at=head.next_attempt_at)
                return
            if not await self._attempt(webhook, head):
                return

    async def _owner_may_read(self, webhook: WebhookSubscription) -> bool:
        """The account that registered it must still read the region (an integration with a
        live token); otherwise the webhook pauses."""
        account = await Account.get_or_none(id=webhook.account_id)
        now = self.rt.clock.now()
        reason = ""
        if account is None or not account.is_active:
            reason = "The account that registered it is no longer active"
        elif (
            account.kind is AccountKind.MACHINE
            and not await ApiToken.filter(
                Q(expires_at=None) | Q(expires_at__gt=now), account_id=account.id, revoked_at=None
            ).exists()
        ):
            reason = "The integration's token was revoked or has expired"
        elif not (await load_actor(account)).covers(webhook.region_path, REGION_READER_ROLES):
            reason = "The account that registered it may no longer read this region"
        if reason:
            await self._mine(webhook.id).update(status=WebhookStatus.PAUSED, paused_reason=reason)
            return False
        return True

    async def _queue_next(self, webhook: WebhookSubscription) -> WebhookDelivery | None:
        """Move the cursor to the next matching event and queue it, in one transaction."""
        while True:
            events = await read_after(webhook.cursor, region_path=webhook.region_path, limit=BATCH)
            if not events:
                return None
            wanted = next((e for e in events if kind_matches(webhook.kinds, e.kind)), None)
            cursor = wanted.seq if wanted else events[-1].seq
            async with atomic():
                moved = (
                    await self._mine(webhook.id).filter(cursor=webhook.cursor).update(cursor=cursor)
                )
                if not moved:
                    return None  # lost the lease or the webhook meanwhile
                delivery = None
                if wanted is not None:
                    delivery = await WebhookDelivery.create(
                        subscription_id=webhook.id,
                        event_seq=wanted.seq,
                        event_kind=wanted.kind,
                        body=event_body(wanted, webhook.id),
                        created_at=self.rt.clock.now(),
                    )
            webhook.cursor = cursor
            if delivery is not None or len(events) < BATCH:
                return delivery

    async def _attempt(self, webhook: WebhookSubscription, delivery: WebhookDelivery) -> bool:
        """One POST of the delivery and its record; True if it was delivered."""
        assert self._client is not None
        settings = self.rt.settings
        now = self.rt.clock.now()
        if not await self._mine(webhook.id).update(leased_until=self._lease_end(now)):
            return False
        headers = headers_for(webhook.secret, delivery, int(now.timestamp()))
        outcome = await post(
            self._client,
            webhook.url,
            delivery.body,
            headers,
            total=settings.webhook_timeout_seconds,
            allow_private=settings.webhook_allow_private,
        )
        entry = {
            "at": now.isoformat(),
            "responseCode": outcome.response_code,
            "error": outcome.error,
            "durationMs": outcome.duration_ms,
        }
        record: dict[str, Any] = {
            "attempts": delivery.attempts + 1,
            "response_code": outcome.response_code,
            "error": outcome.error,
            "duration_ms": outcome.duration_ms,
            "last_attempt_at": now,
            "attempt_log": [*delivery.attempt_log, entry][-KEEP_ATTEMPTS:],
        }
        if outcome.ok:
            async with atomic():
                await WebhookDelivery.filter(id=delivery.id).update(
                    **record,
                    status=DeliveryStatus.DELIVERED,
                    delivered_at=now,
                    next_attempt_at=None,
                )
                await self._mine(webhook.id).update(
                    consecutive_failures=0, next_attempt_at=None, last_delivered_at=now
                )
            self.sent += 1
            return True
        failures = webhook.consecutive_failures + 1
        give_up = failures >= settings.webhook_max_attempts
        retry_at = None if give_up else now + timedelta(seconds=backoff(settings, failures))
        changes: dict[str, Any] = {"consecutive_failures": failures, "next_attempt_at": retry_at}
        if give_up:
            changes |= {
                "status": WebhookStatus.PAUSED,
                "paused_reason": f"Paused after {failures} failed attempts in a row "
                f"({outcome.error}); resume it once the receiver works",
            }
        async with atomic():
            await WebhookDelivery.filter(id=delivery.id).update(
                **record,
                status=DeliveryStatus.FAILED if give_up else DeliveryStatus.RETRYING,
                next_attempt_at=retry_at,
            )
            await self._mine(webhook.id).update(**changes)
        log.info("webhook %s: event %s failed: %s", webhook.id, delivery.event_seq, outcome.error)
        return False
