#!/usr/bin/env bash
# Every benchmark once, tiny, against the local PostgreSQL + Redis: each must run to its end and
# print its figures. No figure is judged here (speed is read off the full runs, see
# docs/benchmarks.md); this only keeps the scripts working (.ci/run calls it). About 6 minutes on
# 2 cores.
#   bash bench/smoke.sh
set -euo pipefail
cd "$(dirname "$0")/.."
P=.venv/bin/python
LOG=$(mktemp -d)/bench-smoke.log
failed=0

# A step that fails is run once more (benchmarks start servers on a busy machine); the first
# failure's log is shown either way, and a step that fails twice fails the pass.
run() {
  local start=$SECONDS try
  for try in 1 2; do
    if "$@" >"$LOG" 2>&1; then
      echo "ok   $(( SECONDS - start ))s  ${*#"$P "}$([ "$try" = 2 ] && echo '   (on the second try)')"
      tail -n 2 "$LOG" | cut -c1-160 | sed 's/^/       /'
      return
    fi
    echo "FAIL $(( SECONDS - start ))s  ${*#"$P "}   (try $try of 2)"
    tail -n 25 "$LOG"
  done
  failed=1
}

run $P bench/bench_classifier.py --n 200 --rounds 1
run $P bench/eval_duplicates.py --pairs 100
run $P bench/bench_import.py --rows 3000 --csv "$(dirname "$LOG")/history.csv"
run $P bench/bench_lists.py --db bench_import --runs 2
run $P bench/bench_routing.py --orders 200 --rounds 1
run $P bench/bench_sla_listener.py --orders 10
run $P bench/bench_intake.py --total 600 --rounds 1
run $P bench/bench_e2e.py --rate 50 --seconds 3 --router both --drain 15
run $P bench/cpu_by_process.py --per 50 -- $P bench/bench_e2e.py --rate 50 --seconds 3 --router rule --drain 15
run $P bench/bench_e2e.py --find-capacity --hold 3 --start-rate 50 --max-rate 50 --refine 0 --router rule --bare-total 600
run $P bench/bench_channels.py --mode both --count 40 --seconds 20 --drain-seconds 60
run $P bench/bench_fanout.py --consoles 100 --events 100 --broadcasts 2
run $P bench/gen_orders.py --orders 3000 --reset --database-url postgresql+psycopg://postgres@127.0.0.1:5432/bench_export
HOTLINE_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/bench_export run $P bench/bench_kpi.py --runs 5 --verify 5
run $P bench/bench_export.py --database bench_export
exit $failed
