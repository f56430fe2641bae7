"""Deadlines from a category's SLA and the case's urgency."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from ..models import Category
from ..models.enums import Urgency

# Without an explicit override, urgency shortens the category's NORMAL deadlines.
URGENCY_FACTOR = {Urgency.NORMAL: 1.0, Urgency.URGENT: 0.5, Urgency.CRITICAL: 0.25}


@dataclass(frozen=True)
class SlaPolicy:
    claim_within: timedelta
    resolve_within: timedelta


def policy_for(category: Category, urgency: Urgency) -> SlaPolicy:
    override = (category.sla_overrides or {}).get(urgency.value) or {}
    factor = URGENCY_FACTOR[urgency]
    claim_minutes = override.get("claim_minutes", category.claim_minutes * factor)
    resolve_hours = override.get("resolve_hours", category.resolve_hours * factor)
    return SlaPolicy(
        claim_within=timedelta(minutes=max(1.0, float(claim_minutes))),
        resolve_within=timedelta(hours=max(0.25, float(resolve_hours))),
    )
