"""The application: every router assembled here, so every URL is visible at once."""
from __future__ import annotations

import gc
import logging
import threading
from contextlib import asynccontextmanager
from functools import partial
from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles

from channels import views as channels
from channels import views_open311 as open311
from classifiers import views as classify
from classifiers.learning import views as classifier_learning
from console_ui import views as console
from dispatch import health
from sla import views as sla
from dispatch.attachments import views as attachments
from dispatch.citizens import views as citizens
from dispatch.auth import views as auth
from dispatch.auth.throttle import LoginLimits
from dispatch.config import get_settings
from dispatch.duplicates import views as duplicates
from dispatch.db import init_db
from dispatch.errors import ERROR_RESPONSES, install_error_handlers
from dispatch.exports import views as exports
from console_ui.geo import views as geo
from dispatch.intake import views as intake
from dispatch.jobs import sweeper
from dispatch.knowledge import views as knowledge
from dispatch.orders import views as orders
from hotline.observability import (RequestContext, configure_logging, metrics_response,
                                    redact_tokens_in_server_logs, warm_up)
from dispatch.orgs import views as orgs
from classifiers.hot_topics import views as topics
from dispatch.ratelimit import Counters, LoginThrottle, RateLimit, Rule
from dispatch.realtime.broker import get_broker
from dispatch.realtime import views as realtime
from sla import scheduled as sla_scheduled

log = logging.getLogger(__name__)
CONSOLE_DIR = Path(__file__).resolve().parent.parent / "console_ui" / "static"

api_v1 = APIRouter(prefix="/api/v1", responses=ERROR_RESPONSES)
# The doors first: FastAPI matches a path against the routers in order, twice per level, and
# looking through the fifteen routers before the channels' cost their intakes a fifth of the
# API's CPU (no two routers share a path, so the order decides nothing else).
api_v1.include_router(intake.router)
api_v1.include_router(channels.router)
api_v1.include_router(auth.router)
api_v1.include_router(orgs.router)
api_v1.include_router(orders.router)
api_v1.include_router(exports.router)
api_v1.include_router(duplicates.router)
api_v1.include_router(topics.router)
api_v1.include_router(attachments.router)
api_v1.include_router(realtime.router)
api_v1.include_router(knowledge.router)
api_v1.include_router(classify.router)
api_v1.include_router(classifier_learning.router)
api_v1.include_router(sla.router)
api_v1.include_router(console.router)
api_v1.include_router(citizens.router)         # public: the status page's look-up
api_v1.include_router(geo.router)


@asynccontextmanager
async def lifespan(app: FastAPI):
    settings = get_settings()
    if settings.json_logs:
        configure_logging(logging.getLevelName(logging.getLogger().level), json_logs=True)
    init_db()
    stop = threading.Event()
    if app.state.run_sweeper:
        sweeper.start_background(stop)
        sla_scheduled.start_background(stop)  # escalations + KPI reconcile, once a minute
    await get_broker().start_relay()
    log.info("started: db=%s queue=%s", settings.database_url.split("@")[-1],
             "embedded" if settings.embedded_queue else "rq")
    warm_up(app)
    _tune_gc()
    yield
    stop.set()
    await get_broker().stop_relay()


_GC_TUNED = threading.Event()


def _tune_gc() -> None:
    """Once per process: what start-up built (modules, routes, pools) lives as long as the
    process, so the collector stops walking it (``gc.freeze``), and it runs every 20,000
    allocations instead of 700 (a request makes a few thousand). bench_intake.py, hotline p99:
    216 and 229 ms before, 130 and 137 ms after (two runs each, alternating)."""
    if not _GC_TUNED.is_set():
        _GC_TUNED.set()
        gc.freeze()
        gc.set_threshold(20_000, 20, 20)


def _install_limits(app: FastAPI) -> None:
    """Failed sign-ins (counted by the login flow) and the public channel doors (middleware),
    on counters shared by the replicas through Redis."""
    s = get_settings()
    counters = Counters(s.redis_url, timeout=s.limiter_timeout_seconds)
    app.state.login_throttle = LoginThrottle(counters, LoginLimits(
        window=s.login_window_seconds, per_client=s.login_failures_per_client,
        per_account=s.login_failures_per_account, account_alarm=s.login_failures_account_alarm))
    app.state.status_throttle = LoginThrottle(counters, LoginLimits(
        window=s.status_window_seconds, per_client=s.status_misses_per_client,
        per_account=s.status_misses_per_order, account_alarm=s.status_misses_order_alarm),
        scope="status")
    public = frozenset({"GET", "POST"})
    app.add_middleware(RateLimit, counters=counters,
                       rules=[Rule("/api/v1/channels/", s.channel_rate_per_minute, 60),
                              Rule("/api/v1/public/", s.public_rate_per_minute, 60, public),
                              Rule("/open311/", s.public_rate_per_minute, 60, public)])


def _install_middleware(app: FastAPI) -> None:
    s = get_settings()
    _install_limits(app)
    # outermost: every response, even a 429 or 413, carries the request id and is counted
    one_file = s.attachment_max_bytes + 64 * 1024      # a multipart upload of one attachment
    limits = {"/api/v1/attachments": one_file, "/api/v1/channels/attachments": one_file,
              **{f"/api/v1{path}": s.max_upload_body_bytes for path in channels.PHOTO_PATHS}}
    app.add_middleware(RequestContext, max_body=s.max_body_bytes, limits=limits)


def _openapi(app: FastAPI) -> dict:
    """FastAPI's schema plus the channel payloads' definitions (their views read raw bodies,
    so FastAPI does not see those models)."""
    if app.openapi_schema is None:
        components = FastAPI.openapi(app).setdefault("components", {}).setdefault("schemas", {})
        for name, definition in channels.SCHEMAS.items():
            if components.setdefault(name, definition) != definition:
                raise RuntimeError(f"two different OpenAPI schemas are named {name}")
    return app.openapi_schema


def create_app(*, run_sweeper: bool = True) -> FastAPI:
    # Metrics are Prometheus' (/metrics) and logs our JSON lines; FastAPI's own OpenTelemetry
    # hooks would only look up unconfigured providers on every request.
    app = FastAPI(title="统一热线与联动处置指挥中心 API", version="0.1.0", lifespan=lifespan,
                  description="Unified hotline and incident-linkage dispatch centre. "
                              "Errors share one shape: {code, message, details}; "
                              "Open311 (/open311/v2/) answers the GeoReport spec's "
                              "[{code, description}].",
                  telemetry={"tracing": False, "metrics": False, "logs": False})
    app.openapi = partial(_openapi, app)
    app.state.run_sweeper = run_sweeper
    redact_tokens_in_server_logs()
    install_error_handlers(app)
    _install_middleware(app)
    app.include_router(api_v1)
    app.include_router(health.router)
    app.add_route("/metrics", metrics_response, include_in_schema=False)
    app.include_router(open311.router)             # /open311/v2/, where the spec puts it
    if CONSOLE_DIR.is_dir():
        app.mount("/status", StaticFiles(directory=CONSOLE_DIR / "status", html=True),
                  name="status")                   # citizens: the public status page
        app.mount("/console", StaticFiles(directory=CONSOLE_DIR, html=True), name="console")

    @app.get("/", include_in_schema=False)
    def root() -> RedirectResponse:
        return RedirectResponse("/console/" if CONSOLE_DIR.is_dir() else "/docs")

    return app
