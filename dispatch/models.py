"""Every table, imported in one place so metadata and migrations see them all."""
from dispatch.auth.models import User  # noqa: F401
from dispatch.knowledge.models import KbEntry  # noqa: F401
from dispatch.orders.models import Assignment, Attachment, Order, TimelineEntry  # noqa: F401
from dispatch.orgs.models import OrgUnit  # noqa: F401
import sla.models  # noqa: F401,E402  calendars, policies, escalations, notifications, KPI aggregates
import channels.models  # noqa: F401,E402  channel client keys, uploads, delivery log
import classifiers.learning.models  # noqa: F401,E402  labelled examples, retraining runs
import dispatch.exports.models  # noqa: F401,E402  background export jobs
import dispatch.realtime.models  # noqa: F401,E402  the outbox of live events
