"""Who acts in the demo, read back from the database: staff for each queue, staff for each
department, reporters per community, the hotline, and which departments answer what where.

The history builder and the live simulator share it; because it reads only the database,
the simulator works on any demo database, also after a restart.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..models import Account, ApiToken, Category, Department, Region
from ..models.enums import RegionLevel, Role
from ..workflow.actor import STAFF_ROLES, Actor
from ..workflow.auth import load_actor

APP_REPORTER_ROLES = frozenset(
    {Role.RESIDENT, Role.PARTY_MEMBER, Role.GRID_WORKER, Role.BLOCK_HEAD}
)


@dataclass
class Cast:
    regions: dict[int, Region]
    actors: dict[str, Actor]
    admin: Actor | None = None
    hotline: Actor | None = None
    staff: dict[int, list[Actor]] = field(default_factory=dict)  # region id → staff bound there
    department_staff: dict[int, list[Actor]] = field(default_factory=dict)
    reporters: dict[int, list[Actor]] = field(default_factory=dict)  # community id → reporters
    departments: dict[int, Department] = field(default_factory=dict)
    department_paths: dict[int, str] = field(default_factory=dict)
    handled: dict[int, set[int]] = field(default_factory=dict)  # department → category ids
    defaults: dict[int, set[int]] = field(default_factory=dict)  # category → department ids

    @classmethod
    async def load(cls) -> Cast:
        regions = {r.id: r for r in await Region.all()}
        cast = cls(regions=regions, actors={})
        for account in await Account.filter(is_active=True).order_by("id"):
            token = await ApiToken.filter(account_id=account.id, revoked_at=None).first()
            actor = await load_actor(account, token)
            cast._place(actor)
        for department in await Department.all().select_related("region"):
            cast.departments[department.id] = department
            cast.department_paths[department.id] = department.region.path
            cast.handled[department.id] = set()
        for department_id, category_id in await Department.all().values_list(
            "id", "categories__id"
        ):
            if category_id is not None:
                cast.handled.setdefault(department_id, set()).add(category_id)
        for category_id, department_id in await Category.all().values_list(
            "id", "default_departments__id"
        ):
            if department_id is not None:
                cast.defaults.setdefault(category_id, set()).add(department_id)
        return cast

    def _place(self, actor: Actor) -> None:
        self.actors[actor.username] = actor
        for binding in actor.bindings:
            if binding.role is Role.ADMIN and self.admin is None:
                self.admin = actor
            elif binding.role is Role.INTEGRATION and actor.has_scope("cases:intake"):
                self.hotline = self.hotline or actor
            elif binding.role in STAFF_ROLES and binding.region_id is not None:
                self.staff.setdefault(binding.region_id, []).append(actor)
            elif binding.role is Role.DEPARTMENT_STAFF and binding.department_id is not None:
                self.department_staff.setdefault(binding.department_id, []).append(actor)
            elif binding.role in APP_REPORTER_ROLES and binding.region_id is not None:
                community = self.community_of(binding.region_id)
                if community is not None:
                    group = self.reporters.setdefault(community.id, [])
                    if actor not in group:
                        group.append(actor)

    # --- regions -----------------------------------------------------------------------

    def community_of(self, region_id: int) -> Region | None:
        region = self.regions.get(region_id)
        while region is not None and region.level is not RegionLevel.COMMUNITY:
            region = self.regions.get(region.parent_id) if region.parent_id else None
        return region

    def communities(self) -> list[Region]:
        return [r for r in self.regions.values() if r.level is RegionLevel.COMMUNITY]

    def grids_of(self, community_id: int) -> list[Region]:
        return [r for r in self.regions.values() if r.parent_id == community_id]

    def chain(self, region_id: int) -> list[Region]:
        """Root first, the region itself last."""
        region = self.regions[region_id]
        return [self.regions[i] for i in region.ancestor_ids() if i in self.regions]

    # --- people ------------------------------------------------------------------------

    def staff_for(self, region_id: int) -> Actor | None:
        """Staff bound at the region or, failing that, the nearest level above it."""
        for region in reversed(self.chain(region_id)):
            if self.staff.get(region.id):
                return self.staff[region.id][0]
        return self.admin

    def department_actor(self, department_id: int) -> Actor | None:
        staff = self.department_staff.get(department_id)
        return staff[0] if staff else None

    def in_hotline_scope(self, region_path: str) -> bool:
        if self.hotline is None:
            return False
        return any(region_path.startswith(p) for p in self.hotline.region_paths({Role.INTEGRATION}))

    # --- departments -------------------------------------------------------------------

    def department_by_code(self, code: str) -> Department | None:
        return next((d for d in self.departments.values() if d.code == code), None)

    def handlers(self, category_id: int, region_path: str) -> list[Department]:
        """Staffed departments that handle the category where the case is, best lead first.

        Default departments first; then operational units (those under a parent office,
        such as the heating company under the heating office); then the most local.
        """
        defaults = self.defaults.get(category_id, set())
        found = [
            d
            for d in self.departments.values()
            if category_id in self.handled.get(d.id, set())
            and region_path.startswith(self.department_paths[d.id])
            and self.department_staff.get(d.id)
        ]
        return sorted(
            found,
            key=lambda d: (
                d.id not in defaults,
                d.parent_id is None,
                -len(self.department_paths[d.id]),
                d.id,
            ),
        )
