"""The dashboard of a region subtree, as the API shows it; the figures come from
workflow.dashboard, these types only carry them.

Who may see it: ADMIN, and the roles that read a region (staff, grid workers, block heads,
leaders, wall screens, integrations) whose binding covers the region. Anyone else signed in
gets the GraphQL error "You may not see this region's dashboard"; an unknown region is null.
Nothing on it is personal: counts, directory names, and event-log items, whose payloads carry
no personal data by design (workflow.timeline.case_payload), so a wall screen may show it.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from graphql import GraphQLError

from .. import models
from ..workflow import dashboard as domain
from .context import Context, Info
from .directory import CategoryType, DepartmentType, RegionType
from .enums import CaseStatus, Source
from .errors import decode_id
from .events import Event, event_of
from .permissions import IsAuthenticated

REFUSED = "You may not see this region's dashboard"


if TYPE_CHECKING:
    from .party import PartyStats


@strawberry.type(
    name="DashboardRates",
    description="The three rates and mean times over the last `days` local days, today "
    "included; outcomes count on the day they happened",
)
class DashboardRatesType:
    days: int
    since: date = strawberry.field(description="The first local day of the period")
    response_rate: float | None = strawberry.field(
        description="Responses on time / responses due: each claim counts on its day, each "
        "department still silent when its whistle escalated counts as missed on that day"
    )
    resolution_rate: float | None = strawberry.field(
        description="Resolutions before the deadline / resolutions made in the period"
    )
    satisfaction_rate: float | None = strawberry.field(
        description="Ratings satisfied or basically satisfied / ratings given in the period"
    )
    responses_due: int
    responses_on_time: int
    resolutions: int
    resolutions_on_time: int
    ratings: int
    ratings_satisfied: int
    claims: int
    mean_minutes_to_claim: float | None = strawberry.field(
        description="From the whistle to the claim, over the claims made in the period"
    )
    mean_hours_to_resolve: float | None = strawberry.field(
        description="From the report to the resolution, over the resolutions in the period"
    )

    @classmethod
    def of(cls, r: domain.PeriodRates) -> DashboardRatesType:
        return cls(
            days=r.days,
            since=r.since,
            response_rate=r.response_rate,
            resolution_rate=r.resolution_rate,
            satisfaction_rate=r.satisfaction_rate,
            responses_due=r.responses_due,
            responses_on_time=r.responses_on_time,
            resolutions=r.resolved,
            resolutions_on_time=r.resolved_on_time,
            ratings=r.ratings,
            ratings_satisfied=r.ratings_satisfied,
            claims=r.claims,
            mean_minutes_to_claim=r.mean_minutes_to_claim,
            mean_hours_to_resolve=r.mean_hours_to_resolve,
        )


@strawberry.type(name="DashboardPeriods")
class DashboardPeriodsType:
    today: DashboardRatesType
    last_7_days: DashboardRatesType
    last_30_days: DashboardRatesType


@strawberry.type(name="DashboardStatusCount")
class DashboardStatusCountType:
    status: CaseStatus
    count: int


@strawberry.type(name="DashboardCategory")
class DashboardCategoryType:
    category: CategoryType
    reported: int = strawberry.field(description="Cases reported in the last 30 days")


@strawberry.type(name="DashboardSource")
class DashboardSourceType:
    source: Source
    reported: int = strawberry.field(description="Cases reported in the last 30 days")


@strawberry.type(name="DashboardDepartment")
class DashboardDepartmentType:
    rank: int = strawberry.field(
        description="By response rate, then resolution rate, then satisfaction rate"
    )
    department: DepartmentType
    rates: DashboardRatesType = strawberry.field(
        description="Over the last 30 days, for cases in the dashboard's region only"
    )


@strawberry.type(name="DashboardGrid", description="One grid of the map")
class DashboardGridType:
    grid: RegionType
    open: int
    overdue: int
    reported_30_days: int


@strawberry.type(name="DashboardDay")
class DashboardDayType:
    day: date
    reported: int
    closed: int


@strawberry.type(
    name="Dashboard",
    description="A region subtree at a glance; days are the city's local days",
)
class DashboardType:
    region: RegionType
    generated_at: datetime
    timezone: str = strawberry.field(description="The city's time zone, e.g. Asia/Shanghai")
    today: date
    total: int = strawberry.field(description="Every case ever reported in the region")
    open: int = strawberry.field(description="Reported, accepted, dispatched or in progress")
    by_status: list[DashboardStatusCountType]
    new_today: int
    closed_today: int
    overdue: int = strawberry.field(description="Open cases past their claim or resolve deadline")
    rates: DashboardPeriodsType
    top_categories: list[DashboardCategoryType]
    sources: list[DashboardSourceType]
    department_ranking: list[DashboardDepartmentType] = strawberry.field(
        description=f"Departments with at least {domain.MIN_RANKED_VOLUME} responses due in "
        "the last 30 days on the region's cases"
    )
    grids: list[DashboardGridType]
    trend: list[DashboardDayType] = strawberry.field(
        description="Reported and closed per day over the last 30 days, oldest first"
    )
    latest_events: list[Event] = strawberry.field(
        description="The region's newest events, newest first"
    )
    # What parts registered with workflow.dashboard.register_section built, by name: the
    # Party lists and service tasks add typed fields here that read their own entry.
    sections: strawberry.Private[dict[str, Any]]

    @strawberry.field(description="The region's Party work: members, tasks and the lists")
    def party(self) -> Annotated[PartyStats, strawberry.lazy("grassroots.graphql.party")] | None:
        from .party import PartyStats

        stats = self.sections.get("party")
        return PartyStats(**vars(stats)) if stats is not None else None

    @classmethod
    def of(cls, d: domain.Dashboard) -> DashboardType:
        return cls(
            region=RegionType.of(d.region),
            generated_at=d.now,
            timezone=d.timezone,
            today=d.today,
            total=d.total,
            open=d.open,
            by_status=[
                DashboardStatusCountType(status=s.status, count=s.count) for s in d.by_status
            ],
            new_today=d.new_today,
            closed_today=d.closed_today,
            overdue=d.overdue,
            rates=DashboardPeriodsType(
                today=DashboardRatesType.of(d.rates_today),
                last_7_days=DashboardRatesType.of(d.rates_7_days),
                last_30_days=DashboardRatesType.of(d.rates_30_days),
            ),
            top_categories=[
                DashboardCategoryType(category=CategoryType.of(c.category), reported=c.reported)
                for c in d.top_categories
            ],
            sources=[DashboardSourceType(source=s.source, reported=s.reported) for s in d.sources],
            department_ranking=[
                DashboardDepartmentType(
                    rank=r.rank,
                    department=DepartmentType.of(r.department),
                    rates=DashboardRatesType.of(r.rates),
                )
                for r in d.department_ranking
            ],
            grids=[
                DashboardGridType(
                    grid=RegionType.of(g.grid),
                    open=g.open,
                    overdue=g.overdue,
                    reported_30_days=g.reported,
                )
                for g in d.grids
            ],
            trend=[
                DashboardDayType(day=t.day, reported=t.reported, closed=t.closed) for t in d.trend
            ],
            latest_events=[event_of(e) for e in d.latest_events],
            sections=d.sections,
        )


async def _build(ctx: Context, region: models.Region) -> DashboardType:
    rt = ctx.rt
    return DashboardType.of(await domain.build_dashboard(region, rt.clock.now(), rt.settings.zone))


async def dashboard_for(ctx: Context, region_id: int) -> DashboardType | None:
    """The dashboard of region `region_id` as `ctx`'s viewer may see it; None when the region
    does not exist or the viewer may not see its dashboard (live updates call this)."""
    region = await models.Region.get_or_none(id=region_id)
    if region is None or not domain.may_see_dashboard(ctx.actor, region):
        return None
    return await _build(ctx, region)


@strawberry.type
class DashboardQueries:
    @strawberry.field(
        permission_classes=[IsAuthenticated],
        description="A region subtree at a glance; null for an unknown region, an error for "
        "a viewer who may not see it",
    )
    async def dashboard(self, info: Info, region_id: strawberry.ID) -> DashboardType | None:
        ctx = info.context
        region = await models.Region.get_or_none(id=decode_id(region_id, "Region", "regionId"))
        if region is None:
            return None
        if not domain.may_see_dashboard(ctx.actor, region):
            raise GraphQLError(REFUSED, extensions={"code": "PERMISSION_DENIED"})
        return await _build(ctx, region)
