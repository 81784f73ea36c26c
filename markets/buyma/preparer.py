"""BUYMA's preparer: the supplier record as a BUYMA draft (``Converter``: BUYMA's brand,
category, colour and size ids, a Korean title and description), the texts to translate into
Japanese, and the listing content from the translations, the yen price and the images."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from markets.contract import Prepared, Problem, ProductFacts
from markets.listing import ListingContent, ListingOption, ListingVariant

from .convert import Converter
from .templates import TITLE_MAX_WIDTH, buyma_width


class BuymaPreparer:
    def __init__(self, converter: Converter) -> None:
        self.converter = converter

    @classmethod
    def load(cls) -> BuymaPreparer:
        return cls(Converter.load())

    def prepare(self, facts: ProductFacts, raw: Mapping[str, Any]) -> Prepared:
        supplier = facts.source_key.partition(":")[0]
        result = self.converter.convert(raw, supplier=supplier)
        problems = tuple(Problem(p.field, p.value, p.reason, p.blocking) for p in result.problems)
        draft = result.draft.to_dict() if result.ok and result.draft else None
        return Prepared(draft, problems)

    def texts(self, draft: Mapping[str, Any]) -> list[str]:
        """Title, description, then each colour name once (Korean, to translate)."""
        colours = list(dict.fromkeys(c["value_ko"] for c in draft.get("colors") or ()))
        return [draft["title_ko"], draft["description_ko"], *colours]

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
        source = self.texts(draft)
        japanese = dict(zip(source[2:], texts[2:], strict=True))
        colours = [
            ListingOption("color", japanese.get(c["value_ko"], c["value_ko"]), i, c["master_id"])
            for i, c in enumerate(draft.get("colors") or (), start=1)
        ]
        sizes = [
            ListingOption("size", s["value"], i, s["master_id"])
            for i, s in enumerate(draft.get("sizes") or (), start=1)
        ]
        variants = []
        for variant in draft.get("variants") or ():
            options = []
            if colours and variant.get("color_ko"):
                options.append(("color", japanese.get(variant["color_ko"], variant["color_ko"])))
            if sizes and variant.get("size"):
                options.append(("size", variant["size"]))
            stock_type = "out_of_stock" if gone or variant.get("sold_out") else "purchase_for_order"
            variants.append(ListingVariant(tuple(options), stock_type, None))
        return ListingContent(
            reference_number=draft["reference_number"],
            source_key="",
            name=fit_title(texts[0]),
            comments=texts[1],
            brand_id=draft["brand_id"],
            brand_name=draft.get("brand_name") or "",
            category_id=draft["category_id"],
            price=price,
            images=tuple(images),
            options=(*colours, *sizes),
            variants=tuple(variants),
            model_no=draft.get("model_number"),
            currency="JPY",
        )

    def flush(self) -> None:
        self.converter.flush_learned()


def fit_title(name: str) -> str:
    """The Japanese title within BUYMA's width (a full-width character counts two): words
    are dropped from before the model number, which stays last, and the brand, which stays
    first; a title still too long is cut."""
    words = name.split()
    while buyma_width(" ".join(words)) > TITLE_MAX_WIDTH and len(words) > 2:
        del words[-2]
    fitted = " ".join(words)
    while buyma_width(fitted) > TITLE_MAX_WIDTH:
        fitted = fitted[:-1]
    return fitted.strip()
