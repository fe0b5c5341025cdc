"""Homogenisation check (同质化检查, source section 3.2.2): bare "region + category" names.

A name is a bare **region + category** name when it is a place name of the county (the county,
a township or a village, with or without 县/市/区, 镇/乡/街道, 村/社区) followed only by product
category or variety words (the county's product names and :data:`CATEGORY_WORDS`), e.g.
礼泉苹果, 礼泉县红富士苹果, 烟霞镇苹果. A one-character place stem (赵镇 -> 赵) counts only with
its suffix.

Similarity (stated measure): two names are **confusingly close** when the Dice coefficient of
their character bigrams is at least :data:`SIMILARITY_THRESHOLD` (0.5), or when both are bare
region + category names ending in the same category word (they differ only by place or
variety, which buyers do not tell apart).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from ruralflow.domain import County

SIMILARITY_THRESHOLD = 0.5

#: Product category and variety words (a built-in list; the county's product names are added).
CATEGORY_WORDS = (
    "苹果",
    "红富士",
    "富士",
    "嘎啦",
    "秦冠",
    "花牛",
    "梨",
    "酥梨",
    "桃",
    "蜜桃",
    "黄桃",
    "油桃",
    "杏",
    "御杏",
    "李",
    "樱桃",
    "葡萄",
    "猕猴桃",
    "脐橙",
    "橙",
    "柑",
    "柑橘",
    "橘",
    "柚",
    "蜜瓜",
    "哈密瓜",
    "甜瓜",
    "西瓜",
    "瓜",
    "花椒",
    "核桃",
    "红枣",
    "枣",
    "板栗",
    "茶",
    "茶叶",
    "大米",
    "小米",
    "米",
    "面",
    "挂面",
    "玉米",
    "土豆",
    "马铃薯",
    "红薯",
    "蔬菜",
    "菜",
    "韭菜",
    "黄瓜",
    "番茄",
    "西红柿",
    "辣椒",
    "大蒜",
    "蒜",
    "洋葱",
    "胡萝卜",
    "萝卜",
    "香菇",
    "蘑菇",
    "木耳",
    "蜂蜜",
    "鸡蛋",
    "土鸡",
    "羊肉",
    "牛肉",
    "猪肉",
    "鱼",
    "果",
    "水果",
    "鲜果",
    "特产",
    "农产品",
)
_PLACE_SUFFIXES = ("街道", "社区", "县", "市", "区", "旗", "镇", "乡", "村")


def _stem(name: str) -> tuple[str, str]:
    for suf in _PLACE_SUFFIXES:
        if name.endswith(suf) and len(name) > len(suf):
            return name[: -len(suf)], suf
    return name, ""


def place_names(county: County) -> list[str]:
    """Every form of the county's, townships' and villages' names a label may use."""
    raw = [county.name] + [
        p.name for p in county.places if p.kind in ("township_station", "village")
    ]
    out: set[str] = set()
    for n in raw:
        n = n.strip()
        if not n:
            continue
        stem, suf = _stem(n)
        out.add(n)
        if suf and len(stem) >= 2:
            out.add(stem)
    return sorted(out, key=len, reverse=True)


def _category_words(county: County | None) -> list[str]:
    words = set(CATEGORY_WORDS)
    if county is not None:
        words |= {p.name.strip() for p in county.products if p.name.strip()}
    return sorted(words, key=len, reverse=True)


def _only_words(rest: str, words: Sequence[str]) -> list[str] | None:
    """``rest`` split into ``words`` (longest first), or None when it is not only such words."""
    if not rest:
        return None
    out: list[str] = []
    i = 0
    while i < len(rest):
        for w in words:
            if rest.startswith(w, i):
                out.append(w)
                i += len(w)
                break
        else:
            return None
    return out


def _bigrams(s: str) -> set[str]:
    return {s[i : i + 2] for i in range(len(s) - 1)} if len(s) > 1 else {s}


def dice(a: str, b: str) -> float:
    """Dice coefficient of the character bigrams of ``a`` and ``b`` (0..1)."""
    x, y = _bigrams(a), _bigrams(b)
    if not x and not y:
        return 1.0
    return 2 * len(x & y) / (len(x) + len(y))


@dataclass(frozen=True, slots=True)
class NameResult:
    name: str
    region_category: bool
    place: str
    category: str
    similar_to: tuple[str, ...]
    suggestions: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "region_category": self.region_category,
            "place": self.place,
            "category": self.category,
            "similar_to": list(self.similar_to),
            "suggestions": list(self.suggestions),
        }


@dataclass(frozen=True, slots=True)
class NameCheck:
    names: tuple[NameResult, ...]

    def summary(self) -> str:
        flagged = [n.name for n in self.names if n.region_category]
        close = sum(1 for n in self.names if n.similar_to)
        return (
            f"{len(self.names)} 个名称 / names: {len(flagged)} 个“地域+品类” / region+category"
            f"{' (' + '、'.join(flagged) + ')' if flagged else ''}, {close} 个有近似名 / "
            "with confusingly close names"
        )

    def to_dict(self) -> dict[str, Any]:
        return {"names": [n.to_dict() for n in self.names]}


def classify(name: str, places: Sequence[str], words: Sequence[str]) -> tuple[str, str] | None:
    """``(place, category)`` when ``name`` is a bare region + category name, else None."""
    n = "".join(name.split())
    for p in places:
        if not n.startswith(p):
            continue
        if len(p) < 2:
            continue
        got = _only_words(n[len(p) :], words)
        if got:
            return p, got[-1]
    return None


def suggestions(county: County | None, category: str) -> list[str]:
    """Attributes the bundle's data holds that would tell the product apart."""
    out = [
        "品种 / variety (products.csv name_en, e.g. the cultivar)",
        "等级 / grade (A/B/C from the preprocess centre's grading)",
        "地理标志 / GI status and registration (brands.csv gi_status, gi_source)",
        "追溯码 / trace code of the batch (ruralflow trace)",
    ]
    if county is not None:
        prod = next((p for p in county.products if p.name == category), None)
        if prod is not None and prod.name_en:
            out[0] = f"品种 / variety: {prod.name_en}"
        villages = sorted(
            {s.village for s in county.supply_up if prod is None or s.product == prod.id}
        )
        names = [county.place_by_id[v].name for v in villages[:3] if v in county.place_by_id]
        if names:
            out.append("村名 / village of origin, e.g. " + "、".join(names))
    return out


def check_names(
    names: Iterable[str], county: County | None = None, others: Iterable[str] = ()
) -> NameCheck:
    """Check each of ``names`` (see the module docstring); ``others`` (e.g. the county's
    brand names) are compared too but not reported."""
    items = [n.strip() for n in names if n.strip()]
    places = place_names(county) if county is not None else []
    words = _category_words(county)
    pool = list(dict.fromkeys([*items, *(o.strip() for o in others if o.strip())]))
    cls = {n: classify(n, places, words) for n in pool}
    out = []
    for n in items:
        c = cls[n]
        close = []
        for m in pool:
            if m == n:
                continue
            cm = cls[m]
            same_cat = c is not None and cm is not None and c[1] == cm[1]
            if same_cat or dice(n, m) >= SIMILARITY_THRESHOLD:
                close.append(m)
        out.append(
            NameResult(
                n,
                c is not None,
                c[0] if c else "",
                c[1] if c else "",
                tuple(close),
                tuple(suggestions(county, c[1]) if c else ()),
            )
        )
    return NameCheck(tuple(out))
