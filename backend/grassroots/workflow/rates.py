"""The three rates (response, resolution, satisfaction) and mean times, for a department or a
region subtree."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from tortoise.expressions import Q

from ..models import Case, CaseRating, WhistleResponse
from ..models.enums import CaseStatus, Satisfaction, WhistleStatus

SATISFIED = (Satisfaction.SATISFIED, Satisfaction.BASICALLY_SATISFIED)


@dataclass(frozen=True)
class Rates:
    responses_due: int
    responses_on_time: int
    resolutions_due: int
    resolutions_on_time: int
    ratings: int
    ratings_satisfied: int
    mean_minutes_to_claim: float | None
    mean_hours_to_resolve: float | None

    @staticmethod
    def _ratio(part: int, whole: int) -> float | None:
        return round(part / whole, 4) if whole else None

    @property
    def response_rate(self) -> float | None:
        return self._ratio(self.responses_on_time, self.responses_due)

    @property
    def resolution_rate(self) -> float | None:
        return self._ratio(self.resolutions_on_time, self.resolutions_due)

    @property
    def satisfaction_rate(self) -> float | None:
        return self._ratio(self.ratings_satisfied, self.ratings)


def _mean(values: list[float]) -> float | None:
    return round(sum(values) / len(values), 2) if values else None


async def _compute(
    now: datetime,
    response_filter: Q,
    case_filter: Q,
    rating_filter: Q,
    since: datetime | None,
) -> Rates:
    if since is not None:
        response_filter &= Q(whistle__created_at__gte=since)
        case_filter &= Q(created_at__gte=since)
        rating_filter &= Q(created_at__gte=since)
    # A response counts once it was given or its deadline has passed.
    # A response counts once given or once its deadline passed, unless a newer whistle
    # replaced the summons before anyone answered it.
    responses = await WhistleResponse.filter(
        response_filter
        & (
            Q(claimed_at__isnull=False)
            | (Q(due_at__lte=now) & ~Q(whistle__status=WhistleStatus.CLOSED))
        )
    ).values_list("claimed_at", "due_at", "whistle__created_at")
    on_time = sum(1 for claimed, due, _ in responses if claimed is not None and claimed <= due)
    claim_minutes = [
        (claimed - created).total_seconds() / 60
        for claimed, _, created in responses
        if claimed is not None
    ]
    # Rejected and merged cases were never to be resolved.
    cases = await Case.filter(
        case_filter
        & ~Q(status__in=[CaseStatus.REJECTED, CaseStatus.MERGED])
        & Q(resolve_due_at__isnull=False)
        & (Q(resolved_at__isnull=False) | Q(resolve_due_at__lte=now))
    ).values_list("resolved_at", "resolve_due_at", "created_at")
    resolved_on_time = sum(
        1 for resolved, due, _ in cases if resolved is not None and resolved <= due
    )
    resolve_hours = [
        (resolved - created).total_seconds() / 3600
        for resolved, _, created in cases
        if resolved is not None
    ]
    ratings = await CaseRating.filter(rating_filter).values_list("satisfaction", flat=True)
    return Rates(
        responses_due=len(responses),
        responses_on_time=on_time,
        resolutions_due=len(cases),
        resolutions_on_time=resolved_on_time,
        ratings=len(ratings),
        ratings_satisfied=sum(1 for s in ratings if s in SATISFIED),
        mean_minutes_to_claim=_mean(claim_minutes),
        mean_hours_to_resolve=_mean(resolve_hours),
    )


async def department_rates(
    department_id: int, *, now: datetime, since: datetime | None = None
) -> Rates:
    return await _compute(
        now,
        Q(department_id=department_id),
        Q(lead_department_id=department_id),
        Q(lead_department_id=department_id),
        since,
    )


async def region_rates(region_path: str, *, now: datetime, since: datetime | None = None) -> Rates:
    return await _compute(
        now,
        Q(whistle__case__region_path__startswith=region_path),
        Q(region_path__startswith=region_path),
        Q(case__region_path__startswith=region_path),
        since,
    )
