import threading

import jieba

from classifiers.tokenizer import Tokenizer, city_userdict, get_tokenizer, userdict_words


def test_domain_words_stay_whole():
    words = get_tokenizer().cut("冷水滩区梧桐街道的住建局和市场监管局都不管，东岳宫社区噪音扰民")
    for w in ("冷水滩区", "梧桐街道", "住建局", "市场监管局", "东岳宫社区", "噪音扰民"):
        assert w in words


def test_a_dedicated_instance_leaves_global_jieba_untouched():
    get_tokenizer().cut("人社局")
    assert "人社局" not in jieba.lcut("找人社局")


def test_initialisation_is_lazy():
    tok = Tokenizer()
    assert tok._jieba is None
    assert tok.cut("") == []
    assert tok._jieba is not None


def test_threads_share_one_tokenizer_and_get_the_same_words():
    tok = Tokenizer()
    text = "祁阳市人社局拖欠农民工工资问题"
    results, barrier = [], threading.Barrier(4)

    def work():
        barrier.wait()
        results.append(tok.cut(text))

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 4 and all(r == results[0] for r in results)


def test_whitespace_is_dropped():
    assert " " not in get_tokenizer().cut("停水 了  两天")


def test_userdict_lists_divisions_without_suffixes_departments_and_terms():
    words = dict(userdict_words())
    assert words["江华"] == "ns" and words["江华瑶族自治县"] == "ns"
    assert words["城管局"] == "nt" and words["生态环境局"] == "nt"
    assert words["噪音扰民"] == "n"
    assert all(len(w) >= 2 for w in words)


def test_the_citys_userdict_is_in_jieba_format(tmp_path):
    lines = city_userdict(tmp_path).read_text(encoding="utf-8").splitlines()
    assert len(lines) > 5000
    word, freq, tag = lines[0].split(" ")
    assert int(freq) > 0 and tag in {"ns", "nt", "n"}


def test_the_prefix_dictionary_is_cached_and_read_back(tmp_path, monkeypatch):
    words = Tokenizer(cache_dir=tmp_path).cut("冷水滩区梧桐街道的住建局")
    assert len(list(tmp_path.glob("prefix-*.marshal"))) == 1

    def no_rebuild(self, *args, **kwargs):
        raise AssertionError("the dictionary was rebuilt instead of read from the cache")

    monkeypatch.setattr(jieba.Tokenizer, "initialize", no_rebuild)
    assert Tokenizer(cache_dir=tmp_path).cut("冷水滩区梧桐街道的住建局") == words


def test_a_changed_user_dictionary_gets_its_own_cache(tmp_path):
    userdict = tmp_path / "words.txt"
    userdict.write_text("梧桐树下社区 1000 ns\n", encoding="utf-8")
    first = Tokenizer(userdict, cache_dir=tmp_path).cut("梧桐树下社区停水")
    userdict.write_text("梧桐树下社区 1000 ns\n停水了 1000 n\n", encoding="utf-8")
    second = Tokenizer(userdict, cache_dir=tmp_path).cut("梧桐树下社区停水了")
    assert first[0] == "梧桐树下社区" and "停水了" in second
    assert len(list(tmp_path.glob("prefix-*.marshal"))) == 2


def test_hmm_can_be_switched_off_per_call():
    tok = get_tokenizer()
    assert "杭研" in tok.cut("他来到了网易杭研大厦")  # jieba's HMM guesses the unknown word
    assert "杭研" not in tok.cut("他来到了网易杭研大厦", hmm=False)
