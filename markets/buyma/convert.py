"""CONVERT: a collected supplier product -> a BUYMA listing draft in Korean, or the problems
that stop it.

The input is the ``raw`` of a SourceData row, i.e. ``SupplierRecord.to_dict()``: for a mall
product its own ``raw`` is the ``MallProduct`` (brand, model number, options with sold-out
flags, extras such as the season); for a spreadsheet feed it is the row keyed by its headers
("브랜드", "모델명", "색상", "사이즈", "소재", "성별", "시즌"). ``Converter.load()`` reads the
master data and the mappings once; ``convert`` then runs no query, and ``flush_learned`` writes
the mappings the rules made, once per batch.

A problem is either blocking (no draft: counterfeit words, an unmapped category, colour or size,
a limited brand, no images) or a warning (promotional words removed, a brand BUYMA does not
list, which is sent as brand_id 0 with its name). docs/buyma_convert.md has the why of each.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from django.conf import settings

from markets.contract import reference_number

from .forbidden import screen
from .mapping import (
    FREE_SIZE_VALUE,
    GENDER_WORDS,
    Mapper,
    Match,
    looks_like_size,
    normalize_key,
    script_of,
    split_name,
)
from .master import buyma_master_ensure
from .templates import DescriptionFacts, TitleParts, build_description, build_title

# BUYMA's reference_number ("商品管理番号") must be unique per seller; the published spec gives no
# length or alphabet, and the production okmall -> BUYMA pipeline sends UUIDs (36 characters of
# [0-9a-f-], github.com/dorahyong/buyma docs/buyma_api_param_map.md, "reference_number"). Ours
# (``markets.contract.reference_number``) stays inside that proven shape: at most 36 characters
# of ASCII letters, digits, "-" and "_".
MAX_IMAGES = 20  # BUYMA takes 1..20 images per listing

_COLOR_NAMES = {"색상", "컬러", "색깔", "color", "colour"}
_SIZE_NAMES = {"사이즈", "size", "치수"}
_FEED_BRAND = ("브랜드", "브랜드명", "brand", "Brand", "BRAND")
_FEED_MODEL = ("모델명", "모델번호", "품번", "model_number", "model", "Model")
_FEED_COLOR = ("색상", "컬러", "color", "Color")
_FEED_SIZE = ("사이즈", "size", "Size")
_FEED_MATERIAL = ("소재", "material", "Material")
_FEED_SEASON = ("시즌", "season", "Season")
_FEED_GENDER = ("성별", "gender", "Gender")
_BRACKET_TAG = re.compile(r"^\s*\[[^\]]*\]\s*")
_SIZE_SPLIT = re.compile(r"\s*[,/|]\s*")
_OPTION_PAIR = re.compile(r"^(.*?)\s*[-/:_]\s*([^-/:_]+)$")


@dataclass(frozen=True, slots=True)
class Problem:
    """Something in a product that BUYMA cannot take as is. ``field`` names the draft field (or
    the record field) at fault, ``value`` the supplier's value, ``reason`` why; ``blocking``
    problems mean there is no draft."""

    field: str
    value: str | None
    reason: str
    blocking: bool

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class DraftColor:
    value_ko: str
    master_id: int


@dataclass(frozen=True, slots=True)
class DraftSize:
    value: str
    master_id: int


@dataclass(frozen=True, slots=True)
class DraftVariant:
    color_ko: str
    size: str
    sold_out: bool
    stock: int | None


@dataclass(frozen=True)
class ListingDraft:
    """A BUYMA listing before translation, pricing and images. JSON round trip:
    ``ListingDraft.from_dict(draft.to_dict()) == draft``."""

    reference_number: str
    brand_id: int
    brand_name: str
    category_id: int
    title_ko: str
    description_ko: str
    model_number: str | None
    season: str | None
    season_id: int | None
    cost_krw: int
    colors: tuple[DraftColor, ...]
    sizes: tuple[DraftSize, ...]
    variants: tuple[DraftVariant, ...]
    image_urls: tuple[str, ...]
    glossary: dict[str, str] = field(default_factory=dict)
    sold_out: bool = False

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        for key in ("colors", "sizes", "variants", "image_urls"):
            data[key] = list(data[key])
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ListingDraft:
        values = dict(data)
        values["colors"] = tuple(DraftColor(**c) for c in values.get("colors", ()))
        values["sizes"] = tuple(DraftSize(**s) for s in values.get("sizes", ()))
        values["variants"] = tuple(DraftVariant(**v) for v in values.get("variants", ()))
        values["image_urls"] = tuple(values.get("image_urls", ()))
        values["glossary"] = dict(values.get("glossary") or {})
        return cls(**values)


@dataclass(frozen=True)
class ConvertResult:
    draft: ListingDraft | None
    problems: tuple[Problem, ...] = ()

    @property
    def ok(self) -> bool:
        return self.draft is not None and not any(p.blocking for p in self.problems)

    @property
    def blocking(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.blocking)


class Converter:
    """Converts records with the master data and mappings loaded once (``load``)."""

    def __init__(self, mapper: Mapper, *, allowed_limited_brands: Iterable[int] = ()) -> None:
        self.mapper = mapper
        self.allowed_limited_brands = frozenset(int(b) for b in allowed_limited_brands)

    @classmethod
    def load(cls) -> Converter:
        """Ensure the master data is loaded, then read it and every mapping into memory.
        ``YOOINI_BUYMA_ALLOWED_LIMITED_BRANDS``: ids of limited brands this seller has BUYMA's
        permission to list (none by default)."""
        buyma_master_ensure()
        allowed = getattr(settings, "YOOINI_BUYMA_ALLOWED_LIMITED_BRANDS", ()) or ()
        return cls(Mapper.load(), allowed_limited_brands=allowed)

    def flush_learned(self) -> int:
        """Write the rule-made mappings of this batch in one bulk write; returns the count."""
        return self.mapper.flush_learned()

    # --- convert -------------------------------------------------------------------------

    def convert(self, record: Mapping[str, Any], *, supplier: str) -> ConvertResult:
        if not isinstance(supplier, str) or not supplier.strip():
            raise ValueError(f"convert: supplier must be a non-empty name, not {supplier!r}")
        invalid = _invalid_record(record)
        if invalid:
            return ConvertResult(None, (invalid,))
        return _Conversion(self, record, supplier.strip()).run()


def _invalid_record(record: Any) -> Problem | None:
    if not isinstance(record, Mapping):
        return Problem("record", type(record).__name__, "the record is not an object", True)
    for key in ("source_id", "name"):
        value = record.get(key)
        if not isinstance(value, str) or not value.strip():
            return Problem(key, _text(value), f"the record has no {key}", True)
    price = record.get("price")
    if isinstance(price, bool) or not isinstance(price, int) or price <= 0:
        return Problem("price", _text(price), "the price is not a whole number of won > 0", True)
    for key, kind in (("raw", Mapping), ("options", list), ("images", list)):
        if record.get(key) is not None and not isinstance(record.get(key), kind):
            return Problem(key, _text(record.get(key)), f"{key} has the wrong type", True)
    return None


def _text(value: Any, limit: int = 80) -> str | None:
    if value is None:
        return None
    text = str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _first(raw: Mapping[str, Any], keys: Sequence[str]) -> str | None:
    for key in keys:
        value = raw.get(key)
        if value is not None and str(value).strip():
            return str(value).strip()
    return None


class _Conversion:
    """One product's conversion; collects problems as it goes."""

    def __init__(self, converter: Converter, record: Mapping[str, Any], supplier: str) -> None:
        self.converter = converter
        self.mapper = converter.mapper
        self.record = record
        self.supplier = supplier
        self.raw: Mapping[str, Any] = record.get("raw") or {}
        self.is_mall = isinstance(self.raw.get("options"), list) and "product_id" in self.raw
        extras = self.raw.get("extras") if self.is_mall else None
        self.extras: Mapping[str, Any] = extras if isinstance(extras, Mapping) else {}
        self.problems: list[Problem] = []
        self.glossary: dict[str, str] = {}

    def problem(self, field: str, value: Any, reason: str, *, blocking: bool) -> None:
        self.problems.append(Problem(field, _text(value), reason, blocking))

    def run(self) -> ConvertResult:
        record, raw = self.record, self.raw
        name = self._screened("name", record["name"])
        path = [str(p) for p in record.get("category") or () if p]
        brand_forms = self._brand_forms(name)
        brand_id, brand_name, title_brand = self._brand(brand_forms)
        model_number = _first(raw, ("model_number",)) if self.is_mall else None
        model_number = model_number or _first(raw, _FEED_MODEL)
        gender_text = _first(raw, _FEED_GENDER)
        gender, _ = self.mapper.gender(gender_text, name, path=path)
        category = self.mapper.category(name=name, path=path, gender=gender)
        category_id = self._category(category, name, path)
        colors, sizes, variants = self._variants(name, category_id)
        season = _first(self.extras, ("season",)) or _first(raw, _FEED_SEASON)
        material = _first(self.extras, ("material",)) or _first(raw, _FEED_MATERIAL)
        if material:
            material = self._screened("material", material)
        images = self._images()

        color_words = {self.mapper.color(c.value_ko)[1] for c in colors}
        title = build_title(
            TitleParts(
                brand=title_brand,
                gender=gender,
                name_words=_name_words(name, brand_forms, model_number),
                type_word=category.type_word,
                color_word=color_words.pop() if len(color_words) == 1 else None,
                model_number=model_number,
            )
        )
        brand_ko = next((f for f in brand_forms if script_of(f) == "hangul"), None)
        description = build_description(
            DescriptionFacts(
                title=title,
                brand=title_brand,
                brand_ko=brand_ko,
                model_number=model_number,
                season=season,
                colors=[c.value_ko for c in colors],
                sizes=[s.value for s in sizes],
                material=material,
            )
        )
        if any(p.blocking for p in self.problems):
            return ConvertResult(None, tuple(self.problems))
        sold_out = all(v.sold_out for v in variants) or raw.get("sold_out") is True
        draft = ListingDraft(
            reference_number=reference_number(self.supplier, record["source_id"]),
            brand_id=brand_id,
            brand_name=brand_name,
            category_id=category_id,
            title_ko=title,
            description_ko=description,
            model_number=model_number,
            season=season,
            season_id=self.mapper.season(season),
            cost_krw=record["price"],
            colors=tuple(colors),
            sizes=tuple(sizes),
            variants=tuple(variants),
            image_urls=tuple(images),
            glossary=dict(self.glossary),
            sold_out=sold_out,
        )
        return ConvertResult(draft, tuple(self.problems))

    # --- pieces --------------------------------------------------------------------------

    def _screened(self, field: str, text: str) -> str:
        result = screen(text)
        for word in result.counterfeit:
            self.problem(
                field, word, "a counterfeit word: BUYMA forbids non-genuine items", blocking=True
            )
        for word in result.removed:
            self.problem(
                field, word, "promotional word removed (misleading on BUYMA)", blocking=False
            )
        return result.text

    def _brand_forms(self, name: str) -> list[str]:
        raw = self.raw
        forms = [_first(raw, ("brand",)), _first(self.extras, ("brand_kr",))]
        forms.append(_first(raw, _FEED_BRAND))
        forms = [f for f in dict.fromkeys(forms) if f]
        if not forms:
            tag = re.match(r"^\s*\[([^\]]+)\]", name)
            if tag:
                forms.append(tag[1].strip())
        parts: list[str] = []
        for form in forms:
            head, inner = split_name(form)
            parts += [p for p in (head, inner) if p]
        return list(dict.fromkeys(parts))

    def _brand(self, forms: list[str]) -> tuple[int, str, str]:
        """(brand_id, brand_name, the brand as the title writes it)."""
        latin = next((f for f in forms if script_of(f) == "latin"), None)
        if not forms:
            self.problem("brand_id", None, "the record names no brand", blocking=True)
            return 0, "", ""
        match: Match = self.mapper.brand(*forms)
        if not match.ok:
            if match.reason.startswith("matches several"):
                self.problem("brand_id", " / ".join(forms), match.reason, blocking=True)
                return 0, "", latin or forms[0]
            self.problem(
                "brand_id",
                " / ".join(forms),
                f"{match.reason}: listed with brand_id 0 and brand_name; add a mapping "
                f"(brand, {match.key!r}) if BUYMA knows it under another name",
                blocking=False,
            )
            fallback = latin or forms[0]
            return 0, fallback, fallback
        brand_id = match.target_id
        buyma_name = self.mapper.brand_names[brand_id]
        if (
            brand_id in self.mapper.limited_brands
            and brand_id not in self.converter.allowed_limited_brands
        ):
            self.problem(
                "brand_id",
                buyma_name,
                "BUYMA marks this brand limited: only sellers BUYMA has approved may list it "
                "(set YOOINI_BUYMA_ALLOWED_LIMITED_BRANDS once approved)",
                blocking=True,
            )
        for form in forms:
            self.glossary[form] = buyma_name
        title_brand = split_name(buyma_name)[0] or latin or forms[0]
        self.glossary.setdefault(title_brand, buyma_name)
        return brand_id, buyma_name, title_brand

    def _category(self, category, name: str, path: list[str]) -> int:
        match = category.match
        if not match.ok:
            self.problem(
                "category_id",
                f"{category.gender} | {name} | {' > '.join(path)}",
                f"{match.reason}; add a mapping (category, {match.key!r})",
                blocking=True,
            )
            return 0
        paths, leaf, limited = self.mapper.categories[match.target_id]
        if limited:
            self.problem(
                "category_id",
                f"{paths}/{leaf}",
                "BUYMA marks this category limited: it cannot be listed",
                blocking=True,
            )
        return match.target_id

    def _options(self, name: str) -> list[tuple[str | None, str | None, bool, int | None]]:
        """(colour, size, sold_out, stock) per purchasable option."""
        record, raw = self.record, self.raw
        options = record.get("options") or []
        raw_options = raw.get("options") if self.is_mall else None
        same = isinstance(raw_options, list) and len(raw_options) == len(options)
        found = []
        for index, option in enumerate(options):
            if not isinstance(option, Mapping):
                continue
            color = size = None
            for pair in option.get("attributes") or ():
                if not isinstance(pair, list | tuple) or len(pair) != 2:
                    continue
                key = normalize_key(str(pair[0]))
                if key in _COLOR_NAMES and color is None:
                    color = str(pair[1]).strip() or None
                elif key in _SIZE_NAMES and size is None:
                    size = str(pair[1]).strip() or None
            if color is None and size is None and isinstance(option.get("name"), str):
                color, size = self._split_option_name(option["name"])
            stock = option.get("stock")
            stock = stock if isinstance(stock, int) and not isinstance(stock, bool) else None
            if same and isinstance(raw_options[index], Mapping):
                sold_out = bool(raw_options[index].get("sold_out"))
            else:
                sold_out = stock == 0
            found.append((color, size, sold_out, stock))
        if found:
            return found
        color = _first(raw, _FEED_COLOR)
        sizes = _SIZE_SPLIT.split(_first(raw, _FEED_SIZE) or "")
        stock = record.get("stock")
        stock = stock if isinstance(stock, int) and not isinstance(stock, bool) else None
        sold_out = stock == 0 or raw.get("sold_out") is True
        return [(color, s or None, sold_out, stock) for s in sizes]

    def _split_option_name(self, text: str) -> tuple[str | None, str | None]:
        """A feed option written as one text: "블랙-M", "Black / 95", "M" or "블랙"."""
        text = text.strip()
        if not text:
            return None, None
        parts = _OPTION_PAIR.match(text)
        if parts and looks_like_size(parts[2]):
            return parts[1].strip() or None, parts[2].strip()
        if looks_like_size(text) and not self.mapper.color(text)[0].ok:
            return None, text
        return text, None

    def _variants(
        self, name: str, category_id: int
    ) -> tuple[list[DraftColor], list[DraftSize], list[DraftVariant]]:
        options = self._options(name)
        if any(color is None for color, *_ in options):
            word = self._name_color(name)
            if word is None:
                self.problem(
                    "colors",
                    name,
                    "no colour in the options, the feed row or the name",
                    blocking=True,
                )
                return [], [], []
            options = [(c or word, s, so, st) for c, s, so, st in options]
        colors: dict[str, DraftColor] = {}
        sizes: dict[str, DraftSize] = {}
        variants: dict[tuple[str, str], DraftVariant] = {}
        for color, size, sold_out, stock in options:
            size = size or FREE_SIZE_VALUE
            if color not in colors:
                match, _ = self.mapper.color(color)
                if not match.ok:
                    self.problem("colors", color, match.reason, blocking=True)
                    continue
                colors[color] = DraftColor(color, match.target_id)
            if size not in sizes and category_id:
                match = self.mapper.size(size, category_id)
                if not match.ok:
                    self.problem(
                        "sizes",
                        size,
                        f"{match.reason}; add a mapping (size, {match.key!r})",
                        blocking=True,
                    )
                    continue
                sizes[size] = DraftSize(size, match.target_id)
            key = (color, size)
            if key in variants:  # the same pair twice: in stock if either row is
                old = variants[key]
                sold_out = old.sold_out and sold_out
                stock = None if old.stock is None or stock is None else old.stock + stock
            variants[key] = DraftVariant(color, size, sold_out, stock)
        return list(colors.values()), list(sizes.values()), list(variants.values())

    def _name_color(self, name: str) -> str | None:
        for word in name.split():
            match, vocabulary = self.mapper.color(word)
            if match.ok and normalize_key(word) == normalize_key(vocabulary or ""):
                return word
        return None

    def _images(self) -> list[str]:
        urls = self.record.get("images") or self.raw.get("image_urls") or []
        images = list(
            dict.fromkeys(
                u.strip()
                for u in urls
                if isinstance(u, str) and u.strip().lower().startswith(("http://", "https://"))
            )
        )
        if not images:
            self.problem("image_urls", None, "no image: BUYMA needs 1 to 20", blocking=True)
        elif len(images) > MAX_IMAGES:
            self.problem(
                "image_urls",
                str(len(images)),
                f"BUYMA takes {MAX_IMAGES} images; the first {MAX_IMAGES} are kept",
                blocking=False,
            )
        return images[:MAX_IMAGES]


@functools.lru_cache(maxsize=4096)
def _ignoring_case(word: str) -> re.Pattern[str]:
    return re.compile(re.escape(word), re.IGNORECASE)


def _name_words(name: str, brand_forms: Sequence[str], model_number: str | None) -> list[str]:
    """The product name as title words: without a leading [TAG], the model number (alone or in
    brackets), the brand and the gender words (the title puts those in front)."""
    text = _BRACKET_TAG.sub("", name)
    if model_number:
        for form in (f"({model_number})", f"[{model_number}]", model_number):
            text = text.replace(form, " ")
    for form in sorted(brand_forms, key=len, reverse=True):
        text = _ignoring_case(form).sub(" ", text)
    words = []
    for word in text.split():
        if word.strip("()[]") and normalize_key(word) not in GENDER_WORDS:
            words.append(word)
    return words
