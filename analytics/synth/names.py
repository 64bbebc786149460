"""Chinese firm names, phones and zip codes with the mess of real files.

A producer is named ``城市简称 + 字号 + 行业词 + 组织形式`` (``杭州华立电子有限公司``);
an intermediary carries one of the keywords of METHOD §2 (``...进出口有限公司``,
``...贸易有限公司``, ``...经贸有限公司``, ``...科贸有限公司``, ``...外经...``); producer
names never contain a keyword.  :func:`messy_variant` returns the way another
clerk typed the same name (full-width letters and digits, other brackets
around 集团, ASCII or ideographic spaces, 有限责任公司 <-> 有限公司): it
normalises to the same key under METHOD §2.  :func:`unicode_variant` goes
further, to what only Unicode NFKC and the White_Space property reconcile
(no-break, em and other Unicode spaces, Kangxi-radical and CJK-compatibility
forms of a character, small and vertical presentation-form brackets,
circled, full-width and mathematical letters and digits, a space inside
有限责任公司); :func:`with_unicode_variants` writes a share of a column so.
:func:`rename` returns a genuinely different name (new 字号 or new industry word).

Every function takes the random generator explicitly (``numpy.random.Generator``
or ``random.Random``), so the same seed gives the same names.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Literal, Protocol, Union

import numpy as np

__all__ = [
    "INDUSTRY_WORDS",
    "ZIHAO_CHARS",
    "area_code",
    "city_short",
    "firm_name",
    "format_phone",
    "local_number",
    "messy_variant",
    "phone",
    "rename",
    "unicode_variant",
    "with_unicode_variants",
    "zip_code",
]


class _PyRandom(Protocol):
    def random(self) -> float: ...
    def randrange(self, n: int) -> int: ...


Rng = Union[np.random.Generator, _PyRandom]

# ---------------------------------------------------------------------------
# pools
# ---------------------------------------------------------------------------

# Characters of 字号 (trade names).  Excluded on purpose: the characters of
# the intermediary keywords' distinctive parts (贸, 外, 进) so no producer name
# can contain 进出口/经贸/贸易/科贸/外经, and characters of organisation forms
# (集, 团, 有, 限, 责, 任, 公, 司, 股, 份) and of administrative units.
_ZIHAO_RAW = (
    "华中新金宏鑫恒盛兴达永泰丰利源昌隆嘉宝康瑞祥天海东南西北大长江山明光辉荣富贵安信诚德"
    "和正通远飞龙凤腾鹏振伟佳美好百万千亿联合友力强科创智精博卓越超优晶星月日阳春秋雅丽欣"
    "悦润泽川峰林森青蓝红紫银铭钧锦绿翔宇宙环球国邦民立帆航圣威豪凯旋奥特克斯普赛迪亚太洋"
    "湖泉港城乐福禄寿喜吉运发展步高升跃汇聚众协同久鸿雁鹰虎狮象麒麟骏驰宸睿哲慧思维纳索莱"
    "菲琪琳瑶璐珂玉石铜钢铁华晨曦旭东方圆方舟帝豪爵皇冠益康健宁静远扬帆舜尧禹汉唐宋元明清"
    "盈鼎晟昊昱炜烨煜焱淼鑫森磊垚沛澜涛浩瀚漫溢洁净澄清雪霜露云雨风雷电朗乾坤震巽坎离艮兑"
    "仁义礼智信忠孝勤俭谦恭诺亨贞元亨楚吴越蜀秦晋燕齐鲁豫皖赣湘粤桂闽琼滇黔陇甘宁青藏蒙辽"
    "吉黑津沪渝冀梅兰竹菊松柏桦枫杉桐柳杨槐荷莲芙蓉桂樱桃李杏梨橙柚榕椰棕檀楠"
)
ZIHAO_CHARS: tuple[str, ...] = tuple(dict.fromkeys(_ZIHAO_RAW))

_LATIN = "ABCDEFGHJKLMNPRSTWXYZ"

#: Industry words by 2-digit industry (none contains an intermediary keyword).
INDUSTRY_WORDS: dict[str, tuple[str, ...]] = {
    "13": ("食品", "粮油", "饲料", "农产品", "肉类", "水产", "米业", "油脂"),
    "14": ("食品", "乳业", "糖果", "调味品", "罐头", "食品工业"),
    "15": ("酒业", "饮料", "饮品", "茶业", "啤酒", "酿酒"),
    "16": ("烟草", "卷烟", "烟叶"),
    "17": ("纺织", "棉纺", "织造", "丝绸", "印染", "针织", "毛纺"),
    "18": ("服装", "服饰", "制衣", "时装", "鞋帽"),
    "19": ("皮革", "鞋业", "皮具", "箱包", "制革", "羽绒"),
    "20": ("木业", "木材", "竹业", "板业", "人造板"),
    "21": ("家具", "家私", "家居", "木制家具"),
    "22": ("纸业", "造纸", "包装", "纸品"),
    "23": ("印刷", "印务", "彩印", "包装印刷"),
    "24": ("文具", "体育用品", "玩具", "乐器", "文体用品"),
    "25": ("石化", "炼油", "焦化", "能源", "石油化工"),
    "26": ("化工", "化学", "涂料", "化肥", "精细化工", "日化"),
    "27": ("制药", "药业", "生物", "医药", "生物制药"),
    "28": ("化纤", "化学纤维", "纤维", "合纤"),
    "29": ("橡胶", "轮胎", "胶带", "橡塑"),
    "30": ("塑料", "塑胶", "塑业", "塑料制品"),
    "31": ("建材", "水泥", "玻璃", "陶瓷", "石材"),
    "32": ("钢铁", "特钢", "钢材", "冶金"),
    "33": ("有色金属", "铜业", "铝业", "金属材料"),
    "34": ("金属制品", "五金", "紧固件", "钢结构", "五金制品"),
    "35": ("机械", "机电", "重工", "动力", "阀门", "轴承", "泵业"),
    "36": ("机械", "装备", "重型机械", "医疗器械", "环保设备"),
    "37": ("汽车", "汽车零部件", "车辆", "船舶", "摩托车"),
    "39": ("电器", "电机", "电气", "电缆", "电源", "照明"),
    "40": ("电子", "通信", "科技", "光电", "微电子", "数码"),
    "41": ("仪器", "仪表", "光学", "自动化", "钟表"),
    "42": ("工艺品", "工艺", "饰品", "首饰"),
    "43": ("再生资源", "资源回收", "废旧物资", "资源利用"),
}
_GENERIC_WORDS: tuple[str, ...] = ("实业", "工业", "制造", "发展")

#: Organisation forms with their share among producers.
_PRODUCER_SUFFIXES: tuple[tuple[str, float], ...] = (
    ("有限公司", 0.56),
    ("有限责任公司", 0.18),
    ("股份有限公司", 0.14),
    ("（集团）有限公司", 0.08),
    ("集团有限公司", 0.04),
)
_SUFFIX_FORMS: tuple[str, ...] = (
    "（集团）有限公司", "(集团)有限公司", "集团有限公司", "股份有限公司",
    "有限责任公司", "有限公司",
)

# Intermediary name patterns: {c} city, {z} 字号, {w} industry word.
_INTERMEDIARY_PATTERNS: tuple[tuple[str, float], ...] = (
    ("{c}{z}进出口有限公司", 0.30),
    ("{c}{z}{w}进出口有限公司", 0.12),
    ("{c}{z}贸易有限公司", 0.18),
    ("{c}{z}国际贸易有限公司", 0.10),
    ("{c}{z}经贸有限公司", 0.10),
    ("{c}{z}科贸有限公司", 0.08),
    ("{c}外经{z}实业有限公司", 0.06),
    ("{c}{z}对外经济合作有限公司", 0.06),
)

_BRACKETS_ALL = "()[]{}【】〔〕「」『』《》〈〉"
_NO_BRACKETS = {ord(ch): None for ch in _BRACKETS_ALL}
_BRACKET_PAIRS: tuple[tuple[str, str], ...] = (
    ("（", "）"), ("(", ")"), ("【", "】"), ("〔", "〕"), ("［", "］"), ("「", "」"),
)

# ---------------------------------------------------------------------------
# rng helpers
# ---------------------------------------------------------------------------


def _int(rng: Rng, n: int) -> int:
    if isinstance(rng, np.random.Generator):
        return int(rng.integers(n))
    return int(rng.randrange(n))


def _u(rng: Rng) -> float:
    return float(rng.random())


def _pick(rng: Rng, seq):
    return seq[_int(rng, len(seq))]


def _weighted(rng: Rng, items: tuple[tuple[str, float], ...]) -> str:
    total = sum(w for _, w in items)
    x = _u(rng) * total
    for value, w in items:
        x -= w
        if x < 0:
            return value
    return items[-1][0]


# Unicode's White_Space property (PropList.txt): what METHOD §2 removes as "whitespace"
_WHITE_SPACE = re.compile("[\t\n\x0b\x0c\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+")


def _norm_key(name: str) -> str:
    """METHOD §2 normalisation (kept private; the platform has its own)."""
    s = unicodedata.normalize("NFKC", name)
    s = _WHITE_SPACE.sub("", s)
    s = s.translate(_NO_BRACKETS)
    return s.replace("有限责任公司", "有限公司")


# ---------------------------------------------------------------------------
# names
# ---------------------------------------------------------------------------


_ETHNIC = (
    "朝鲜族", "土家族", "苗族", "侗族", "布依族", "彝族", "藏族", "羌族", "傣族", "景颇族",
    "白族", "哈尼族", "壮族", "回族", "傈僳族", "蒙古", "哈萨克", "柯尔克孜",
)


def city_short(city_name: str) -> str:
    """城市简称: 杭州市 -> 杭州, 延边朝鲜族自治州 -> 延边, 大兴安岭地区 -> 大兴安岭."""
    name = city_name.strip()
    for suffix in ("自治州", "地区", "盟", "市"):
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            name = name[: -len(suffix)]
            break
    cuts = [i for e in _ETHNIC if (i := name.find(e, 2)) >= 2]
    if cuts:
        name = name[: min(cuts)]
    return name


def _zihao(rng: Rng) -> str:
    x = _u(rng)
    if x < 0.02:  # a latin brand, e.g. "TCL"
        return "".join(_pick(rng, _LATIN) for _ in range(2 + _int(rng, 2)))
    n = 3 if x < 0.14 else 2
    chars: list[str] = []
    while len(chars) < n:
        ch = _pick(rng, ZIHAO_CHARS)
        if ch not in chars:
            chars.append(ch)
    return "".join(chars)


def _industry_word(rng: Rng, industry_code: str) -> str:
    words = INDUSTRY_WORDS.get(industry_code, _GENERIC_WORDS)
    if _u(rng) < 0.06:
        return _pick(rng, _GENERIC_WORDS)
    return _pick(rng, words)


def firm_name(
    rng: Rng,
    city_short: str,
    industry_code: str,
    kind: Literal["producer", "intermediary"] = "producer",
) -> str:
    """A canonical firm name (see the module docstring)."""
    z = _zihao(rng)
    if kind == "producer":
        return f"{city_short}{z}{_industry_word(rng, industry_code)}{_weighted(rng, _PRODUCER_SUFFIXES)}"
    if kind != "intermediary":
        raise ValueError(f"kind must be 'producer' or 'intermediary', not {kind!r}")
    pattern = _weighted(rng, _INTERMEDIARY_PATTERNS)
    name = pattern.format(c=city_short, z=z, w=_industry_word(rng, industry_code))
    if _u(rng) < 0.15:
        name = name[: -len("有限公司")] + "有限责任公司"
    return name


_FULLWIDTH = {i: i + 0xFEE0 for i in range(0x21, 0x7F)}


def _to_fullwidth(s: str) -> str:
    return "".join(chr(_FULLWIDTH[ord(ch)]) if ord(ch) in _FULLWIDTH else ch for ch in s)


def messy_variant(rng: Rng, name: str) -> str:
    """The same firm as typed by another clerk: same METHOD §2 key, other string."""
    for _ in range(20):
        s = name
        ops = [op for op in range(5) if _u(rng) < 0.45] or [_int(rng, 5)]
        for op in ops:
            if op == 0:  # full-width latin letters, digits and ASCII brackets
                s = _to_fullwidth(s)
            elif op == 1:  # other brackets around 集团, or brackets around the city
                m = re.search(r"[（(【〔［「]集团[）)】〕］」]", s) or re.search("集团", s)
                o, c = _pick(rng, _BRACKET_PAIRS)
                if m:
                    s = s[: m.start()] + f"{o}集团{c}" + s[m.end() :]
                elif len(s) > 6:
                    s = f"{o}{s[:2]}{c}{s[2:]}"
            elif op == 2:  # a stray ASCII or ideographic space
                pos = 1 + _int(rng, max(len(s) - 1, 1))
                s = s[:pos] + _pick(rng, (" ", "\u3000", "  ")) + s[pos:]
            elif op == 3:  # 有限责任公司 <-> 有限公司 (not after 股份)
                if s.endswith("有限责任公司"):
                    s = s[: -len("有限责任公司")] + "有限公司"
                elif s.endswith("有限公司") and not s.endswith("股份有限公司"):
                    s = s[: -len("有限公司")] + "有限责任公司"
            else:  # trailing or leading whitespace
                s = _pick(rng, (" ", "\u3000", "")) + s + _pick(rng, (" ", "\u3000", "\t"))
        if s != name and _norm_key(s) == _norm_key(name):
            return s
    return name + " "


# Unicode spaces: NFKC makes all but U+1680 an ASCII space; all are White_Space
_UNICODE_SPACES = ("\u00a0", "\u2002", "\u2003", "\u2009", "\u202f", "\u3000", "\u1680")
# presentation-form brackets whose NFKC is a bracket METHOD §2 removes
_COMPAT_BRACKET_PAIRS: tuple[tuple[str, str], ...] = (
    ("\ufe59", "\ufe5a"),  # small parentheses -> ()
    ("\ufe35", "\ufe36"),  # vertical parentheses -> ()
    ("\ufe5d", "\ufe5e"),  # small tortoise shell brackets -> 〔〕
    ("\ufe3b", "\ufe3c"),  # vertical black lenticular brackets -> 【】
    ("\ufe41", "\ufe42"),  # vertical corner brackets -> 「」
    ("\uff08", "\uff09"),  # full-width parentheses -> ()
)


def _compat_forms() -> dict[str, tuple[str, ...]]:
    """character -> the code points NFKC maps to it alone: Kangxi radicals,
    CJK radicals, CJK compatibility ideographs; circled, full-width and
    mathematical bold forms of the ASCII letters and digits."""
    ranges = [(0x2E80, 0x2FE0), (0xF900, 0xFB00), (0x2F800, 0x2FA20),  # CJK
              (0x2460, 0x2469), (0x24B6, 0x24EA), (0x24EA, 0x24EB),   # ①-⑨, Ⓐ-ⓩ, ⓪
              (0xFF10, 0xFF1A), (0xFF21, 0xFF3B), (0xFF41, 0xFF5B),   # full-width
              (0x1D400, 0x1D434), (0x1D7CE, 0x1D7D8)]                  # bold A-z, 0-9
    out: dict[str, list[str]] = {}
    for lo, hi in ranges:
        for cp in range(lo, hi):
            ch = chr(cp)
            target = unicodedata.normalize("NFKC", ch)
            if len(target) == 1 and target != ch:
                out.setdefault(target, []).append(ch)
    return {k: tuple(v) for k, v in out.items()}


_COMPAT = _compat_forms()


def unicode_variant(rng: Rng, name: str) -> str:
    """The same firm (or person) written with characters that only NFKC and
    Unicode's White_Space reconcile: same METHOD §2 key, other string.

    One or two of: a Unicode space inside or around the name (NBSP, U+2002,
    U+2003, U+2009, U+202F, U+3000, U+1680); one character in a compatibility
    form (a Kangxi radical or CJK compatibility ideograph for 金, 大, 山, ...;
    circled, full-width or mathematical bold for a latin letter or digit);
    presentation-form brackets around 集团 or the city; a space inside
    有限责任公司 / 有限公司 (which may switch between the two).
    """
    for _ in range(20):
        s = name
        ops = [op for op in range(4) if _u(rng) < 0.35] or [_int(rng, 4)]
        for op in ops:
            if op == 0:  # a Unicode space inside, before or after
                sp = _pick(rng, _UNICODE_SPACES)
                pos = _int(rng, len(s) + 1)
                s = s[:pos] + sp + s[pos:]
            elif op == 1:  # one character in a compatibility form
                spots = [i for i, ch in enumerate(s) if ch in _COMPAT]
                if spots:
                    i = _pick(rng, spots)
                    s = s[:i] + _pick(rng, _COMPAT[s[i]]) + s[i + 1:]
            elif op == 2:  # presentation-form brackets around 集团 or the city
                o, c = _pick(rng, _COMPAT_BRACKET_PAIRS)
                m = re.search(r"[（(【〔［「]集团[）)】〕］」]", s) or re.search("集团", s)
                if m:
                    s = s[: m.start()] + f"{o}集团{c}" + s[m.end():]
                elif len(s) > 6:
                    s = f"{o}{s[:2]}{c}{s[2:]}"
            else:  # a space inside the organisation form
                sp = _pick(rng, _UNICODE_SPACES)
                if s.endswith("有限责任公司"):
                    s = s[: -len("有限责任公司")] + _pick(rng, (f"有限{sp}责任公司", f"有限责任{sp}公司", f"有限{sp}公司"))
                elif s.endswith("有限公司") and not s.endswith("股份有限公司"):
                    s = s[: -len("有限公司")] + _pick(rng, (f"有限{sp}责任公司", f"有限{sp}公司"))
        if s != name and _norm_key(s) == _norm_key(name):
            return s
    return name + "\u00a0"


def with_unicode_variants(rng: Rng, values, share: float = 0.03) -> list:
    """``values`` with a ``share`` of the non-missing ones replaced by a
    :func:`unicode_variant` (one uniform draw per value, in order)."""
    out = list(values)
    hit = [_u(rng) < share for _ in out]
    return [unicode_variant(rng, v) if h and isinstance(v, str) and v.strip() else v for v, h in zip(out, hit)]


# the words a name's stem may end in, by length, longest first (two words of
# one length cannot both end a stem)
_NAME_WORDS = {w for ws in INDUSTRY_WORDS.values() for w in ws} | set(_GENERIC_WORDS) | {
    "进出口", "国际贸易", "贸易", "经贸", "科贸", "对外经济合作"}
_NAME_WORDS_BY_LENGTH: tuple[tuple[int, frozenset[str]], ...] = tuple(
    (n, frozenset(w for w in _NAME_WORDS if len(w) == n)) for n in sorted({len(w) for w in _NAME_WORDS}, reverse=True))
_INDUSTRY_WORDS_SORTED: list[str] = sorted({w for ws in INDUSTRY_WORDS.values() for w in ws})


def _split_name(name: str) -> tuple[str, str, str]:
    """(stem before the word, industry word or '', organisation form)."""
    suffix = next((x for x in _SUFFIX_FORMS if name.endswith(x)), "")
    stem = name[: len(name) - len(suffix)]
    for n, words in _NAME_WORDS_BY_LENGTH:
        if len(stem) > n and stem[-n:] in words:
            return stem[:-n], stem[-n:], suffix
    return stem, "", suffix


def rename(rng: Rng, name: str) -> str:
    """A genuinely different name for a firm that renames (new 字号 or word)."""
    head, word, suffix = _split_name(name)
    key = _norm_key(name)
    all_words = _INDUSTRY_WORDS_SORTED
    for _ in range(50):
        if word and word in all_words and _u(rng) < 0.4:
            alts = [ws for ws in INDUSTRY_WORDS.values() if word in ws]
            pool = [w for w in (alts[0] if alts else all_words) if w != word] or all_words
            new = head + _pick(rng, pool) + suffix
        else:
            base = head[:-2] if len(head) >= 4 else head
            new = base + _zihao(rng) + word + suffix
        if _norm_key(new) != key:
            return new
    return head + _zihao(rng) + "新" + word + suffix


# ---------------------------------------------------------------------------
# phones and zip codes
# ---------------------------------------------------------------------------

_AREA_CODES: dict[str, str] = {
    "110100": "010", "120100": "022", "310100": "021", "500100": "023",
    "440100": "020", "210100": "024", "320100": "025", "420100": "027",
    "510100": "028", "610100": "029", "440300": "0755", "330100": "0571",
    "330200": "0574", "320500": "0512", "320200": "0510", "320400": "0519",
    "230100": "0451", "430100": "0731", "210200": "0411", "370200": "0532",
    "440600": "0757", "441900": "0769", "442000": "0760", "440400": "0756",
    "350200": "0592", "350100": "0591", "370100": "0531", "410100": "0371",
    "130100": "0311", "140100": "0351", "340100": "0551", "360100": "0791",
    "450100": "0771", "530100": "0871", "520100": "0851", "220100": "0431",
    "150100": "0471", "620100": "0931", "650100": "0991", "460100": "0898",
    "330300": "0577", "330400": "0573", "330600": "0575", "330700": "0579",
    "321000": "0514", "320600": "0513", "321100": "0511", "321200": "0523",
    "331000": "0576", "330500": "0572", "330900": "0580",
}
_PROVINCE_AREA_PREFIX: dict[str, str] = {
    "13": "031", "14": "035", "15": "047", "21": "041", "22": "043", "23": "045",
    "32": "051", "33": "057", "34": "055", "35": "059", "36": "079", "37": "053",
    "41": "037", "42": "071", "43": "073", "44": "075", "45": "077", "46": "089",
    "51": "083", "52": "085", "53": "087", "54": "089", "61": "091", "62": "093",
    "63": "097", "64": "095", "65": "099",
}


def area_code(city_code: str) -> str:
    """A telephone area code for a prefecture (real for the large cities)."""
    code = str(city_code)[:4] + "00"
    if code in _AREA_CODES:
        return _AREA_CODES[code]
    prefix = _PROVINCE_AREA_PREFIX.get(code[:2], "08")
    return prefix + str(int(code[2:4]) % 10)


def local_number(rng: Rng) -> str:
    """An 8-digit local number (first digit 2-8)."""
    return str(2 + _int(rng, 7)) + "".join(str(_int(rng, 10)) for _ in range(7))


def format_phone(rng: Rng, area: str, local: str) -> str:
    """One of the ways the same number appears in the files (digits, dashes, spaces)."""
    a = area.lstrip("+")
    fmt = _int(rng, 9)
    if fmt == 0:
        return f"{a}-{local}"
    if fmt == 1:
        return f"{a}-{local[:4]} {local[4:]}"
    if fmt == 2:
        return f"{a}{local}"
    if fmt == 3:
        return local
    if fmt == 4:
        return f"{a} {local}"
    if fmt == 5:
        return f"{a}-{local[:4]}-{local[4:]}"
    if fmt == 6:
        return f"{local[:4]}-{local[4:]}"
    if fmt == 7:
        return f"86-{a.lstrip('0')}-{local}"
    return f"{a} {local[:4]} {local[4:]}"


def phone(rng: Rng, area_code: str) -> str:
    """A new random number in a random format (``0571-8765 4321``, ``057187654321``, ...)."""
    return format_phone(rng, area_code, local_number(rng))


_ZIP_PREFIX: dict[str, tuple[str, ...]] = {
    "11": ("10",), "12": ("30",), "13": ("05", "06", "07"), "14": ("03", "04"),
    "15": ("01", "02"), "21": ("11", "12"), "22": ("13",), "23": ("15", "16"),
    "31": ("20",), "32": ("21", "22"), "33": ("31", "32"), "34": ("23", "24"),
    "35": ("35", "36"), "36": ("33", "34"), "37": ("25", "26", "27"),
    "41": ("45", "46", "47"), "42": ("43", "44"), "43": ("41", "42"),
    "44": ("51", "52"), "45": ("53", "54"), "46": ("57",), "50": ("40",),
    "51": ("61", "62", "63", "64"), "52": ("55", "56"), "53": ("65", "66", "67"),
    "54": ("85",), "61": ("71", "72"), "62": ("73", "74"), "63": ("81",),
    "64": ("75",), "65": ("83", "84"),
}
_CITY_ZIP: dict[str, str] = {
    "110100": "100000", "120100": "300000", "310100": "200000", "500100": "400000",
    "440100": "510000", "440300": "518000", "330100": "310000", "330200": "315000",
    "320100": "210000", "320500": "215000", "320200": "214000", "320400": "213000",
    "420100": "430000", "510100": "610000", "610100": "710000", "230100": "150000",
    "430100": "410000", "210100": "110000", "210200": "116000", "370200": "266000",
    "440600": "528000", "441900": "523000", "442000": "528400", "350200": "361000",
}


def zip_code(city_code: str, rng: Rng | None = None) -> str:
    """A 6-digit postal code plausible for the city's province; with ``rng`` a
    delivery-area variant (last three digits) of the city's code."""
    code = str(city_code)[:4] + "00"
    base = _CITY_ZIP.get(code)
    if base is None:
        prefixes = _ZIP_PREFIX.get(code[:2], ("10",))
        num = int(code[2:4])
        base = prefixes[(num // 10) % len(prefixes)] + str(num % 10) + "000"
    if rng is None:
        return base
    return base[:3] + f"{_int(rng, 1000):03d}"
