"""jieba word segmentation with a hotline user dictionary.

A dedicated ``jieba.Tokenizer`` (not jieba's global one, which other code may
change) is built on first use under a lock, then used read-only, so one
``Tokenizer`` can be shared by threads.

Building it means reading jieba's 350,000-word dictionary and adding the user
dictionary (several seconds on a busy machine). The result -- jieba's prefix
dictionary with the user words in it -- is cached with ``marshal`` under
``var/jieba/`` (``HOTLINE_VAR_DIR``), named by a hash of jieba's version and the
user dictionary's bytes, so a changed dictionary never reads a stale cache.
Loading the cache takes a fraction of a second; nothing is ever downloaded.

``cut(text, hmm=False)`` skips jieba's HMM guess at unknown words: the category
model uses it (its character n-grams already see unknown words), and it is about
a third faster than the default.

The user dictionary is built from the loaded city (``city_userdict``): its divisions
(official, short and suffix-less names, and the aliases file's renamed places), its
departments' names and aliases, plus the department words and complaint terms below.
It is written once per city content to ``var/jieba/userdict-<hash>.txt``
(``python -m classifiers.cli userdict --out FILE`` writes it anywhere).
"""

from __future__ import annotations

import hashlib
import logging
import marshal
import os
import tempfile
import threading
from pathlib import Path

import jieba

import json

from classifiers.divisions import Divisions

DATA_DIR = Path(__file__).resolve().parent / "data"
CITY = "city"          # Tokenizer(userdict=CITY): the loaded city's dictionary (the default)


def default_cache_dir() -> Path:
    """Where prefix dictionaries are cached: $HOTLINE_VAR_DIR/jieba (default var/jieba)."""
    return Path(os.environ.get("HOTLINE_VAR_DIR", "var")) / "jieba"

DEPARTMENTS = """
住建局 住房和城乡建设局 城管局 城市管理局 城市管理和综合执法局 综合执法局 人社局 人力资源和社会保障局
社保局 社保中心 医保局 医疗保障局 市场监管局 市场监督管理局 工商局 质监局 食药监局 生态环境局 环保局
环境保护局 公安局 派出所 交警大队 交警支队 车管所 消防救援大队 教育局 教体局 卫健委 卫生健康委员会
卫生局 疾控中心 自然资源局 自然资源和规划局 国土局 规划局 不动产登记中心 交通运输局 交通局 运管所
公路局 水利局 农业农村局 农业局 林业局 民政局 税务局 应急管理局 安监局 文旅局 文化旅游局 文广新局
发改委 发展和改革委员会 财政局 审计局 统计局 信访局 司法局 法院 检察院 退役军人事务局 残联 妇联 总工会
住房公积金中心 公积金中心 房管局 房产局 征收办 拆迁办 城投公司 供电公司 供电所 国家电网 自来水公司
水务局 水务公司 燃气公司 热力公司 物业公司 业主委员会 居委会 村委会 街道办 乡政府 镇政府 政务服务中心
12345热线 市长信箱 网格员 城管执法 行政审批局 商务局 科技局 工信局 人防办 气象局 烟草局 邮政局
""".split()

COMPLAINT_TERMS = """
农民工工资 欠薪 讨薪 劳动合同 劳动仲裁 社保卡 养老保险 医疗保险 失业保险
工伤保险 生育保险 社保缴费 医保报销 异地就医 退休金 养老金 公积金提取 公积金贷款 最低生活保障 低保
噪音扰民 噪声扰民 油烟扰民 广场舞 违章建筑 违法建筑 违建 私搭乱建 占道经营 乱摆摊 渣土车 乱停车
停车收费 物业费 物业管理 电梯故障 房产证 不动产证 产权证 延期交房 烂尾楼 开发商 棚户区改造 棚改
拆迁补偿 征地补偿 安置房 公租房 廉租房 经适房 学区房 学位 入学 转学 择校 校外培训 补课 乱收费
教师编制 幼儿园 义务教育 中考 高考 食品安全 无证经营 虚假宣传 预付卡 消费者权益 假冒伪劣 网约车
出租车 拒载 非法营运 公交线路 公交车 共享单车 超载 道路破损 路灯不亮 井盖 下水道堵塞 污水外溢
黑臭水体 偷排 排污 粉尘污染 异味 垃圾焚烧 垃圾清运 化工厂 养猪场 环境污染 水污染 大气污染 噪声污染
独生子女 计划生育 二孩 出生证明 医疗纠纷 医患纠纷 乡村医生 疫苗 停水 停电 燃气泄漏 煤气泄漏 天然气
着火 火灾 倒塌 塌方 触电 被困 受伤 精准扶贫 扶贫 危房改造 易地搬迁 营业执照 传销 诈骗 非法集资
""".split()

_log = logging.getLogger(__name__)


class Tokenizer:
    """Thread-safe, lazily initialised jieba tokenizer with a user dictionary."""

    def __init__(self, userdict: str | Path | None = CITY, hmm: bool = True,
                 cache_dir: str | Path | None = None) -> None:
        self._userdict = userdict if userdict == CITY else (Path(userdict) if userdict else None)
        self._hmm = hmm
        self._cache_dir = Path(cache_dir) if cache_dir is not None else None
        self._jieba: jieba.Tokenizer | None = None
        self._lock = threading.Lock()

    def _get(self) -> jieba.Tokenizer:
        tok = self._jieba
        if tok is None:
            with self._lock:
                if self._jieba is None:
                    self._jieba = self._build()  # published only when complete
                tok = self._jieba
        return tok

    def _build(self) -> jieba.Tokenizer:
        new = jieba.Tokenizer()
        userdict = city_userdict(self._cache_dir) if self._userdict == CITY else self._userdict
        if userdict is not None and not userdict.exists():
            _log.warning("user dictionary %s not found; plain jieba", userdict)
            userdict = None
        cache = self.cache_path(userdict)
        try:
            with open(cache, "rb") as fh:
                new.FREQ, new.total, new.user_word_tag_tab = marshal.load(fh)
            new.initialized = True
            return new
        except (OSError, EOFError, ValueError, TypeError):
            pass  # no cache yet, or unreadable: build and (try to) write it
        new.initialize()
        if userdict is not None:
            new.load_userdict(str(userdict))
        try:
            cache.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=cache.parent, prefix=".tmp-")
            with os.fdopen(fd, "wb") as fh:
                marshal.dump((new.FREQ, new.total, new.user_word_tag_tab), fh)
            os.replace(tmp, cache)
        except OSError as e:  # a read-only var/ only costs start-up time
            _log.info("could not cache the jieba dictionary in %s: %s", cache.parent, e)
        return new

    def cache_path(self, userdict: Path | None = None) -> Path:
        """The cache file for this jieba version and user dictionary content."""
        h = hashlib.sha256(f"jieba {jieba.__version__}\n".encode())
        if userdict is not None:
            h.update(userdict.read_bytes())
        return (self._cache_dir or default_cache_dir()) / f"prefix-{h.hexdigest()[:16]}.marshal"

    def cut(self, text: str, hmm: bool | None = None) -> list[str]:
        """Words of ``text`` (jieba's accurate mode); whitespace dropped.

        ``hmm`` overrides the tokenizer's default for this call (False: no HMM
        guessing of unknown words, faster).
        """
        words = self._get().lcut(text or "", HMM=self._hmm if hmm is None else hmm)
        return [w for w in words if not w.isspace()]

    def warm_up(self) -> None:
        """Load the dictionaries now instead of on the first message."""
        self._get()


_DEFAULT: Tokenizer | None = None
_DEFAULT_LOCK = threading.Lock()


def get_tokenizer() -> Tokenizer:
    """The shared tokenizer with the shipped user dictionary."""
    global _DEFAULT
    with _DEFAULT_LOCK:
        if _DEFAULT is None:
            _DEFAULT = Tokenizer()
        return _DEFAULT


def userdict_words(divisions_csv: str | Path | None = None, departments_file: str | Path | None = None,
                   aliases_csv: str | Path | None = None) -> list[tuple[str, str]]:
    """(word, part-of-speech) pairs: divisions (ns), departments (nt), terms (n); by default
    the loaded city's."""
    divisions = Divisions.from_csv(divisions_csv, aliases_csv)
    words: dict[str, str] = {}
    for name in _department_names(departments_file or _settings().departments_file):
        words.setdefault(name, "nt")
    for d in divisions:
        words.setdefault(d.name, "ns")
        words.setdefault(d.short_name, "ns")
    for alias in divisions.aliases():
        words.setdefault(alias, "ns")
    for w in DEPARTMENTS:
        words.setdefault(w, "nt")
    for w in COMPLAINT_TERMS:
        words.setdefault(w, "n")
    return sorted((w, tag) for w, tag in words.items() if len(w) >= 2 and not w.isspace())


def _settings():
    from dispatch.config import get_settings

    return get_settings()


def _department_names(path: str | Path) -> list[str]:
    with open(path, encoding="utf-8") as fh:
        cfg = json.load(fh)
    return [n for d in cfg.get("departments", []) for n in (d["name"], *d.get("aliases", []))]


def city_userdict(cache_dir: str | Path | None = None) -> Path:
    """The loaded city's user dictionary, built once per content of its files."""
    s = _settings()
    inputs = [s.divisions_csv, s.departments_file, s.aliases_file]
    h = hashlib.sha256("\n".join(DEPARTMENTS + COMPLAINT_TERMS).encode())
    for path in inputs:
        h.update(Path(path).read_bytes() if path else b"-")
    out = Path(cache_dir or default_cache_dir()) / f"userdict-{h.hexdigest()[:16]}.txt"
    if not out.exists():
        out.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=out.parent, prefix=".tmp-")
        os.close(fd)
        build_userdict(tmp, s.divisions_csv, s.departments_file, s.aliases_file)
        os.replace(tmp, out)
    return out


def build_userdict(out_path: str | Path, divisions_csv: str | Path | None = None,
                   departments_file: str | Path | None = None,
                   aliases_csv: str | Path | None = None) -> int:
    """Write a jieba user dictionary; returns the number of words.

    Frequencies are what jieba's ``suggest_freq`` says each word needs to be kept
    whole, computed once here so that loading the file stays fast.
    """
    base = jieba.Tokenizer()
    base.initialize()
    lines = []
    for word, tag in userdict_words(divisions_csv, departments_file, aliases_csv):
        freq = max(3, base.suggest_freq(word, tune=False))
        lines.append(f"{word} {freq} {tag}")
    Path(out_path).write_text("\n".join(lines) + "\n", encoding="utf-8")
    return len(lines)
