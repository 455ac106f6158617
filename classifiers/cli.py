"""Command line: ``python -m classifiers.cli train|evaluate|predict|versions|promote|rollback|userdict``.

    train       train on the shipped CSV (+ --extra CSV of text,label), save and promote
    evaluate    nested stratified k-fold CV: accuracy, macro-F1, per-class report,
                confusion matrix, accuracy at each coverage, auto-dispatch coverage/accuracy
    predict     classify one or more texts with the current model (JSON lines)
    versions    list stored versions; promote VERSION; rollback
    retrain     the learning loop's retraining: base set + dispatchers' stored examples,
                promoted only if not worse on the fixed split (HOTLINE_* settings; --enqueue
                hands it to the workers instead of running it here)
    userdict    write the loaded city's jieba user dictionary (or another divisions CSV's)
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time

from classifiers.model_store import DEFAULT_MODEL_DIR, ModelStore
from classifiers.training import CV_FOLDS, CV_SEED, TRAIN_CSV, cross_validate, load_examples


def _quiet_jieba() -> None:
    import jieba

    jieba.setLogLevel(logging.WARNING)


def cmd_train(args) -> int:
    store = ModelStore(args.model_dir, base_csv=args.data)
    extra = load_examples(args.extra) if args.extra else None
    t0 = time.perf_counter()
    if args.compare:
        report = store.evaluate_candidate(extra or [], progress=True)
        print(json.dumps(report.__dict__, ensure_ascii=False, indent=2))
        return 0
    version = store.train(extra, promote=not args.no_promote, progress=True)
    metrics = store.load(version).metrics
    print(f"trained {version} in {time.perf_counter() - t0:.1f}s on {metrics['n_examples']} examples")
    print(json.dumps(metrics, ensure_ascii=False, indent=2))
    return 0


def cmd_evaluate(args) -> int:
    examples = load_examples(args.data)
    t0 = time.perf_counter()
    cv = cross_validate(examples, folds=args.folds, seed=args.seed, progress=True)
    m = cv.metrics()
    print(f"{m['folds']}-fold stratified CV (seed {args.seed}) on {m['n_examples']} messages "
          f"({time.perf_counter() - t0:.0f}s)")
    print(f"accuracy  {m['accuracy']:.4f}\nmacro-F1  {m['macro_f1']:.4f}\n")
    print(cv.report())
    print("confusion matrix (rows = true, columns = predicted):")
    width = max(len(c) for c in cv.classes)
    for label, row in zip(cv.classes, cv.confusion()):
        print(f"  {label:<{width}} " + " ".join(f"{v:5d}" for v in row))
    print("  columns: " + " | ".join(cv.classes))
    print("\naccuracy of the most confident share:")
    print("  coverage  accuracy  min-confidence")
    for row in m["coverage_curve"]:
        print(f"  {row['coverage']:8.0%}  {row['accuracy']:8.4f}  {row['min_confidence']:.4f}")
    print("\nauto-dispatch (threshold chosen on each fold's training part only; target 97% + margin):")
    print(f"  thresholds {m['fold_thresholds']}")
    print(f"  coverage {m['auto_coverage']:.1%}, accuracy among them {m['auto_accuracy']:.2%}")
    if args.json:
        print(json.dumps(m, ensure_ascii=False))
    return 0


def cmd_predict(args) -> int:
    from classifiers.service import get_classifier

    clf = get_classifier(args.model_dir, args.divisions)
    for text in args.text or [line.rstrip("\n") for line in sys.stdin]:
        result = clf.classify(text, address=args.address, division_code=args.division_code)
        print(json.dumps(result.to_dict(), ensure_ascii=False))
    return 0


def cmd_versions(args) -> int:
    for v in ModelStore(args.model_dir).versions():
        mark = "*" if v["current"] else " "
        cv = v.get("inner_cv", {})
        print(f"{mark} {v['version']}  {v['trained_at']}  n={v['n_examples']}  "
              f"acc={cv.get('accuracy')}  threshold={v.get('threshold')}")
    return 0


def cmd_promote(args) -> int:
    ModelStore(args.model_dir).promote(args.version)
    print(f"current: {args.version}")
    return 0


def cmd_rollback(args) -> int:
    print(f"current: {ModelStore(args.model_dir).rollback()}")
    return 0


def cmd_retrain(args) -> int:
    from classifiers.learning import flows
    from classifiers.learning.models import RetrainingRun
    from dispatch.db import init_db, session_scope
    from dispatch.errors import DomainError

    init_db()
    try:
        with session_scope() as session:
            run_id = flows.request_retraining(session, trigger="cli", requested_by=None,
                                              enqueue=args.enqueue).id
    except DomainError as exc:
        print(f"retrain: {exc.message}", file=sys.stderr)
        return 1
    if args.enqueue:
        print(f"queued retraining {run_id} as job {flows.job_id(run_id)}")
        return 0
    t0 = time.perf_counter()
    outcome = flows.run_retraining(run_id, progress=True)
    with session_scope() as session:
        run = session.get(RetrainingRun, run_id)
        print(f"retraining {run_id}: {outcome} in {time.perf_counter() - t0:.1f}s")
        print(json.dumps({k: run.model_dump(mode="json")[k] for k in (
            "current_version", "candidate_version", "promoted", "metrics", "skipped", "error")},
            ensure_ascii=False, indent=2))
        print(f"examples used: {len(run.example_ids)}")
    return 0 if outcome in ("promoted", "kept", "unchanged") else 1


def cmd_userdict(args) -> int:
    from classifiers.tokenizer import build_userdict

    n = build_userdict(args.out, args.divisions)
    print(f"wrote {n} words to {args.out}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m classifiers.cli", description=__doc__.splitlines()[0])
    p.add_argument("--model-dir", default=str(DEFAULT_MODEL_DIR))
    sub = p.add_subparsers(dest="command", required=True)
    t = sub.add_parser("train", help="train, save and promote a model")
    t.add_argument("--data", default=str(TRAIN_CSV))
    t.add_argument("--extra", help="CSV of extra text,label examples (e.g. dispatcher corrections)")
    t.add_argument("--no-promote", action="store_true")
    t.add_argument("--compare", action="store_true", help="promote only if not worse on the fixed split")
    t.set_defaults(func=cmd_train)
    e = sub.add_parser("evaluate", help="nested cross-validation report")
    e.add_argument("--data", default=str(TRAIN_CSV))
    e.add_argument("--folds", type=int, default=CV_FOLDS)
    e.add_argument("--seed", type=int, default=CV_SEED)
    e.add_argument("--json", action="store_true", help="also print the metrics as one JSON line")
    e.set_defaults(func=cmd_evaluate)
    pr = sub.add_parser("predict", help="classify texts (arguments, or stdin lines)")
    pr.add_argument("text", nargs="*")
    pr.add_argument("--address")
    pr.add_argument("--division-code")
    pr.add_argument("--divisions", help="divisions CSV (default: the loaded city's, HOTLINE_CITY)")
    pr.set_defaults(func=cmd_predict)
    sub.add_parser("versions", help="list stored versions").set_defaults(func=cmd_versions)
    pm = sub.add_parser("promote", help="make a version current")
    pm.add_argument("version")
    pm.set_defaults(func=cmd_promote)
    sub.add_parser("rollback", help="back to the previously promoted version").set_defaults(func=cmd_rollback)
    rt = sub.add_parser("retrain", help="retrain with the stored examples, promote if not worse")
    rt.add_argument("--enqueue", action="store_true", help="run it on the job queue's workers")
    rt.set_defaults(func=cmd_retrain)
    u = sub.add_parser("userdict", help="regenerate the jieba user dictionary")
    u.add_argument("--divisions", help="divisions CSV (default: the loaded city's, HOTLINE_CITY)")
    u.add_argument("--out", required=True)
    u.set_defaults(func=cmd_userdict)
    return p


def main(argv: list[str] | None = None) -> int:
    _quiet_jieba()
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    raise SystemExit(main())
