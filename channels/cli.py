"""`python -m channels.cli`: API keys for the channel clients, and re-queueing of stuck notices.

    python -m channels.cli create-key --channel app --name "市民 App 后台"
    python -m channels.cli list-keys
    python -m channels.cli revoke-key 3
    python -m channels.cli requeue            # notices whose job never got queued
"""
from __future__ import annotations

import argparse

from sqlmodel import Session

from channels import service
from channels.enums import KEYED_CHANNELS
from dispatch.db import get_engine, init_db
from dispatch.orders.enums import Channel
from dispatch.sqltypes import utcnow


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(prog="python -m channels.cli", description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    ck = sub.add_parser("create-key", help="a new client key (printed once, stored hashed)")
    ck.add_argument("--channel", required=True, choices=sorted(c.value for c in KEYED_CHANNELS))
    ck.add_argument("--name", required=True)
    sub.add_parser("list-keys")
    rk = sub.add_parser("revoke-key")
    rk.add_argument("client_id", type=int)
    rq = sub.add_parser("requeue", help="queue notices left pending or held by a dead worker")
    rq.add_argument("--older-than", type=int, default=120, help="seconds")
    args = p.parse_args(argv)
    if args.cmd == "requeue":
        from channels.outbound.flows import requeue_waiting

        print(f"{requeue_waiting(older_than_seconds=args.older_than)} notices queued again")
        return
    init_db()
    with Session(get_engine(), expire_on_commit=False) as session:
        if args.cmd == "create-key":
            client, key = service.create_client(session, channel=Channel(args.channel),
                                                name=args.name, created_by="cli")
            session.commit()
            print(f"client {client.id} ({client.channel}, {client.name})\nX-Api-Key: {key}\n"
                  "(shown once: only its hash is stored)")
        elif args.cmd == "list-keys":
            for c in service.list_clients(session):
                state = "active" if c.active else f"revoked {c.revoked_at:%Y-%m-%d}"
                print(f"{c.id:>4}  {c.channel:<8} hk_{c.key_id}_…  {state:<18} {c.name}")
        else:
            client = service.revoke_client(session, client_id=args.client_id, now=utcnow())
            session.commit()
            print(f"client {client.id} revoked")


if __name__ == "__main__":
    main()
