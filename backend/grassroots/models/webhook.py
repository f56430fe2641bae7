"""Webhooks: a URL that receives a region's events as signed POSTs, and its delivery log."""

from enum import StrEnum

from tortoise import fields

from .base import Model
from .fields import RegionPathField


class WebhookStatus(StrEnum):
    ACTIVE = "ACTIVE"
    # Stopped by hand or after too many failed attempts; resuming retries the same event.
    PAUSED = "PAUSED"


class DeliveryStatus(StrEnum):
    PENDING = "PENDING"
    RETRYING = "RETRYING"
    DELIVERED = "DELIVERED"
    # Gave up after the maximum attempts; the webhook is paused with it at the head.
    FAILED = "FAILED"


# Deliveries still to be sent, oldest first; the first blocks the rest (order per webhook).
QUEUED_STATUSES = (DeliveryStatus.PENDING, DeliveryStatus.RETRYING, DeliveryStatus.FAILED)


class WebhookSubscription(Model):
    id = fields.IntField(primary_key=True)
    # Whose view of the log it delivers: the integration that registered it (or an admin).
    account: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Account", related_name="webhooks", on_delete=fields.CASCADE
    )
    account_id: int
    region: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Region", related_name="webhooks", on_delete=fields.RESTRICT
    )
    region_id: int
    region_path = RegionPathField()
    url = fields.CharField(max_length=2000)
    # Event kinds ("case.resolved") or families ("case.*").
    kinds: fields.Field[list] = fields.JSONField(default=list)
    description = fields.CharField(max_length=200, default="")
    # Kept to sign each request; shown once at registration, never again.
    secret = fields.CharField(max_length=128)
    status = fields.CharEnumField(WebhookStatus, max_length=16, default=WebhookStatus.ACTIVE)
    paused_reason = fields.CharField(max_length=500, default="")
    # Every event up to this sequence is delivered, queued as a delivery, or not wanted.
    cursor = fields.BigIntField(default=0)
    # Failures in a row of the delivery at the head; sets the backoff and the pause.
    consecutive_failures = fields.IntField(default=0)
    # When the head delivery may be tried again (null: now).
    next_attempt_at = fields.DatetimeField(null=True)
    last_delivered_at = fields.DatetimeField(null=True)
    # A server process that works on the webhook holds it until then (one sender at a time).
    lease_owner = fields.CharField(max_length=64, null=True)
    leased_until = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField()
    updated_at = fields.DatetimeField()

    class Meta:
        table = "webhook_subscription"


class WebhookDelivery(Model):
    """One event sent to one webhook: every attempt until it is delivered or given up."""

    id = fields.IntField(primary_key=True)
    subscription: fields.ForeignKeyRelation[WebhookSubscription] = fields.ForeignKeyField(
        "models.WebhookSubscription", related_name="deliveries", on_delete=fields.CASCADE
    )
    subscription_id: int
    event_seq = fields.BigIntField()
    event_kind = fields.CharField(max_length=48)
    # The JSON body, fixed when queued so every attempt (and a redelivery) sends the same.
    body = fields.TextField()
    status = fields.CharEnumField(DeliveryStatus, max_length=16, default=DeliveryStatus.PENDING)
    attempts = fields.IntField(default=0)
    response_code = fields.IntField(null=True)
    error = fields.CharField(max_length=500, default="")
    duration_ms = fields.IntField(null=True)
    # Each attempt: {"at", "responseCode", "error", "durationMs"}; the latest few are kept.
    attempt_log: fields.Field[list] = fields.JSONField(default=list)
    redelivery_of: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.WebhookDelivery", related_name="redeliveries", null=True, on_delete=fields.SET_NULL
    )
    redelivery_of_id: int | None
    created_at = fields.DatetimeField()
    last_attempt_at = fields.DatetimeField(null=True)
    next_attempt_at = fields.DatetimeField(null=True)
    delivered_at = fields.DatetimeField(null=True)

    class Meta:
        table = "webhook_delivery"
        indexes = (("subscription_id", "status", "id"),)
