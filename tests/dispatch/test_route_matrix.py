"""Role × route over EVERY endpoint of the app: a route missing from ROUTES fails the test, so
a new endpoint comes with its row. Each row says which signed-in roles may call the route; every
other role gets 403, a caller without a token 401. An administrator works inside its own unit's
subtree (users); the centre-wide settings (calendars, policies, KPI weights, the knowledge base,
channel keys, the classifier) are for the centre's administrators, not a county's. Allowed roles must get past the checks (any
answer but 401/403: 404 for the placeholder ids, 422 for the empty bodies sent here). Order
actions per state and unit are in test_role_matrix.py; the websocket in test_realtime.py.
"""
from __future__ import annotations

import re

import pytest
from fastapi.routing import iter_route_contexts

from tests.helpers import auth

USERS = {"operator": "county_operator", "dispatcher": "county_dispatcher",
         "callback": "county_callback", "handler": "township_handler",
         "supervisor": "county_supervisor", "admin": "admin", "county_admin": "county_admin"}
ALL = frozenset(USERS)
ADMIN = frozenset({"admin", "county_admin"})         # each over its own subtree
CENTRE = frozenset({"admin"})                        # centre-wide settings
ANALYST = frozenset({"dispatcher", "supervisor"}) | ADMIN       # KPIs, overdue, exports of them
DESK = frozenset({"operator", "dispatcher"})                    # platform desks log calls
OWN_AUTH = None   # public doors with their own credential (signature, API key, password)

ROUTES: dict[tuple[str, str], frozenset | None] = {
    ("POST", "/api/v1/auth/token"): OWN_AUTH,
    ("POST", "/api/v1/auth/logout"): ALL,
    ("GET", "/api/v1/auth/me"): ALL,
    ("POST", "/api/v1/users"): ADMIN,
    ("GET", "/api/v1/users"): ADMIN,
    ("GET", "/api/v1/units"): ALL,
    ("GET", "/api/v1/units/{unit_id}"): ALL,
    ("GET", "/api/v1/units/{unit_id}/children"): ALL,
    ("POST", "/api/v1/intake"): DESK,
    ("GET", "/api/v1/orders"): ALL,
    ("GET", "/api/v1/orders/stats/by-state"): ALL,
    ("GET", "/api/v1/orders/by-phone/{phone}"): DESK | {"callback"},
    ("GET", "/api/v1/orders/{order_id}"): ALL,
    ("POST", "/api/v1/orders/{order_id}/actions/{action}"): ALL,   # per state: test_role_matrix
    ("POST", "/api/v1/exports"): ALL,
    ("GET", "/api/v1/exports/{job_id}"): ALL,
    ("GET", "/api/v1/exports/{job_id}/file"): ALL,
    ("GET", "/api/v1/orders/{order_id}/duplicates"): ALL,
    ("GET", "/api/v1/insights/hot-topics"): ANALYST,
    ("POST", "/api/v1/attachments"): ALL,
    ("GET", "/api/v1/attachments/{attachment_id}"): ALL,
    ("GET", "/api/v1/knowledge"): ALL,
    ("GET", "/api/v1/knowledge/{entry_id}"): ALL,
    ("POST", "/api/v1/knowledge"): CENTRE,
    ("PUT", "/api/v1/knowledge/{entry_id}"): CENTRE,
    ("DELETE", "/api/v1/knowledge/{entry_id}"): CENTRE,
    ("GET", "/api/v1/channels/wechat"): OWN_AUTH,
    ("POST", "/api/v1/channels/wechat"): OWN_AUTH,
    ("POST", "/api/v1/channels/clients"): CENTRE,
    ("GET", "/api/v1/channels/clients"): CENTRE,
    ("POST", "/api/v1/channels/clients/{client_id}/revoke"): CENTRE,
    ("GET", "/api/v1/channels/deliveries"): ALL - {"handler"},
    ("POST", "/api/v1/channels/attachments"): OWN_AUTH,
    ("GET", "/api/v1/channels"): CENTRE,
    ("POST", "/api/v1/channels/cti/calls"): OWN_AUTH,
    ("POST", "/api/v1/channels/weibo/messages"): OWN_AUTH,
    ("POST", "/api/v1/channels/110/incidents"): OWN_AUTH,
    ("POST", "/api/v1/channels/app/reports"): OWN_AUTH,
    ("POST", "/api/v1/channels/grid/events"): OWN_AUTH,
    ("POST", "/api/v1/channels/website/letters"): OWN_AUTH,
    ("POST", "/api/v1/channels/cppcc/items"): OWN_AUTH,
    ("POST", "/api/v1/channels/grid/batches"): OWN_AUTH,
    ("POST", "/api/v1/classify"): ALL,
    ("GET", "/api/v1/classifier/categories"): ALL,
    ("GET", "/api/v1/classifier/versions"): CENTRE,
    ("POST", "/api/v1/classifier/versions/{version}/promote"): CENTRE,
    ("POST", "/api/v1/classifier/rollback"): CENTRE,
    ("POST", "/api/v1/classifier/retrainings"): CENTRE,
    ("GET", "/api/v1/classifier/retrainings"): CENTRE,
    ("GET", "/api/v1/classifier/retrainings/{run_id}"): CENTRE,
    ("GET", "/api/v1/classifier/examples"): CENTRE,
    ("GET", "/api/v1/sla/calendar/years"): ALL,
    ("GET", "/api/v1/sla/calendar/missing"): ALL,
    ("GET", "/api/v1/sla/calendar/years/{year}"): ALL,
    ("POST", "/api/v1/sla/calendar/years"): CENTRE,
    ("POST", "/api/v1/sla/calendar/upload"): CENTRE,
    ("DELETE", "/api/v1/sla/calendar/years/{year}"): CENTRE,
    ("GET", "/api/v1/sla/calendar/deadline"): ALL,
    ("GET", "/api/v1/sla/policies"): ALL,
    ("GET", "/api/v1/sla/policies/current"): ALL,
    ("GET", "/api/v1/sla/policies/{version}"): ALL,
    ("POST", "/api/v1/sla/policies"): CENTRE,
    ("GET", "/api/v1/sla/kpi/definitions"): ALL,
    ("GET", "/api/v1/sla/kpi"): ANALYST,
    ("GET", "/api/v1/sla/kpi.xlsx"): ANALYST,
    ("GET", "/api/v1/sla/kpi/weights"): ANALYST,
    ("PUT", "/api/v1/sla/kpi/weights"): CENTRE,
    ("POST", "/api/v1/sla/kpi/rebuild"): CENTRE,
    ("GET", "/api/v1/sla/overdue"): ANALYST,
    ("GET", "/api/v1/sla/overdue.xlsx"): ANALYST,
    ("POST", "/api/v1/sla/escalations/run"): CENTRE,
    ("GET", "/api/v1/sla/notifications"): ALL,
    ("POST", "/api/v1/sla/notifications/{notification_id}/read"): ALL,
    ("GET", "/api/v1/console/approvals"): ALL,
    ("POST", "/api/v1/public/status"): OWN_AUTH,   # citizens: order number + phone suffix
    ("GET", "/api/v1/geo/map"): ANALYST,
    ("GET", "/api/v1/geo/points"): ANALYST,
    ("POST", "/api/v1/public/ratings"): OWN_AUTH,  # citizens: the closure link's signed token
    ("POST", "/api/v1/public/ratings/check"): OWN_AUTH,
    ("WS", "/api/v1/ws"): ALL,     # token in the query; 4401 otherwise: test_realtime.py
}
# allowed roles are not called here: the call would do real work (sign out a shared user,
# retrain, rebuild); their refusals are still checked
NOT_CALLED_WHEN_ALLOWED = {("POST", "/api/v1/auth/logout"), ("POST", "/api/v1/classifier/rollback"),
                           ("POST", "/api/v1/classifier/retrainings"),
                           ("POST", "/api/v1/sla/kpi/rebuild"),
                           ("POST", "/api/v1/sla/escalations/run")}


@pytest.fixture(scope="module")
def callers(client, tokens, seeded):
    """The demo users' tokens and a county's administrator's."""
    from hotline.demo import DEMO_PASSWORD

    client.post("/api/v1/users", headers=auth(tokens["admin"]), json={
        "username": "county_admin", "role": "admin", "unit_id": seeded.county.id,
        "password": DEMO_PASSWORD})
    r = client.post("/api/v1/auth/token", data={"username": "county_admin",
                                               "password": DEMO_PASSWORD})
    return {**tokens, "county_admin": r.json()["access_token"]}


def app_routes(app) -> set[tuple[str, str]]:
    found = set()
    for ctx in iter_route_contexts(app.routes):
        if not ctx.path.startswith("/api/v1"):
            continue
        methods = getattr(ctx.original_route, "methods", None)
        found |= {(m, ctx.path) for m in (methods or {"WS"}) - {"HEAD"}}
    return found


def test_every_route_has_a_row(app):
    routes = app_routes(app)
    assert not routes - ROUTES.keys(), f"add rows to ROUTES for {sorted(routes - ROUTES.keys())}"
    assert not ROUTES.keys() - routes, f"rows for routes gone: {sorted(ROUTES.keys() - routes)}"


HTTP_ROWS = sorted((k, v) for k, v in ROUTES.items() if v is not None and k[0] != "WS")


@pytest.mark.parametrize("route,allowed", HTTP_ROWS, ids=[f"{m} {p}" for (m, p), _ in HTTP_ROWS])
def test_each_role_is_allowed_or_refused_as_its_row_says(client, callers, route, allowed):
    method, path = route
    url = re.sub(r"\{[^}]+\}", "0", path)
    body = {} if method in ("POST", "PUT") else None
    assert client.request(method, url, json=body).status_code == 401, "anonymous"
    for role, user in USERS.items():
        if role in allowed and route in NOT_CALLED_WHEN_ALLOWED:
            continue
        status = client.request(method, url, json=body, headers=auth(callers[user])).status_code
        if role in allowed:
            assert status not in (401, 403), f"{role} refused ({status})"
        else:
            assert status == 403, f"{role} got {status}"


@pytest.mark.parametrize("path", ["/api/v1/sla/kpi.xlsx", "/api/v1/sla/overdue.xlsx",
                                  "/api/v1/sla/kpi", "/api/v1/sla/overdue"])
def test_exports_stay_inside_the_callers_reach(client, tokens, seeded, session, path):
    """A county supervisor exports its own county, not a neighbour's nor the city's."""
    from dispatch.orgs import service as orgs

    other = [u for u in orgs.children(session, seeded.city.id)
             if u.kind == "platform" and u.id != seeded.county.id][0]
    me = auth(tokens["county_supervisor"])
    assert client.get(path, params={"unit_id": seeded.county.id}, headers=me).status_code == 200
    for unit in (other.id, seeded.city.id):
        assert client.get(path, params={"unit_id": unit}, headers=me).status_code == 403
    assert client.get(path, params={"unit_id": other.id},
                      headers=auth(tokens["city_supervisor"])).status_code == 200


def test_a_county_admin_sees_and_makes_users_only_inside_its_county(client, callers, seeded,
                                                                    session):
    from sqlmodel import select

    from hotline.demo import DEMO_PASSWORD
    from dispatch.orgs.models import OrgUnit

    paths = dict(session.exec(select(OrgUnit.id, OrgUnit.path)).all())
    listed = client.get("/api/v1/users", headers=auth(callers["county_admin"])).json()
    assert {"county_operator", "county_admin", "township_handler"} <= {u["username"] for u in listed}
    assert all(paths[u["unit_id"]].startswith(seeded.county.path) for u in listed), listed
    everyone = client.get("/api/v1/users", headers=auth(callers["admin"])).json()
    assert {"admin", "city_operator", "county_admin"} <= {u["username"] for u in everyone}
    r = client.post("/api/v1/users", headers=auth(callers["county_admin"]), json={
        "username": "city_by_county", "role": "admin", "unit_id": seeded.city.id,
        "password": DEMO_PASSWORD})
    assert r.status_code == 403


def test_public_channel_doors_are_rate_limited_and_the_desk_api_is_not(app):
    """The app's own limiter rules, tightened to 2 a minute, over a stub: the third delivery
    from one address to a channel door is 429 with Retry-After; other paths are not counted."""
    from starlette.applications import Starlette
    from starlette.responses import PlainTextResponse
    from starlette.routing import Route
    from starlette.testclient import TestClient

    from dispatch.ratelimit import Counters, RateLimit, Rule

    rules = [m.kwargs["rules"] for m in app.user_middleware if m.cls is RateLimit][0]
    stub = Starlette(routes=[Route("/api/v1/{rest:path}", lambda r: PlainTextResponse("ok"),
                                   methods=["POST"])])
    c = TestClient(RateLimit(stub, counters=Counters(None),
                             rules=[Rule(r.prefix, 2, 60) for r in rules]))
    codes = [c.post("/api/v1/channels/weibo/messages").status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    assert int(c.post("/api/v1/channels/app/reports").headers["retry-after"]) > 0
    assert {c.post("/api/v1/intake").status_code for _ in range(5)} == {200}
