"""Accounts and role bindings as the API shows them."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Self

import strawberry
from strawberry import relay

from .. import models
from .context import Info
from .directory import DepartmentType, RegionType, department_of, region_of
from .enums import Role


@strawberry.type
class RoleBinding:
    role: Role
    _m: strawberry.Private[models.RoleBinding]

    @strawberry.field(description="The region subtree the role applies to")
    async def region(self, info: Info) -> RegionType | None:
        return await region_of(info, self._m.region_id)

    @strawberry.field
    async def department(self, info: Info) -> DepartmentType | None:
        return await department_of(info, self._m.department_id)


@strawberry.type(name="Account")
class AccountType(relay.Node):
    """A person or a machine. Visible to itself and to admins only."""

    id: relay.NodeID[int]
    username: str
    display_name: str
    locale: str
    phone: str | None
    _m: strawberry.Private[models.Account]

    @classmethod
    def of(cls, m: models.Account) -> Self:
        return cls(
            id=m.id,
            username=m.username,
            display_name=m.display_name,
            locale=m.locale,
            phone=m.phone,
            _m=m,
        )

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Self | None]:
        actor = info.context.actor
        rows = await info.context.loaders.account_by_id.load_many([int(i) for i in node_ids])
        return [
            cls.of(m)
            if m and actor is not None and (actor.is_admin or actor.account_id == m.id)
            else None
            for m in rows
        ]

    @strawberry.field
    async def bindings(self, info: Info) -> list[RoleBinding]:
        rows = await info.context.loaders.bindings_by_account.load(self._m.id)
        return [RoleBinding(role=r.role, _m=r) for r in rows]

    @strawberry.field
    async def roles(self, info: Info) -> list[Role]:
        rows = await info.context.loaders.bindings_by_account.load(self._m.id)
        return sorted({r.role for r in rows})
