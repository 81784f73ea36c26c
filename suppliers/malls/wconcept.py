"""W Concept (www.wconcept.co.kr): search-result pages and product detail pages.

The product page keeps its data in the cart form ``#frmproduct`` (hidden inputs the "add to
bag" POST sends: item code, sale price, list price, name, brand, category path), the gallery
``#gallery`` and the first option ``<select>``; the colour is in the legal notice table
("상품 정보 고시"). The search page is a Next.js page: the result count is in
``#__NEXT_DATA__``, the product cards are rendered in the browser. See docs/malls.md.
"""

from __future__ import annotations

import json
import re
from urllib.parse import urljoin

from selectolax.lexbor import LexborHTMLParser, LexborNode

from suppliers.bounds import URL_MAX_CHARS, price_problem
from suppliers.malls.errors import ParseError, parser_guard
from suppliers.malls.numbers import first_amount, whole_number
from suppliers.malls.product import ListingItem, ListingPage, MallOption, MallProduct

MALL = "wconcept"
PRODUCT_URL = "https://www.wconcept.co.kr/Product/{product_id}"

_PRODUCT_HREF = re.compile(r"/product/(\d+)", re.IGNORECASE)
# Product images are named "{item code}_{suffix}.jpg", e.g. ".../307698365_GG10848.jpg".
_IMAGE_ITEM_CODE = re.compile(r"/(\d{8,})_")
_STATUS_CODE = re.compile(r"var\s+statusCd\s*=\s*'(\w*)'")
_ALMOST_SOLD_OUT = re.compile(r"품절\s*임박")
_SOLD_OUT = re.compile(r"sold\s*out|품절", re.IGNORECASE)
_HANGUL = re.compile(r"[가-힣]")
_DIGIT_RUN = re.compile(r"\d{4,}")
# A select's label: "사이즈" holds sizes, "컬러"/"색상" colours.
_COLOR_LABELS = ("컬러", "색상", "color")


@parser_guard(MALL)
def parse_listing(html: str, base_url: str) -> ListingPage:
    """The products on one W Concept search-result page (``display.wconcept.co.kr/search``).

    ``total_count`` is the product count from ``#__NEXT_DATA__``. A search with no result gives
    an empty page. Product cards (``.product-item`` with a ``/Product/{id}`` link or an image
    named after the item code) exist only once the browser has rendered the page; for the raw
    server HTML of a search with results this raises ``ParseError`` rather than reporting
    "no products". W Concept pages its results on the client, so ``next_page_url`` is None.
    """
    tree = LexborHTMLParser(html)
    total = _search_total(tree, base_url)
    items: dict[str, ListingItem] = {}
    for card in tree.css(".product-item"):
        product_id = _card_product_id(card)
        if product_id and product_id not in items:
            items[product_id] = ListingItem(
                product_id=product_id, url=PRODUCT_URL.format(product_id=product_id)
            )
    if total and not items:
        raise ParseError(
            mall=MALL,
            url=base_url,
            field="items",
            reason=(
                f"the page reports {total} products but holds no product cards; W Concept "
                "renders them in the browser, so pass the rendered page"
            ),
        )
    return ListingPage(
        mall=MALL, url=base_url, items=tuple(items.values()), next_page_url=None, total_count=total
    )


@parser_guard(MALL)
def parse_product(html: str, url: str) -> MallProduct:
    """One W Concept product page (``www.wconcept.co.kr/Product/{id}``).

    Raises ``ParseError`` when the cart form, the item code, the name or the sale price is
    missing, when the page is another product than ``url`` names, or when the options come in
    two levels (colour, then size), whose combinations the page loads by script. An option is
    sold out when it is disabled or its text says "품절" (not "품절 임박"); the product is sold
    out when every option is or the buy buttons say SOLD OUT/품절.
    """
    tree = LexborHTMLParser(html)
    form = tree.css_first("form#frmproduct")
    if form is None:
        raise ParseError(mall=MALL, url=url, field="frmproduct", reason="no product cart form")

    product_id = _product_id(form, url)
    name = _clean(_input(form, "#hidItemName") or _node_text(form.css_first("h3.product")))
    if not name:
        raise ParseError(mall=MALL, url=url, field="name", reason="no #hidItemName, no h3.product")
    price = _int_or_none(_input(form, 'input[name="saleprice"]'))
    if price is None or price <= 0:
        raise ParseError(mall=MALL, url=url, field="price", reason="no usable saleprice input")
    if price_problem(price):
        raise ParseError(mall=MALL, url=url, field="price", reason=price_problem(price))

    color = _notice(tree).get("색상")
    options = _options(form, url, color=color)
    buttons = _node_text(form.css_first("ul.btn_group"))
    page_sold_out = bool(_SOLD_OUT.search(_ALMOST_SOLD_OUT.sub("", buttons)))

    return MallProduct(
        mall=MALL,
        product_id=product_id,
        url=url,
        name=name,
        brand=_clean(_input(form, "#hidBrandName") or _node_text(form.css_first("h2.brand")))
        or None,
        model_number=_model_number(name),
        price=price,
        list_price=_int_or_none(_input(form, 'input[name="originalPrice"]'))
        or _won(_node_text(form.css_first(".price_wrap dd.normal em"))),
        currency="KRW",
        # "^여성^해외브랜드^가방^숄더백", outermost first.
        category=tuple(
            p.strip() for p in (_input(form, "#hidAddCatFix") or "").split("^") if p.strip()
        ),
        options=options,
        image_urls=_images(tree, url),
        sold_out=page_sold_out or (bool(options) and all(o.sold_out for o in options)),
        extras=_extras(html, form, color=color),
    )


def _search_total(tree: LexborHTMLParser, url: str) -> int:
    script = tree.css_first("script#__NEXT_DATA__")
    if script is None:
        raise ParseError(mall=MALL, url=url, field="total_count", reason="no #__NEXT_DATA__")
    try:
        data = json.loads(script.text())
        count = data["props"]["pageProps"]["initialData"]["searchResult"]["totalSearchCount"]
    except (json.JSONDecodeError, KeyError, TypeError, RecursionError) as error:
        raise ParseError(
            mall=MALL, url=url, field="total_count", reason=f"no search result count ({error!r})"
        ) from error
    # countInfo splits the result by tab (상품, 기획전, 리뷰); only the product tab is listed.
    if not isinstance(count, dict):
        raise ParseError(mall=MALL, url=url, field="total_count", reason="no search result count")
    for entry in count.get("countInfo") or ():
        if isinstance(entry, dict) and entry.get("code") == "product":
            return whole_number(entry.get("count")) or 0
    return whole_number(count.get("total")) or 0


def _card_product_id(card: LexborNode) -> str | None:
    for link in card.css("a[href]"):
        match = _PRODUCT_HREF.search(link.attributes.get("href") or "")
        if match:
            return match.group(1)
    for image in card.css("img[src]"):
        match = _IMAGE_ITEM_CODE.search(image.attributes.get("src") or "")
        if match:
            return match.group(1)
    return None


def _product_id(form: LexborNode, url: str) -> str:
    product_id = (_input(form, 'input[name="itemcd"]') or "").strip()
    if not product_id.isdigit():
        raise ParseError(
            mall=MALL, url=url, field="product_id", reason="no numeric itemcd in the cart form"
        )
    asked = _PRODUCT_HREF.search(url)
    if asked and asked.group(1) != product_id:
        raise ParseError(
            mall=MALL,
            url=url,
            field="product_id",
            reason=f"the page is product {product_id}, the URL asks for {asked.group(1)}",
        )
    return product_id


def _options(form: LexborNode, url: str, *, color: str | None) -> tuple[MallOption, ...]:
    depth = _int_or_none(_input(form, "#optionDepthCount")) or 0
    if depth > 1:
        raise ParseError(
            mall=MALL,
            url=url,
            field="options",
            reason=f"{depth}-level options: the page loads the combinations by script",
        )
    # Only the cart form's option block is filled in the served HTML; its copies elsewhere
    # on the page (the floating buy bar) are filled by script.
    block = form.css_first("dl.option")
    if block is None:
        return ()
    select = block.css_first("select")
    if select is None:
        return ()
    labels = block.css("dt")
    label = _node_text(labels[-1]).lower() if labels else ""
    is_color = any(word in label for word in _COLOR_LABELS)
    options = []
    for option in select.css("option"):
        value = (option.attributes.get("value") or "").strip()
        if not value or value == "00":  # "00" is the "선택해 주세요." prompt
            continue
        text = _clean(option.attributes.get("optionvalue") or option.text())
        shown = _ALMOST_SOLD_OUT.sub("", option.text())
        sold_out = "disabled" in option.attributes or "품절" in shown
        options.append(
            MallOption(
                color=text if is_color else color,
                size=None if is_color else text,
                stock=0 if sold_out else None,
                option_code=value,
                sold_out=sold_out,
            )
        )
    return tuple(options)


def _notice(tree: LexborHTMLParser) -> dict[str, str]:
    """The legal product notice table ("상품 정보 고시"): row header -> value."""
    rows: dict[str, str] = {}
    for row in tree.css(".noti_prod_info tr"):
        header, value = row.css_first("th"), row.css_first("td")
        if header is not None and value is not None:
            rows.setdefault(_node_text(header), _node_text(value))
    return rows


def _images(tree: LexborHTMLParser, url: str) -> tuple[str, ...]:
    # data-zoom-image is the full-size picture; data-image and <img> are resized thumbnails.
    seen: dict[str, None] = {}
    for link in tree.css("#gallery li a[data-zoom-image]"):
        src = (link.attributes.get("data-zoom-image") or "").strip()
        if src and len(src) <= URL_MAX_CHARS:
            try:
                seen.setdefault(urljoin(url, src), None)
            except ValueError:  # "http://[bad-host/x.jpg": no URL, left out like a blank one
                continue
    return tuple(seen)


def _model_number(name: str) -> str | None:
    """The maker's style code inside the name, when exactly one word looks like one.

    W Concept has no model field; sellers put the code in the name ("... 숄더백 754443V3IV18425
    BLACK DOM"). A candidate has at least 8 characters, a run of 4+ digits, letters or digits
    only (with - and _) and no Hangul. Two candidates are ambiguous, so None.
    """
    candidates = [
        word
        for word in name.split()
        if len(word) >= 8
        and _DIGIT_RUN.search(word)
        and not _HANGUL.search(word)
        and word.replace("-", "").replace("_", "").isalnum()
    ]
    return candidates[0] if len(candidates) == 1 else None


def _extras(html: str, form: LexborNode, *, color: str | None) -> dict[str, object]:
    extras: dict[str, object] = {}
    coupon = _won(_node_text(form.css_first(".price_wrap dd.cupon em")))
    if coupon:
        # Needs a downloaded coupon and a login, so it is not the price anyone pays by default.
        extras["coupon_price"] = coupon
    if color:
        extras["color"] = color
    # The page's sale status code ("01" on a product on sale). Its other values are not
    # documented anywhere we know of, so it is recorded for later study, not interpreted.
    status = _STATUS_CODE.search(html)
    if status:
        extras["status_code"] = status.group(1)
    ga4 = form.css_first('input[name^="GA4ItemObj_"]')
    if ga4 is not None:
        try:
            analytics = json.loads(ga4.attributes.get("value") or "")
        except (json.JSONDecodeError, RecursionError):
            analytics = {}
        if isinstance(analytics, dict) and analytics.get("BrandNameKr"):
            extras["brand_kr"] = analytics["BrandNameKr"]
    return extras


def _input(root: LexborHTMLParser | LexborNode, selector: str) -> str | None:
    node = root.css_first(selector)
    return node.attributes.get("value") if node is not None else None


def _won(text: str | None) -> int | None:
    return first_amount(text)


def _int_or_none(value: str | None) -> int | None:
    return whole_number(value)


def _node_text(node: LexborNode | None) -> str:
    return _clean(node.text()) if node is not None else ""


def _clean(text: str | None) -> str:
    return " ".join((text or "").split())
