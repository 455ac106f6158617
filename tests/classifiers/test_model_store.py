import json
import multiprocessing as mp

import pytest

from classifiers.model_store import ModelStore
from classifiers.training import load_examples

from .conftest import write_subset


@pytest.fixture()
def store(tmp_path):
    return ModelStore(tmp_path / "models", base_csv=write_subset(tmp_path / "base.csv", 25))


def test_load_or_train_trains_saves_and_promotes_when_empty(store):
    assert store.current_version() is None
    bundle = store.load_or_train()
    assert store.current_version() == bundle.version
    metrics = json.loads((store.root / bundle.version / "metrics.json").read_text(encoding="utf-8"))
    assert metrics["version"] == bundle.version
    assert metrics["n_examples"] == 7 * 25
    assert {"trained_at", "inner_cv", "threshold", "classes"} <= set(metrics)
    assert store.load_or_train().version == bundle.version  # no second training


def test_promote_and_roll_back(store):
    first = store.train()
    second = store.train(promote=False)
    assert store.current_version() == first
    store.promote(second)
    assert store.current_version() == second
    assert [v["version"] for v in store.versions()] == [first, second]
    assert [v["current"] for v in store.versions()] == [False, True]
    assert store.rollback() == first
    assert store.current_version() == first
    assert store.load().version == first
    with pytest.raises(LookupError):
        store.rollback()


def test_unknown_version_cannot_be_promoted(store):
    with pytest.raises(FileNotFoundError):
        store.promote("../../etc")
    with pytest.raises(FileNotFoundError):
        store.load()


def test_training_accepts_extra_examples(store):
    extra = [("小区停水三天了没人管", "城乡建设"), ("学校强制收补课费", "教育文体")]
    version = store.train(extra)
    assert store.load(version).metrics["n_extra"] == 2
    assert [(e.text, e.label) for e in store.extra_examples(version)] == extra


def test_candidate_with_good_examples_is_promoted(store):
    base = store.train()
    good = [(e.text, e.label) for e in load_examples()[900:1150]]
    report = store.evaluate_candidate(good)
    assert report.current_version == base
    assert report.promoted and store.current_version() == report.candidate_version
    assert report.candidate["n"] == report.current["n"]


def test_candidate_that_is_worse_is_kept_but_not_promoted(store):
    base = store.train()
    # Every message relabelled as the same wrong category: the candidate must get worse.
    poison = [(e.text, "交通运输") for e in load_examples()[300:600]]
    report = store.evaluate_candidate(poison)
    assert not report.promoted
    assert report.candidate["accuracy"] < report.current["accuracy"]
    assert store.current_version() == base
    assert report.candidate_version in [v["version"] for v in store.versions()]


def test_a_model_of_an_older_format_is_retrained_not_loaded(store):
    import pickle

    from classifiers.category import MODEL_FORMAT
    from classifiers.model_store import StaleModelError

    extra = [("小区停水三天了没人管", "城乡建设")]
    old = store.train(extra)
    path = store.root / old / "model.pkl"
    bundle = pickle.loads(path.read_bytes())
    del bundle.model.__dict__["format"]  # as pickled by the code before formats were recorded
    path.write_bytes(pickle.dumps(bundle))
    with pytest.raises(StaleModelError):
        store.load(old)
    fresh = store.load_or_train()
    assert fresh.version != old and store.current_version() == fresh.version
    assert [(e.text, e.label) for e in store.extra_examples(fresh.version)] == extra
    assert fresh.metrics["format"] == MODEL_FORMAT


def _first_use(root: str, base_csv: str, go, out) -> None:
    go.wait()
    out.put(ModelStore(root, base_csv=base_csv).load_or_train().version)


def test_processes_starting_together_on_an_empty_store_train_one_model(tmp_path):
    # API replicas and workers of a fresh install all ask for the model at once
    base = write_subset(tmp_path / "base.csv", 15)
    ctx = mp.get_context("spawn")
    go, out = ctx.Event(), ctx.Queue()
    procs = [ctx.Process(target=_first_use, args=(str(tmp_path / "models"), str(base), go, out))
             for _ in range(3)]
    for p in procs:
        p.start()
    go.set()
    versions = [out.get(timeout=120) for _ in procs]
    for p in procs:
        p.join(timeout=30)
    store = ModelStore(tmp_path / "models", base_csv=base)
    assert len(store.versions()) == 1
    assert set(versions) == {store.current_version()}
