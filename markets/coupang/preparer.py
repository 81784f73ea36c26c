"""Coupang's preparer: a supplier product (``ProductFacts``) as a Coupang draft, and a draft as
the ``ListingContent`` the connector sends.

``prepare`` decides what Coupang needs once per product: the display category code (from
``MarketCategoryMapping``, falling back to a parent key), the product name within Coupang's
rules, the product-information notices of the product's notice group and the option attribute
names. ``content`` adds what changes between runs: the price (rounded up to Coupang's 10 KRW
step, so never below the price asked), the images and the stock.

Texts are Korean already: nothing is translated (``texts`` answers ``[]``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from markets.contract import Prepared, Problem, ProductFacts
from markets.listing import ListingContent, ListingOption, ListingVariant

from . import contract, notices, payload
from .categories import category_code, category_codes
from .titles import title_fit


class CoupangPreparer:
    """Reads the category mapping once (``load``); ``prepare`` and ``content`` touch no
    database."""

    def __init__(self, codes: Mapping[str, str]) -> None:
        self.codes = dict(codes)

    @classmethod
    def load(cls) -> CoupangPreparer:
        return cls(category_codes())

    # --- Preparer ---------------------------------------------------------------------------

    def prepare(self, facts: ProductFacts, raw: Mapping[str, Any]) -> Prepared:
        problems: list[Problem] = []
        found = category_code(self.codes, facts.category)
        if found is None or not found[0].isdigit():
            shown = facts.category or "(no category)"
            problems.append(
                Problem(
                    "category",
                    facts.category or None,
                    f"no Coupang category mapping for {shown!r}: add one in the admin "
                    "(Markets > Market category mappings, market coupang) with the display "
                    "category code"
                    + ("" if found is None else f" (the code {found[0]!r} is not a number)"),
                    True,
                )
            )
        fitted = title_fit(facts.title, facts.brand, facts.model_number)
        if fitted.unfit:
            problems.append(Problem("title", facts.title, fitted.unfit, True))
        if fitted.removed:
            problems.append(
                Problem(
                    "title",
                    facts.title,
                    f"removed words Coupang does not allow in a name: {', '.join(fitted.removed)}",
                    False,
                )
            )
        if not facts.image_urls:
            problems.append(Problem("images", None, "Coupang needs at least one image", True))
        if any(p.blocking for p in problems):
            return Prepared(None, tuple(problems))
        group = notices.notice_group(facts)
        draft = {
            "reference_number": facts.reference,
            "source_key": facts.source_key,
            "category_code": int(found[0]),
            "category_key": found[1],
            "title": fitted.title,
            "description": facts.description,
            "brand": facts.brand,
            "model_no": facts.model_number,
            "list_price_krw": facts.list_price_krw,
            "notice_group": group,
            "notices": notices.notices_for(facts),
            "attributes": [],
            "option_attribute_names": notices.OPTION_NAMES[group],
            "colors": list(facts.colors),
            "sizes": list(facts.sizes),
            "variants": facts.variants_as_dicts(),
            "sold_out": facts.sold_out,
        }
        return Prepared(draft, tuple(problems))

    def texts(self, draft: Mapping[str, Any]) -> list[str]:
        return []

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
        step = contract.PRICE_STEP
        options = tuple(
            ListingOption(kind, value, position)
            for kind, values in (("color", draft["colors"]), ("size", draft["sizes"]))
            for position, value in enumerate(values, start=1)
        )
        default_stock = payload.default_stock(settings)
        return ListingContent(
            reference_number=draft["reference_number"],
            source_key=draft["source_key"],
            name=draft["title"],
            comments=draft["description"],
            brand_id=0,
            brand_name=draft["brand"],
            category_id=int(draft["category_code"]),
            price=-(-int(price) // step) * step,
            images=tuple(images),
            options=options,
            variants=variants_of(draft, gone=gone, default_stock=default_stock),
            model_no=draft.get("model_no"),
            currency="KRW",
            list_price=draft.get("list_price_krw"),
            extra={
                "notices": notices.after_service_filled(draft["notices"], settings),
                "attributes": list(draft.get("attributes") or []),
                "option_attribute_names": dict(draft["option_attribute_names"]),
            },
        )

    def flush(self) -> None:
        """Nothing is learned while preparing."""


def variants_of(
    draft: Mapping[str, Any], *, gone: bool, default_stock: int
) -> tuple[ListingVariant, ...]:
    """One variant per supplier variant (one without options when the supplier lists none):
    the supplier's count when it gives one, else ``default_stock``; sold out, or ``gone`` from
    the supplier, is out of stock with 0."""
    listed = draft.get("variants") or [
        {"color": "", "size": "", "sold_out": draft.get("sold_out", False), "stock": None}
    ]
    made = []
    for variant in listed:
        options = tuple((kind, variant[kind]) for kind in ("color", "size") if variant.get(kind))
        stock = variant.get("stock")
        if gone or variant.get("sold_out") or stock == 0:
            made.append(ListingVariant(options, "out_of_stock", 0))
        else:
            count = default_stock if stock is None else int(stock)
            made.append(ListingVariant(options, "stock_in_hand", count))
    return tuple(made)
