"""One dataloader per relation, named <Thing>By<Key>Loader, built fresh for every request."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any, ClassVar, TypeVar

from strawberry.dataloader import DataLoader
from tortoise.models import Model

from ..models import (
    Account,
    Assignment,
    Case,
    CaseDepartment,
    CaseEvent,
    Category,
    Department,
    ListItem,
    ListItemCase,
    ListItemPhoto,
    PartyMember,
    PartyOrganisation,
    Photo,
    Region,
    RoleBinding,
    ServiceTask,
    Whistle,
    WhistleResponse,
)
from ..workflow.kept_rows import KeptRows
from ..workflow.runtime import Runtime

M = TypeVar("M", bound=Model)


async def _by_id(model: type[M], ids: Sequence[int]) -> list[M | None]:
    rows = {row.pk: row for row in await model.filter(pk__in=list(set(ids)))}
    return [rows.get(i) for i in ids]


async def _grouped(
    model: type[M], key: str, ids: Sequence[int], order: Iterable[str] = ("id",)
) -> list[list[M]]:
    groups: dict[int, list[M]] = defaultdict(list)
    for row in await model.filter(**{f"{key}__in": list(set(ids))}).order_by(*order):
        groups[getattr(row, key)].append(row)
    return [groups.get(i, []) for i in ids]


class KeptRowsLoader(DataLoader[int, M | None]):
    """The directory's rows (regions, categories, departments) by id, from what the process
    keeps of them, at most a minute old (workflow/kept_rows.py): made with the runtime."""

    @staticmethod
    def kept(rt: Runtime) -> KeptRows[M]:
        raise NotImplementedError

    def __init__(self, rt: Runtime) -> None:
        super().__init__(load_fn=self.kept(rt).many)


class RegionByIdLoader(KeptRowsLoader[Region]):
    @staticmethod
    def kept(rt: Runtime) -> KeptRows[Region]:
        return rt.region_rows


class RegionsByParentLoader(DataLoader[int, list[Region]]):
    def __init__(self) -> None:
        super().__init__(load_fn=lambda ids: _grouped(Region, "parent_id", ids, ("code",)))


class CategoryByIdLoader(KeptRowsLoader[Category]):
    @staticmethod
    def kept(rt: Runtime) -> KeptRows[Category]:
        return rt.categories


class DepartmentByIdLoader(KeptRowsLoader[Department]):
    @staticmethod
    def kept(rt: Runtime) -> KeptRows[Department]:
        return rt.department_rows


class AccountByIdLoader(DataLoader[int, Account | None]):
    def __init__(self) -> None:
        super().__init__(load_fn=lambda ids: _by_id(Account, ids))


class BindingsByAccountLoader(DataLoader[int, list[RoleBinding]]):
    def __init__(self) -> None:
        super().__init__(load_fn=lambda ids: _grouped(RoleBinding, "account_id", ids))


async def _summoned(ids: Sequence[int]) -> list[set[int]]:
    groups: dict[int, set[int]] = defaultdict(set)
    # From the whistles (by their case index) out to the responses (by their whistle index);
    # the other way round, SQLite must scan every response of the city.
    rows = await Whistle.filter(case_id__in=list(set(ids))).values_list(
        "case_id", "responses__department_id"
    )
    for case_id, department_id in rows:
        if department_id is not None:
            groups[case_id].add(department_id)
    return [groups.get(i, set()) for i in ids]


class SummonedDepartmentsByCaseLoader(DataLoader[int, set[int]]):
    """Department ids ever summoned to a case: they decide who may see it."""

    def __init__(self) -> None:
        super().__init__(load_fn=_summoned)


class CaseByIdLoader(DataLoader[int, Case | None]):
    def __init__(self) -> None:
        super().__init__(load_fn=lambda ids: _by_id(Case, ids))


class CaseDepartmentsByCaseLoader(DataLoader[int, list[CaseDepartment]]):
    def __init__(self) -> None:
        super().__init__(load_fn=lambda ids: _grouped(CaseDepartment, "case_id", ids))


class PhotosByCaseLoader(DataLoader[int, list[Photo]]):
    def __init__(self) -> None:
        super().__init__(load_fn=lambda ids: _grouped(Photo, "case_id", ids))


class WhistlesByCaseLoader(DataLoader[int, list[Whistle]]):
    def __init__(self) -> None:
        super().__init__(load_fn=lambda ids: _grouped(Whistle, "case_id", ids))


class ResponsesByWhistleLoader(DataLoader[int, list[WhistleResponse]]):
    def __init__(self) -> None:
        super().__init__(load_fn=lambda ids: _grouped(WhistleResponse, "whistle_id", ids))


class TimelineByCaseLoader(DataLoader[int, list[CaseEvent]]):
    def __init__(self) -> None:
        super().__init__(load_fn=lambda ids: _grouped(CaseEvent, "case_id", ids))


async def _last_events(ids: Sequence[int]) -> list[CaseEvent | None]:
    # One query: the rows whose id is the highest of their case's timeline.
    from tortoise.expressions import Subquery
    from tortoise.functions import Max

    latest = (
        CaseEvent.filter(case_id__in=list(set(ids)))
        .group_by("case_id")
        .annotate(last_id=Max("id"))
        .values("last_id")
    )
    rows = {row.case_id: row for row in await CaseEvent.filter(id__in=Subquery(latest))}
    return [rows.get(i) for i in ids]


class LastEventByCaseLoader(DataLoader[int, CaseEvent | None]):
    def __init__(self) -> None:
        super().__init__(load_fn=_last_events)


class PartyMemberByIdLoader(DataLoader[int, PartyMember | None]):
    def __init__(self) -> None:
        super().__init__(load_fn=lambda ids: _by_id(PartyMember, ids))


async def _members_by_account(ids: Sequence[int]) -> list[PartyMember | None]:
    rows = {m.account_id: m for m in await PartyMember.filter(account_id__in=list(set(ids)))}
    return [rows.get(i) for i in ids]


class PartyMemberByAccountLoader(DataLoader[int, PartyMember | None]):
    def __init__(self) -> None:
        super().__init__(load_fn=_members_by_account)


class PartyOrganisationByIdLoader(DataLoader[int, PartyOrganisation | None]):
    def __init__(self) -> None:
        super().__init__(load_fn=lambda ids: _by_id(PartyOrganisation, ids))


async def _member_counts(ids: Sequence[int]) -> list[int]:
    from tortoise.functions import Count

    rows = dict(
        await PartyMember.filter(organisation_id__in=list(set(ids)))
        .group_by("organisation_id")
        .annotate(n=Count("id"))
        .values_list("organisation_id", "n")
    )
    return [int(rows.get(i, 0)) for i in ids]


class MemberCountByOrganisationLoader(DataLoader[int, int]):
    def __init__(self) -> None:
        super().__init__(load_fn=_member_counts)


class ServiceTaskByIdLoader(DataLoader[int, ServiceTask | None]):
    def __init__(self) -> None:
        super().__init__(load_fn=lambda ids: _by_id(ServiceTask, ids))


class AssignmentsByTaskLoader(DataLoader[int, list[Assignment]]):
    def __init__(self) -> None:
        super().__init__(load_fn=lambda ids: _grouped(Assignment, "task_id", ids))


class AssignmentsByMemberLoader(DataLoader[int, list[Assignment]]):
    def __init__(self) -> None:
        super().__init__(load_fn=lambda ids: _grouped(Assignment, "member_id", ids))


class ListItemByIdLoader(DataLoader[int, ListItem | None]):
    def __init__(self) -> None:
        super().__init__(load_fn=lambda ids: _by_id(ListItem, ids))


class ListItemPhotosByListItemLoader(DataLoader[int, list[ListItemPhoto]]):
    def __init__(self) -> None:
        super().__init__(load_fn=lambda ids: _grouped(ListItemPhoto, "list_item_id", ids))


class CaseLinksByListItemLoader(DataLoader[int, list[ListItemCase]]):
    def __init__(self) -> None:
        super().__init__(load_fn=lambda ids: _grouped(ListItemCase, "list_item_id", ids))


class ListItemLinksByCaseLoader(DataLoader[int, list[ListItemCase]]):
    def __init__(self) -> None:
        super().__init__(load_fn=lambda ids: _grouped(ListItemCase, "case_id", ids))


class TasksByListItemLoader(DataLoader[int, list[ServiceTask]]):
    def __init__(self) -> None:
        super().__init__(load_fn=lambda ids: _grouped(ServiceTask, "origin_list_item_id", ids))


class Loaders:
    """Every loader of one request; attributes are created on first use."""

    def __init__(self, rt: Runtime) -> None:
        self._rt = rt
        self._nodes: dict[tuple[type, int], Any] = {}
        self.region_paths: dict[str, list[Any]] = {}  # region path → its regions' nodes

    def node(self, cls: Any, row: Any) -> Any:
        """`cls.of(row)`, made once per request and row: a page of cases names the same few
        regions, categories and departments again and again (the rows are the process's
        kept ones, alive for the whole request)."""
        key = (cls, id(row))
        found = self._nodes.get(key)
        if found is None:
            found = self._nodes[key] = cls.of(row)
        return found

    _classes: ClassVar[dict[str, type[DataLoader[Any, Any]]]] = {
        "region_by_id": RegionByIdLoader,
        "regions_by_parent": RegionsByParentLoader,
        "category_by_id": CategoryByIdLoader,
        "department_by_id": DepartmentByIdLoader,
        "account_by_id": AccountByIdLoader,
        "bindings_by_account": BindingsByAccountLoader,
        "case_by_id": CaseByIdLoader,
        "summoned_departments_by_case": SummonedDepartmentsByCaseLoader,
        "case_departments_by_case": CaseDepartmentsByCaseLoader,
        "photos_by_case": PhotosByCaseLoader,
        "whistles_by_case": WhistlesByCaseLoader,
        "responses_by_whistle": ResponsesByWhistleLoader,
        "timeline_by_case": TimelineByCaseLoader,
        "last_event_by_case": LastEventByCaseLoader,
        "party_member_by_id": PartyMemberByIdLoader,
        "party_member_by_account": PartyMemberByAccountLoader,
        "party_organisation_by_id": PartyOrganisationByIdLoader,
        "member_count_by_organisation": MemberCountByOrganisationLoader,
        "service_task_by_id": ServiceTaskByIdLoader,
        "assignments_by_task": AssignmentsByTaskLoader,
        "assignments_by_member": AssignmentsByMemberLoader,
        "list_item_by_id": ListItemByIdLoader,
        "list_item_links_by_case": ListItemLinksByCaseLoader,
        "list_item_photos_by_list_item": ListItemPhotosByListItemLoader,
        "case_links_by_list_item": CaseLinksByListItemLoader,
        "tasks_by_list_item": TasksByListItemLoader,
    }

    def __getattr__(self, name: str) -> DataLoader[Any, Any]:
        cls = self._classes.get(name)
        if cls is None:
            raise AttributeError(name)
        # Each subclass supplies its own load_fn; those of kept rows take the runtime.
        if issubclass(cls, KeptRowsLoader):
            loader: DataLoader[Any, Any] = cls(self._rt)
        else:
            loader = cls()  # type: ignore[call-overload]
        setattr(self, name, loader)
        return loader
