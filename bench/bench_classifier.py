"""Benchmark: single-core classify rate vs jieba's own tokenisation rate.

    python bench/bench_classifier.py [--n 2000] [--rounds 5] [--model-dir var/models]

Runs on the real unlabelled messages in bench/data/taidi2020_unlabeled.csv.
Each round times, on the same texts and in the same process:
  * ``jieba.lcut(text)`` (jieba's global tokenizer, default accurate mode + HMM);
  * ``Classifier.classify(text)`` (tokenise once, category + request type +
    urgency + emergency + place);
  * ``Classifier.classify_many(texts)`` (the batch path);
  * ``classify`` and then the routing decision (``classifiers.decide``: the county vote and, for
    a city with answered history such as HOTLINE_CITY=shangluo, the unit model): what the
    routing job does per message;
and reports the median rate of the rounds and classify/jieba. Also the model
load time and the resident-memory growth of loading it. Prints figures only;
nothing here asserts on time.
"""

from __future__ import annotations

import argparse
import csv
import gc
import logging
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("OMP_NUM_THREADS", "1")  # single core: no BLAS threads
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import jieba  # noqa: E402

DATA = ROOT / "bench" / "data" / "taidi2020_unlabeled.csv"


def rss_mb() -> float:
    """Current resident set size (Linux /proc), in MiB."""
    with open("/proc/self/statm") as fh:
        pages = int(fh.read().split()[1])
    return pages * resource.getpagesize() / 2**20


def load_texts(n: int) -> list[str]:
    with open(DATA, encoding="utf-8", newline="") as fh:
        texts = [r["text"] for r in csv.DictReader(fh) if r["text"].strip()]
    return texts[:n] if n else texts


def timed(fn, texts) -> float:
    gc.collect()
    t0 = time.perf_counter()
    fn(texts)
    return len(texts) / (time.perf_counter() - t0)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--n", type=int, default=2000, help="messages per round (0 = all 7,119)")
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--model-dir", default=None, help="default: a temporary store trained now")
    args = p.parse_args()
    jieba.setLogLevel(logging.WARNING)
    try:
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core
    except (AttributeError, OSError):
        pass

    texts = load_texts(args.n)
    chars = sum(map(len, texts)) / len(texts)
    print(f"{len(texts)} messages, {chars:.0f} characters on average, {args.rounds} rounds; "
          f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")

    from classifiers.model_store import ModelStore
    from classifiers.place import get_gazetteer
    from classifiers.service import Classifier
    from classifiers.tokenizer import get_tokenizer

    model_dir = args.model_dir or tempfile.mkdtemp(prefix="bench-models-")
    store = ModelStore(model_dir)
    if store.current_version() is None:
        t0 = time.perf_counter()
        store.train()
        print(f"trained a model in {time.perf_counter() - t0:.1f}s (into {model_dir})")

    jieba.lcut("预热")  # build jieba's own dictionary outside the timings
    gc.collect()
    rss0, t0 = rss_mb(), time.perf_counter()
    bundle = store.load()
    tokenizer = get_tokenizer()
    tokenizer.warm_up()
    clf = Classifier(bundle, get_gazetteer(), tokenizer)
    load_s, rss1 = time.perf_counter() - t0, rss_mb()
    print(f"model {bundle.version}: load {load_s:.2f}s (model + user dictionary + gazetteer), "
          f"RSS +{rss1 - rss0:.0f} MiB (now {rss1:.0f} MiB)")

    from classifiers.routing import city_routing

    routing = city_routing()

    def classify_and_route(ts):
        for t in ts:
            c = clf.classify(t)
            routing.decide(text=t, category=c.category, category_auto=c.auto)

    clf.classify(texts[0])
    routing.decide(text=texts[0])
    rates = {"jieba.lcut": [], "classify": [], "classify_many": [], "classify+route": []}
    for r in range(args.rounds):
        rates["jieba.lcut"].append(timed(lambda ts: [jieba.lcut(t) for t in ts], texts))
        rates["classify"].append(timed(lambda ts: [clf.classify(t) for t in ts], texts))
        rates["classify_many"].append(timed(clf.classify_many, texts))
        rates["classify+route"].append(timed(classify_and_route, texts))
        print(f"  round {r + 1}: " + ", ".join(f"{k} {v[-1]:.0f}/s" for k, v in rates.items()), flush=True)

    med = {k: statistics.median(v) for k, v in rates.items()}
    print("\nmedian messages/s (single core):")
    for k, v in med.items():
        print(f"  {k:<14} {v:8.0f}   ({1e3 / v:.2f} ms/message)")
    print(f"  classify / jieba.lcut      = {med['classify'] / med['jieba.lcut']:.2f}  (target >= 0.8)")
    print(f"  classify_many / jieba.lcut = {med['classify_many'] / med['jieba.lcut']:.2f}")
    print(f"  classify+route / jieba.lcut = {med['classify+route'] / med['jieba.lcut']:.2f}  "
          f"(target >= 0.8; unit model: {'yes' if routing.model else 'no'})")
    ratios = [c / j for c, j in zip(rates["classify"], rates["jieba.lcut"])]
    print(f"  per-round classify / jieba.lcut: {' '.join(f'{r:.2f}' for r in ratios)}")
    print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
