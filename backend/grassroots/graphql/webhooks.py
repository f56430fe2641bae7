"""Webhooks as the API shows them: the webhooks an integration (or an admin) manages, their
delivery log, and the mutations that register, change, delete and redeliver."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any, Self

import strawberry
from strawberry import relay

from .. import models
from ..models.webhook import DeliveryStatus, WebhookStatus
from ..workflow import webhooks as flow
from .context import Info
from .directory import RegionType, must, region_of
from .errors import UserError, decode_id, encode_id
from .pagination import Connection, paged
from .payloads import run
from .permissions import IsAuthenticated

strawberry.enum(WebhookStatus, description="ACTIVE sends; PAUSED waits to be resumed")
strawberry.enum(DeliveryStatus, name="WebhookDeliveryStatus")

SIGNING = (
    "Each POST carries X-Grassroots-Timestamp (Unix seconds) and X-Grassroots-Signature: "
    'sha256=<hex HMAC-SHA256 of "<timestamp>.<body>" under the secret>, and '
    "X-Grassroots-Event-Seq to de-duplicate by"
)


@strawberry.type
class WebhookAttempt:
    at: datetime
    response_code: int | None = strawberry.field(description="Null when nothing answered")
    error: str
    duration_ms: int


@strawberry.type(name="WebhookDelivery")
class WebhookDeliveryType(relay.Node):
    """One event sent to a webhook, with every attempt; its id is the X-Grassroots-Delivery-Id
    header."""

    id: relay.NodeID[int]
    event_seq: int
    event_kind: str
    status: DeliveryStatus
    attempts: int
    response_code: int | None = strawberry.field(description="Of the latest attempt")
    error: str = strawberry.field(description="Of the latest attempt; empty once delivered")
    duration_ms: int | None
    body: str = strawberry.field(description="The JSON body sent")
    created_at: datetime
    last_attempt_at: datetime | None
    next_attempt_at: datetime | None
    delivered_at: datetime | None
    _m: strawberry.Private[models.WebhookDelivery]

    @classmethod
    def of(cls, m: models.WebhookDelivery) -> Self:
        return cls(
            id=m.id,
            event_seq=m.event_seq,
            event_kind=m.event_kind,
            status=m.status,
            attempts=m.attempts,
            response_code=m.response_code,
            error=m.error,
            duration_ms=m.duration_ms,
            body=m.body,
            created_at=m.created_at,
            last_attempt_at=m.last_attempt_at,
            next_attempt_at=m.next_attempt_at,
            delivered_at=m.delivered_at,
            _m=m,
        )

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Self | None]:
        ids = [int(i) for i in node_ids]
        rows = {
            m.id: m
            for m in await models.WebhookDelivery.filter(id__in=ids).select_related("subscription")
        }
        actor = info.context.actor
        return [
            cls.of(m) if (m := rows.get(i)) and flow.may_manage(actor, m.subscription) else None
            for i in ids
        ]

    @strawberry.field(description="The latest attempts, oldest first")
    def attempt_log(self) -> list[WebhookAttempt]:
        return [
            WebhookAttempt(
                at=datetime.fromisoformat(a["at"]),
                response_code=a["responseCode"],
                error=a["error"],
                duration_ms=a["durationMs"],
            )
            for a in self._m.attempt_log
        ]

    @strawberry.field(description="The delivery this one repeats, for a redelivery")
    def redelivery_of_id(self) -> strawberry.ID | None:
        original = self._m.redelivery_of_id
        return encode_id("WebhookDelivery", original) if original else None


@strawberry.type(name="Webhook", description=f"A URL that receives a region's events. {SIGNING}")
class WebhookType(relay.Node):
    id: relay.NodeID[int]
    url: str
    kinds: list[str]
    description: str
    status: WebhookStatus
    paused_reason: str
    cursor: int = strawberry.field(
        description="Events up to this sequence are delivered, queued or not wanted"
    )
    consecutive_failures: int
    next_attempt_at: datetime | None
    last_delivered_at: datetime | None
    created_at: datetime
    updated_at: datetime
    _m: strawberry.Private[models.WebhookSubscription]

    @classmethod
    def of(cls, m: models.WebhookSubscription) -> Self:
        return cls(
            id=m.id,
            url=m.url,
            kinds=list(m.kinds),
            description=m.description,
            status=m.status,
            paused_reason=m.paused_reason,
            cursor=m.cursor,
            consecutive_failures=m.consecutive_failures,
            next_attempt_at=m.next_attempt_at,
            last_delivered_at=m.last_delivered_at,
            created_at=m.created_at,
            updated_at=m.updated_at,
            _m=m,
        )

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Self | None]:
        ids = [int(i) for i in node_ids]
        rows = {m.id: m for m in await flow.search_webhooks(info.context.actor).filter(id__in=ids)}
        return [cls.of(m) if (m := rows.get(i)) else None for i in ids]

    @strawberry.field
    async def region(self, info: Info) -> RegionType:
        return must(await region_of(info, self._m.region_id))

    @strawberry.field(description="The delivery log, newest first; `first` is at most 100")
    async def deliveries(
        self,
        first: int = 20,
        after: str | None = None,
        statuses: list[DeliveryStatus] | None = None,
    ) -> Connection[WebhookDeliveryType]:
        async def search() -> Any:
            return flow.deliveries_of(self._m.id, statuses)

        return await paged(
            search,
            WebhookDeliveryType.of,
            key="id",
            descending=True,
            first=first,
            after=after,
            is_time=False,
        )


@strawberry.type
class WebhookQueries:
    @strawberry.field(
        permission_classes=[IsAuthenticated],
        description="The webhooks the viewer manages (an admin: all), newest first",
    )
    async def webhooks(
        self, info: Info, first: int = 20, after: str | None = None
    ) -> Connection[WebhookType]:
        async def search() -> Any:
            return flow.search_webhooks(info.context.actor)

        return await paged(
            search,
            WebhookType.of,
            key="id",
            descending=True,
            first=first,
            after=after,
            is_time=False,
        )


# --- mutations ---------------------------------------------------------------------------


@strawberry.input
class RegisterWebhookInput:
    region_id: strawberry.ID = strawberry.field(description="Events of this region's subtree")
    url: str = strawberry.field(description="http:// or https://; redirects are not followed")
    kinds: list[str] = strawberry.field(
        description='Event kinds ("case.resolved"), families ("case.*") or "*"'
    )
    description: str = ""
    since: int | None = strawberry.field(
        default=None,
        description="Also send matching events after this sequence (default: from now on)",
    )


@strawberry.type
class RegisterWebhookPayload:
    webhook: WebhookType | None = None
    secret: str | None = strawberry.field(
        default=None, description=f"Shown once; store it now. {SIGNING}"
    )
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class UpdateWebhookInput:
    webhook_id: strawberry.ID
    url: str | None = None
    kinds: list[str] | None = None
    description: str | None = None
    active: bool | None = strawberry.field(
        default=None,
        description="false pauses; true resumes a paused webhook, retrying where it stopped",
    )


@strawberry.type
class WebhookPayload:
    webhook: WebhookType | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class DeleteWebhookInput:
    webhook_id: strawberry.ID


@strawberry.type
class DeleteWebhookPayload:
    deleted_webhook_id: strawberry.ID | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class RedeliverWebhookInput:
    delivery_id: strawberry.ID = strawberry.field(description="The X-Grassroots-Delivery-Id")


@strawberry.type
class RedeliverWebhookPayload:
    delivery: WebhookDeliveryType | None = strawberry.field(
        default=None, description="The new delivery: same event and body, a new id"
    )
    user_errors: list[UserError] = strawberry.field(default_factory=list)


def _webhook_id(value: strawberry.ID) -> int:
    return decode_id(value, "Webhook", "webhookId")


@strawberry.type
class WebhookMutations:
    @strawberry.mutation(
        description="Send a region's events of some kinds to a URL (an integration within its "
        "region, with the events:read scope, or an admin); the payload holds the signing secret"
    )
    async def register_webhook(
        self, info: Info, input: RegisterWebhookInput
    ) -> RegisterWebhookPayload:
        ctx = info.context

        async def act() -> dict[str, Any]:
            secret, row = await flow.register(
                ctx.rt,
                ctx.actor,
                region_id=decode_id(input.region_id, "Region", "regionId"),
                url=input.url,
                kinds=list(input.kinds),
                description=input.description,
                since=input.since,
            )
            return {"webhook": WebhookType.of(row), "secret": secret}

        return await run(RegisterWebhookPayload, act)

    @strawberry.mutation(description="Change a webhook's URL or kinds, pause or resume it")
    async def update_webhook(self, info: Info, input: UpdateWebhookInput) -> WebhookPayload:
        ctx = info.context

        async def act() -> dict[str, Any]:
            row = await flow.update(
                ctx.rt,
                ctx.actor,
                _webhook_id(input.webhook_id),
                url=input.url,
                kinds=list(input.kinds) if input.kinds is not None else None,
                description=input.description,
                active=input.active,
            )
            return {"webhook": WebhookType.of(row)}

        return await run(WebhookPayload, act)

    @strawberry.mutation(description="Stop sending and forget the webhook and its log")
    async def delete_webhook(self, info: Info, input: DeleteWebhookInput) -> DeleteWebhookPayload:
        ctx = info.context

        async def act() -> dict[str, Any]:
            row = await flow.delete(ctx.rt, ctx.actor, _webhook_id(input.webhook_id))
            return {"deleted_webhook_id": encode_id("Webhook", row.id)}

        return await run(DeleteWebhookPayload, act)

    @strawberry.mutation(description="Send a delivered event again, after whatever is queued")
    async def redeliver_webhook(
        self, info: Info, input: RedeliverWebhookInput
    ) -> RedeliverWebhookPayload:
        ctx = info.context

        async def act() -> dict[str, Any]:
            delivery_id = decode_id(input.delivery_id, "WebhookDelivery", "deliveryId")
            row = await flow.redeliver(ctx.rt, ctx.actor, delivery_id)
            return {"delivery": WebhookDeliveryType.of(row)}

        return await run(RedeliverWebhookPayload, act)
