"""Who is acting: an account with its role bindings, or nobody."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property

from ..models.enums import Role

STAFF_ROLES = frozenset({Role.COMMUNITY_STAFF, Role.STREET_STAFF, Role.CITY_STAFF})
REPORTER_ROLES = frozenset(
    {
        Role.RESIDENT,
        Role.GRID_WORKER,
        Role.BLOCK_HEAD,
        Role.PARTY_MEMBER,
        Role.COMMUNITY_STAFF,
        Role.STREET_STAFF,
        Role.CITY_STAFF,
    }
)
# Roles that see every case in their region subtree (reporters' data aside).
REGION_READER_ROLES = frozenset(
    {
        *STAFF_ROLES,
        Role.GRID_WORKER,
        Role.BLOCK_HEAD,
        Role.LEADER,
        Role.DISPLAY,
        Role.INTEGRATION,
    }
)
# Scopes of an INTEGRATION token for reading: its binding says where, a scope says what.
CASES_READ = "cases:read"
EVENTS_READ = "events:read"


@dataclass(frozen=True)
class Binding:
    role: Role
    region_id: int | None = None
    region_path: str | None = None
    department_id: int | None = None


@dataclass(frozen=True)
class Actor:
    account_id: int
    username: str
    display_name: str
    bindings: tuple[Binding, ...] = ()
    scopes: frozenset[str] = field(default_factory=frozenset)
    token_id: int | None = None

    # Worked out once per actor (a signed-in actor is kept across requests, token_cache.py):
    # a page asks them again for every case on it.
    @cached_property
    def is_admin(self) -> bool:
        return any(b.role is Role.ADMIN for b in self.bindings)

    @cached_property
    def roles(self) -> frozenset[Role]:
        return frozenset(b.role for b in self.bindings)

    def has_role(self, *roles: Role) -> bool:
        return any(b.role in roles for b in self.bindings)

    def has_scope(self, scope: str) -> bool:
        return scope in self.scopes

    def reading(self, roles: frozenset[Role], scope: str) -> frozenset[Role]:
        """`roles` as they let this actor read: an INTEGRATION binding counts only when the
        token carries `scope`, so a third party reads no more than its scopes grant."""
        if Role.INTEGRATION in roles and not self.has_scope(scope):
            return roles - {Role.INTEGRATION}
        return roles

    def covers(self, path: str, roles: Iterable[Role]) -> bool:
        """Whether a binding of one of `roles` has `path` in its region subtree."""
        wanted = frozenset(roles)
        if self.is_admin:
            return True
        return any(
            b.role in wanted and b.region_path is not None and path.startswith(b.region_path)
            for b in self.bindings
        )

    def region_paths(self, roles: Iterable[Role]) -> list[str]:
        wanted = frozenset(roles)
        return [b.region_path for b in self.bindings if b.role in wanted and b.region_path]

    @cached_property
    def department_ids(self) -> frozenset[int]:
        return frozenset(
            b.department_id
            for b in self.bindings
            if b.role is Role.DEPARTMENT_STAFF and b.department_id is not None
        )

    @property
    def is_display(self) -> bool:
        return self.roles == {Role.DISPLAY}
