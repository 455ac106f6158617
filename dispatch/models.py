"""Every table, imported in one place so metadata and migrations see them all.

The domains built on the core (sla, channels, classifiers) keep their tables in their own
`models` modules; they are named here by import path (like `dispatch.hooks.LISTENERS`) and
imported on first use, so the core never imports the packages above it (docs/architecture.md).
"""
import importlib

from dispatch.auth.models import User  # noqa: F401
from dispatch.knowledge.models import KbEntry  # noqa: F401
from dispatch.orders.models import Assignment, Attachment, Order, TimelineEntry  # noqa: F401
from dispatch.orgs.models import OrgUnit  # noqa: F401
DOMAIN_MODELS = [
    "sla.models",                    # calendars, policies, escalations, notifications, KPI aggregates
    "channels.models",               # channel client keys, uploads, delivery log
    "classifiers.learning.models",   # labelled examples, retraining runs
    "console_ui.monthly.models",     # monthly report figures
    "dispatch.realtime.models",      # the outbox of live events (realtime sits above the models)
]
for _module in DOMAIN_MODELS:
    importlib.import_module(_module)
import dispatch.exports.models  # noqa: F401,E402  background export jobs
