"""`hotline` command: demo, serve, worker, sweeper, init-db, load-org, create-user."""
from __future__ import annotations

import argparse
import os
import sys
import threading


def server_options(settings) -> dict:
    """uvicorn's proxy options from HOTLINE_TRUSTED_PROXIES: X-Forwarded-For (the client the
    sign-in throttle counts) is believed only from those addresses, and from none when none
    are listed; uvicorn's own default would believe it from 127.0.0.1."""
    trusted = settings.trusted_proxies.strip()
    if not trusted:
        return {"proxy_headers": False}
    return {"proxy_headers": True, "forwarded_allow_ips": trusted}


def _serve(args: argparse.Namespace, *, demo: bool = False) -> None:
    import uvicorn

    from hotline.api import create_app
    from dispatch.config import get_settings

    level = os.environ.get("HOTLINE_LOG_LEVEL", "INFO").lower()
    proxy = server_options(get_settings())
    if not demo and args.workers > 1:   # processes share nothing but PostgreSQL and Redis
        uvicorn.run("hotline.api:create_app", factory=True, host=args.host, port=args.port,
                    workers=args.workers, log_level=level, **proxy)
        return
    app = create_app()
    if demo:
        from hotline import demo as demo_mod

        units = demo_mod.prepare()
        stream = start_demo_stream(args, units)
        print(f"\n  演示账号 demo users (password {demo_mod.DEMO_PASSWORD}):")
        for username, name, role, unit in demo_mod.demo_users(units):
            print(f"    {username:<18} {role.value:<15} {unit.name} {name}")
        print("\n  演示工单流 demo stream: " + (
            "每 3 秒一张新工单，只推动它自己的工单 (off: --no-stream)" if stream else "关闭 off"))
        print(f"\n  Console: http://{args.host}:{args.port}/console/   "
              f"API docs: http://{args.host}:{args.port}/docs\n")
    uvicorn.run(app, host=args.host, port=args.port, log_level=level, **proxy)


def start_demo_stream(args: argparse.Namespace, units) -> threading.Thread | None:
    """The living stream of demo orders in a daemon thread, unless ``--no-stream``."""
    if args.no_stream:
        return None
    from hotline import demo as demo_mod

    thread = threading.Thread(target=demo_mod.run_stream, args=(units, threading.Event()),
                              daemon=True, name="demo-stream")
    thread.start()
    return thread


def _worker(args: argparse.Namespace) -> None:
    """An RQ worker that outlives Redis restarts: it reconnects instead of exiting."""
    import time

    from redis.exceptions import ConnectionError as RedisDown
    from rq import Queue, SimpleWorker, Worker
    from rq.serializers import JSONSerializer

    from dispatch.config import get_settings
    from dispatch.db import get_engine, init_db
    from dispatch.redis_conn import connect

    s = get_settings()
    if not s.redis_url:
        sys.exit("HOTLINE_REDIS_URL is not set: the embedded mode runs jobs inside the API")
    worker_cls = SimpleWorker if args.simple else Worker
    _wait_for_database(init_db)
    # The worker forks (RQ's scheduler process; with Worker, a work horse per job): a pooled
    # connection opened before a fork would be shared by both processes, and a worker killed
    # -9 would leave its open transaction alive in the child, holding its rows' locks.
    get_engine().dispose()
    while True:
        try:
            conn = connect(s.redis_url)
            queue = Queue(s.queue_name, connection=conn, serializer=JSONSerializer)
            worker = worker_cls([queue], connection=conn, serializer=JSONSerializer)
            # RQ waits up to 60 s between reconnects; after an outage jobs must start at once
            worker.max_connection_wait_time = 1.0
            worker.work(with_scheduler=True, burst=args.burst)
            return
        except RedisDown as exc:
            print(f"worker: Redis unavailable ({exc}); reconnecting in 2 s", file=sys.stderr)
            time.sleep(2)


def _wait_for_database(init_db) -> None:
    """A worker started while the database is down (a failover, a restart) waits for it."""
    import time

    from sqlalchemy.exc import OperationalError

    while True:
        try:
            init_db()
            return
        except OperationalError as exc:
            print(f"worker: database unavailable ({exc.orig}); retrying in 2 s", file=sys.stderr)
            time.sleep(2)


def _sweeper(args: argparse.Namespace) -> None:
    from dispatch.jobs import sweeper

    if args.once:
        print(sweeper.sweep_once())
        return
    sweeper.run_forever(threading.Event())


def _init_db(args: argparse.Namespace) -> None:
    from dispatch.db import get_engine, init_db
    from dispatch.config import get_settings
    from dispatch.orgs import service as orgs
    from sqlmodel import Session

    init_db()
    s = get_settings()
    province = orgs.Province(args.province, args.province_code) if args.province else None
    with Session(get_engine()) as session:
        try:
            n = orgs.load_org_tree(session, s.divisions_csv, s.departments_file, province)
        except orgs.SecondCity as exc:
            sys.exit(f"init-db: {exc}")
    print(f"database ready for {s.city}; {n} org units added")


def _revision(args: argparse.Namespace) -> None:
    from dispatch.db import get_engine
    from dispatch.migrate import revision, upgrade

    upgrade(get_engine())
    revision(get_engine(), args.message)


def _create_user(args: argparse.Namespace) -> None:
    from sqlmodel import Session

    from dispatch.auth import service as users
    from dispatch.auth.models import UserCreate
    from dispatch.db import get_engine, init_db

    init_db()
    with Session(get_engine()) as session:
        u = users.create_user(session, data=UserCreate(username=args.username, role=args.role,
                                                       unit_id=args.unit, password=args.password,
                                                       full_name=args.name or ""))
    print(f"user {u.username} ({u.role}) created in unit {u.unit_id}")


def _import_orders(args: argparse.Namespace) -> None:
    from pathlib import Path

    from tqdm import tqdm

    from dispatch.db import init_db
    from hotline.bulk_import import import_orders

    init_db()
    path = Path(args.file)
    with open(path, "rb") as fh:
        total = max(sum(1 for _ in fh) - 1, 0)
    with tqdm(total=total, unit="row", desc="导入工单", smoothing=0.1) as bar:
        try:
            report = import_orders(path, batch=args.batch, workers=args.workers, progress=bar.update,
                                   status=bar.set_description)
        except (OSError, ValueError) as exc:
            sys.exit(f"import-orders: {exc}")
    print(f"read {report.read:,} rows: imported {report.imported:,}, already present "
          f"{report.duplicates:,}, rejected {report.rejected:,} in {report.seconds:.1f} s "
          f"({report.rate:,.0f} orders/s; KPI aggregates summed up in {report.fold_seconds:.1f} s)")
    for line in report.first_errors:
        print(f"  {line}")
    if report.error_file:
        print(f"rejected rows with their errors: {report.error_file}")


def _route_letters(args: argparse.Namespace) -> None:
    from pathlib import Path

    from tqdm import tqdm

    from classifiers.route_letters import route_letters

    with tqdm(unit="letter", desc="分拨决策") as bar:
        try:
            n = route_letters(Path(args.file), Path(args.out), progress=bar.update)
        except (OSError, KeyError, ValueError) as exc:
            sys.exit(f"route-letters: {exc}")
    print(f"{n} decisions written to {args.out}")


def _routing_history(args: argparse.Namespace) -> None:
    from pathlib import Path

    from sqlmodel import Session

    from classifiers.history import export_history
    from classifiers.routing import OWN_HISTORY
    from dispatch.config import get_settings
    from dispatch.db import get_engine

    out = Path(args.out) if args.out else get_settings().var_dir / OWN_HISTORY
    with Session(get_engine()) as session:
        n = export_history(session, out)
    print(f"{n} closed orders with their handling unit written to {out}")


def build_parser() -> argparse.ArgumentParser:
    from hotline.cities import commands as city_commands

    p = argparse.ArgumentParser(prog="hotline", description="统一热线与联动处置指挥中心")
    sub = p.add_subparsers(dest="cmd", required=True)
    for name, helptext in (("demo", "seed demo data and serve it with a live order stream"),
                           ("serve", "serve the API and console")):
        sp = sub.add_parser(name, help=helptext)
        sp.add_argument("--host", default="127.0.0.1")
        sp.add_argument("--port", type=int, default=8000)
        sp.add_argument("--city", help="a folder under cities/ or a path to one (default: HOTLINE_CITY)")
    sub.choices["serve"].add_argument("--workers", type=int, default=1,
                                      help="server processes (each with its own pool)")
    sub.choices["demo"].add_argument("--no-stream", action="store_true",
                                     help="no stream of new demo orders (the data stays as it is)")
    w = sub.add_parser("worker", help="RQ worker (production mode)")
    w.add_argument("--simple", action="store_true", help="SimpleWorker: no fork per job")
    w.add_argument("--burst", action="store_true")
    sw = sub.add_parser("sweeper", help="re-enqueue orders stuck in 'received'")
    sw.add_argument("--once", action="store_true")
    i = sub.add_parser("init-db", help="migrate the schema to head and load the org tree")
    i.add_argument("--city", help="a folder under cities/ or a path to one (default: HOTLINE_CITY); "
                   "serve the centre with the same HOTLINE_CITY")
    i.add_argument("--province", help="load the city under this province root, beside the cities "
                   "already in it (docs/province.md)")
    i.add_argument("--province-code", default="00", help="the province root's unit code")
    rv = sub.add_parser("revision", help="autogenerate a migration after changing the models")
    rv.add_argument("-m", "--message", required=True)
    im = sub.add_parser("import-orders", help="import historical orders from a CSV file")
    im.add_argument("file")
    im.add_argument("--batch", type=int, default=5_000, help="orders per transaction")
    im.add_argument("--workers", type=int, help="processes parsing and writing (PostgreSQL; default: one per core)")
    rl = sub.add_parser("route-letters", help="the routing decision for each row of a CSV "
                        "(mail_id,title,text[,address]) under the loaded city")
    rl.add_argument("file")
    rl.add_argument("--out", required=True)
    rh = sub.add_parser("routing-history", help="closed orders and the unit that handled each, "
                        "for the unit-routing model (it retrains when the file changes)")
    rh.add_argument("--out", help="default: var/answered_history.csv, which routing reads")
    cu = sub.add_parser("create-user")
    for flag in ("--username", "--role", "--unit", "--password"):
        cu.add_argument(flag, required=True)
    cu.add_argument("--name")
    city_commands.add_parser(sub)
    return p


def main(argv: list[str] | None = None) -> None:
    from hotline.cities import commands as city_commands
    from dispatch.config import get_settings
    from hotline.observability import configure_logging

    args = build_parser().parse_args(argv)
    if getattr(args, "city", None):     # before anything reads the settings
        os.environ["HOTLINE_CITY"] = args.city
        get_settings.cache_clear()
    configure_logging(os.environ.get("HOTLINE_LOG_LEVEL", "INFO"), get_settings().json_logs)
    {"demo": lambda a: _serve(a, demo=True), "serve": _serve, "worker": _worker,
     "sweeper": _sweeper, "init-db": _init_db, "revision": _revision, "create-user": _create_user,
     "import-orders": _import_orders, "route-letters": _route_letters,
     "routing-history": _routing_history,
     "city": city_commands.run}[args.cmd](args)


if __name__ == "__main__":
    main()
