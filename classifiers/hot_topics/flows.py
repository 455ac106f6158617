"""Hot topics of the last days inside a unit's reach, compared with the days before."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import Session

from classifiers import topics as tp
from classifiers.tokenizer import get_tokenizer
from dispatch.orders.models import Order
from dispatch.orgs.models import OrgUnit
from classifiers.hot_topics import service
from classifiers.hot_topics.schemas import HotTopics, PlacePublic, SamplePublic, TopicPublic

SAMPLES = 3


def _docs(orders: list[Order]) -> list[tp.Doc]:
    cut = get_tokenizer().cut
    return [tp.Doc(id=o.id, tokens=cut(f"{o.title} {o.content}"), at=o.received_at,
                   division_code=o.division_code) for o in orders]


def hot_topics(session: Session, *, reach_path: str, days: int, now: datetime,
               settings: tp.Settings = tp.Settings()) -> HotTopics:
    since, before = now - timedelta(days=days), now - timedelta(days=2 * days)
    current = service.orders_between(session, reach_path=reach_path, since=since, until=now,
                                     limit=settings.max_docs)
    previous = service.orders_between(session, reach_path=reach_path, since=before, until=since,
                                      limit=settings.max_docs)
    by_id = {o.id: o for o in current}
    found = tp.hot_topics(_docs(current), _docs(previous), settings)
    return HotTopics(days=days, since=since, until=now, orders=len(current),
                     topics=[_public(session, t, by_id) for t in found])


def _public(session: Session, t: tp.Topic, by_id: dict[int, Order]) -> TopicPublic:
    newest = sorted((by_id[i] for i in t.order_ids), key=lambda o: o.received_at, reverse=True)
    places = []
    for code, n in t.places:
        unit = session.get(OrgUnit, code)
        places.append(PlacePublic(code=code, name=unit.name if unit else None, orders=n))
    return TopicPublic(keywords=t.keywords, size=t.size, previous=t.previous, growth=t.growth,
                       emerging=t.emerging, places=places, first_at=t.first_at, last_at=t.last_at,
                       samples=[SamplePublic(order_id=o.id, number=o.number, title=o.title)
                                for o in newest[:SAMPLES]])
