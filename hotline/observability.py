"""Request ids, structured JSON logs, Prometheus metrics and request size limits."""
from __future__ import annotations

import contextvars
import json
import re
import logging
import time
import uuid
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from dispatch.errors import error_response

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")
REGISTRY = CollectorRegistry()
REQUESTS = Counter("hotline_http_requests_total", "HTTP requests", ["method", "route", "status"],
                   registry=REGISTRY)
LATENCY = Histogram("hotline_http_request_seconds", "HTTP request latency", ["method", "route"],
                    registry=REGISTRY,
                    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.5, 1, 2, 5))


class JsonFormatter(logging.Formatter):
    """One JSON object per line, with the request id of the request being served."""

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {"ts": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"),
                               "level": record.levelname, "logger": record.name,
                               "msg": record.getMessage(), "request_id": request_id_var.get()}
        if record.exc_info:
            out["exc"] = self.formatException(record.exc_info)
        return json.dumps(out, ensure_ascii=False)


def configure_logging(level: str = "INFO", json_logs: bool = True) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter() if json_logs else
                         logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)


_TOKEN_IN_URL = re.compile(r"([?&](?:access_)?token=)[^&\s\"']+")


def redact(text: str) -> str:
    """A logged URL without the token of its query string."""
    return _TOKEN_IN_URL.sub(r"\1[redacted]", text) if "token=" in text else text


class RedactTokens(logging.Filter):
    """uvicorn logs each request's path with its query (access log; websocket lines in its
    error log): a ``?token=`` in it must not reach the logs."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        return True


def redact_tokens_in_server_logs() -> None:
    """On uvicorn's loggers themselves, so it holds whatever handlers uvicorn configures."""
    for name in ("uvicorn.access", "uvicorn.error"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactTokens) for f in logger.filters):
            logger.addFilter(RedactTokens())


_TEMPLATES: dict[int, list[tuple[re.Pattern, str]]] = {}


def _templates(app) -> list[tuple[re.Pattern, str]]:
    """Path templates of the app's documented routes, most literal first. Built from the
    OpenAPI schema (a third of a second): `warm_up` does it at start-up, not the first request."""
    key = id(app)
    if key not in _TEMPLATES:
        paths = list(getattr(app, "openapi", lambda: {"paths": {}})()["paths"])
        paths.sort(key=lambda p: (p.count("{"), -len(p)))
        _TEMPLATES[key] = [(re.compile("^" + re.sub(r"\\{[^/]+?\\}", "[^/]+", re.escape(p)) + "$"), p)
                           for p in paths]
        _LITERAL[key] = frozenset(p for p in paths if "{" not in p)
    return _TEMPLATES[key]


_LITERAL: dict[int, frozenset[str]] = {}   # the templates without parameters, by app


def warm_up(app) -> None:
    """Build what the first request would otherwise wait for: the route templates (and so the
    OpenAPI schema, which /docs serves from the same cache)."""
    _templates(app)


def _route_of(scope: Scope) -> str:
    """The path template (not the raw path, which would make one series per order id)."""
    path, app = scope["path"], scope.get("app")
    templates = _templates(app)
    if path in _LITERAL[id(app)]:      # a door's path: no need to try sixty patterns first
        return path
    for pattern, template in templates:
        if pattern.match(path):
            return template
    return path if path in ("/metrics", "/healthz", "/readyz") else "unmatched"


class RequestContext:
    """Request id in and out (X-Request-ID), latency and status metrics, and a body size limit."""

    def __init__(self, app: ASGIApp, *, max_body: int, limits: dict[str, int]) -> None:
        """`max_body` for every path but those `limits` names (exact paths: upload routes)."""
        self.app, self.max_body, self.limits = app, max_body, limits

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        rid = headers.get(b"x-request-id", b"").decode("latin-1")[:64] or uuid.uuid4().hex
        token = request_id_var.set(rid)
        limit = self.limits.get(scope["path"], self.max_body)
        declared = headers.get(b"content-length")
        status = {"code": 500}
        started = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
                message.setdefault("headers", []).append((b"x-request-id", rid.encode()))
            await send(message)

        try:
            if declared and declared.isdigit() and int(declared) > limit:
                await _too_large(scope, limit)(scope, receive, send_with_id)
                return
            await self.app(scope, _capped(receive, limit), send_with_id)
        except BodyTooLarge:
            await _too_large(scope, limit)(scope, receive, send_with_id)
        finally:
            route = _route_of(scope)
            REQUESTS.labels(scope["method"], route, str(status["code"])).inc()
            LATENCY.labels(scope["method"], route).observe(time.perf_counter() - started)
            request_id_var.reset(token)


class BodyTooLarge(Exception):
    pass


def _capped(receive: Receive, limit: int) -> Receive:
    """Count streamed bytes too: a chunked body without Content-Length is capped the same."""
    seen = 0

    async def wrapped() -> Message:
        nonlocal seen
        message = await receive()
        if message["type"] == "http.request":
            seen += len(message.get("body", b""))
            if seen > limit:
                raise BodyTooLarge
        return message
    return wrapped


def _too_large(scope: Scope, limit: int) -> Response:
    return error_response(scope["path"], 413, "too_large", f"request body exceeds {limit} bytes")


class OrderStateCollector:
    """Orders by state, queue depth, failed jobs and SLA breaches, read at scrape time."""

    def __init__(self, cache_seconds: float = 15.0) -> None:
        self.cache_seconds, self._at, self._values = cache_seconds, 0.0, None

    def collect(self):
        if self._values is None or time.monotonic() - self._at > self.cache_seconds:
            self._values, self._at = _read_gauges(), time.monotonic()
        by_state, depth, failed, breaches = self._values
        g = GaugeMetricFamily("hotline_orders", "Orders by state", labels=["state"])
        for state, n in sorted(by_state.items()):
            g.add_metric([state], n)
        yield g
        yield GaugeMetricFamily("hotline_queue_depth", "Jobs waiting in the queue", value=depth)
        yield GaugeMetricFamily("hotline_jobs_failed", "Jobs in the failed registry", value=failed)
        yield GaugeMetricFamily("hotline_sla_breaches", "Open hops past their deadline",
                                value=breaches)


def _read_gauges() -> tuple[dict[str, int], int, int, int]:
    from sqlalchemy import func
    from sqlmodel import Session, col, select

    from dispatch.db import get_engine
    from dispatch.jobs.queue import get_queue
    from dispatch.orders.models import Assignment, Order
    from dispatch.sqltypes import utcnow

    with Session(get_engine()) as s:
        by_state = dict(s.exec(select(Order.state, func.count()).group_by(Order.state)).all())
        breaches = s.exec(select(func.count()).select_from(Assignment).where(
            col(Assignment.status).in_(["dispatched", "handling", "return_requested"]),
            col(Assignment.deadline) < utcnow())).one()
    depth, failed = _queue_figures(get_queue())
    return by_state, depth, failed, breaches


def _queue_figures(queue) -> tuple[int, int]:
    rq = getattr(queue, "queue", None)
    if rq is None:
        return queue.depth(), queue.failed
    try:
        return len(rq), rq.failed_job_registry.count
    except Exception:  # Redis down: report nothing rather than fail the scrape
        return -1, -1


class CalendarCollector:
    """1 for each year whose official holidays are wanted now and missing (this year, and the
    next from 60 days before it begins: ``sla.current.years_needing_schedule``): deadlines in
    it count holidays as working days until an admin loads the schedule. Alert on it."""

    def collect(self):
        from sla import current

        g = GaugeMetricFamily("hotline_calendar_schedule_missing",
                              "Years deadlines can reach now without their official holidays",
                              labels=["year"])
        try:
            years = current.years_needing_schedule()
        except Exception:  # the database is down: /readyz says so; the scrape still answers
            years = []
        for year in years:
            g.add_metric([str(year)], 1)
        yield g


REGISTRY.register(OrderStateCollector())
REGISTRY.register(CalendarCollector())


def metrics_response(_: Request) -> Response:
    return Response(generate_latest(REGISTRY), media_type="text/plain; version=0.0.4")
