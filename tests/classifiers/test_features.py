import numpy as np

from classifiers.features import HEAD_CHARS, Featurizer, char_grams

TEXTS = [
    "A市某小区停水三天无人处理", "学校乱收费补课费", "医院看病难挂号难", "工地拖欠农民工工资",
    "化工厂排放废气污染环境", "公交车拒载乘客", "景区门票涨价不合理", "小区停水停电", "",
]


def tokens(text):
    return [text[i:i + 2] for i in range(0, len(text), 2)]


def test_char_grams_are_unigrams_then_bigrams():
    assert char_grams("停水了") == ["停", "水", "了", "停水", "水了"]


def test_single_message_path_matches_the_scikit_learn_path():
    f = Featurizer(min_df=1)
    toks = [tokens(t) for t in TEXTS]
    f.fit_transform(TEXTS, toks)
    batch = f.transform(TEXTS + ["从未见过的字词"], toks + [["从未", "见过"]]).toarray()
    for i, text in enumerate(TEXTS + ["从未见过的字词"]):
        idx, val = f.transform_one(text, (toks + [["从未", "见过"]])[i])
        row = np.zeros(f.n_features)
        row[idx] = val
        assert np.allclose(row, batch[i])


def test_each_block_is_normalised_to_its_weight():
    f = Featurizer(min_df=1)
    f.fit_transform(TEXTS, [tokens(t) for t in TEXTS])
    idx, val = f.transform_one(TEXTS[0], tokens(TEXTS[0]))
    norms = []
    for b in f.blocks:
        mask = (idx >= b.offset) & (idx < b.offset + len(b.idf))
        norms.append(np.sqrt((val[mask] ** 2).sum()))
    assert np.allclose(norms, [b.weight for b in f.blocks])
    assert len(TEXTS[0][:HEAD_CHARS]) <= HEAD_CHARS
