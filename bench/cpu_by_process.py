"""CPU used by each part of a running benchmark: routing workers, API processes, PostgreSQL,
Redis and the load process, read from /proc (Linux) over a window of a command's run.

    .venv/bin/python bench/cpu_by_process.py [--after 14] [--window 10] [--per N] -- COMMAND...

e.g. ``... -- .venv/bin/python bench/bench_e2e.py --rate 500 --seconds 20 --router rule``
starts the command, waits ``--after`` seconds (its set-up), samples every process's CPU time,
waits ``--window`` seconds and samples again; prints cores used by each part, and with
``--per`` (orders/s sent during the window) milliseconds of CPU per order. The command's own
output follows. Processes are told apart by their command lines.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time

PARTS = (("routing workers", "worker --simple"), ("API", "spawn_main"), ("API", "uvicorn"),
         ("PostgreSQL", "postgres:"), ("Redis", "redis-server"), ("load process", "bench/bench_"))


def part_of(cmdline: str) -> str | None:
    return next((name for name, mark in PARTS if mark in cmdline), None)


def cpu_seconds() -> dict[str, tuple[str, float]]:
    """pid → (command line, user + system CPU seconds so far)."""
    tick, out = os.sysconf("SC_CLK_TCK"), {}
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            cmd = open(f"/proc/{pid}/cmdline", "rb").read().replace(b"\0", b" ").decode(errors="replace")
            fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
        except OSError:
            continue                 # ended between listing and reading
        out[pid] = (cmd, (int(fields[11]) + int(fields[12])) / tick)
    return out


def used_by_part(before: dict[str, tuple[str, float]],
                 after: dict[str, tuple[str, float]]) -> dict[str, float]:
    """CPU seconds each part used between two ``cpu_seconds()`` samples, process by process
    (one that exited in between is left out)."""
    used: dict[str, float] = {}
    for pid, (cmd, cpu) in after.items():
        part = part_of(cmd)
        if part:
            used[part] = used.get(part, 0.0) + cpu - before.get(pid, (cmd, 0.0))[1]
    return used


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--after", type=float, default=14.0, help="seconds before the window opens")
    ap.add_argument("--window", type=float, default=10.0)
    ap.add_argument("--per", type=float, help="orders/s during the window: also print ms per order")
    ap.add_argument("command", nargs=argparse.REMAINDER)
    a = ap.parse_args()
    command = a.command[1:] if a.command[:1] == ["--"] else a.command
    if not command:
        ap.error("no command given")
    log = tempfile.TemporaryFile("w+")
    proc = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    time.sleep(a.after)
    before, started = cpu_seconds(), time.monotonic()
    time.sleep(a.window)
    after, seconds = cpu_seconds(), time.monotonic() - started
    used = used_by_part(before, after)
    proc.wait()
    print(f"CPU over {seconds:.1f} s, from {a.after:.0f} s into the run:")
    for part, cpu in sorted(used.items(), key=lambda kv: -kv[1]):
        per = f"   {1000 * cpu / seconds / a.per:.2f} ms per order" if a.per else ""
        print(f"  {part:<16} {cpu / seconds:5.2f} cores{per}")
    print(f"  {'all':<16} {sum(used.values()) / seconds:5.2f} cores")
    log.seek(0)
    sys.stdout.write(log.read())


if __name__ == "__main__":
    main()
