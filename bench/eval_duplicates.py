"""Precision and recall of the duplicate finder (classifiers/duplicates.py) on real messages.

No labelled duplicates exist, so the evaluation is built from the real citizen messages the
project ships (classifiers/data/taidi2020_train.csv, 2,159 messages with their category) and
checked against the 7,119 unlabelled ones (bench/data/taidi2020_unlabeled.csv):

1. **Orders**: every shipped message becomes an order with a random village of a random county
   (the divisions file), a time inside 90 days and a caller phone.
2. **Positives** (the same matter reported again): for a sample of orders, a re-report written
   the way a second caller or the same one calling back writes it — sentences shuffled, some
   dropped (40-90 % kept), a few words swapped for synonyms (小区→社区, 反映→投诉, …), a
   prefix ("再次反映：", "还是没人管，") — reported 0-10 days later, in the same village (70 %),
   another village of the same township (20 %) or with no place (10 %), by the same caller in
   30 % of cases.
3. **Negatives** (naturally similar but different matters): an order of the **same category
   and the same county** — half of them the most similar such message by the scorer's own text
   similarity (the hardest case: "欠薪" against another "欠薪"), half a random one — reported
   0-20 days apart, in the same village in 30 % of cases, by the same caller in 5 %.
   Pairs by the same user of the source site are never used as negatives (they may be real
   re-reports).
4. **Real near-duplicates**: the unlabelled set's messages by the same user within 30 days are
   scored too (text only), and the script prints how many the finder would flag and a few
   examples, so the synthetic figures can be compared with what real re-reports look like.

It prints precision, recall and F1 at the configured threshold, a PR table over thresholds,
a stream figure: every positive re-report searched against all orders of its county in the
window (as the intake does), counting recall@5 and false candidates per intake; and the cost of
one such search beside jieba's tokenisation of the same texts (medians, same run).

    .venv/bin/python bench/eval_duplicates.py [--pairs 1000] [--seed 7]
"""
from __future__ import annotations

import argparse
import csv
import random
import re
import sys
import time
from collections import defaultdict
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from classifiers import duplicates as dup  # noqa: E402
from classifiers.divisions import default_divisions_csv  # noqa: E402

UNLABELED = ROOT / "bench" / "data" / "taidi2020_unlabeled.csv"
SYNONYMS = [("小区", "社区"), ("反映", "投诉"), ("希望", "恳请"), ("严重", "非常严重"),
            ("附近", "周边"), ("居民", "住户"), ("请求", "要求"), ("相关部门", "有关部门"),
            ("问题", "情况"), ("一直", "始终"), ("至今", "到现在"), ("尽快", "早日"),
            ("解决", "处理"), ("领导", "政府"), ("工作人员", "办事人员"), ("但是", "可是"),
            ("影响", "干扰"), ("已经", "早已"), ("没有", "没"), ("我们", "我")]
PREFIXES = ["", "", "再次反映：", "还是没人管，", "之前打过电话，", "我也要反映，", "请问"]
SENT = re.compile(r"(?<=[。！？!?；;，,])")
START = datetime(2026, 9, 1)


def load_rows(path: Path) -> list[dict]:
    with open(path, encoding="utf-8", newline="") as fh:
        return [r for r in csv.DictReader(fh) if len(r.get("text") or "") >= 30]


def villages() -> dict[str, list[str]]:
    """County code → its village codes."""
    out: dict[str, list[str]] = defaultdict(list)
    with open(default_divisions_csv(), encoding="utf-8", newline="") as fh:
        for r in csv.DictReader(fh):
            if r["level"] == "village":
                out[r["code"][:6]].append(r["code"])
    return out


def paraphrase(text: str, title: str, rng: random.Random) -> str:
    if title and rng.random() < 0.2:   # a short call back: little more than the subject
        return rng.choice(PREFIXES) + title + rng.choice(["", "，一直没解决", "，请尽快处理"])
    parts = [p for p in SENT.split(text) if p.strip()]
    keep = max(1, round(len(parts) * rng.uniform(0.3, 0.9)))
    start = rng.randrange(0, len(parts) - keep + 1)
    chosen = parts[start:start + keep]
    if len(chosen) > 2 and rng.random() < 0.5:
        head, tail = chosen[0], chosen[1:]
        rng.shuffle(tail)
        chosen = [head, *tail]
    out = "".join(chosen)
    for a, b in rng.sample(SYNONYMS, k=6):
        if a in out and rng.random() < 0.7:
            out = out.replace(a, b)
    return rng.choice(PREFIXES) + out


def phone(rng: random.Random) -> str:
    return "139" + "".join(rng.choice("0123456789") for _ in range(8))


def make_orders(rows: list[dict], rng: random.Random) -> list[tuple[dup.Report, dict]]:
    vs = villages()
    counties = sorted(vs)
    out = []
    for i, r in enumerate(rows):
        county = rng.choice(counties)
        at = START + timedelta(days=rng.uniform(0, 90))
        rep = dup.Report(id=i, text=r["text"], at=at, division_code=rng.choice(vs[county]),
                         phone=phone(rng))
        out.append((rep, r))
    return out


def other_village(code: str, vs: dict[str, list[str]], rng: random.Random) -> str:
    same_town = [v for v in vs[code[:6]] if v[:9] == code[:9] and v != code]
    return rng.choice(same_town) if same_town else code


def positives(orders, n, rng) -> list[tuple[dup.Report, dup.Report]]:
    vs = villages()
    out = []
    for base, row in rng.sample(orders, n):
        roll = rng.random()
        place = (base.division_code if roll < 0.7 else
                 other_village(base.division_code, vs, rng) if roll < 0.9 else None)
        new = dup.Report(id=None, text=paraphrase(base.text, row.get("title") or "", rng),
                         at=base.at + timedelta(days=rng.uniform(0, 10)), division_code=place,
                         phone=base.phone if rng.random() < 0.3 else phone(rng))
        out.append((new, base))
    return out


def negatives(orders, n, rng, sim) -> list[tuple[dup.Report, dup.Report]]:
    by_label: dict[str, list[int]] = defaultdict(list)
    for i, (_rep, row) in enumerate(orders):
        by_label[row["label"]].append(i)
    vecs = sim.vectors([rep.text for rep, _ in orders])
    out = []
    for k, i in enumerate(rng.sample(range(len(orders)), n)):
        rep, row = orders[i]
        pool = [j for j in by_label[row["label"]]
                if j != i and orders[j][1]["user"] != row["user"]]
        if k % 2 == 0:   # the hardest: the most similar message of the same category
            sims = (vecs[pool] @ vecs[i].T).toarray().ravel()
            j = pool[int(sims.argmax())]
        else:
            j = rng.choice(pool)
        other = orders[j][0]
        place = rep.division_code if rng.random() < 0.3 else \
            rng.choice(villages()[rep.division_code[:6]])
        new = dup.Report(id=None, text=other.text, at=rep.at + timedelta(days=rng.uniform(0, 20)),
                         division_code=place, phone=rep.phone if rng.random() < 0.05 else phone(rng))
        out.append((new, rep))
    return out


def score_pairs(pairs, sim, w) -> list[dup.Match]:
    return [dup.score_all(new, [old], sim, w)[0] for new, old in pairs]


def prf(pos: list[dup.Match], neg: list[dup.Match], w: dup.Weights) -> tuple[float, float, float]:
    tp = sum(dup.is_duplicate(m, w) for m in pos)
    fp = sum(dup.is_duplicate(m, w) for m in neg)
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / len(pos)
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def stream(orders, pos_pairs, sim, w) -> tuple[float, float]:
    """Each re-report searched among all orders of its county (as intake does)."""
    by_county: dict[str, list[dup.Report]] = defaultdict(list)
    for rep, _ in orders:
        by_county[rep.division_code[:6]].append(rep)
    hits, false = 0, 0
    for new, base in pos_pairs:
        pool = by_county[base.division_code[:6]]
        found = dup.find(new, pool, sim, w, limit=5)
        hits += any(m.id == base.id for m in found)
        false += sum(m.id != base.id for m in found)
    return hits / len(pos_pairs), false / len(pos_pairs)


def when(text: str) -> datetime:
    day, _, clock = text.replace("/", "-").strip().partition(" ")
    y, m, d = (int(x) for x in day.split("-"))
    hh, mm, *ss = (int(x) for x in (clock or "0:0").split(":"))
    return datetime(y, m, d, hh, mm, ss[0] if ss else 0)


def lookup_cost(orders, sim, w) -> None:
    """One intake's search (320 candidates) beside jieba's cut of the same texts, medians."""
    from classifiers.tokenizer import get_tokenizer

    tok = get_tokenizer()
    tok.warm_up()
    pool = [rep for rep, _ in orders[:320]]
    new = dup.Report(None, pool[5].text[:80], pool[5].at)

    def median_ms(fn, n=7):
        times = []
        for _ in range(n):
            t = time.perf_counter()
            fn()
            times.append(time.perf_counter() - t)
        return sorted(times)[n // 2] * 1000

    find = median_ms(lambda: dup.find(new, pool, sim, w))
    cut = median_ms(lambda: [tok.cut(r.text) for r in pool])
    print(f"\none lookup among {len(pool)} orders: {find:.0f} ms median; jieba's cut of the same "
          f"texts: {cut:.0f} ms (ratio {find / cut:.2f})")


def real_near_duplicates(sim, w) -> None:
    rows = load_rows(UNLABELED)
    by_user: dict[str, list[dict]] = defaultdict(list)
    for r in rows:
        by_user[r["user"]].append(r)
    pairs = []
    for msgs in by_user.values():
        for a_i, a in enumerate(msgs):
            for b in msgs[a_i + 1:]:
                ta, tb = when(a["time"]), when(b["time"])
                if abs((ta - tb).total_seconds()) <= w.window_days * 86400:
                    pairs.append((a, b, ta, tb))
    flagged = []
    for a, b, ta, tb in pairs:
        m = dup.score_all(dup.Report(None, a["text"], ta, phone="u"),
                          [dup.Report(1, b["text"], tb, phone="u")], sim, w)[0]
        if dup.is_duplicate(m, w):
            flagged.append((m.similarity, a["title"], b["title"]))
    print(f"\nreal messages ({len(rows)}): {len(pairs)} pairs by the same user within "
          f"{w.window_days:.0f} days; flagged as the same matter: {len(flagged)}")
    for s, ta, tb in sorted(flagged, reverse=True)[:3] + sorted(flagged)[:3]:
        print(f"  {s:.2f}  {ta[:28]}  |  {tb[:28]}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--pairs", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    w = dup.DEFAULT_WEIGHTS
    t0 = time.perf_counter()
    sim = dup.get_similarity()
    orders = make_orders(load_rows(dup.REFERENCE_CSV), rng)
    pos_pairs = positives(orders, args.pairs, rng)
    neg_pairs = negatives(orders, args.pairs, rng, sim)
    pos, neg = score_pairs(pos_pairs, sim, w), score_pairs(neg_pairs, sim, w)
    p, r, f = prf(pos, neg, w)
    print(f"{len(orders)} orders, {len(pos)} positive and {len(neg)} negative pairs "
          f"(seed {args.seed})")
    print(f"at threshold {w.threshold} (similarity >= {w.min_similarity}): "
          f"precision {p:.3f}  recall {r:.3f}  F1 {f:.3f}")
    print("\nthreshold  precision  recall  F1")
    for th in (0.30, 0.35, 0.40, 0.45, 0.50, 0.55, 0.60, 0.70):
        tw = dup.Weights(**{**w.__dict__, "threshold": th})
        tp, tr, tf = prf(pos, neg, tw)
        print(f"  {th:.2f}      {tp:.3f}     {tr:.3f}   {tf:.3f}")
    flagged = [(m.similarity, new.text, old.text) for m, (new, old) in zip(neg, neg_pairs)
               if dup.is_duplicate(m, w)]
    print(f"\nnegatives flagged ({len(flagged)}; read them: the source often holds the same "
          "message posted under two user ids, which no label can call different):")
    for s, a, b in sorted(flagged, reverse=True)[:8]:
        print(f"  {s:.2f}  {a[:26]}  |  {b[:26]}")
    rec5, false = stream(orders, pos_pairs, sim, w)
    print(f"\nstream: each re-report searched among its county's {len(orders) // 13}-odd orders: "
          f"recall@5 {rec5:.3f}, false candidates shown per intake {false:.2f}")
    lookup_cost(orders, sim, w)
    real_near_duplicates(sim, w)
    print(f"\n{time.perf_counter() - t0:.1f} s; load average {open('/proc/loadavg').read().split()[0]}")


if __name__ == "__main__":
    main()
