"""The SmartStore preparer: a market-neutral product -> a SmartStore draft -> a ``ListingContent``.

``prepare`` finds the leaf category (``MarketCategoryMapping`` for smartstore: the product's
key, else its nearest mapped parent; none is a blocking problem telling the person to add one
in the admin), fits the title to SmartStore's rules (``titles``), and writes the notice
(``notices``) and the origin. ``texts`` is empty: the products are Korean already. ``content``
prices in KRW on the 10-won step (rounded up, so the margin never shrinks) and counts stock per
variant: the supplier's count when it gives one, else the account's ``default_stock`` (99);
sold-out variants, and every variant of a product the supplier no longer sells, are out of
stock with 0.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from markets.contract import Prepared, Problem, ProductFacts
from markets.listing import ListingContent, ListingOption, ListingVariant

from . import contract
from .categories import MARKET, category_code
from .notices import SEE_PAGE, notice_for, origin_area_for
from .titles import fit_title

DEFAULT_STOCK = 99


def price_on_step(price: int) -> int:
    """``price`` rounded up to SmartStore's 10-won step."""
    step = contract.PRICE_STEP
    return -(-int(price) // step) * step


class SmartStorePreparer:
    """See the module docstring. ``mappings``: our category key -> (code, label)."""

    def __init__(self, mappings: Mapping[str, tuple[str, str]]) -> None:
        self.mappings = dict(mappings)

    @classmethod
    def load(cls) -> SmartStorePreparer:
        """A preparer with the category mappings as stored now (read once)."""
        from markets.models import MarketCategoryMapping

        rows = MarketCategoryMapping.objects.filter(market=MARKET).values_list(
            "category", "code", "label"
        )
        return cls({category: (code, label) for category, code, label in rows})

    # --- prepare ----------------------------------------------------------------------------

    def prepare(self, facts: ProductFacts, raw: Mapping[str, Any]) -> Prepared:
        problems: list[Problem] = []
        found = category_code(self.mappings, facts.category)
        if found is None or not str(found[1]).isdigit():
            problems.append(
                Problem(
                    "category",
                    facts.category or None,
                    f"no SmartStore category for {facts.category or '(none)'!r}: add a mapping "
                    f"for market 'smartstore' in the admin (Markets > Market category mappings)",
                    blocking=True,
                )
            )
        fitted = fit_title(facts.title, facts.brand, facts.model_number)
        if fitted.error:
            problems.append(Problem("title", facts.title, fitted.error, blocking=True))
        elif fitted.changes:
            problems.append(
                Problem("title", facts.title, "; ".join(fitted.changes), blocking=False)
            )
        if not facts.image_urls:
            problems.append(
                Problem("images", None, "SmartStore needs a representative image", blocking=True)
            )
        if any(p.blocking for p in problems):
            return Prepared(None, tuple(problems))
        key, code, label = found
        if key != facts.category:
            problems.append(
                Problem(
                    "category",
                    facts.category,
                    f"mapped by its parent {key!r} ({label})",
                    blocking=False,
                )
            )
        kind_label = label.rpartition(">")[2] if label else ""
        draft = {
            "reference_number": facts.reference,
            "source_key": facts.source_key,
            "category_id": int(code),
            "category_label": label,
            "name": fitted.name,
            "description": facts.description,
            "brand": facts.brand,
            "model_number": facts.model_number,
            "list_price": facts.list_price_krw,
            "colors": list(facts.colors),
            "sizes": list(facts.sizes),
            "variants": facts.variants_as_dicts(),
            "sold_out": facts.sold_out,
            "notice": notice_for(facts, kind_label),
            "origin_area": origin_area_for(facts.origin),
        }
        return Prepared(draft, tuple(problems))

    def texts(self, draft: Mapping[str, Any]) -> list[str]:
        return []  # Korean already: nothing to translate

    # --- content ----------------------------------------------------------------------------

    def content(
        self,
        draft: Mapping[str, Any],
        texts: Sequence[str],
        price: int,
        images: Sequence[str],
        *,
        gone: bool,
        settings: Mapping[str, Any],
    ) -> ListingContent:
        default_stock = int(settings.get("default_stock") or DEFAULT_STOCK)
        colors = [c for c in draft.get("colors") or () if c]
        sizes = [s for s in draft.get("sizes") or () if s]
        options = tuple(
            ListingOption("color", c, i) for i, c in enumerate(colors, start=1)
        ) + tuple(ListingOption("size", s, i) for i, s in enumerate(sizes, start=1))
        variants = []
        for variant in draft.get("variants") or ():
            chosen = []
            if colors and variant.get("color"):
                chosen.append(("color", variant["color"]))
            if sizes and variant.get("size"):
                chosen.append(("size", variant["size"]))
            variants.append(
                self._variant(tuple(chosen), variant, gone or draft.get("sold_out"), default_stock)
            )
        if not variants:
            variants.append(self._variant((), {}, gone or draft.get("sold_out"), default_stock))
        notice = _notice_with_service(draft.get("notice") or {}, settings)
        extra: dict[str, Any] = {"notice": notice, "manufacturer": draft.get("brand") or ""}
        origin = draft.get("origin_area") or {}
        if origin.get("originAreaCode") not in (None, "03"):
            extra["origin_area"] = dict(origin)  # known from the facts; else the account's code
        list_price = draft.get("list_price")
        return ListingContent(
            reference_number=draft["reference_number"],
            source_key=draft["source_key"],
            name=draft["name"],
            comments=draft.get("description") or "",
            brand_id=0,
            brand_name=draft.get("brand") or "",
            category_id=int(draft["category_id"]),
            price=price_on_step(price),
            images=tuple(images),
            options=options,
            variants=tuple(variants),
            model_no=draft.get("model_number"),
            currency="KRW",
            list_price=price_on_step(list_price) if list_price else None,
            extra=extra,
        )

    @staticmethod
    def _variant(
        options, variant: Mapping[str, Any], gone: bool, default_stock: int
    ) -> ListingVariant:
        if gone or variant.get("sold_out"):
            return ListingVariant(options, "out_of_stock", 0)
        stock = variant.get("stock")
        count = default_stock if stock is None else max(0, int(stock))
        if count == 0:
            return ListingVariant(options, "out_of_stock", 0)
        return ListingVariant(options, "stock_in_hand", min(count, contract.STOCK_MAX))

    def flush(self) -> None:
        """Nothing learned to write: the mappings change only in the admin."""


def _notice_with_service(notice: Mapping[str, Any], settings: Mapping[str, Any]) -> dict[str, Any]:
    """The notice with the account's A/S telephone as the A/S contact where it says 참조."""
    phone = str(settings.get("after_service_telephone") or "")
    result = {}
    for key, value in notice.items():
        if isinstance(value, Mapping):
            value = dict(value)
            if phone and value.get("afterServiceDirector") in (None, SEE_PAGE):
                value["afterServiceDirector"] = phone[:200]
            result[key] = value
        else:
            result[key] = value
    return result
