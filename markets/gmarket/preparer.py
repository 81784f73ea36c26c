"""The Gmarket / Auction preparer (Django side): products -> drafts -> listing contents.

``prepare(facts, raw)`` finds the category codes (``MarketCategoryMapping`` for market
``gmarket``: the product's category, else its parents, ``shoes/sneakers`` -> ``shoes``), fits
the goods name (``titles``), fills the product-information notice (``notices``) and keeps what
``content`` needs. A product with no category mapping is refused (blocking) with the key to
add in the admin. ``texts`` is ``[]``: the facts are already Korean. ``content`` builds the
``ListingContent``: KRW price on the 10-won step, colour and size options, one variant per
combination with the supplier's count when known, else the account's ``default_stock`` (99);
sold out or gone: out of stock, 0.
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping, Sequence
from typing import Any

from markets.contract import Prepared, Problem, ProductFacts
from markets.listing import ListingContent, ListingOption, ListingVariant

from .categories import MARKET, codes_parse
from .connector import CAPABILITIES
from .notices import notice_for
from .settings import DEFAULT_STOCK
from .titles import title_fit


class GmarketPreparer:
    """Built with the category mapping read once (``load``)."""

    def __init__(self, mapping: Mapping[str, str]) -> None:
        self.mapping = dict(mapping)

    @classmethod
    def load(cls) -> GmarketPreparer:
        from markets.models import MarketCategoryMapping

        rows = MarketCategoryMapping.objects.filter(market=MARKET).values_list("category", "code")
        return cls(dict(rows))

    # --- the preparer contract --------------------------------------------------------------

    def prepare(self, facts: ProductFacts, raw: Mapping[str, Any]) -> Prepared:
        problems: list[Problem] = []
        category_key, code = self.category_find(facts.category)
        if code is None:
            shown = facts.category or "(none)"
            problems.append(
                Problem(
                    "category",
                    facts.category,
                    f"no Gmarket/Auction category for our category {shown}: add a mapping for "
                    f"market 'gmarket' and category '{facts.category or '<category>'}' in the "
                    "admin (Market category mappings), code 'esm|gmarket|auction'",
                    blocking=True,
                )
            )
        fitted = title_fit(facts.title, facts.brand, facts.model_number)
        for change in fitted.changes:
            problems.append(Problem("title", facts.title, change, blocking=not fitted.fits))
        if code is None or not fitted.fits:
            return Prepared(None, tuple(problems))
        codes = codes_parse(code)
        if not (codes.gmarket or codes.auction):
            problems.append(
                Problem(
                    "category",
                    code,
                    f"the mapping of {category_key} has no Gmarket or Auction code: write it as "
                    "'esm|gmarket|auction' in the admin",
                    blocking=True,
                )
            )
            return Prepared(None, tuple(problems))
        notice, group = notice_for(facts)
        if group != facts.notice_group:
            problems.append(
                Problem(
                    "notice_group",
                    facts.notice_group,
                    f"no notice group {facts.notice_group!r}; used the general one ({group})",
                    blocking=False,
                )
            )
        draft = {
            "reference_number": facts.reference,
            "source_key": facts.source_key,
            "category_key": category_key,
            "category_codes": codes.as_dict(),
            "name": fitted.name,
            "description": facts.description,
            "brand": facts.brand,
            "model_number": facts.model_number,
            "list_price": facts.list_price_krw,
            "notice": notice,
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
        default_stock = int(settings.get("default_stock") or DEFAULT_STOCK)
        codes = dict(draft.get("category_codes") or {})
        site_code = codes.get("gmarket") or codes.get("auction") or "0"
        options, variants = _options_and_variants(draft, default_stock, gone=gone)
        step = CAPABILITIES.price_step
        return ListingContent(
            reference_number=draft["reference_number"],
            source_key=draft["source_key"],
            name=draft["name"],
            comments=description_html(draft.get("description") or "", images),
            brand_id=0,
            brand_name=draft.get("brand") or "",
            category_id=int(site_code) if str(site_code).isdigit() else 0,
            price=int(math.ceil(int(price) / step) * step),
            images=tuple(images),
            options=options,
            variants=variants,
            model_no=draft.get("model_number"),
            currency=CAPABILITIES.currency,
            list_price=draft.get("list_price"),
            extra={"categories": codes, "notice": draft.get("notice") or {}},
        )

    def flush(self) -> None:
        """Nothing learned to write: the mapping is a person's and the shipped defaults'."""

    # --- parts ------------------------------------------------------------------------------

    def category_find(self, category: str) -> tuple[str, str | None]:
        """The mapped key and code for ``category`` or its nearest mapped parent."""
        key = (category or "").strip("/")
        while key:
            if key in self.mapping:
                return key, self.mapping[key]
            key = key.rpartition("/")[0]
        return category, None


def _options_and_variants(
    draft: Mapping[str, Any], default_stock: int, *, gone: bool
) -> tuple[tuple[ListingOption, ...], tuple[ListingVariant, ...]]:
    colors = [c for c in draft.get("colors") or [] if c]
    sizes = [s for s in draft.get("sizes") or [] if s]
    options = tuple(ListingOption("color", c, i) for i, c in enumerate(colors, 1)) + tuple(
        ListingOption("size", s, i) for i, s in enumerate(sizes, 1)
    )
    all_gone = gone or bool(draft.get("sold_out"))
    variants = []
    for variant in draft.get("variants") or []:
        pairs = tuple(
            (kind, value)
            for kind, value in (("color", variant.get("color")), ("size", variant.get("size")))
            if value
        )
        count = variant.get("stock")
        if all_gone or variant.get("sold_out") or count == 0:
            variants.append(ListingVariant(pairs, "out_of_stock", 0))
        else:
            stock = int(count) if count is not None else default_stock
            variants.append(ListingVariant(pairs, "stock_in_hand", stock))
    if not variants:
        variants.append(
            ListingVariant((), "out_of_stock", 0)
            if all_gone
            else ListingVariant((), "stock_in_hand", default_stock)
        )
    return options, tuple(variants)


def description_html(description: str, images: Sequence[str]) -> str:
    """The detail page: the description's paragraphs, then the images."""
    paragraphs = [p.strip() for p in description.split("\n") if p.strip()]
    parts = [f"<p>{html.escape(p)}</p>" for p in paragraphs]
    parts += [f'<p><img src="{html.escape(url, quote=True)}" alt=""></p>' for url in images]
    return "<div>" + "".join(parts) + "</div>"
