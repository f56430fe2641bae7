"""The Starlette application: /graphql (HTTP and WebSocket), health, media and the SPA."""

from __future__ import annotations

import functools
import gc
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, PlainTextResponse, Response
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Receive, Scope, Send

from .clock import Clock
from .db import (
    add_commit_listener,
    close_db,
    database_reachable,
    init_db,
    remove_commit_listener,
)
from .exports_http import export_route
from .graphql.schema import build_schema
from .graphql.view import GraphQLView
from .graphql.ws import LiveEndpoint
from .live.broker import broker_from_url
from .live.hub import EventHub
from .logs import RequestIdMiddleware
from .metrics import LiveCollector, MetricsMiddleware, count_committed_event, metrics_endpoint
from .migrate import SchemaOutdated, prepare_schema
from .open311 import routes as open311
from .settings import Settings
from .workflow.auth import forget_revoked
from .workflow.escalation import EscalationScheduler
from .workflow.photos import verify_media
from .workflow.runtime import Runtime
from .workflow.webhook_delivery import WebhookDispatcher

MEDIA_NAME = re.compile(r"^[0-9a-f]{32}(\.thumb)?\.(jpg|png|webp)$")
MEDIA_TYPES = {"jpg": "image/jpeg", "png": "image/png", "webp": "image/webp"}
# Headers a browser must send with a multipart upload; a cross-site form cannot set them.
PREFLIGHT_HEADERS = ("x-apollo-operation-name", "apollo-require-preflight", "graphql-preflight")


class UploadCsrfGuard:
    """Refuses multipart GraphQL requests without a non-simple header (CSRF protection)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            headers = {k.decode().lower(): v.decode() for k, v in scope["headers"]}
            multipart = headers.get("content-type", "").startswith("multipart/")
            if multipart and not any(headers.get(h) for h in PREFLIGHT_HEADERS):
                response = JSONResponse(
                    {
                        "errors": [
                            {
                                "message": "Uploads need a GraphQL-Preflight: 1 header "
                                "(protection against cross-site requests)"
                            }
                        ]
                    },
                    status_code=400,
                )
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


def _media(rt: Runtime) -> Route:
    async def media(request: Request) -> Response:
        name = request.path_params["name"]
        try:
            expires = int(request.query_params.get("exp", "0"))
        except ValueError:
            expires = 0
        signature = request.query_params.get("sig", "")
        now = int(rt.clock.now().timestamp())
        path = rt.settings.upload_dir / name
        if (
            not MEDIA_NAME.match(name)
            or not verify_media(rt.settings.secret_key, name, expires, signature, now)
            or not path.is_file()
        ):
            return PlainTextResponse("Not found", status_code=404)
        return FileResponse(
            path,
            media_type=MEDIA_TYPES[name.rsplit(".", 1)[1]],
            headers={
                "X-Content-Type-Options": "nosniff",
                "Cache-Control": "private, max-age=3600",
                "Content-Security-Policy": "default-src 'none'",
                # Only this origin's pages may embed it, even with a valid link.
                "Cross-Origin-Resource-Policy": "same-origin",
            },
        )

    return Route("/media/{name:path}", media)


def _spa(frontend_dir: Path) -> list[Route | Mount]:
    index = frontend_dir / "index.html"

    async def page(request: Request) -> Response:
        if not index.is_file():
            return PlainTextResponse("The front end is not built", status_code=404)
        return FileResponse(index, headers={"Cache-Control": "no-cache"})

    routes: list[Route | Mount] = []
    assets = frontend_dir / "assets"
    if assets.is_dir():
        routes.append(Mount("/assets", StaticFiles(directory=assets), name="assets"))
    routes += [Route("/", page), Route("/{path:path}", page)]
    return routes


def tune_garbage_collector() -> None:
    """Long-lived objects (schema, models, caches) leave the collector's view, and young
    collections run less often: GC pauses stay out of the delivery path."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(20_000, 20, 50)


def create_app(
    settings: Settings | None = None,
    *,
    clock: Clock | None = None,
    run_scheduler: bool = True,
    demo_activity: bool = False,
) -> Starlette:
    settings = settings or Settings.from_env()
    rt = Runtime.create(settings, clock)
    schema = build_schema(settings)
    hub = EventHub(broker_from_url(settings.broker_url), poll_interval=settings.live_poll_seconds)
    graphql = GraphQLView(schema, rt, hub)
    live = LiveEndpoint(schema, rt, hub)
    scheduler = EscalationScheduler(rt)
    webhooks = WebhookDispatcher(rt)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        await init_db(settings.database_url, create=False)
        try:
            await prepare_schema(apply=settings.migrate_on_start)
        except SchemaOutdated:
            await close_db()
            raise
        await hub.start()
        add_commit_listener(hub.broker.publish)
        add_commit_listener(count_committed_event)
        tune_garbage_collector()
        simulator = None
        # New events wake the webhook sender (it also polls, for other processes' work).
        webhook_wakeup = hub.listen("/", webhooks.wake)
        revocations = hub.listen("/", functools.partial(forget_revoked, rt))
        if run_scheduler:
            scheduler.start()
            webhooks.start()
        if demo_activity:
            from .demo.simulator import ActivitySimulator

            simulator = ActivitySimulator(rt)
            simulator.start()
        try:
            yield
        finally:
            if simulator is not None:
                await simulator.stop()
            await scheduler.stop()
            await rt.new_cases.drain()
            hub.unlisten(webhook_wakeup)
            hub.unlisten(revocations)
            await webhooks.stop()
            remove_commit_listener(hub.broker.publish)
            remove_commit_listener(count_committed_event)
            await hub.stop()
            await close_db()

    async def health(request: Request) -> Response:
        """Liveness: the process answers."""
        return JSONResponse({"status": "ok"})

    async def ready(request: Request) -> Response:
        """Readiness: the database and the broker are reachable; a load balancer sends no
        traffic to a process that answers 503."""
        checks = {"database": await database_reachable(), "broker": await hub.broker.ping()}
        ok = all(checks.values())
        return JSONResponse(
            {"status": "ok" if ok else "unavailable", "checks": checks},
            status_code=200 if ok else 503,
        )

    routes = [
        Route("/healthz", health),
        Route("/readyz", ready),
        Route("/metrics", metrics_endpoint(LiveCollector(live, hub, scheduler))),
        Route("/graphql", UploadCsrfGuard(graphql), methods=["GET", "POST"]),
        WebSocketRoute("/graphql", live),
        _media(rt),
        export_route(rt),
        open311.mount(rt),
        *_spa(settings.frontend_dir),
    ]
    app = Starlette(
        routes=routes,
        lifespan=lifespan,
        middleware=[Middleware(RequestIdMiddleware), Middleware(MetricsMiddleware)],
    )
    app.state.rt = rt
    app.state.scheduler = scheduler
    app.state.webhooks = webhooks
    app.state.hub = hub
    app.state.live = live
    return app
