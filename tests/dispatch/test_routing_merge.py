"""A routing job in an RQ worker takes the routing jobs queued behind it: one group, each
order routed once, the other work of the queue left to run."""
from __future__ import annotations

from redis import Redis
from rq import Queue, SimpleWorker
from rq.job import Job
from rq.serializers import JSONSerializer

from dispatch.jobs.batcher import ROUTE_BATCH_JOB
from dispatch.orders import service as orders
from tests.dispatch.fault_stack import redis_server
from tests.dispatch.test_routing_batch import _city_orders, _routed


def test_a_routing_job_routes_the_routing_jobs_queued_behind_it_in_one_group(session, seeded):
    groups = [_city_orders(session, seeded, 2) for _ in range(4)]
    ids = [i for g in groups for i in g]
    with redis_server() as (_proc, url):
        conn = Redis.from_url(url)
        q = Queue("routing-merge", connection=conn, serializer=JSONSerializer)
        first = q.enqueue(ROUTE_BATCH_JOB, groups[0])
        single = q.enqueue("dispatch.jobs.tasks.route_order", groups[1][0])   # another function
        behind = [q.enqueue(ROUTE_BATCH_JOB, g) for g in groups[1:]]
        SimpleWorker([q], connection=conn, serializer=JSONSerializer).work(burst=True)
        assert first.return_value() == {"dispatch": 8}
        assert not any(Job.exists(job.id, connection=conn) for job in behind)
        assert single.return_value() == "skipped"       # put back, run after the group
        assert q.count == 0
    county_dept = _routed(session, ids)[0][2][0]
    assert _routed(session, ids) == [("dispatched", seeded.county.id, [county_dept], True)] * 8
    for order_id in ids:
        steps = [e.action for e in orders.timeline(session, order_id=order_id)]
        assert steps.count("auto_dispatch") == 1, steps
