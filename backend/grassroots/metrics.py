"""Prometheus metrics at /metrics.

Counters on the request path are process-wide prometheus_client metrics (cheap increments);
the live figures (sockets, subscriptions, outbox backlog, hub lag, scheduler runs) are read
from the running app only when Prometheus scrapes, so they cost nothing in between.
With several worker processes set PROMETHEUS_MULTIPROC_DIR and each scrape merges them.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from graphql import OperationDefinitionNode
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

if TYPE_CHECKING:
    from .graphql.ws import LiveEndpoint
    from .live.hub import EventHub
    from .workflow.escalation import EscalationScheduler

HTTP_REQUESTS = Counter(
    "grassroots_http_requests_total", "HTTP requests served", ["route", "method", "status"]
)
HTTP_SECONDS = Histogram(
    "grassroots_http_request_seconds",
    "Time to serve an HTTP request",
    ["route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0),
)
GRAPHQL_OPERATIONS = Counter(
    "grassroots_graphql_operations_total",
    "GraphQL operations by type and first root field",
    ["type", "field"],
)
GRAPHQL_ERRORS = Counter(
    "grassroots_graphql_errors_total",
    "GraphQL operations that returned errors (userErrors are data, not counted)",
    ["type", "field"],
)
EVENTS_COMMITTED = Counter(
    "grassroots_events_committed_total", "Events this process committed to the event log"
)

# Route labels are fixed prefixes: a label per raw path would let clients grow the registry.
ROUTE_PREFIXES = (
    "/graphql",
    "/media",
    "/open311",
    "/exports",
    "/assets",
    "/healthz",
    "/readyz",
    "/metrics",
)


def route_label(path: str) -> str:
    for prefix in ROUTE_PREFIXES:
        if path == prefix or path.startswith(prefix + "/"):
            return prefix
    return "/spa"


class MetricsMiddleware:
    """Counts and times HTTP requests (WebSocket sessions are counted as live figures)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        route = route_label(scope["path"])
        status = 500
        start = time.perf_counter()

        async def send_with_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_with_status)
        finally:
            HTTP_SECONDS.labels(route).observe(time.perf_counter() - start)
            HTTP_REQUESTS.labels(route, scope["method"], str(status)).inc()


REFUSED = ("invalid", "-")


def _first_field(document: Any, name: str | None) -> str:
    """The first root field of the operation run; validated against the schema by now, so
    the label set stays as small as the schema."""
    if document is None:
        return "-"
    for definition in document.definitions:
        if isinstance(definition, OperationDefinitionNode) and (
            name is None or (definition.name and definition.name.value == name)
        ):
            for selection in definition.selection_set.selections:
                field_name = getattr(selection, "name", None)
                if field_name is not None:
                    return str(field_name.value)
    return "-"


def count_operation(document: Any, operation_name: str | None, kind: str, failed: bool) -> None:
    """One GraphQL operation that ran, by kind and first field."""
    labels = (kind, _first_field(document, operation_name))
    GRAPHQL_OPERATIONS.labels(*labels).inc()
    if failed:
        GRAPHQL_ERRORS.labels(*labels).inc()


def count_refused() -> None:
    """One operation refused before it ran (syntax, validation, limits): it has no
    trustworthy kind or field name, and it failed."""
    GRAPHQL_OPERATIONS.labels(*REFUSED).inc()
    GRAPHQL_ERRORS.labels(*REFUSED).inc()


def count_committed_event(seq: int) -> None:
    """A commit listener: one call per committed event."""
    EVENTS_COMMITTED.inc()


class LiveCollector(Collector):
    """Figures of one running app, read at scrape time."""

    def __init__(
        self, live: LiveEndpoint, hub: EventHub, scheduler: EscalationScheduler | None
    ) -> None:
        self.live = live
        self.hub = hub
        self.scheduler = scheduler

    def collect(self) -> Iterator[Metric]:
        stats = self.live.stats
        yield GaugeMetricFamily(
            "grassroots_ws_connections", "Open WebSocket connections", value=stats.connections
        )
        yield GaugeMetricFamily(
            "grassroots_subscriptions_open", "Active subscriptions", value=stats.subscriptions
        )
        yield GaugeMetricFamily(
            "grassroots_subscription_cohorts",
            "Groups of identical subscriptions rendered once per event",
            value=stats.cohorts,
        )
        yield CounterMetricFamily(
            "grassroots_messages_delivered",
            "Subscription messages handed to sockets",
            value=stats.delivered,
        )
        yield CounterMetricFamily(
            "grassroots_subscribers_too_slow",
            "Connections closed because their outbox overflowed",
            value=stats.too_slow,
        )
        outboxes = [len(c.outbox) for c in self.live.connections]
        yield GaugeMetricFamily(
            "grassroots_outbox_messages",
            "Messages queued for sockets, all connections",
            value=sum(outboxes),
        )
        yield GaugeMetricFamily(
            "grassroots_outbox_max_messages",
            "The longest queue of one connection",
            value=max(outboxes, default=0),
        )
        yield GaugeMetricFamily(
            "grassroots_hub_lag_events",
            "Events announced as committed that the hub has not dispatched yet",
            value=max(0, self.hub.announced - self.hub.position),
        )
        yield GaugeMetricFamily(
            "grassroots_hub_position", "Last event sequence dispatched", value=self.hub.position
        )
        yield CounterMetricFamily(
            "grassroots_hub_events_read",
            "Events the hub read from the log",
            value=self.hub.stats.read,
        )
        if self.scheduler is not None:
            yield CounterMetricFamily(
                "grassroots_scheduler_runs",
                "Escalation scheduler runs in this process",
                value=self.scheduler.runs,
            )


def metrics_endpoint(collector: LiveCollector) -> Any:
    own = CollectorRegistry(auto_describe=False)
    own.register(collector)

    async def metrics(request: Request) -> Response:
        shared: CollectorRegistry = REGISTRY
        if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
            from prometheus_client import multiprocess

            shared = CollectorRegistry()
            multiprocess.MultiProcessCollector(shared)  # type: ignore[no-untyped-call]
        body = generate_latest(shared) + generate_latest(own)
        return Response(body, media_type=CONTENT_TYPE_LATEST)

    return metrics
