"""Demo data: the org tree, one user per role for a few units, and a living stream of orders.

The stream moves only the orders it created itself (external ids starting ``demo-``): an order
someone logs by hand while the demo runs is left to that person. ``hotline demo --no-stream``
serves the demo data without the stream.
"""
from __future__ import annotations

import csv
import logging
import random
import threading
from dataclasses import dataclass
from pathlib import Path

from sqlmodel import Session, col, select

from dispatch.auth import service as users
from dispatch.auth.models import User, UserCreate
from dispatch.config import get_settings
from dispatch.db import get_engine, init_db
from dispatch.intake import flows as intake
from dispatch.intake.schemas import IntakeRequest
from dispatch.knowledge import service as knowledge
from dispatch.orders import flows
from dispatch.orders.effects import ActionInput
from dispatch.orders.enums import Action, Channel, Role, State, UnitKind
from dispatch.orders.lifecycle import Actor
from dispatch.orders.models import Assignment, Order
from dispatch.orgs import service as orgs
from dispatch.orgs.models import OrgUnit

log = logging.getLogger(__name__)
DEMO_PASSWORD = "demo12345"
TEXTS_CSV = Path(__file__).resolve().parent.parent / "classifiers" / "data" / "taidi2020_train.csv"
STREAM_PREFIX = "demo-"      # the external ids of the stream's own orders
OPEN_STATES = [s.value for s in State if s not in (State.closed, State.refused, State.transferred,
                                                   State.merged, State.received)]
CHANNELS = [Channel.hotline_12345] * 5 + [Channel.hotline_12328, Channel.hotline_12319,
            Channel.wechat, Channel.app, Channel.website, Channel.weibo, Channel.police_110]


@dataclass(frozen=True)
class DemoUnits:
    city: OrgUnit
    county: OrgUnit
    township: OrgUnit
    village: OrgUnit | None       # a city whose file stops at townships has none
    county_dept: OrgUnit
    city_dept: OrgUnit
    centre: OrgUnit | None = None   # the tree's root: the province above the city, if any


def pick_units(session: Session) -> DemoUnits:
    """The first county in the file, its first township and that township's first village (if
    the file has villages), and their housing department (or their first department)."""
    city = orgs.city_platform(session)
    county = orgs.children(session, city.id)
    county = next(u for u in county if u.kind == UnitKind.platform.value)
    township = next(u for u in orgs.children(session, county.id)
                    if u.kind == UnitKind.territorial.value)
    village = next(iter(orgs.children(session, township.id)), None)
    centre = orgs.get_unit(session, city.parent_id) if city.parent_id else city
    return DemoUnits(city, county, township, village, _a_department(session, county),
                     _a_department(session, city), centre)


def _a_department(session: Session, platform: OrgUnit) -> OrgUnit:
    return orgs.department_for(session, platform=platform, category=None, dept_type="housing") or \
        next(u for u in orgs.children(session, platform.id) if u.kind == UnitKind.department.value)


def demo_users(u: DemoUnits) -> list[tuple[str, str, Role, OrgUnit]]:
    village = [("village_handler", f"{u.village.name}承办人", Role.handler, u.village)] \
        if u.village is not None else []
    return [
        ("admin", "系统管理员", Role.admin, u.centre or u.city),
        ("city_operator", "市话务员", Role.operator, u.city),
        ("city_dispatcher", "市派单员", Role.dispatcher, u.city),
        ("city_callback", "市回访员", Role.callback_agent, u.city),
        ("city_supervisor", "市督办领导", Role.supervisor, u.city),
        ("county_operator", f"{u.county.name}话务员", Role.operator, u.county),
        ("county_dispatcher", f"{u.county.name}派单员", Role.dispatcher, u.county),
        ("county_callback", f"{u.county.name}回访员", Role.callback_agent, u.county),
        ("county_supervisor", f"{u.county.name}督办", Role.supervisor, u.county),
        ("township_handler", f"{u.township.name}承办人", Role.handler, u.township),
        *village,
        ("dept_handler", f"{u.county_dept.name}承办人", Role.handler, u.county_dept),
        ("city_dept_handler", f"{u.city_dept.name}承办人", Role.handler, u.city_dept),
    ]


def seed(session: Session) -> DemoUnits:
    """Org tree and demo users (idempotent)."""
    s = get_settings()
    added = orgs.load_org_tree(session, s.divisions_csv, s.departments_file)
    log.info("org tree: %d units added", added)
    units = pick_units(session)
    for username, name, role, unit in demo_users(units):
        if session.exec(select(User).where(User.username == username)).first() is None:
            users.create_user(session, data=UserCreate(username=username, full_name=name,
                                                       role=role.value, unit_id=unit.id,
                                                       password=DEMO_PASSWORD))
    knowledge.load_seed(session)
    return units


def load_texts(limit: int = 400, seed_value: int = 7) -> list[tuple[str, str]]:
    with open(TEXTS_CSV, encoding="utf-8") as fh:
        rows = [(r["text"], r["label"]) for r in csv.DictReader(fh)]
    random.Random(seed_value).shuffle(rows)
    return rows[:limit]


class DemoStream:
    """New orders arrive and open ones move one step, every few seconds, like a real centre."""

    def __init__(self, units: DemoUnits, *, seed_value: int = 7) -> None:
        self.units, self.rng = units, random.Random(seed_value)
        self.texts = load_texts()
        self.n = 0

    def new_order(self, session: Session) -> None:
        text, label = self.texts[self.n % len(self.texts)]
        self.n += 1
        places = orgs.children(session, self.units.township.id)
        place = self.rng.choice(places + [self.units.township])
        channel = self.rng.choice(CHANNELS)
        intake.receive(session, IntakeRequest(
            channel=channel, external_id=f"{STREAM_PREFIX}{self.rng.getrandbits(48):x}",
            content=text[:1000], citizen_name=self.rng.choice(["张先生", "李女士", "王先生", "刘女士"]),
            citizen_phone=f"139{self.rng.randrange(10**8):08d}", division_code=place.id,
            category_hint=label if self.rng.random() < 0.6 else None,
            address=f"{self.units.county.name}{place.name}"))

    def advance(self, session: Session, order: Order) -> None:
        step = self._next_step(session, order)
        if step is None:
            return
        action, actor, inp = step
        try:
            flows.apply_action(session, order_id=order.id, action=action, actor=actor,
                               actor_name=f"演示·{actor.role.value}", inp=inp)
        except Exception as exc:  # the demo keeps going whatever one order does
            session.rollback()
            log.debug("demo step %s on %s skipped: %s", action, order.number, exc)

    def _next_step(self, session: Session, order: Order):
        platform = Actor(Role.dispatcher, order.platform_path)
        hop = session.get(Assignment, order.current_hop_id) if order.current_hop_id else None
        handler = Actor(Role.handler, hop.to_path) if hop else None
        st = State(order.state)
        if st == State.pending_dispatch:
            if order.platform_path == self.units.city.path:
                return Action.transfer_platform, platform, ActionInput(
                    target_unit_id=self.units.county.id, reason="属地县区处理")
            target = self.units.township if self.rng.random() < 0.6 else self.units.county_dept
            return Action.dispatch, platform, ActionInput(target_unit_id=target.id, reason="派单")
        if st == State.dispatched:
            return Action.sign_for, handler, ActionInput()
        if st == State.handling:
            if hop.to_unit_id == self.units.township.id and order.division_code \
                    and order.division_code != self.units.township.id and self.rng.random() < 0.6:
                return Action.pass_down, handler, ActionInput(target_unit_id=order.division_code,
                                                              reason="属地村（社区）处理")
            return Action.feedback, handler, ActionInput(
                reason="已现场核实并处理完毕", contacted=True, solved=self.rng.random() < 0.9,
                public_reply="您反映的问题已处理，感谢您的监督。")
        if st == State.feedback_submitted:
            return Action.audit_pass, platform, ActionInput()
        if st == State.site_check:
            return Action.site_check_pass, platform, ActionInput(reason="现场核查属实")
        if st == State.callback_pending:
            satisfied = self.rng.random() < 0.85
            return Action.callback, Actor(Role.callback_agent, order.platform_path), ActionInput(
                reached=True, contacted=True, solved=satisfied, satisfied=satisfied,
                rehandle=not satisfied and self.rng.random() < 0.5, reason="回访完成")
        if st == State.verified:
            return Action.close, platform, ActionInput()
        return None

    @staticmethod
    def own_open_orders(session: Session, limit: int = 200) -> list[Order]:
        """The stream's own orders still in the loop, oldest first; nobody else's."""
        return list(session.exec(select(Order).where(
            col(Order.state).in_(OPEN_STATES),
            col(Order.external_id).startswith(STREAM_PREFIX, autoescape=True))
            .order_by(Order.id).limit(limit)).all())

    def tick(self) -> None:
        with Session(get_engine(), expire_on_commit=False) as session:
            self.new_order(session)
            rows = self.own_open_orders(session)
            for order in self.rng.sample(rows, min(len(rows), 6)):
                self.advance(session, order)


def run_stream(units: DemoUnits, stop: threading.Event, *, interval: float = 3.0,
               warmup: int = 40) -> None:
    """Warm up with a backlog in every step, then keep the centre alive."""
    stream = DemoStream(units)
    for _ in range(warmup):
        stream.tick()
    while not stop.wait(interval):
        try:
            stream.tick()
        except Exception:
            log.exception("demo tick failed")


def prepare() -> DemoUnits:
    init_db()
    with Session(get_engine(), expire_on_commit=False) as session:
        units = seed(session)
    if get_settings().router == "classifier":
        # the first run trains the model from the shipped messages (stored under var/models)
        log.info("loading the classifier (first run: training it, about half a minute)…")
        from classifiers.routing import _classifier
        _classifier()
    return units

