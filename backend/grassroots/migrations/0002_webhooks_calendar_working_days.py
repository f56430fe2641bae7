import functools
from json import dumps, loads

from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.indexes import Index
from tortoise.migrations import operations as ops

from grassroots.models.fields import RegionPathField
from grassroots.models.webhook import DeliveryStatus, WebhookStatus


class Migration(migrations.Migration):
    dependencies = [("models", "0001_initial")]

    initial = False

    operations = [
        ops.CreateModel(
            name="CalendarDay",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                ("date", fields.DateField(unique=True)),
                ("is_working_day", fields.BooleanField()),
                ("name", fields.CharField(default="", max_length=64)),
                (
                    "set_by",
                    fields.ForeignKeyField(
                        "models.Account",
                        source_field="set_by_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="calendar_days_set",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                ("updated_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "calendar_day",
                "app": "models",
                "pk_attr": "id",
                "table_description": "One day whose status an administrator set: it wins over the shipped official schedule",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Lease",
            fields=[
                (
                    "name",
                    fields.CharField(primary_key=True, unique=True, db_index=True, max_length=64),
                ),
                ("holder", fields.CharField(max_length=128)),
                ("expires_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "lease",
                "app": "models",
                "pk_attr": "name",
                "table_description": "Taken and renewed with conditional UPDATEs (workflow.lease); a holder that stops",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="WebhookSubscription",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                (
                    "account",
                    fields.ForeignKeyField(
                        "models.Account",
                        source_field="account_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="webhooks",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "region",
                    fields.ForeignKeyField(
                        "models.Region",
                        source_field="region_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="webhooks",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("region_path", RegionPathField()),
                ("url", fields.CharField(max_length=2000)),
                (
                    "kinds",
                    fields.JSONField(
                        default=list,
                        encoder=functools.partial(dumps, separators=(",", ":")),
                        decoder=loads,
                    ),
                ),
                ("description", fields.CharField(default="", max_length=200)),
                ("secret", fields.CharField(max_length=128)),
                (
                    "status",
                    fields.CharEnumField(
                        default=WebhookStatus.ACTIVE,
                        description="ACTIVE: ACTIVE\nPAUSED: PAUSED",
                        enum_type=WebhookStatus,
                        max_length=16,
                    ),
                ),
                ("paused_reason", fields.CharField(default="", max_length=500)),
                ("cursor", fields.BigIntField(default=0)),
                ("consecutive_failures", fields.IntField(default=0)),
                (
                    "next_attempt_at",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
                (
                    "last_delivered_at",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
                ("lease_owner", fields.CharField(null=True, max_length=64)),
                (
                    "leased_until",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("updated_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={"table": "webhook_subscription", "app": "models", "pk_attr": "id"},
            bases=["Model"],
        ),
        ops.CreateModel(
            name="WebhookDelivery",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                (
                    "subscription",
                    fields.ForeignKeyField(
                        "models.WebhookSubscription",
                        source_field="subscription_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="deliveries",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("event_seq", fields.BigIntField()),
                ("event_kind", fields.CharField(max_length=48)),
                ("body", fields.TextField(unique=False)),
                (
                    "status",
                    fields.CharEnumField(
                        default=DeliveryStatus.PENDING,
                        description="PENDING: PENDING\nRETRYING: RETRYING\nDELIVERED: DELIVERED\nFAILED: FAILED",
                        enum_type=DeliveryStatus,
                        max_length=16,
                    ),
                ),
                ("attempts", fields.IntField(default=0)),
                ("response_code", fields.IntField(null=True)),
                ("error", fields.CharField(default="", max_length=500)),
                ("duration_ms", fields.IntField(null=True)),
                (
                    "attempt_log",
                    fields.JSONField(
                        default=list,
                        encoder=functools.partial(dumps, separators=(",", ":")),
                        decoder=loads,
                    ),
                ),
                (
                    "redelivery_of",
                    fields.ForeignKeyField(
                        "models.WebhookDelivery",
                        source_field="redelivery_of_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="redeliveries",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                (
                    "last_attempt_at",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
                (
                    "next_attempt_at",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
                (
                    "delivered_at",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
            ],
            options={
                "table": "webhook_delivery",
                "app": "models",
                "indexes": [Index(fields=["subscription_id", "status", "id"])],
                "pk_attr": "id",
                "table_description": "One event sent to one webhook: every attempt until it is delivered or given up.",
            },
            bases=["Model"],
        ),
        ops.AddField(
            model_name="Category",
            name="claim_working_days",
            field=fields.IntField(null=True),
        ),
        ops.AddField(
            model_name="Category",
            name="resolve_working_days",
            field=fields.IntField(null=True),
        ),
    ]
