"""okmall (www.okmall.com): brand listing pages and product detail pages.

Sources on the product page: the ld+json ``Product`` block gives the id, name, brand, price,
currency, images and per-SKU availability; the ld+json ``BreadcrumbList`` the category; the HTML
gives what ld+json lacks: the list price (``.value_price``), the model number and season
(``#ProductNameArea``) and the option table (``#ProductOPTList``). See docs/malls.md.
"""

from __future__ import annotations

import json
import re
from urllib.parse import parse_qs, urljoin, urlsplit

from selectolax.lexbor import LexborHTMLParser, LexborNode

from suppliers.bounds import URL_MAX_CHARS, price_problem
from suppliers.malls.errors import ParseError, parser_guard
from suppliers.malls.numbers import first_amount, whole_number
from suppliers.malls.product import ListingItem, ListingPage, MallOption, MallProduct

MALL = "okmall"
ORIGIN = "https://www.okmall.com"

_DIGITS = re.compile(r"\d")
_HANGUL = re.compile(r"[가-힣ㄱ-ㅎㅏ-ㅣ]")
_PARENTHESISED = re.compile(r"\(([^()]+)\)")
# ld+json brand names read "나이키(NIKE)": Korean name, then the Latin one in brackets.
_BRAND = re.compile(r"^(?P<kr>[^()]*)\((?P<en>[^()]+)\)\s*$")
# "품절 임박" (almost sold out) contains "품절" but the option can still be bought.
_ALMOST_SOLD_OUT = re.compile(r"품절\s*임박")


@parser_guard(MALL)
def parse_listing(html: str, base_url: str) -> ListingPage:
    """The product cards of one okmall listing page (``/products/list?brand=...``).

    Cards are ``.item_box[data-productno]`` inside ``#ProductListArea``; scratched-goods cards
    (``.item_scratch``, discounted damaged stock) are skipped because they are not the product
    we resell. ``next_page_url`` is the infinite-scroll "next page" link, which okmall only
    renders while more cards follow. Raises ``ParseError`` when the page has no product list
    area at all (a block page or a layout change), never returns an empty page for it.
    """
    tree = LexborHTMLParser(html)
    area = tree.css_first("#ProductListArea")
    if area is None:
        raise ParseError(
            mall=MALL, url=base_url, field="items", reason="no #ProductListArea on the page"
        )
    items: dict[str, ListingItem] = {}
    for card in area.css(".item_box[data-productno]"):
        if "item_scratch" in (card.attributes.get("class") or "").split():
            continue
        product_id = (card.attributes.get("data-productno") or "").strip()
        if not product_id or product_id in items:
            continue
        link = card.css_first('a[href*="/products/view"]')
        href = link.attributes.get("href") if link is not None else None
        url = _joined(base_url, href) or f"{ORIGIN}/products/view?no={product_id}"
        items[product_id] = ListingItem(
            product_id=product_id, url=url, price=_card_price(card), sizes=_card_sizes(card)
        )

    next_link = tree.css_first(".next a.nextPage[href]")
    next_href = next_link.attributes.get("href") if next_link is not None else None
    next_url = _joined(base_url, next_href)
    if next_href and next_url is None:
        # Not "the last page": the brand's later pages would be dropped without a word.
        raise ParseError(
            mall=MALL, url=base_url, field="next_page_url", reason="the next-page link is no URL"
        )
    return ListingPage(
        mall=MALL,
        url=base_url,
        items=tuple(items.values()),
        next_page_url=next_url,
        total_count=_int_or_none(_attr(tree.css_first('input[name="total_count"]'), "value")),
    )


def _card_price(card: LexborNode) -> int | None:
    """The card's selling price: ``.okmall_price`` carries it as a plain number in ``val``."""
    node = card.css_first(".okmall_price[val]")
    return _int_or_none(_attr(node, "val")) if node is not None else None


def _card_sizes(card: LexborNode) -> tuple[str, ...] | None:
    """The sizes the card lists as buyable now (``.t_size``: "95 , 100 , 105 ")."""
    node = card.css_first(".t_size")
    if node is None:
        return None
    return tuple(size for size in (s.strip() for s in _node_text(node).split(",")) if size)


@parser_guard(MALL)
def parse_product(html: str, url: str) -> MallProduct:
    """One okmall product page (``/products/view?no=...``).

    Raises ``ParseError`` when the ld+json Product block, the product id, the name or the price
    is missing, or when the page is another product than the ``no=`` that ``url`` asks for
    (a redirect must not store one product's data under another's id). An option is sold out when its row says "품절"
    (but not "품절 임박") or its ld+json offer is OutOfStock; the product is sold out when
    every offer or every option is, or when no option can be chosen at all.
    """
    tree = LexborHTMLParser(html)
    ld = _ld_json(tree)
    product = ld.get("Product")
    if product is None:
        raise ParseError(
            mall=MALL, url=url, field="ld+json Product", reason="no Product ld+json block"
        )

    product_id = _product_id(product, url)
    name = _text_value(product.get("name"))
    if not name:
        raise ParseError(mall=MALL, url=url, field="name", reason="ld+json Product has no name")
    offers = product.get("offers") if isinstance(product.get("offers"), dict) else {}
    price = _price(offers, url)

    offer_stock = _offer_availability(offers)
    offers_in_stock = _offers_in_stock(offers, offer_stock)
    options = _options(tree, offer_stock)
    if not options and offers_in_stock:
        # An empty table next to in-stock offers means the table moved, not that nothing is
        # for sale; reporting "sold out" then would delist a product that is on sale.
        raise ParseError(
            mall=MALL,
            url=url,
            field="options",
            reason="ld+json has in-stock offers but #ProductOPTList has no option rows",
        )
    brand, brand_kr = _brand(product, tree)
    title_text = _node_text(tree.css_first("#ProductNameArea .prd_name")) or name

    extras: dict[str, object] = {}
    for key, value in (
        ("brand_kr", brand_kr),
        ("season", _node_text(tree.css_first("#ProductNameArea .prd_name_season"))),
        ("name_en", _strip_brackets(_node_text(tree.css_first("#ProductNameArea .prd_name_more")))),
        ("display_name", title_text),
    ):
        if value:
            extras[key] = value
    listed_codes = {option.option_code for option in options}
    unlisted = tuple(sku for sku in offer_stock if sku not in listed_codes)
    if unlisted:
        # okmall's table lists only buyable options; these SKUs exist but are not offered now.
        extras["skus_not_in_option_table"] = unlisted

    return MallProduct(
        mall=MALL,
        product_id=product_id,
        url=url,
        name=name,
        brand=brand,
        model_number=_model_number(title_text),
        price=price,
        list_price=_won(_node_text(tree.css_first(".value_price .price"))),
        currency=str(offers.get("priceCurrency") or "KRW"),
        category=_category(ld.get("BreadcrumbList")),
        options=options,
        image_urls=_images(product, url),
        # The table lists only options that can be bought now: no rows, nothing to buy.
        sold_out=offers_in_stock is False or all(option.sold_out for option in options),
        extras=extras,
    )


def _ld_json(tree: LexborHTMLParser) -> dict[str, dict]:
    """ld+json blocks by ``@type``; a block that is not valid JSON is skipped, not fatal."""
    blocks: dict[str, dict] = {}
    for script in tree.css('script[type="application/ld+json"]'):
        try:
            data = json.loads(script.text())
        except (json.JSONDecodeError, RecursionError):  # broken or nested past the stack
            continue
        if isinstance(data, dict) and isinstance(data.get("@type"), str):
            blocks.setdefault(data["@type"], data)
    return blocks


def _product_id(product: dict, url: str) -> str:
    product_id = _text_value(product.get("sku"))
    if not product_id:
        raise ParseError(
            mall=MALL, url=url, field="product_id", reason="ld+json Product has no sku"
        )
    asked = parse_qs(urlsplit(url).query).get("no", [""])[0]
    if asked and asked != product_id:
        raise ParseError(
            mall=MALL,
            url=url,
            field="product_id",
            reason=f"the page is product {product_id}, the URL asks for {asked}",
        )
    return product_id


def _price(offers: dict, url: str) -> int:
    # AggregateOffer carries lowPrice (what okmall shows as 오케이몰가); a single Offer, price.
    raw = offers.get("lowPrice") if offers.get("@type") == "AggregateOffer" else None
    if raw is None:
        raw = offers.get("price")
    price = _int_or_none(raw)
    if price is None or price <= 0:
        raise ParseError(
            mall=MALL, url=url, field="price", reason=f"no usable ld+json offer price ({raw!r})"
        )
    problem = price_problem(price)
    if problem:
        raise ParseError(mall=MALL, url=url, field="price", reason=problem)
    return price


def _offer_availability(offers: dict) -> dict[str, bool]:
    """SKU -> in stock, from the ld+json offers (a single Offer has no SKU and is skipped)."""
    stock: dict[str, bool] = {}
    for offer in offers.get("offers") or ():
        if isinstance(offer, dict) and _text_value(offer.get("sku")):
            stock[_text_value(offer.get("sku"))] = not _out_of_stock(offer)
    return stock


def _offers_in_stock(offers: dict, offer_stock: dict[str, bool]) -> bool | None:
    """Whether ld+json declares any offer in stock; None when it states no availability."""
    if offer_stock:
        return any(offer_stock.values())
    if offers.get("availability"):
        return not _out_of_stock(offers)
    return None


def _options(tree: LexborHTMLParser, offer_stock: dict[str, bool]) -> tuple[MallOption, ...]:
    options = []
    for row in tree.css('#ProductOPTList tbody tr[name="selectOption"]'):
        cells = row.css("td")
        if len(cells) < 2:
            continue
        for notice in cells[1].css(".size_notice"):
            notice.decompose()
        # sinfo reads "Black-S^1B:06|Black-S|2234429"; the last segment is the SKU in ld+json.
        code = (row.attributes.get("sinfo") or "").split("|")[-1].strip() or None
        row_text = _ALMOST_SOLD_OUT.sub("", row.text())
        sold_out = "품절" in row_text or offer_stock.get(code or "") is False
        options.append(
            MallOption(
                color=_clean(cells[0].text()) or None,
                size=_clean(cells[1].text()) or None,
                stock=0 if sold_out else None,
                option_code=code,
                sold_out=sold_out,
                price=_int_or_none(row.attributes.get("sprice")),
                measured_size=(_node_text(cells[2]) or None) if len(cells) > 2 else None,
            )
        )
    return tuple(options)


def _brand(product: dict, tree: LexborHTMLParser) -> tuple[str | None, str | None]:
    brand = product.get("brand")
    raw = _text_value(brand.get("name")) if isinstance(brand, dict) else _text_value(brand)
    match = _BRAND.match(raw)
    if match:
        return match["en"].strip(), match["kr"].strip() or None
    if raw:
        return raw, None
    return _node_text(tree.css_first(".brand_tit")) or None, None


def _model_number(title: str) -> str | None:
    """The last bracketed code in the title: "하프 짚 (FQ2494-010)" -> "FQ2494-010".

    okmall puts the maker's style code in brackets; other brackets hold Korean notes or
    colour names, so a candidate needs a digit, no Hangul and at least four characters.
    """
    candidates = [
        group.strip()
        for group in _PARENTHESISED.findall(title)
        if _DIGITS.search(group) and not _HANGUL.search(group) and len(group.strip()) >= 4
    ]
    return candidates[-1] if candidates else None


def _category(breadcrumbs: dict | None) -> tuple[str, ...]:
    if not breadcrumbs:
        return ()
    elements = [e for e in breadcrumbs.get("itemListElement") or () if isinstance(e, dict)]
    elements.sort(key=lambda e: _int_or_none(e.get("position")) or 0)
    return tuple(name for e in elements if (name := _text_value(e.get("name"))))


def _images(product: dict, url: str) -> tuple[str, ...]:
    images = product.get("image") or ()
    if isinstance(images, str):
        images = (images,)
    seen: dict[str, None] = {}
    for image in images if isinstance(images, list | tuple) else ():
        joined = _joined(url, image.strip()) if isinstance(image, str) else None
        if joined:
            seen.setdefault(joined, None)
    return tuple(seen)


def _joined(base: str, link: str | None) -> str | None:
    """``link`` made absolute; None for no link, or one that is no URL ("http://[bad-host/x",
    which ``urljoin`` refuses) or longer than any real one: such a link is left out, it
    cannot be fetched anyway."""
    if not link or len(link) > URL_MAX_CHARS:
        return None
    try:
        return urljoin(base, link)
    except ValueError:
        return None


def _out_of_stock(offer: dict) -> bool:
    return "OutOfStock" in str(offer.get("availability") or "")


def _won(text: str | None) -> int | None:
    """The first amount in a price text: "79,000원" -> 79000; None when there is none."""
    return first_amount(text)


def _int_or_none(value: object) -> int | None:
    return whole_number(value)


def _text_value(value: object) -> str:
    # ld+json writes some ids as numbers ("sku": 753625) and others as strings ("2234429").
    if isinstance(value, bool) or not isinstance(value, str | int):
        return ""
    return str(value).strip()


def _strip_brackets(text: str) -> str:
    return text.strip().removeprefix("(").removesuffix(")").strip()


def _node_text(node: LexborNode | None) -> str:
    return _clean(node.text()) if node is not None else ""


def _attr(node: LexborNode | None, name: str) -> str | None:
    return node.attributes.get(name) if node is not None else None


def _clean(text: str) -> str:
    return " ".join(text.split())
