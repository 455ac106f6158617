"""`./dev demo`'s stream moves its own orders only, and `--no-stream` turns it off."""
from __future__ import annotations

import threading

import uvicorn
from sqlmodel import col, select

from hotline import cli, demo
from hotline.demo import DemoStream
from dispatch.orders.models import Order, TimelineEntry
from tests.conftest import wait_until
from tests.helpers import act, auth, new_call, wait_state


def _stream_actors(session, order_id: int) -> list[str]:
    session.expire_all()
    return [e.actor_name for e in session.exec(select(TimelineEntry).where(
        TimelineEntry.order_id == order_id)).all() if e.actor_name.startswith("演示")]


def test_the_demo_stream_leaves_an_order_logged_by_hand_alone(client, tokens, session, seeded):
    """A county call dispatched by hand to the township waits for the township's handler: the
    demo's actors (演示·handler, …) neither sign it nor feed it back nor close it."""
    mine = new_call(client, tokens["county_operator"], division_code=seeded.township.id)
    wait_state(client, tokens["county_dispatcher"], mine["order_id"], "pending_dispatch")
    act(client, tokens["county_dispatcher"], mine["order_id"], "dispatch",
        target_unit_id=seeded.township.id)
    before = session.get(Order, mine["order_id"])
    version = before.version

    stream = DemoStream(seeded)
    stream.rng.sample = lambda rows, k: list(rows)   # every open order it would pick, every tick
    stream.tick()
    # its new order is routed (by a worker, in production mode) before the stream can move it
    wait_until(lambda: session.exec(select(Order.id).where(
        col(Order.external_id).startswith("demo-"), Order.state != "received")).first())
    for _ in range(3):
        stream.tick()

    session.expire_all()
    after = session.get(Order, mine["order_id"])
    assert (after.state, after.version) == ("dispatched", version)
    assert _stream_actors(session, mine["order_id"]) == []
    own = DemoStream.own_open_orders(session)
    assert own and all(o.external_id.startswith("demo-") for o in own)
    assert any(_stream_actors(session, o.id) for o in own)   # its own orders do move
    r = client.get(f"/api/v1/orders/{mine['order_id']}", headers=auth(tokens["county_dispatcher"]))
    assert r.json()["state"] == "dispatched"


def _run_demo(monkeypatch, argv: list[str]) -> threading.Event:
    """`hotline demo …` up to the server, which is not started; set once the stream begins."""
    began = threading.Event()
    monkeypatch.setattr(demo, "prepare", lambda: "units")
    monkeypatch.setattr(demo, "demo_users", lambda units: [])
    monkeypatch.setattr(demo, "run_stream", lambda units, stop: began.set())
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: None)
    cli._serve(cli.build_parser().parse_args(argv), demo=True)
    return began


def test_demo_runs_its_stream_unless_told_no_stream(monkeypatch, capsys):
    # without the stream no thread is started at all: nothing can begin it later
    assert not _run_demo(monkeypatch, ["demo", "--no-stream"]).is_set()
    assert "关闭 off" in capsys.readouterr().out
    assert _run_demo(monkeypatch, ["demo"]).wait(10)
    assert "--no-stream" in capsys.readouterr().out


def test_the_demo_seeds_any_city_villages_or_not(tmp_path, monkeypatch):
    """`./dev demo --city …` on a city whose file stops at townships failed with IndexError."""
    import csv
    import shutil

    from sqlmodel import Session, SQLModel, create_engine

    from dispatch.city import CITIES_DIR
    from dispatch.config import get_settings

    folder = tmp_path / "towns_only"
    folder.mkdir()
    for name in ("city.toml", "departments.json"):
        shutil.copy(CITIES_DIR / "shangluo" / name, folder / name)
    with open(CITIES_DIR / "shangluo" / "divisions.csv", encoding="utf-8", newline="") as src, \
            open(folder / "divisions.csv", "w", encoding="utf-8", newline="") as dst:
        rows = csv.DictReader(src)
        out = csv.DictWriter(dst, fieldnames=rows.fieldnames)
        out.writeheader()
        out.writerows(r for r in rows if r["level"] != "village")
    monkeypatch.setenv("HOTLINE_CITY", str(folder))
    get_settings.cache_clear()
    try:
        engine = create_engine("sqlite://")
        SQLModel.metadata.create_all(engine)
        with Session(engine) as session:
            units = demo.seed(session)
            names = {u for u, *_ in demo.demo_users(units)}
            assert units.city.id == "6110" and units.county.parent_id == "6110"
            assert units.village is None and "village_handler" not in names
            assert {"city_operator", "county_dispatcher", "township_handler"} <= names
    finally:
        get_settings.cache_clear()
