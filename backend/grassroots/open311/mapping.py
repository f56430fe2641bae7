"""Between the platform's words and GeoReport v2's: categories ↔ services, cases ↔ service
requests, POST parameters → the workflow's NewCase, workflow errors → the spec's errors."""

from __future__ import annotations

import math
import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from ..models import Case, Category, Department, Region
from ..models.enums import OPEN_STATUSES, CaseStatus, Source, Urgency
from ..workflow.cases import MAX_TITLE, NewCase
from ..workflow.errors import ErrorCode, WorkflowError
from ..workflow.sla import policy_for

LOCALES = ("en", "zh", "ko")
OPEN, CLOSED = "open", "closed"
# The source and reference an Open311 client's request is filed under when it names none;
# (source, externalRef) is what makes a repeated POST return the same request.
DEFAULT_SOURCE = Source.OTHER
GENERATED_REF_PREFIX = "open311-"
# The spec's own parameter names for the fields the workflow names in its errors.
FIELD_NAMES = {
    "title": "attribute[TITLE]",
    "description": "description",
    "address": "address_string",
    "latitude": "lat",
    "longitude": "long",
    "callerName": "first_name",
    "callerPhone": "phone",
    "categoryId": "service_code",
    "regionId": "jurisdiction_id",
    "externalRef": "attribute[EXTERNAL_REF]",
    "source": "attribute[SOURCE]",
}
HTTP_STATUS = {
    ErrorCode.UNAUTHENTICATED: 403,
    ErrorCode.PERMISSION_DENIED: 403,
    ErrorCode.NOT_FOUND: 404,
    # Refusals of the storage, not of the request: the client may send it again later.
    ErrorCode.STORAGE_FULL: 507,
    ErrorCode.DATABASE_BUSY: 503,
}
ATTRIBUTE_KEY = re.compile(r"^attribute\[([^\[\]]+)\](\[\])?$")


class Open311Error(Exception):
    """A refusal in the spec's terms: 400 bad request, 403 api_key, 404 unknown resource."""

    def __init__(self, status_code: int, description: str) -> None:
        super().__init__(description)
        self.status_code = status_code
        self.description = description


def from_workflow(error: WorkflowError) -> Open311Error:
    name = FIELD_NAMES.get(error.field or "", error.field)
    description = f"{name}: {error.message}" if name else error.message
    return Open311Error(HTTP_STATUS.get(error.code, 400), description)


def pick_name(obj: Any, locale: str) -> str:
    return str(getattr(obj, f"name_{locale}", None) or obj.name_ko)


def w3(moment: datetime | None, zone: ZoneInfo) -> str | None:
    """The spec's date format: ISO 8601 with the offset, here the city's."""
    return moment.astimezone(zone).isoformat(timespec="seconds") if moment else None


def open311_status(status: CaseStatus) -> str:
    return OPEN if status in OPEN_STATUSES else CLOSED


def statuses_for(names: list[str]) -> list[CaseStatus]:
    """The platform's statuses behind `open` / `closed`."""
    wanted: list[CaseStatus] = []
    for name in names:
        if name not in (OPEN, CLOSED):
            raise Open311Error(400, f"status: {name!r} is not one of open, closed")
        wanted += [s for s in CaseStatus if open311_status(s) == name and s not in wanted]
    return wanted


# --- services ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Catalogue:
    """Every category by id: a service's group is its top-level category."""

    by_id: dict[int, Category]

    @classmethod
    async def load(cls) -> Catalogue:
        rows = await Category.all().order_by("sort_order", "id")
        return cls({c.id: c for c in rows})

    def by_code(self, code: str) -> Category | None:
        return next((c for c in self.by_id.values() if c.code == code), None)

    def lineage(self, category: Category) -> list[Category]:
        chain = [category]
        while chain[0].parent_id is not None and chain[0].parent_id in self.by_id:
            chain.insert(0, self.by_id[chain[0].parent_id])
        return chain


def _hours(delta_seconds: float) -> str:
    return f"{delta_seconds / 3600:g}"


def service(category: Category, catalogue: Catalogue, locale: str) -> dict[str, Any]:
    lineage = catalogue.lineage(category)
    policy = policy_for(category, Urgency.NORMAL)
    path = " › ".join(pick_name(c, locale) for c in lineage)
    other_names = dict.fromkeys(pick_name(category, other) for other in LOCALES)
    return {
        "service_code": category.code,
        "service_name": pick_name(category, locale),
        "description": (
            f"{path}: claimed within {policy.claim_within.total_seconds() / 60:g} minutes and "
            f"resolved within {_hours(policy.resolve_within.total_seconds())} hours "
            "at normal urgency"
        ),
        "metadata": True,  # every service takes the attributes below
        "type": "realtime",
        "keywords": ", ".join([*other_names, category.code]),
        "group": pick_name(lineage[0], locale),
    }


@dataclass(frozen=True)
class Attribute:
    code: str
    datatype: str
    description: str
    datatype_description: str | None = None
    values: tuple[tuple[str, str], ...] = ()

    def accepts(self, value: str) -> bool:
        return not self.values or value in {key for key, _ in self.values}


def attributes_of(category: Category) -> list[Attribute]:
    """What a request for `category` may carry besides the spec's own fields: each one is a
    field of the case the workflow takes in. None is required."""
    urgencies = []
    for urgency in Urgency:
        hours = _hours(policy_for(category, urgency).resolve_within.total_seconds())
        urgencies.append((urgency.value, f"{urgency.value.title()}: resolved within {hours} h"))
    return [
        Attribute(
            "URGENCY",
            "singlevaluelist",
            "How urgent is it? Urgency shortens the deadlines.",
            values=tuple(urgencies),
        ),
        Attribute(
            "TITLE",
            "string",
            "A short title of the problem",
            f"At most {MAX_TITLE} characters; the description's first line when not given",
        ),
        Attribute(
            "SOURCE",
            "singlevaluelist",
            "The channel the problem first came in through",
            values=tuple((s.value, s.value.replace("_", " ").title()) for s in Source),
        ),
        Attribute(
            "EXTERNAL_REF",
            "string",
            "Your system's id of this request: a POST repeated with the same id (and SOURCE) "
            "answers with the same service_request_id instead of filing it again",
            "At most 128 characters",
        ),
    ]


def service_definition(category: Category) -> dict[str, Any]:
    attributes = []
    for order, attribute in enumerate(attributes_of(category), start=1):
        entry: dict[str, Any] = {
            "variable": True,
            "code": attribute.code,
            "datatype": attribute.datatype,
            "required": False,
            "datatype_description": attribute.datatype_description,
            "order": order,
            "description": attribute.description,
        }
        if attribute.values:
            entry["values"] = [{"key": k, "name": n} for k, n in attribute.values]
        attributes.append(entry)
    return {"service_code": category.code, "attributes": attributes}


# --- POST parameters -> NewCase ------------------------------------------------------------


@dataclass
class RequestForm:
    """The POST's parameters. Empty ones count as absent (the spec's "optional" rule)."""

    fields: dict[str, str] = field(default_factory=dict)
    attributes: dict[str, list[str]] = field(default_factory=dict)

    @classmethod
    def parse(cls, items: Iterable[tuple[str, str]]) -> RequestForm:
        form = cls()
        for key, value in items:
            value = value.strip()
            if not key.startswith("attribute"):
                if value:
                    form.fields[key] = value
                continue
            match = ATTRIBUTE_KEY.match(key)
            if match is None:
                raise Open311Error(400, f"{key}: attributes are sent as attribute[code]=value")
            if value:
                form.attributes.setdefault(match.group(1), []).append(value)
        return form

    def get(self, name: str) -> str | None:
        return self.fields.get(name)

    def number(self, name: str) -> float | None:
        text = self.get(name)
        if text is None:
            return None
        try:
            value = float(text)
        except ValueError:
            value = math.nan
        if not math.isfinite(value):
            raise Open311Error(400, f"{name}: {text!r} is not a number")
        return value


def _checked_attributes(form: RequestForm, category: Category) -> dict[str, str]:
    known = {a.code: a for a in attributes_of(category)}
    values: dict[str, str] = {}
    for code, given in form.attributes.items():
        attribute = known.get(code)
        if attribute is None:
            raise Open311Error(
                400,
                f"attribute[{code}]: service {category.code} has no such attribute "
                f"(it takes {', '.join(known)})",
            )
        if len(given) > 1:
            raise Open311Error(400, f"attribute[{code}]: takes one value")
        if not attribute.accepts(given[0]):
            keys = ", ".join(k for k, _ in attribute.values)
            raise Open311Error(400, f"attribute[{code}]: {given[0]!r} is not one of {keys}")
        values[code] = given[0]
    return values


def _title(description: str, fallback: str) -> str:
    first_line = next((line.strip() for line in description.splitlines() if line.strip()), "")
    if not first_line:
        return fallback
    return first_line if len(first_line) <= MAX_TITLE else first_line[: MAX_TITLE - 1] + "…"


def new_case(form: RequestForm, category: Category, region: Region, locale: str) -> NewCase:
    """The case a POST describes; the workflow's intake checks it as it checks any other."""
    latitude, longitude = form.number("lat"), form.number("long")
    address = form.get("address_string") or ""
    if latitude is None and longitude is None and not address:
        raise Open311Error(
            400,
            "lat: a location is required: lat & long, or address_string (address_id is "
            "not supported here)",
        )
    attributes = _checked_attributes(form, category)
    description = form.get("description") or ""
    name = " ".join(p for p in (form.get("first_name"), form.get("last_name")) if p)
    return NewCase(
        title=attributes.get("TITLE") or _title(description, pick_name(category, locale)),
        description=description,
        category_id=category.id,
        region_id=region.id,
        source=Source(attributes.get("SOURCE", DEFAULT_SOURCE)),
        urgency=Urgency(attributes.get("URGENCY", Urgency.NORMAL)),
        address=address,
        latitude=latitude,
        longitude=longitude,
        caller_name=name or None,
        caller_phone=form.get("phone"),
        # Without a reference of the client's, each POST files a new request.
        external_ref=attributes.get("EXTERNAL_REF") or GENERATED_REF_PREFIX + uuid.uuid4().hex,
    )


# --- cases -> service requests -------------------------------------------------------------


@dataclass(frozen=True)
class RequestView:
    """What rendering a page of requests needs, loaded once for the page."""

    catalogue: Catalogue
    departments: dict[int, Department]
    media_urls: dict[int, str]
    locale: str
    zone: ZoneInfo


def service_notice(case: Case, zone: ZoneInfo) -> str | None:
    if case.status not in OPEN_STATUSES or case.resolve_due_at is None:
        return None
    return f"Case {case.number} is to be resolved by {w3(case.resolve_due_at, zone)}"


def _updated(case: Case) -> datetime:
    """For a closed request, the spec asks for the time it was closed."""
    if open311_status(case.status) == CLOSED:
        return case.closed_at or case.resolved_at or case.updated_at
    return case.updated_at


def service_request(case: Case, view: RequestView) -> dict[str, Any]:
    """No reporter or caller data: third parties get the case, never the person."""
    category = view.catalogue.by_id[case.category_id]
    lead = view.departments.get(case.lead_department_id or 0)
    return {
        "service_request_id": case.number,
        "status": open311_status(case.status),
        "status_notes": case.status.value,
        "service_name": pick_name(category, view.locale),
        "service_code": category.code,
        "description": case.description,
        "agency_responsible": pick_name(lead, view.locale) if lead else None,
        "service_notice": service_notice(case, view.zone),
        "requested_datetime": w3(case.created_at, view.zone),
        "updated_datetime": w3(_updated(case), view.zone),
        "expected_datetime": w3(case.resolve_due_at, view.zone),
        "address": case.address or None,
        "address_id": None,
        "zipcode": None,
        "lat": case.latitude,
        "long": case.longitude,
        "media_url": view.media_urls.get(case.id),
    }
