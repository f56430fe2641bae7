"""Webhook rules: registering a URL for event kinds in a region, changing, pausing, resuming
and deleting it, and asking for an event to be delivered again.

An INTEGRATION account manages its own webhooks within the region it is bound to (its token
needs the `events:read` scope); an ADMIN manages any. A webhook delivers what the account
that registered it may read of the event log (webhook_delivery.py sends them).
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from datetime import datetime
from urllib.parse import urlsplit

from tortoise.queryset import QuerySet

from ..db import atomic
from ..live import eventlog
from ..live.eventlog import last_seq
from ..models import Region, WebhookDelivery, WebhookSubscription
from ..models.enums import Role
from ..models.webhook import QUEUED_STATUSES, DeliveryStatus, WebhookStatus
from .actor import Actor
from .errors import ErrorCode, WorkflowError, denied, invalid, not_found
from .runtime import Runtime

SCOPE = "events:read"
SECRET_PREFIX = "whsec_"
MAX_URL = 2000
MAX_KINDS = 50
MAX_DESCRIPTION = 200
MAX_WEBHOOKS_PER_ACCOUNT = 20
# "case.resolved", a family "case.*", or "*" for every kind.
KIND_PATTERN = re.compile(r"^(\*|[a-z][a-z_]*(\.[a-z][a-z_]*)*(\.\*)?)$")

# Delivery workers of this process, woken when a change gives them work (others poll).
_wakers: list[Callable[[], None]] = []


def add_waker(wake: Callable[[], None]) -> None:
    _wakers.append(wake)


def remove_waker(wake: Callable[[], None]) -> None:
    if wake in _wakers:
        _wakers.remove(wake)


def _nudge() -> None:
    for wake in list(_wakers):
        wake()


# --- input checks ------------------------------------------------------------------------


def check_url(url: str) -> str:
    url = url.strip()
    if not url:
        raise invalid("url", "url must not be empty")
    if len(url) > MAX_URL:
        raise invalid("url", f"url must be at most {MAX_URL} characters")
    if any(c.isspace() or ord(c) < 32 for c in url):
        raise invalid("url", "url must not contain spaces or control characters")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018  (raises ValueError for a port that is not a number)
    except ValueError as exc:
        raise invalid("url", "url is not a valid URL") from exc
    if parts.scheme not in {"http", "https"}:
        raise invalid("url", "url must start with http:// or https://")
    if not parts.hostname:
        raise invalid("url", "url must name a host")
    if parts.username or parts.password:
        raise invalid("url", "url must not carry a user or password; verify our signature")
    if parts.fragment:
        raise invalid("url", "url must not have a #fragment")
    return url


def check_kinds(kinds: list[str]) -> list[str]:
    cleaned = sorted({k.strip() for k in kinds})
    if not cleaned:
        raise invalid("kinds", 'Give at least one event kind, e.g. "case.*" or "*"')
    if len(cleaned) > MAX_KINDS:
        raise invalid("kinds", f"At most {MAX_KINDS} kinds")
    bad = [k for k in cleaned if len(k) > 48 or not KIND_PATTERN.match(k)]
    if bad:
        raise invalid(
            "kinds",
            f"Not event kinds: {', '.join(bad)} (use e.g. case.resolved, case.* or *)",
        )
    return cleaned


def kind_matches(patterns: list[str], kind: str) -> bool:
    return any(
        p == "*" or p == kind or (p.endswith(".*") and kind.startswith(p[:-1])) for p in patterns
    )


def _description(text: str) -> str:
    text = text.strip()
    if len(text) > MAX_DESCRIPTION:
        raise invalid("description", f"description must be at most {MAX_DESCRIPTION} characters")
    return text


def new_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


# --- who may -----------------------------------------------------------------------------


def _require_actor(actor: Actor | None) -> Actor:
    if actor is None:
        raise WorkflowError(ErrorCode.UNAUTHENTICATED, "Sign in first")
    return actor


async def _record(kind: str, webhook: WebhookSubscription, actor: Actor, at: datetime) -> None:
    """Webhooks are the integrations' configuration, not the city's business: logged outside
    any region, like tokens."""
    await eventlog.append(
        kind=kind,
        region_path=eventlog.OUTSIDE_REGIONS,
        subject_type="WebhookSubscription",
        subject_id=webhook.id,
        actor_id=actor.account_id,
        at=at,
        payload={
            "webhookId": webhook.id,
            "regionId": webhook.region_id,
            "url": webhook.url,
            "kinds": list(webhook.kinds),
            "status": webhook.status.value,
        },
    )


def may_register(actor: Actor, region_path: str) -> bool:
    if actor.is_admin:
        return True
    return actor.covers(region_path, {Role.INTEGRATION}) and actor.has_scope(SCOPE)


def may_manage(actor: Actor | None, webhook: WebhookSubscription) -> bool:
    return actor is not None and (actor.is_admin or webhook.account_id == actor.account_id)


async def load_webhook(
    actor: Actor | None, webhook_id: int, field: str = "webhookId"
) -> WebhookSubscription:
    """A webhook the actor manages; NOT_FOUND otherwise, so others' webhooks do not leak."""
    actor = _require_actor(actor)
    webhook = await WebhookSubscription.get_or_none(id=webhook_id)
    if webhook is None or not may_manage(actor, webhook):
        raise not_found("Webhook", field)
    return webhook


def search_webhooks(actor: Actor | None) -> QuerySet[WebhookSubscription]:
    """The webhooks the actor manages: its own, or every one for an admin."""
    if actor is None:
        return WebhookSubscription.filter(id=-1)
    if actor.is_admin:
        return WebhookSubscription.all()
    return WebhookSubscription.filter(account_id=actor.account_id)


def deliveries_of(
    webhook_id: int, statuses: list[DeliveryStatus] | None = None
) -> QuerySet[WebhookDelivery]:
    query = WebhookDelivery.filter(subscription_id=webhook_id)
    return query.filter(status__in=statuses) if statuses else query


# --- actions -----------------------------------------------------------------------------


async def register(
    rt: Runtime,
    actor: Actor | None,
    *,
    region_id: int,
    url: str,
    kinds: list[str],
    description: str = "",
    since: int | None = None,
) -> tuple[str, WebhookSubscription]:
    """A new webhook and its signing secret (returned here only). It receives matching events
    after `since`, by default those written from now on."""
    actor = _require_actor(actor)
    url = check_url(url)
    kinds = check_kinds(kinds)
    description = _description(description)
    region = await Region.get_or_none(id=region_id)
    if region is None:
        raise not_found("Region", "regionId")
    if not may_register(actor, region.path):
        raise denied(
            "Only an integration bound to this region (token scope events:read) or an admin "
            "may register webhooks here",
            "regionId",
        )
    head = await last_seq()
    if since is not None and not 0 <= since <= head:
        raise invalid("since", f"since must be a sequence between 0 and {head}")
    if await WebhookSubscription.filter(account_id=actor.account_id).count() >= (
        MAX_WEBHOOKS_PER_ACCOUNT
    ):
        raise invalid("url", f"An account may have at most {MAX_WEBHOOKS_PER_ACCOUNT} webhooks")
    secret = new_secret()
    now = rt.clock.now()
    async with atomic():
        webhook = await WebhookSubscription.create(
            account_id=actor.account_id,
            region_id=region.id,
            region_path=region.path,
            url=url,
            kinds=kinds,
            description=description,
            secret=secret,
            cursor=head if since is None else since,
            created_at=now,
            updated_at=now,
        )
        await _record("webhook.registered", webhook, actor, now)
    _nudge()
    return secret, webhook


async def update(
    rt: Runtime,
    actor: Actor | None,
    webhook_id: int,
    *,
    url: str | None = None,
    kinds: list[str] | None = None,
    description: str | None = None,
    active: bool | None = None,
) -> WebhookSubscription:
    """Change the URL, kinds or description; `active` pauses it, or resumes a paused one
    (which retries the event it stopped at, with a fresh count of attempts)."""
    webhook = await load_webhook(actor, webhook_id)
    assert actor is not None
    changes: dict[str, object] = {}
    if url is not None:
        changes["url"] = check_url(url)
    if kinds is not None:
        changes["kinds"] = check_kinds(kinds)
    if description is not None:
        changes["description"] = _description(description)
    now = rt.clock.now()
    resume = active is True and webhook.status is WebhookStatus.PAUSED
    if active is False and webhook.status is WebhookStatus.ACTIVE:
        changes |= {"status": WebhookStatus.PAUSED, "paused_reason": f"Paused by {actor.username}"}
    if resume:
        changes |= {
            "status": WebhookStatus.ACTIVE,
            "paused_reason": "",
            "consecutive_failures": 0,
            "next_attempt_at": None,
        }
    changes["updated_at"] = now
    async with atomic():
        await WebhookSubscription.filter(id=webhook.id).update(**changes)
        if resume:
            await WebhookDelivery.filter(
                subscription_id=webhook.id, status=DeliveryStatus.FAILED
            ).update(status=DeliveryStatus.RETRYING, next_attempt_at=None)
        updated = await WebhookSubscription.get(id=webhook.id)
        await _record("webhook.updated", updated, actor, now)
    if resume or "url" in changes:
        _nudge()
    return updated


async def delete(rt: Runtime, actor: Actor | None, webhook_id: int) -> WebhookSubscription:
    """Remove the webhook and its delivery log; returns it as it was."""
    webhook = await load_webhook(actor, webhook_id)
    assert actor is not None
    async with atomic():
        await WebhookSubscription.filter(id=webhook.id).delete()
        await _record("webhook.deleted", webhook, actor, rt.clock.now())
    return webhook


async def redeliver(rt: Runtime, actor: Actor | None, delivery_id: int) -> WebhookDelivery:
    """Queue the same event again (same body and sequence, a new delivery id); it goes out
    after whatever is queued before it."""
    actor = _require_actor(actor)
    original = await WebhookDelivery.get_or_none(id=delivery_id).select_related("subscription")
    if original is None or not may_manage(actor, original.subscription):
        raise not_found("Delivery", "deliveryId")
    if original.status in QUEUED_STATUSES:
        raise WorkflowError(
            ErrorCode.CONFLICT,
            "That delivery is still queued; it is retried by itself (resume a paused webhook)",
            "deliveryId",
        )
    copy = await WebhookDelivery.create(
        subscription_id=original.subscription_id,
        event_seq=original.event_seq,
        event_kind=original.event_kind,
        body=original.body,
        redelivery_of_id=original.id,
        created_at=rt.clock.now(),
    )
    _nudge()
    return copy
