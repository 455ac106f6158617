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
    idx, val = f.transform_one(TEXTS[1], tokens(TEXTS[1]))  # 乱收费: a taxonomy term, so every block is set
    norms = []
    for b in f.blocks:
        mask = (idx >= b.offset) & (idx < b.offset + len(b.idf))
        norms.append(np.sqrt((val[mask] ** 2).sum()))
    assert np.allclose(norms, [b.weight for b in f.blocks])
    assert len(TEXTS[0][:HEAD_CHARS]) <= HEAD_CHARS


def test_taxonomy_block_counts_each_category_of_the_terms_found():
    from classifiers.features import TaxonomyTerms, load_taxonomy

    terms = load_taxonomy()
    assert "其他" not in terms and all(len(t) >= 2 for t in terms)
    assert set(terms["住房公积金"]) >= {"劳动和社会保障", "城乡建设"}
    an = TaxonomyTerms({"乱收费": ["教育文体"], "噪音污染": ["环境保护"], "住房公积金": ["劳动和社会保障", "城乡建设"]})
    assert sorted(an("学校乱收费，住房公积金也不给交")) == ["劳动和社会保障", "城乡建设", "教育文体"]
    assert an("") == []


def test_taxonomy_block_single_path_matches_and_is_optional():
    texts = TEXTS + ["楼下饭店噪音污染严重", "住房公积金提取难，学校乱收费"]
    toks = [tokens(t) for t in texts]
    f = Featurizer(min_df=1)
    f.fit_transform(texts, toks)
    assert [b.name for b in f.blocks] == ["chars", "words", "head", "tax"]
    batch = f.transform(texts, toks).toarray()
    for i, text in enumerate(texts):
        idx, val = f.transform_one(text, toks[i])
        row = np.zeros(f.n_features)
        row[idx] = val
        assert np.allclose(row, batch[i])
    # No taxonomy term in any training text: the block is left out, not an error.
    g = Featurizer(min_df=1)
    g.fit_transform(["停水停电", "没电了"], [["停水"], ["没电"]])
    assert [b.name for b in g.blocks] == ["chars", "words", "head"]
    assert Featurizer(weights={"tax": 0}).blocks[-1].name == "head"
