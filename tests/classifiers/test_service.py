import json

import pytest

from classifiers.place import get_gazetteer
from classifiers.service import Classification, Classifier, get_classifier, reset_cache


@pytest.fixture(scope="module")
def clf(trained_store) -> Classifier:
    return Classifier(trained_store.load(), get_gazetteer())


def test_obvious_messages_are_classified(clf):
    r = clf.classify("请问冷水滩区人社局，公司拖欠工资半年，社保也不交，怎么申请劳动仲裁？")
    assert r.category == "劳动和社会保障"
    assert r.request_type == "consultation"
    assert r.urgency == "normal"
    assert r.emergency is None
    assert r.place.code == "431103" and r.place.level == "county"


def test_top_three_are_sorted_probabilities_and_auto_follows_the_threshold(clf):
    text = "学校强制学生补课并收取补课费，教育局管不管"
    r = clf.classify(text)
    assert r.category == "教育文体" == r.top[0][0]
    assert len(r.top) == 3
    probs = [p for _, p in r.top]
    assert probs == sorted(probs, reverse=True) and r.confidence == probs[0]
    proba = clf.model.proba_one(text, clf.model.tokens(clf.tokenizer, text))
    assert r.auto == (clf.model.dispatch_confidence(proba) >= clf.threshold)
    assert r.model_version == clf.model_version


def test_outage_is_urgent_and_gas_leak_is_handed_to_119(clf):
    assert clf.classify("祁阳市浯溪街道停水两天了").urgency == "urgent"
    r = clf.classify("楼道里燃气泄漏了，味道很大")
    assert (r.emergency, r.urgency, r.request_type) == ("119", "extra_urgent", "help")


def test_division_code_and_address_take_precedence_over_the_text(clf):
    by_code = clf.classify("路灯不亮", division_code="431102001001")
    assert by_code.place.code == "431102001001" and by_code.place_status == "resolved"
    by_address = clf.classify("零陵区路灯不亮", address="道县寿雁镇团结村")
    assert by_address.place.code == "431124102270"


def test_ambiguous_place_is_none_with_its_status(clf):
    r = clf.classify("团结村的路灯坏了")
    assert r.place is None and r.place_status == "ambiguous"


def test_empty_message_has_no_category(clf):
    r = clf.classify("   ")
    assert r.category is None and r.top == [] and not r.auto and r.request_type == "other"


def test_to_dict_is_json_serialisable(clf):
    d = clf.classify("东安县火车站居委会门口垃圾很多，建议清理").to_dict()
    back = json.loads(json.dumps(d, ensure_ascii=False))
    assert back["request_type"] == "suggestion"
    assert back["place"]["code"] == "431122105001"
    assert isinstance(back["top"][0][0], str) and isinstance(back["top"][0][1], float)
    assert set(back) >= {f for f in Classification.__dataclass_fields__}


def test_classify_many_matches_classify(clf):
    texts = ["医院乱收费", "", "公交车拒载", "工厂排放废气，空气很臭"]
    many = clf.classify_many(texts)
    assert [m.to_dict() for m in many] == [clf.classify(t).to_dict() for t in texts]


def test_batch_and_single_classification_decide_alike(clf):
    """The routing job classifies its group in one go; POST /classify one text at a time: both
    must reach the same decisions (category, top-3, auto, place) on every text."""
    from classifiers.training import TRAIN_CSV, load_examples

    texts = [e.text for e in load_examples(TRAIN_CSV)[::97][:300]] + ["", "  ", "路灯不亮"]
    addresses = [None] * len(texts)
    codes = [None] * len(texts)
    addresses[1::7] = ["道县寿雁镇团结村"] * len(addresses[1::7])
    codes[2::11] = ["431102001001"] * len(codes[2::11])
    many = clf.classify_many(texts, addresses=addresses, division_codes=codes)
    single = [clf.classify(t, address=a, division_code=d)
              for t, a, d in zip(texts, addresses, codes)]
    assert [m.to_dict() for m in many] == [s.to_dict() for s in single]
    assert sum(m.auto for m in many) > 0 and len({m.category for m in many}) > 5


def test_get_classifier_is_cached_per_arguments(trained_store):
    reset_cache()
    a = get_classifier(trained_store.root)
    assert get_classifier(str(trained_store.root)) is a
    assert a.model_version == trained_store.current_version()
    reset_cache()
    assert get_classifier(trained_store.root) is not a


def test_get_classifier_follows_a_promotion_made_elsewhere(tmp_path, trained_store):
    """Another process (a retraining worker, an admin's rollback) moves CURRENT; the next call
    here serves the version now current, and keeps serving the same object while it stays."""
    import shutil

    from classifiers.model_store import ModelStore

    shutil.copytree(trained_store.root, tmp_path / "models")
    mine, theirs = ModelStore(tmp_path / "models"), ModelStore(tmp_path / "models")
    first = mine.current_version()
    reset_cache()
    a = get_classifier(mine.root)
    assert a.model_version == first and get_classifier(mine.root) is a
    second = theirs.save(theirs.load().model, {"note": "same weights, new version"})
    theirs.promote(second)
    assert get_classifier(mine.root).model_version == second
    theirs.rollback()
    assert get_classifier(mine.root).model_version == first
    reset_cache()
