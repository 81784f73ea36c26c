"""Supplier values -> BUYMA ids: brand, category, colour family and size.

Each kind is resolved in the same order (docs/buyma_convert.md, "Mapping"):

1. a ``BuymaMapping`` row with origin ``human`` for the value: a person's word always wins;
2. the rules in this module (brand names matched on their Latin and katakana parts, Korean
   product-type and gender words for categories, colour words, size tables);
3. a ``BuymaMapping`` row with origin ``rule`` (what an earlier run learned, e.g. that the Korean
   name "나이키" is Nike because a product once said "나이키(NIKE)");
4. otherwise the value is unmapped: the caller reports a problem, nothing is guessed.

When a rule maps a value that has no row yet (or a different one), the mapping is kept in memory
as learned; ``Mapper.flush_learned`` writes all of them in one bulk write, with origin ``rule``,
so a person can review them in the admin. Everything is read once in ``Mapper.load``: mapping a
product runs no query.
"""

from __future__ import annotations

import copy
import functools
import re
import threading
import time
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from .models import (
    BuymaBrand,
    BuymaCategory,
    BuymaColor,
    BuymaMapping,
    BuymaSeason,
    BuymaSize,
    MappingKind,
    MappingOrigin,
)

# Plain strings: a TextChoices member hashes by its name, so it would miss rows read back as str.
_BRAND, _CATEGORY, _COLOR, _SIZE = (
    MappingKind.BRAND.value,
    MappingKind.CATEGORY.value,
    MappingKind.COLOR.value,
    MappingKind.SIZE.value,
)
_HUMAN = MappingOrigin.HUMAN.value
_RULE = MappingOrigin.RULE.value

# --- normalization -------------------------------------------------------------------------

_NON_WORD = re.compile(r"[\W_]+")
_HANGUL = re.compile(r"[\uac00-\ud7a3\u3131-\u318e]")
_KANA = re.compile(r"[\u30a0-\u30ff\u3040-\u309f\uff66-\uff9f]")
# Latin letters that may carry an accent (and bare combining marks): worth an NFD pass.
_ACCENTABLE = re.compile(r"[\u00c0-\u024f\u0300-\u036f\u1e00-\u1eff]")


@functools.lru_cache(maxsize=65536)
def normalize_key(text: str) -> str:
    """The form values are compared and stored in: NFKC, case-folded, accents dropped, and
    everything but letters and digits removed ("C.P. COMPANY" -> "cpcompany", "Kitsuné" ->
    "kitsune", "반팔 티셔츠" -> "반팔티셔츠", "ナイキ・ジャパン" -> "ナイキジャパン")."""
    text = unicodedata.normalize("NFKC", text or "").casefold()
    if _ACCENTABLE.search(text):
        decomposed = unicodedata.normalize("NFD", text)
        if any(unicodedata.combining(c) for c in decomposed):
            # NFD splits Hangul syllables into jamo too; recompose after dropping the accents.
            text = unicodedata.normalize(
                "NFC", "".join(c for c in decomposed if not unicodedata.combining(c))
            )
    return _NON_WORD.sub("", text)


@functools.lru_cache(maxsize=65536)
def split_name(text: str) -> tuple[str, str | None]:
    """``"Nike(ナイキ)"`` -> ``("Nike", "ナイキ")``; the last balanced parenthesized group is the
    second part (BUYMA writes "Intrend(Diffusione Tessile)(イントレンド(...))"). Without one:
    ``(text, None)``. Full-width parentheses count too."""
    text = unicodedata.normalize("NFKC", text or "").strip()
    if not text.endswith(")"):
        return text, None
    depth = 0
    for index in range(len(text) - 1, -1, -1):
        if text[index] == ")":
            depth += 1
        elif text[index] == "(":
            depth -= 1
            if depth == 0:
                head, inner = text[:index].strip(), text[index + 1 : -1].strip()
                return (head, inner) if head else (inner, None)
    return text, None


def script_of(text: str) -> str:
    """ "hangul", "kana" or "latin" (the script a brand part is written in)."""
    if _HANGUL.search(text):
        return "hangul"
    if _KANA.search(text):
        return "kana"
    return "latin"


@dataclass(frozen=True, slots=True)
class Match:
    """The outcome of one lookup. ``target_id`` is None when unmapped, then ``reason`` says
    why. ``origin`` is "human", "rule" or "learned" (a stored rule row)."""

    target_id: int | None
    key: str
    origin: str = ""
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.target_id is not None


# --- vocabulary ----------------------------------------------------------------------------

MEN, WOMEN, UNISEX = "남성", "여성", "공용"

# Korean names of brands the project's suppliers carry, to their Latin names as BUYMA writes the
# Latin part. A Korean name not listed here is still learned the first time a supplier writes it
# together with the Latin name ("나이키(NIKE)").
KOREAN_BRANDS: dict[str, str] = {
    "나이키": "Nike",
    "아디다스": "adidas",
    "뉴발란스": "New Balance",
    "폴로랄프로렌": "POLO RALPH LAUREN",
    "폴로": "POLO RALPH LAUREN",
    "메종키츠네": "MAISON KITSUNE",
    "스톤아일랜드": "STONE ISLAND",
    "씨피컴퍼니": "C.P. Company",
    "톰브라운": "THOM BROWNE",
    "아크네스튜디오": "Acne Studios",
    "아페쎄": "A.P.C.",
    "발렌시아가": "BALENCIAGA",
    "칼하트": "Carhartt",
    "몽클레르": "MONCLER",
    "몽클레어": "MONCLER",
}


@dataclass(frozen=True, slots=True)
class ProductType:
    """A product type: the vocabulary word for titles (None for a synonym the translator does
    not know), and its BUYMA category for men and for women (None: no such category)."""

    word: str | None
    men: int | None
    women: int | None


def _types(entries: Iterable[tuple[Sequence[str], ProductType]]) -> dict[str, ProductType]:
    table: dict[str, ProductType] = {}
    for keywords, product_type in entries:
        for keyword in keywords:
            table[normalize_key(keyword)] = product_type
    return table


def _t(word: str | None, men: int | None, women: int | None) -> ProductType:
    return ProductType(word, men, women)


# Category ids from categories.csv: メンズファッション/... and レディースファッション/...
TSHIRT = (3260, 3001)
SPECIFIC_TYPES = _types(
    [
        (["반팔 티셔츠", "반팔티"], _t("반팔 티셔츠", *TSHIRT)),
        (["긴팔 티셔츠", "긴팔티"], _t("긴팔 티셔츠", *TSHIRT)),
        (["티셔츠", "tshirt"], _t(None, *TSHIRT)),
        (["후드티"], _t("후드티", 3264, 3005)),
        (["후드 티셔츠", "후디", "후드 집업", "후드", "hoodie"], _t(None, 3264, 3005)),
        (["맨투맨"], _t("맨투맨", 3265, 3006)),
        (["스웨트셔츠", "스웻셔츠", "sweatshirt"], _t(None, 3265, 3006)),
        (["셔츠"], _t("셔츠", 3263, 3007)),
        (["블라우스"], _t(None, 3263, 3007)),
        (["폴로셔츠", "피케셔츠", "카라티"], _t(None, 3261, 3008)),
        (["니트"], _t("니트", 3266, 3004)),
        (["스웨터"], _t(None, 3266, 3004)),
        (["가디건"], _t("가디건", 3309, 3065)),
        (["카디건", "cardigan"], _t(None, 3309, 3065)),
        (["자켓"], _t("자켓", 3301, 3061)),
        (["재킷", "점퍼", "블루종", "바람막이", "jacket"], _t(None, 3301, 3061)),
        (["패딩"], _t("패딩", 3302, 3062)),
        (["다운 자켓", "다운 재킷", "푸퍼"], _t(None, 3302, 3062)),
        (["코트"], _t("코트", 3300, 3060)),
        (["조끼", "베스트"], _t(None, 4201, 3009)),
        (["바지"], _t("바지", 3285, 3022)),
        (["팬츠", "슬랙스"], _t(None, 3285, 3022)),
        (["청바지"], _t("청바지", 3281, 3024)),
        (["데님 팬츠", "jeans"], _t(None, 3281, 3024)),
        (["반바지"], _t("반바지", 3282, 3023)),
        (["쇼츠", "숏팬츠", "하프 팬츠"], _t(None, 3282, 3023)),
        (["스커트"], _t("스커트", None, 3020)),
        (["치마"], _t(None, None, 3020)),
        (["원피스"], _t("원피스", None, 3040)),
        (["드레스"], _t(None, None, 3040)),
        (["스니커즈"], _t("스니커즈", 3321, 3081)),
        (["sneakers"], _t(None, 3321, 3081)),
        (["운동화"], _t("운동화", 3321, 3081)),
        (["러닝화"], _t(None, 3325, 3089)),
        (["샌들"], _t("샌들", 3320, 3080)),
        (["슬리퍼"], _t(None, 3320, 3080)),
        (["부츠"], _t("부츠", 3323, 3087)),
        (["백팩"], _t("백팩", 3344, 3107)),
        (["배낭", "backpack"], _t(None, 3344, 3107)),
        (["토트백"], _t("토트백", 3342, 3100)),
        (["크로스백"], _t("크로스백", 3341, 3105)),
        (["숄더백", "메신저백"], _t(None, 3341, 3105)),
        (["볼캡"], _t("볼캡", 4208, 4117)),
        (["야구모자"], _t(None, 4208, 4117)),
        (["비니"], _t(None, 4210, 4119)),
        (["버킷햇"], _t(None, 4207, 4116)),
        (["지갑"], _t("지갑", 3419, 3111)),
        (["wallet"], _t(None, 3419, 3111)),
        (["장지갑"], _t(None, 3408, 3169)),
        (["카드지갑"], _t(None, 3411, 3113)),
        (["벨트"], _t("벨트", 3404, 3164)),
    ]
)
# Broad words, used only when no specific type is found (in the name or the mall's path).
GENERIC_TYPES = _types(
    [
        (["모자"], _t("모자", 4214, 4122)),
        (["상의"], _t(None, 3268, 3010)),
        (["하의"], _t(None, 3285, 3025)),
        (["아우터"], _t(None, 3304, 3064)),
        (["신발", "슈즈"], _t(None, 3324, 3083)),
        (["가방"], _t(None, 3346, 3108)),
    ]
)


def _alternation(words: Iterable[str]) -> re.Pattern[str]:
    return re.compile("|".join(re.escape(w) for w in sorted(words, key=len, reverse=True)))


_SPECIFIC_RE = _alternation(SPECIFIC_TYPES)
_GENERIC_RE = _alternation(GENERIC_TYPES)

GENDER_WORDS: dict[str, str] = {
    "남녀공용": UNISEX,
    "공용": UNISEX,
    "유니섹스": UNISEX,
    "unisex": UNISEX,
    "남성": MEN,
    "남자": MEN,
    "맨즈": MEN,
    "men": MEN,
    "mens": MEN,
    "여성": WOMEN,
    "여자": WOMEN,
    "우먼": WOMEN,
    "레이디스": WOMEN,
    "women": WOMEN,
    "womens": WOMEN,
}
_HANGUL_GENDER_RE = _alternation(w for w in GENDER_WORDS if not w.isascii())
_LATIN_GENDER_RE = re.compile(
    r"\b(" + "|".join(w for w in GENDER_WORDS if w.isascii()) + r")\b", re.IGNORECASE
)
GENDER_CATEGORY_NAMES = {MEN: "メンズ", WOMEN: "レディース", UNISEX: "メンズ"}


@dataclass(frozen=True, slots=True)
class ColorWord:
    family: int  # colors.csv id
    word: str  # the vocabulary word used in titles


_COLOR_ENTRIES: list[tuple[Sequence[str], ColorWord]] = [
    (["블랙", "검정", "black", "blk"], ColorWord(2, "블랙")),
    (["화이트", "흰색", "white", "wht", "오프화이트", "offwhite"], ColorWord(1, "화이트")),
    (["아이보리", "ivory", "크림", "cream"], ColorWord(1, "아이보리")),
    (["네이비", "남색", "navy"], ColorWord(16, "네이비")),
    (["그레이", "회색", "grey", "gray", "차콜", "charcoal", "멜란지"], ColorWord(3, "그레이")),
    (["베이지", "beige", "샌드", "sand"], ColorWord(5, "베이지")),
    (["브라운", "갈색", "brown", "카멜", "camel", "모카"], ColorWord(4, "브라운")),
    (["레드", "빨강", "red", "버건디", "burgundy", "와인"], ColorWord(11, "레드")),
    (["블루", "파랑", "blue", "인디고", "indigo"], ColorWord(7, "블루")),
    (["그린", "초록", "green", "올리브", "olive", "민트", "mint"], ColorWord(6, "그린")),
    (["카키", "khaki"], ColorWord(6, "카키")),
    (["핑크", "분홍", "pink"], ColorWord(10, "핑크")),
    (["옐로우", "옐로", "노랑", "yellow", "머스타드", "mustard"], ColorWord(9, "옐로우")),
    (["퍼플", "보라", "purple", "라벤더", "lavender"], ColorWord(8, "퍼플")),
    (["오렌지", "주황", "orange"], ColorWord(12, "오렌지")),
    (["실버", "은색", "silver"], ColorWord(13, "실버")),
    (["골드", "금색", "gold"], ColorWord(14, "골드")),
    (["클리어", "투명", "clear"], ColorWord(15, "클리어")),
    (["멀티", "멀티컬러", "multi", "multicolor", "multicolour"], ColorWord(99, "멀티")),
]
COLOR_WORDS: dict[str, ColorWord] = {
    normalize_key(word): color for words, color in _COLOR_ENTRIES for word in words
}
_COLOR_RE = _alternation(COLOR_WORDS)

# Letter sizes onto BUYMA's letter-size names; Korean tops (85..110) and women's (44..88)
# numbers onto the same letters; waist inches onto letters. docs/buyma_convert.md, "Sizes".
_LETTER = {
    "xxs": "XS以下",
    "xs": "XS以下",
    "s": "S",
    "m": "M",
    "l": "L",
    "xl": "XL以上",
    "xxl": "XL以上",
    "2xl": "XL以上",
    "xxxl": "XL以上",
    "3xl": "XL以上",
    "4xl": "XL以上",
}
_KOREAN_TOPS = {80: "XS以下", 85: "XS以下", 90: "S", 95: "M", 100: "L", 105: "XL以上"}
_KOREAN_WOMEN = {44: "XS以下", 55: "S", 66: "M", 77: "L", 88: "XL以上"}
_FREE = {"free", "f", "os", "onesize", "프리", "프리사이즈", "원사이즈", "fr", "u", "tu"}
FREE_SIZE_VALUE = "FREE"
_CM_NAME = re.compile(r"^(\d+(?:\.\d+)?)cm(以下|以上)?$")
_SIZE_NUMBER = re.compile(r"^(\d{2,3})(?:mm)?$")
_SEASON_MASTER = re.compile(r"(\d{4})(?:-(\d{2,4}))?\s*(SS|AW)")
_SEASON_SUPPLIER = re.compile(r"^(?:(\d{2}|\d{4})(SS|FW|AW|S|F)|(SS|FW|AW)(\d{2}|\d{4}))$")


def looks_like_size(text: str) -> bool:
    """True for S/M/L/XL..., numeric sizes (95, 28, 250, 250mm) and free-size words."""
    norm = normalize_key(text)
    return norm in _LETTER or norm in _FREE or bool(_SIZE_NUMBER.match(norm))


@dataclass(frozen=True, slots=True)
class CategoryMatch:
    """A category lookup: ``match`` plus what the rule saw (for titles and the glossary)."""

    match: Match
    gender: str
    type_word: str | None  # vocabulary word of the product type, when it has one
    matched_text: str | None  # the keyword found in the name or path


MASTER_CACHE_SECONDS = 300
_MASTER_CACHE: dict[tuple, tuple[float, Mapper]] = {}
_MASTER_LOCK = threading.Lock()


def master_cache_clear() -> None:
    """Forget the indexed master data (after a load in this process)."""
    with _MASTER_LOCK:
        _MASTER_CACHE.clear()


def _master_fingerprint() -> tuple:
    """Row counts of the master tables: a reload that adds or removes rows shows here."""
    models = (BuymaBrand, BuymaCategory, BuymaColor, BuymaSize, BuymaSeason)
    return tuple(model.objects.count() for model in models)


class Mapper:
    """The master data and the mappings, in memory, with the rules that use them."""

    def __init__(
        self,
        *,
        brands: Iterable[tuple[int, str, bool]],
        categories: Iterable[tuple[int, str, str, bool]],
        colors: Iterable[tuple[int, str]],
        sizes: Iterable[tuple[int, str, int]],
        seasons: Iterable[tuple[int, str]],
        mappings: Iterable[tuple[str, str, int, str]],
    ) -> None:
        self.brand_names: dict[int, str] = {}
        self.limited_brands: set[int] = set()
        self._latin: dict[str, list[int]] = defaultdict(list)
        self._kana: dict[str, list[int]] = defaultdict(list)
        for brand_id, name, limited in brands:
            self.brand_names[brand_id] = name
            if limited:
                self.limited_brands.add(brand_id)
            latin, kana = split_name(name)
            for part in (latin, kana):
                if not part:
                    continue
                index = self._kana if script_of(part) == "kana" else self._latin
                key = normalize_key(part)
                if key and brand_id not in index[key]:
                    index[key].append(brand_id)
        self.categories: dict[int, tuple[str, str, bool]] = {
            cid: (paths, name, limited) for cid, paths, name, limited in categories
        }
        self.colors: dict[int, str] = dict(colors)
        self.sizes: dict[int, dict[int, str]] = defaultdict(dict)
        for size_id, name, category_id in sizes:
            self.sizes[category_id][size_id] = name
        self._size_by_name: dict[int, dict[str, int]] = {
            cid: {name: sid for sid, name in by_id.items()} for cid, by_id in self.sizes.items()
        }
        self.seasons: dict[tuple[int, str], int] = {}
        for season_id, name in seasons:
            found = _SEASON_MASTER.search(unicodedata.normalize("NFKC", name))
            if found:
                self.seasons.setdefault((int(found[1]), found[3]), season_id)
        self._human: dict[tuple[str, str], int] = {}
        self._stored_rule: dict[tuple[str, str], int] = {}
        for kind, source, target, origin in mappings:
            table = self._human if origin == _HUMAN else self._stored_rule
            table[(kind, source)] = target
        self._learned: dict[tuple[str, str], int] = {}
        # Answers already given in this batch (the rules are pure, the rows fixed till reload).
        self._memo: dict[tuple, object] = {}

    @classmethod
    def load(cls) -> Mapper:
        """The master data (indexed once per process and reused while the tables keep their
        row counts and for at most ``MASTER_CACHE_SECONDS``) and every mapping row, read now,
        so a person's correction counts from the next batch on."""
        mappings = BuymaMapping.objects.values_list(
            "kind", "source_value", "target_id", "origin"
        ).iterator(5000)
        key = _master_fingerprint()
        with _MASTER_LOCK:
            cached = _MASTER_CACHE.get(key)
            if cached is None or time.monotonic() - cached[0] > MASTER_CACHE_SECONDS:
                template = cls(
                    brands=BuymaBrand.objects.values_list("id", "name", "limited").iterator(5000),
                    categories=BuymaCategory.objects.values_list("id", "paths", "name", "limited"),
                    colors=BuymaColor.objects.values_list("id", "name"),
                    sizes=BuymaSize.objects.values_list("size_id", "name", "category_id"),
                    seasons=BuymaSeason.objects.values_list("id", "name"),
                    mappings=(),
                )
                _MASTER_CACHE.clear()
                _MASTER_CACHE[key] = cached = (time.monotonic(), template)
        # A shallow copy shares the read-only master indexes; the mapping tables and this
        # batch's memo are its own.
        mapper = copy.copy(cached[1])
        mapper._human, mapper._stored_rule, mapper._learned, mapper._memo = {}, {}, {}, {}
        for kind, source, target, origin in mappings:
            table = mapper._human if origin == _HUMAN else mapper._stored_rule
            table[(kind, source)] = target
        return mapper

    # --- the shared lookup order ---------------------------------------------------------

    def _valid(self, kind: str, key: str, target: int) -> bool:
        if kind == _BRAND:
            return target in self.brand_names
        if kind == _CATEGORY:
            return target in self.categories
        if kind == _COLOR:
            return target in self.colors
        category = key.partition(":")[0]
        return target == 0 or (category.isdigit() and target in self.sizes.get(int(category), {}))

    def _human_match(self, kind: str, key: str) -> Match | None:
        target = self._human.get((kind, key))
        if target is None:
            return None
        if not self._valid(kind, key, target):
            return Match(
                None,
                key,
                "human",
                f"the human mapping points at {target}, not in BUYMA's master data any more",
            )
        return Match(target, key, "human")

    def _rule_made(self, kind: str, key: str, target: int) -> Match:
        """Remember a rule's answer to write it with ``flush_learned`` unless it is known."""
        if self._stored_rule.get((kind, key)) != target:
            self._learned[(kind, key)] = target
        return Match(target, key, "rule")

    def _stored(self, kind: str, key: str) -> Match | None:
        target = self._learned.get((kind, key), self._stored_rule.get((kind, key)))
        if target is None or not self._valid(kind, key, target):
            return None
        return Match(target, key, "learned")

    @property
    def learned(self) -> dict[tuple[str, str], int]:
        """Rule-made mappings not written yet: ``{(kind, source_value): target_id}``."""
        return dict(self._learned)

    def flush_learned(self) -> int:
        """Write the rule-made mappings learned since the last flush (origin ``rule``) in one
        bulk insert, plus an update for each stored rule row whose target the rules now see
        differently. Human rows are never touched. Returns how many rows were written."""
        if not self._learned:
            return 0
        pending, self._learned = self._learned, {}
        new = [
            BuymaMapping(kind=k, source_value=s, target_id=t, origin=_RULE)
            for (k, s), t in pending.items()
            if (k, s) not in self._stored_rule and (k, s) not in self._human
        ]
        BuymaMapping.objects.bulk_create(new, batch_size=500, ignore_conflicts=True)
        changed = 0
        for (kind, source), target in pending.items():
            if (kind, source) in self._stored_rule:
                changed += BuymaMapping.objects.filter(
                    kind=kind, source_value=source, origin=_RULE
                ).update(target_id=target)
        self._stored_rule.update(pending)
        return len(new) + changed

    # --- brand ---------------------------------------------------------------------------

    def brand(self, *names: str | None) -> Match:
        """The BUYMA brand for a supplier's brand, given in one or more forms ("나이키(NIKE)",
        "NIKE", "나이키", "ナイキ"). Latin and katakana parts are matched on their normalized
        form; Korean names through ``KOREAN_BRANDS`` or what was learned."""
        memo_key = ("brand", names)
        if memo_key not in self._memo:
            self._memo[memo_key] = self._brand(names)
        return self._memo[memo_key]

    def _brand(self, names: Sequence[str | None]) -> Match:
        parts: list[str] = []
        for name in names:
            if name and name.strip():
                head, inner = split_name(name.strip().strip("[]"))
                parts += [p for p in (head, inner) if p]
        keys = [normalize_key(p) for p in parts]
        keys = [k for k in dict.fromkeys(keys) if k]
        if not keys:
            return Match(None, "", reason="no brand in the record")
        whole = normalize_key("".join(parts))
        for key in dict.fromkeys([whole, *keys]):
            human = self._human_match(_BRAND, key)
            if human:
                return human
        latin = [normalize_key(p) for p in parts if script_of(p) == "latin"]
        kana = [normalize_key(p) for p in parts if script_of(p) == "kana"]
        hangul = [normalize_key(p) for p in parts if script_of(p) == "hangul"]
        latin += [normalize_key(KOREAN_BRANDS[k]) for k in hangul if k in KOREAN_BRANDS]
        candidates = self._brand_candidates(latin, kana)
        if len(candidates) == 1:
            target = candidates[0]
            for key in dict.fromkeys([whole, *hangul]):
                self._rule_made(_BRAND, key, target)
            return Match(target, whole, "rule")
        for key in dict.fromkeys([whole, *keys]):
            stored = self._stored(_BRAND, key)
            if stored:
                return stored
        if len(candidates) > 1:
            named = ", ".join(f"{self.brand_names[c]} ({c})" for c in candidates[:5])
            return Match(None, whole, reason=f"matches several BUYMA brands: {named}")
        return Match(None, whole, reason="not in BUYMA's brand list")

    def _brand_candidates(self, latin: list[str], kana: list[str]) -> list[int]:
        by_latin = list(dict.fromkeys(i for k in latin for i in self._latin.get(k, ())))
        by_kana = list(dict.fromkeys(i for k in kana for i in self._kana.get(k, ())))
        if by_latin and by_kana:
            both = [i for i in by_latin if i in by_kana]
            return both or by_latin
        return by_latin or by_kana

    # --- category ------------------------------------------------------------------------

    def gender(self, *texts: str | None, path: Sequence[str] = ()) -> tuple[str, bool]:
        """(gender, found): the first gender word in ``texts`` then the path segments;
        ``(UNISEX, False)`` when there is none."""
        for text in [*texts, *path]:
            if not text:
                continue
            found = {GENDER_WORDS[m] for m in _HANGUL_GENDER_RE.findall(text)}
            found |= {GENDER_WORDS[m.lower()] for m in _LATIN_GENDER_RE.findall(text)}
            if UNISEX in found or {MEN, WOMEN} <= found:
                return UNISEX, True
            if found:
                return found.pop(), True
        return UNISEX, False

    def category(self, *, name: str, path: Sequence[str], gender: str) -> CategoryMatch:
        """The BUYMA category for a product: its type from the name, else from the mall's
        category path (innermost segment first), with the gender choosing men's or women's.
        Unisex products go to the men's category (docs/buyma_convert.md)."""
        path_key = f"{gender}|{'>'.join(normalize_key(p) for p in path if p)}"
        found = self._product_type(name, path)
        type_key = f"{gender}|{found[0]}" if found else None
        for key in filter(None, (type_key, path_key)):
            human = self._human_match(_CATEGORY, key)
            if human:
                word = found[1].word if found else None
                return CategoryMatch(human, gender, word, found[0] if found else None)
        if found:
            keyword, product_type = found
            target = product_type.women if gender == WOMEN else product_type.men
            target = target or product_type.women or product_type.men
            if target in self.categories:
                match = self._rule_made(_CATEGORY, type_key, target)
                return CategoryMatch(match, gender, product_type.word, keyword)
        for key in filter(None, (type_key, path_key)):
            stored = self._stored(_CATEGORY, key)
            if stored:
                return CategoryMatch(stored, gender, None, found[0] if found else None)
        reason = (
            "no product type word in the name or the mall category"
            if not found
            else f"the rule's category for {found[0]!r} is not in BUYMA's master data"
        )
        return CategoryMatch(Match(None, type_key or path_key, reason=reason), gender, None, None)

    @staticmethod
    def _product_type(name: str, path: Sequence[str]) -> tuple[str, ProductType] | None:
        """The product type: Korean compounds put the head noun last, so the rightmost type
        word wins ("후드 자켓" is a jacket), the longest on a tie ("반팔 티셔츠" over "티셔츠").
        Specific words in the name, then in the path; then broad words the same way."""
        texts = [normalize_key(name), *(normalize_key(p) for p in reversed(path) if p)]
        for pattern, table in ((_SPECIFIC_RE, SPECIFIC_TYPES), (_GENERIC_RE, GENERIC_TYPES)):
            for text in texts:
                # The alternation tries longer words first, so each hit is the longest word
                # starting there; the hit that ends last is the head noun.
                best = max(
                    ((m.end(), len(m[0]), m[0]) for m in pattern.finditer(text)), default=None
                )
                if best:
                    return best[2], table[best[2]]
        return None

    # --- colour --------------------------------------------------------------------------

    def color(self, value: str) -> tuple[Match, str | None]:
        """(match, vocabulary word): the colour family of a supplier colour ("블랙", "Black",
        "010 BLACK/WHITE" -> the first colour word found)."""
        memo_key = ("color", value)
        if memo_key not in self._memo:
            self._memo[memo_key] = self._color(value)
        return self._memo[memo_key]

    def _color(self, value: str) -> tuple[Match, str | None]:
        key = normalize_key(value)
        if not key:
            return Match(None, key, reason="empty colour"), None
        human = self._human_match(_COLOR, key)
        if human:
            word = self.color_word(human.target_id)
            return human, word
        word = COLOR_WORDS.get(key)
        if word is None:
            found = _COLOR_RE.search(key)
            word = COLOR_WORDS[found[0]] if found else None
        if word and word.family in self.colors:
            return self._rule_made(_COLOR, key, word.family), word.word
        stored = self._stored(_COLOR, key)
        if stored:
            return stored, self.color_word(stored.target_id)
        return Match(None, key, reason="no colour word BUYMA's colour families know"), None

    @staticmethod
    def color_word(family: int | None) -> str | None:
        for _, color in _COLOR_ENTRIES:
            if color.family == family:
                return color.word
        return None

    # --- size ----------------------------------------------------------------------------

    def size(self, value: str, category_id: int) -> Match:
        """The size id valid in ``category_id`` for a supplier size. A category without sizes
        in BUYMA's master, and FREE / OS / one-size, give master id 0 (BUYMA's "no master
        size"; the value itself is still listed)."""
        memo_key = ("size", value, category_id)
        if memo_key not in self._memo:
            self._memo[memo_key] = self._size(value, category_id)
        return self._memo[memo_key]

    def _size(self, value: str, category_id: int) -> Match:
        norm = normalize_key(value)
        key = f"{category_id}:{norm}"
        if not norm:
            return Match(None, key, reason="empty size")
        human = self._human_match(_SIZE, key)
        if human:
            return human
        names = self._size_by_name.get(category_id)
        if not names or norm in _FREE:
            return self._rule_made(_SIZE, key, 0)
        size_name = self._size_rule(norm, names)
        if size_name is not None:
            return self._rule_made(_SIZE, key, names[size_name])
        stored = self._stored(_SIZE, key)
        if stored:
            return stored
        return Match(None, key, reason=f"not a size of category {category_id} in BUYMA's list")

    @staticmethod
    def _size_rule(norm: str, names: dict[str, int]) -> str | None:
        letters = [n for n in names if n in ("S", "M", "L", "XS以下", "XL以上")]
        if letters:
            name = _LETTER.get(norm)
            number = _SIZE_NUMBER.match(norm)
            if name is None and number:
                n = int(number[1])
                name = _KOREAN_TOPS.get(n) or _KOREAN_WOMEN.get(n)
                if name is None and 110 <= n <= 130 and n % 5 == 0:
                    name = "XL以上"
                if name is None and 24 <= n <= 44:  # waist in inches
                    name = (
                        "XS以下"
                        if n <= 27
                        else "S"
                        if n <= 29
                        else "M"
                        if n <= 31
                        else "L"
                        if n <= 33
                        else "XL以上"
                    )
            return name if name in names else None
        number = _SIZE_NUMBER.match(norm)
        if not number:
            return None
        millimetres = int(number[1])
        if not 200 <= millimetres <= 320:
            return None
        cm = millimetres / 10
        lowest = highest = None
        for name in names:
            parsed = _CM_NAME.match(name)
            if not parsed:
                continue
            size, bound = float(parsed[1]), parsed[2]
            if size == cm:
                return name
            if bound == "以下" and cm <= size:
                lowest = name
            if bound == "以上" and cm >= size:
                highest = name
        return lowest or highest

    # --- season --------------------------------------------------------------------------

    def season(self, value: str | None) -> int | None:
        """BUYMA's season id for "25FW", "25SS", "2025FW", "FW25", "24F/W"; None otherwise."""
        text = re.sub(r"[\s/]+", "", unicodedata.normalize("NFKC", value or "")).upper()
        found = _SEASON_SUPPLIER.match(text)
        if not found:
            return None
        year, half = (found[1], found[2]) if found[1] else (found[4], found[3])
        full_year = int(year) + (2000 if len(year) == 2 else 0)
        return self.seasons.get((full_year, "SS" if half.startswith("S") else "AW"))
