"""The event log: every change, numbered, written in the change's own transaction."""

from tortoise import fields

from .base import Model
from .fields import RegionPathField


class Event(Model):
    # The primary key is the sequence: monotonic, and on SQLite commits in that order
    # because writes are serialised.
    seq = fields.BigIntField(primary_key=True)
    created_at = fields.DatetimeField()
    kind = fields.CharField(max_length=48)
    region_path = RegionPathField(db_index=True)
    subject_type = fields.CharField(max_length=32)
    subject_id = fields.IntField()
    actor_id = fields.IntField(null=True)
    payload: fields.Field[dict] = fields.JSONField(default=dict)

    class Meta:
        table = "event"


class Counter(Model):
    """Named counters (case numbers per year), bumped inside the writing transaction."""

    name = fields.CharField(max_length=64, primary_key=True)
    value = fields.BigIntField(default=0)

    class Meta:
        table = "counter"
