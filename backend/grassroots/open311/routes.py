"""The GeoReport v2 endpoints: services, a service's definition, requests (GET and POST) and
one request, each as JSON or XML by its suffix (`services.xml`, `requests/YJ-2026-000001.json`;
JSON without one).

api_key is an INTEGRATION token. Posting needs its `cases:intake` scope and goes through the
workflow's intake (same checks, same idempotency on source + external reference); reading
requests needs `cases:read` and sees only the cases of the token's region, without reporters.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime, timedelta

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount, Route, Router
from starlette.types import Receive, Scope, Send

from ..models import Case, Department, Photo, Region
from ..models.enums import PhotoKind, Role
from ..storage_errors import storage_refusal
from ..workflow.actor import Actor
from ..workflow.auth import authenticate
from ..workflow.case_search import CaseSearch, find_by_number, search_cases
from ..workflow.cases import intake_case
from ..workflow.errors import WorkflowError
from ..workflow.photos import media_url
from ..workflow.runtime import Runtime
from .formats import Format, render, render_errors, split_format
from .mapping import (
    LOCALES,
    Catalogue,
    Open311Error,
    RequestForm,
    RequestView,
    from_workflow,
    new_case,
    service,
    service_definition,
    service_notice,
    service_request,
    statuses_for,
)

PREFIX = "/open311/v2"
REQUEST_LIMIT = 1000  # the spec's default volume: 90 days or 1,000 requests
WINDOW = timedelta(days=90)
READ_SCOPE = "cases:read"
MEDIA_URL_TTL_SECONDS = 3600
# A "+01:00" offset sent unencoded in a query string arrives as " 01:00".
SPACED_OFFSET = re.compile(r" (\d\d:\d\d)$")

Handler = Callable[[Request, Format, str], Awaitable[Response]]


def _endpoint(handler: Handler, segment: str) -> Callable[[Request], Awaitable[Response]]:
    """Reads the format off the path's last segment and answers refusals in that format."""

    async def run(request: Request) -> Response:
        if segment == "fmt":  # /services.{fmt}: the whole suffix is the format
            name, suffix = "", request.path_params.get("fmt")
            fmt = next((f for f in Format if f.value == suffix), None)
            if suffix is not None and fmt is None:
                return render_errors(Format.JSON, 404, [f"format: {suffix} is not json or xml"])
        else:
            name, fmt = split_format(request.path_params.get(segment, ""))
        fmt = fmt or Format.JSON
        try:
            return await handler(request, fmt, name)
        except WorkflowError as error:
            refusal = from_workflow(error)
            return render_errors(fmt, refusal.status_code, [refusal.description])
        except Open311Error as error:
            return render_errors(fmt, error.status_code, [error.description])
        except Exception as error:
            # A full or busy database is said plainly (nothing was saved); the rest is a bug.
            storage = storage_refusal(error)
            if storage is None:
                raise
            refusal = from_workflow(storage)
            return render_errors(fmt, refusal.status_code, [refusal.description])

    return run


async def _not_found(scope: Scope, receive: Receive, send: Send) -> None:
    response = render_errors(Format.JSON, 404, ["No such GeoReport v2 resource"])
    await response(scope, receive, send)


def _locale(params: Mapping[str, str]) -> str:
    locale = params.get("locale") or "en"
    if locale not in LOCALES:
        raise Open311Error(400, f"locale: {locale!r} is not one of {', '.join(LOCALES)}")
    return locale


async def _jurisdiction(params: Mapping[str, str], *, required: bool) -> Region | None:
    code = params.get("jurisdiction_id")
    if not code:
        if required:
            raise Open311Error(
                400, "jurisdiction_id: not provided; give the code of the community or grid"
            )
        return None
    region = await Region.get_or_none(code=code)
    if region is None:
        raise Open311Error(404, f"jurisdiction_id: {code} was not found")
    return region


async def _integration(rt: Runtime, api_key: str | None) -> Actor:
    if not api_key:
        raise Open311Error(403, "api_key: missing; send an INTEGRATION token")
    actor = await authenticate(rt, api_key)
    if actor is None or not actor.has_role(Role.INTEGRATION):
        raise Open311Error(403, "api_key: not a valid, current INTEGRATION token")
    return actor


async def _reader(rt: Runtime, params: Mapping[str, str]) -> Actor:
    actor = await _integration(rt, params.get("api_key"))
    if not actor.has_scope(READ_SCOPE):
        raise Open311Error(403, f"api_key: this token lacks the {READ_SCOPE} scope")
    return actor


def _listed(value: str | None) -> list[str]:
    return [part.strip() for part in (value or "").split(",") if part.strip()]


def _date(params: Mapping[str, str], name: str) -> datetime | None:
    text = SPACED_OFFSET.sub(r"+\1", params.get(name) or "")
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise Open311Error(
            400, f"{name}: {text!r} is not a w3 date-time with a time zone, eg 2010-01-01T00:00:00Z"
        )
    return moment


def _window(params: Mapping[str, str], now: datetime) -> tuple[datetime, datetime]:
    """The spec's range: at most 90 days, the most recent 90 when neither end is given."""
    start, end = _date(params, "start_date"), _date(params, "end_date")
    if start is None:
        end = end or now
        start = end - WINDOW
    elif end is None:
        end = start + WINDOW
    if end < start:
        raise Open311Error(400, "end_date: before start_date")
    if end - start > WINDOW:
        raise Open311Error(400, "start_date: the range to end_date may not span more than 90 days")
    return start, end


class Open311Api:
    def __init__(self, rt: Runtime) -> None:
        self.rt = rt

    async def services(self, request: Request, fmt: Format, _: str) -> Response:
        params = request.query_params
        locale = _locale(params)
        await _jurisdiction(params, required=False)
        catalogue = await Catalogue.load()
        body = [service(c, catalogue, locale) for c in catalogue.by_id.values()]
        return render(fmt, "services", body)

    async def service_definition(self, request: Request, fmt: Format, code: str) -> Response:
        await _jurisdiction(request.query_params, required=False)
        category = (await Catalogue.load()).by_code(code)
        if category is None:
            raise Open311Error(404, f"service_code: {code} was not found")
        return render(fmt, "service_definition", service_definition(category))

    async def requests(self, request: Request, fmt: Format, _: str) -> Response:
        if request.method == "POST":
            return await self._create(request, fmt)
        params = request.query_params
        actor = await _reader(self.rt, params)
        locale = _locale(params)
        region = await _jurisdiction(params, required=False)
        search = CaseSearch(region_id=region.id if region else None)
        numbers = [n.upper() for n in _listed(params.get("service_request_id"))]
        if numbers:  # the spec: it overrides every other filter
            query = (await search_cases(actor, search, self.rt.clock.now())).filter(
                number__in=numbers
            )
        else:
            search.statuses = statuses_for(_listed(params.get("status")))
            start, end = _window(params, self.rt.clock.now())
            query = (await search_cases(actor, search, self.rt.clock.now())).filter(
                created_at__gte=start, created_at__lte=end
            )
            if codes := _listed(params.get("service_code")):
                catalogue = await Catalogue.load()
                ids = []
                for code in codes:
                    category = catalogue.by_code(code)
                    if category is None:
                        raise Open311Error(400, f"service_code: {code} was not found")
                    ids.append(category.id)
                query = query.filter(category_id__in=ids)
        cases = await query.order_by("-created_at", "-id").limit(REQUEST_LIMIT)
        return await self._render_requests(request, fmt, cases, locale)

    async def request(self, request: Request, fmt: Format, number: str) -> Response:
        params = request.query_params
        actor = await _reader(self.rt, params)
        locale = _locale(params)
        region = await _jurisdiction(params, required=False)
        case = await find_by_number(actor, number)
        if case is None or (region is not None and not region.contains_path(case.region_path)):
            raise Open311Error(404, f"service_request_id: {number} was not found")
        return await self._render_requests(request, fmt, [case], locale)

    async def _create(self, request: Request, fmt: Format) -> Response:
        posted = await request.form()
        form = RequestForm.parse(
            (k, v)
            for k, v in [*request.query_params.multi_items(), *posted.multi_items()]
            if isinstance(v, str)
        )
        actor = await _integration(self.rt, form.get("api_key"))
        locale = _locale(form.fields)
        region = await _jurisdiction(form.fields, required=True)
        assert region is not None
        code = form.get("service_code")
        if not code:
            raise Open311Error(400, "service_code: not provided")
        category = (await Catalogue.load()).by_code(code)
        if category is None:
            raise Open311Error(404, f"service_code: {code} was not found")
        case, _created = await intake_case(self.rt, actor, new_case(form, category, region, locale))
        body = [
            {
                "service_request_id": case.number,
                "service_notice": service_notice(case, self.rt.settings.zone),
                "account_id": None,
            }
        ]
        return render(fmt, "service_requests", body)

    async def _render_requests(
        self, request: Request, fmt: Format, cases: list[Case], locale: str
    ) -> Response:
        lead_ids = {c.lead_department_id for c in cases if c.lead_department_id}
        departments = await Department.filter(id__in=lead_ids) if lead_ids else []
        view = RequestView(
            catalogue=await Catalogue.load(),
            departments={d.id: d for d in departments},
            media_urls=await self._media_urls(request, cases),
            locale=locale,
            zone=self.rt.settings.zone,
        )
        return render(fmt, "service_requests", [service_request(c, view) for c in cases])

    async def _media_urls(self, request: Request, cases: list[Case]) -> dict[int, str]:
        """Each case's first report photo, as a signed absolute URL."""
        if not cases:
            return {}
        photos = await Photo.filter(
            case_id__in=[c.id for c in cases], kind=PhotoKind.REPORT
        ).order_by("id")
        now = int(self.rt.clock.now().timestamp())
        # Rounded, so repeated reads give the same URL.
        expires = (now // MEDIA_URL_TTL_SECONDS + 2) * MEDIA_URL_TTL_SECONDS
        origin = f"{request.url.scheme}://{request.url.netloc}"
        key = self.rt.settings.secret_key
        urls: dict[int, str] = {}
        for photo in photos:
            urls.setdefault(photo.case_id, origin + media_url(key, photo.file_name, expires))
        return urls


def mount(rt: Runtime) -> Mount:
    api = Open311Api(rt)
    routes = [
        Route("/services", _endpoint(api.services, "fmt")),
        Route("/services.{fmt}", _endpoint(api.services, "fmt")),
        Route("/services/{code}", _endpoint(api.service_definition, "code")),
        Route("/requests", _endpoint(api.requests, "fmt"), methods=["GET", "POST"]),
        Route("/requests.{fmt}", _endpoint(api.requests, "fmt"), methods=["GET", "POST"]),
        Route("/requests/{id}", _endpoint(api.request, "id")),
    ]
    return Mount(PREFIX, app=Router(routes, default=_not_found))
