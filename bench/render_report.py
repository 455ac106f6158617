"""The monthly report on realistic history, rendered to PNG: figures, document, pages.

    .venv/bin/python bench/render_report.py [--rows 6000] [--db report_pages] [--out docs/report]

Writes ``--rows`` historical orders over two years (bench_import's generator: the loaded city's
units, real citizen texts) into a fresh PostgreSQL database, imports them with
``hotline import-orders``, writes the report of the last full month of that history, converts
it with LibreOffice (``soffice``, Debian's libreoffice-writer-nogui) to PDF and its first pages
with ``pdftoppm`` (poppler-utils) to PNG. Prints the seconds of each step.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--rows", type=int, default=6000)
    p.add_argument("--db", default="report_pages")
    p.add_argument("--out", type=Path, default=ROOT / "docs" / "report")
    p.add_argument("--pages", type=int, default=3)
    args = p.parse_args()
    url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{args.db}"
    os.environ["HOTLINE_DATABASE_URL"] = url
    os.environ.pop("HOTLINE_REDIS_URL", None)
    import bench_import
    from bench.bench_intake import recreate_db

    bench_import.URL, bench_import.DB = url, args.db
    recreate_db(args.db)
    from sqlmodel import Session

    from dispatch.config import get_settings
    from dispatch.db import get_engine, init_db
    from console_ui.monthly import document, flows
    from dispatch.orgs import service as orgs
    from dispatch.sqltypes import utcnow

    init_db()
    with Session(get_engine(), expire_on_commit=False) as session:
        orgs.load_org_tree(session, get_settings().divisions_csv, get_settings().departments_file)
    csv_path = Path(f"/tmp/{args.db}-history.csv")
    t0 = time.monotonic()
    bench_import.write_csv(csv_path, args.rows)
    bench_import.run_import(csv_path, 5000, 1)
    t1 = time.monotonic()
    # the history ends 60 days ago (bench_import): the last month it covers in full
    month = (date.today() - timedelta(days=60)).replace(day=1) - timedelta(days=1)
    with Session(get_engine(), expire_on_commit=False) as session:
        snap = flows.snapshot(session, scope=orgs.city_platform(session), month=month.replace(day=1), now=utcnow())
    t2 = time.monotonic()
    content = document.render(snap.figures)
    t3 = time.monotonic()
    args.out.mkdir(parents=True, exist_ok=True)
    docx = args.out / f"monthly-report-{snap.period}.docx"
    docx.write_bytes(content)
    subprocess.run(["soffice", "--headless", "--convert-to", "pdf", "--outdir", "/tmp", str(docx)], check=True,
                   capture_output=True, timeout=300)
    pdf = Path("/tmp") / docx.with_suffix(".pdf").name
    subprocess.run(["pdftoppm", "-png", "-r", "70", "-f", "1", "-l", str(args.pages), str(pdf),
                    str(args.out / "monthly-report-page")], check=True, timeout=300)
    t4 = time.monotonic()
    print(f"history {args.rows:,} orders written and imported in {t1 - t0:.0f} s; report of {snap.period}: "
          f"{snap.figures['summary']['received']:,} orders")
    print(f"figures {t2 - t1:.1f} s, document {t3 - t2:.1f} s ({len(content) / 1024:.0f} KiB), "
          f"PDF and {args.pages} PNG pages {t4 - t3:.1f} s -> {args.out}")


if __name__ == "__main__":
    main()
