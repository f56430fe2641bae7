"""Leases: which process runs a job that must run in one process only, and until when."""

from tortoise import fields

from .base import Model


class Lease(Model):
    """Taken and renewed with conditional UPDATEs (workflow.lease); a holder that stops
    renewing loses it when it expires, and another process takes over."""

    name = fields.CharField(max_length=64, primary_key=True)
    holder = fields.CharField(max_length=128)
    expires_at = fields.DatetimeField()

    class Meta:
        table = "lease"
