"""The baseline: a bare FastAPI app that durably inserts the same intake payload with asyncpg,
idempotent on (channel, external id) like intake.

`uvicorn bench.bare_app:app` with BARE_DSN=postgresql://… ; the table is created at start-up.
"""
from __future__ import annotations

import json
import os
from contextlib import asynccontextmanager

import asyncpg
from fastapi import FastAPI, Request

DSN = os.environ.get("BARE_DSN", "postgresql://postgres@127.0.0.1:5432/bench_intake")
TABLE = """CREATE TABLE IF NOT EXISTS bare_order (
  id bigserial PRIMARY KEY, channel text NOT NULL, external_id text NOT NULL,
  content text NOT NULL, payload jsonb NOT NULL, received_at timestamptz DEFAULT now(),
  UNIQUE (channel, external_id))"""


@asynccontextmanager
async def lifespan(app: FastAPI):
    app.state.pool = await asyncpg.create_pool(DSN, min_size=4, max_size=16)
    async with app.state.pool.acquire() as conn:
        try:
            await conn.execute(TABLE)
        except asyncpg.exceptions.UniqueViolationError:
            pass  # the other server process created it at the same moment
    yield
    await app.state.pool.close()


app = FastAPI(lifespan=lifespan)


@app.post("/intake", status_code=201)
async def intake(request: Request) -> dict:
    body = await request.json()
    async with app.state.pool.acquire() as conn:
        oid = await conn.fetchval(
            "INSERT INTO bare_order (channel, external_id, content, payload) VALUES ($1,$2,$3,$4)"
            " ON CONFLICT (channel, external_id) DO NOTHING RETURNING id", body["channel"],
            body["external_id"], body["content"], json.dumps(body, ensure_ascii=False))
        if oid is None:   # a retry: the stored row, as intake answers it
            oid = await conn.fetchval("SELECT id FROM bare_order WHERE channel=$1 AND "
                                      "external_id=$2", body["channel"], body["external_id"])
    return {"order_id": oid}
