"""okmall and W Concept parsers against real saved pages (fixtures/malls/, kept unmodified).

Variants (sold out, missing fields, a rendered W Concept search page) are built in memory by
editing the real HTML; ``_edit`` fails the test when the text to edit is not found, so a
variant can never silently be the unedited page.
"""

from __future__ import annotations

import pickle
import re
from functools import cache
from pathlib import Path

import pytest

from suppliers.malls import okmall, wconcept
from suppliers.malls.errors import ParseError
from suppliers.malls.product import MallOption

FIXTURES = Path(__file__).parent / "fixtures" / "malls"

OKMALL_PRODUCT_URL = "https://www.okmall.com/products/view?no=753625"
OKMALL_LIST_URL = "https://www.okmall.com/products/list?brand=%EB%82%98%EC%9D%B4%ED%82%A4%28NIKE%29"
WCONCEPT_PRODUCT_URL = "https://www.wconcept.co.kr/Product/307698365"
WCONCEPT_SEARCH_URL = "https://display.wconcept.co.kr/search?keyword=754443&type=direct"


@cache
def _page(mall: str, name: str) -> str:
    return (FIXTURES / mall / name).read_text(encoding="utf-8")


def _edit(html: str, old: str, new: str, *, count: int = -1) -> str:
    assert old in html, f"fixture no longer contains {old!r}"
    return html.replace(old, new, count)


def _sub(html: str, pattern: str, new: str) -> str:
    edited, n = re.subn(pattern, new, html)
    assert n, f"fixture no longer matches {pattern!r}"
    return edited


def _okmall_product(html: str | None = None, url: str = OKMALL_PRODUCT_URL):
    return okmall.parse_product(html or _page("okmall", "okmall_product.html"), url)


def _wconcept_product(html: str | None = None, url: str = WCONCEPT_PRODUCT_URL):
    return wconcept.parse_product(html or _page("wconcept", "wconcept_product_detail.html"), url)


# --- okmall product page -------------------------------------------------------------------


def test_okmall_product_identity():
    product = _okmall_product()

    assert product.mall == "okmall"
    assert product.product_id == "753625"
    assert product.url == OKMALL_PRODUCT_URL
    assert product.name == "[NIKE]남성 나이키 드라이 핏 페이서 하프 짚 (FQ2494-010)"
    assert product.brand == "NIKE"
    assert product.model_number == "FQ2494-010"
    assert product.extras["brand_kr"] == "나이키"
    assert product.extras["season"] == "25FW"
    assert product.extras["name_en"] == "M NK DF PACER TOP HZ"


def test_okmall_product_prices_and_category():
    product = _okmall_product()

    assert product.price == 56000  # 오케이몰가 (ld+json lowPrice)
    assert product.list_price == 79000  # 정찰 판매가
    assert product.currency == "KRW"
    assert product.category == ("ACTIVITY·LIFE", "액티비티", "러닝", "상의")


def test_okmall_product_options():
    product = _okmall_product()

    assert len(product.options) == 3
    assert product.options[0] == MallOption(
        color="Black",
        size="S",
        stock=None,
        option_code="2234429",
        sold_out=False,
        price=56000,
        measured_size="95 전후",
    )
    assert [(o.size, o.option_code) for o in product.options] == [
        ("S", "2234429"),
        ("M", "2234430"),
        ("L", "2234431"),
    ]


def test_okmall_product_images_are_absolute_and_in_order():
    product = _okmall_product()

    assert len(product.image_urls) == 10
    assert product.image_urls[0] == (
        "https://okimg.okmall.com/753500/img753625_big.JPG?t=1751260768/okresize/resize/590"
    )
    assert all(url.startswith("https://okimg.okmall.com/") for url in product.image_urls)


def test_okmall_product_in_stock_with_sold_out_skus_outside_the_table():
    product = _okmall_product()

    assert product.sold_out is False
    # ld+json lists two more SKUs, both OutOfStock, that the buyable-options table leaves out.
    assert product.extras["skus_not_in_option_table"] == ("2234432", "2234433")


def test_okmall_sold_out_when_every_offer_is_out_of_stock():
    html = _edit(
        _page("okmall", "okmall_product.html"),
        "https://schema.org/InStock",
        "https://schema.org/OutOfStock",
    )

    product = _okmall_product(html)

    assert product.sold_out is True
    assert all(o.sold_out and o.stock == 0 for o in product.options)


def test_okmall_sold_out_when_every_row_says_so():
    html = _edit(
        _page("okmall", "okmall_product.html"),
        '<span class="set_etc_opt2">56,000원</span>',
        '<span class="set_etc_opt2">품절</span>',
    )

    product = _okmall_product(html)

    assert [o.sold_out for o in product.options] == [True, True, True]
    assert product.sold_out is True


def test_okmall_one_sold_out_row_leaves_the_product_on_sale():
    html = _edit(
        _page("okmall", "okmall_product.html"),
        '<span class="set_etc_opt2">56,000원</span>',
        '<span class="set_etc_opt2">품절</span>',
        count=1,
    )

    product = _okmall_product(html)

    assert [o.sold_out for o in product.options] == [True, False, False]
    assert product.options[0].stock == 0
    assert product.sold_out is False


def test_okmall_almost_sold_out_is_not_sold_out():
    html = _edit(
        _page("okmall", "okmall_product.html"),
        '<td class="t_center" >S</td>',
        '<td class="t_center" >S<span class="size_notice">품절 임박</span></td>',
    )

    product = _okmall_product(html)

    assert product.options[0].size == "S"
    assert not any(o.sold_out for o in product.options)
    assert product.sold_out is False


def test_okmall_no_buyable_rows_and_no_stock_is_sold_out():
    html = _sub(_page("okmall", "okmall_product.html"), r'<tr name="selectOption".*?</tr>', "")
    html = _edit(html, "https://schema.org/InStock", "https://schema.org/OutOfStock")

    product = _okmall_product(html)

    assert product.options == ()
    assert product.sold_out is True


def test_okmall_empty_option_table_with_stock_in_ld_json_raises():
    html = _sub(_page("okmall", "okmall_product.html"), r'<tr name="selectOption".*?</tr>', "")

    with pytest.raises(ParseError) as error:
        _okmall_product(html)

    assert error.value.field == "options"


@pytest.mark.parametrize(
    ("removed", "field"),
    [
        ('"name": "[NIKE]남성 나이키 드라이 핏 페이서 하프 짚 (FQ2494-010)",', "name"),
        ('"lowPrice": 56000,', "price"),
        ('"sku": 753625,', "product_id"),
    ],
)
def test_okmall_missing_required_field_raises(removed, field):
    html = _edit(_page("okmall", "okmall_product.html"), removed, "")

    with pytest.raises(ParseError) as error:
        _okmall_product(html)

    assert error.value.field == field
    assert error.value.mall == "okmall"
    assert error.value.url == OKMALL_PRODUCT_URL


def test_okmall_page_without_product_ld_json_raises():
    html = _edit(_page("okmall", "okmall_product.html"), '"@type": "Product"', '"@type": "Thing"')

    with pytest.raises(ParseError, match="ld\\+json Product"):
        _okmall_product(html)


def test_okmall_page_for_another_product_raises():
    with pytest.raises(ParseError) as error:
        _okmall_product(url="https://www.okmall.com/products/view?no=999999")

    assert error.value.field == "product_id"
    assert "999999" in str(error.value)


# --- okmall listing page -------------------------------------------------------------------


def test_okmall_listing_cards_total_and_next_page():
    page = okmall.parse_listing(_page("okmall", "okmall_niki_product_list.html"), OKMALL_LIST_URL)

    assert len(page.items) == 80
    assert len(set(page.product_ids)) == 80
    assert page.product_ids[:3] == ("753625", "814101", "727797")
    assert page.product_ids[-1] == "731328"
    assert page.product_urls[0] == (
        "https://www.okmall.com/products/view?no=753625&item_type=&cate=20009158&uni=M"
    )
    assert page.total_count == 619
    assert page.next_page_url == (
        "https://www.okmall.com/products/list?brand=%EB%82%98%EC%9D%B4%ED%82%A4%28NIKE%29"
        "&search_keyword=&detail_search_keyword=&orgin_p=1&page=2&prev_data=731328"
    )


def test_okmall_listing_cards_carry_price_and_buyable_sizes():
    page = okmall.parse_listing(_page("okmall", "okmall_niki_product_list.html"), OKMALL_LIST_URL)

    first, second = page.items[:2]
    assert (first.price, first.sizes) == (56000, ("95", "100", "105"))
    assert (second.price, second.sizes) == (53000, ("28", "30", "32", "34"))
    assert all(item.price and item.price > 0 for item in page.items)


def test_okmall_listing_skips_scratched_goods():
    html = _edit(
        _page("okmall", "okmall_niki_product_list.html"),
        '<div class="item_box  first  " data-ProductNo="753625">',
        '<div class="item_box  first item_scratch" data-ProductNo="753625">',
    )

    page = okmall.parse_listing(html, OKMALL_LIST_URL)

    assert len(page.items) == 79
    assert "753625" not in page.product_ids


def test_okmall_listing_last_page_has_no_next_page():
    html = _edit(_page("okmall", "okmall_niki_product_list.html"), 'class="nextPage"', "")

    assert okmall.parse_listing(html, OKMALL_LIST_URL).next_page_url is None


def test_okmall_listing_rejects_a_page_that_is_not_a_listing():
    with pytest.raises(ParseError) as error:
        okmall.parse_listing(_page("okmall", "okmall_product.html"), OKMALL_LIST_URL)

    assert error.value.field == "items"


# --- W Concept product page ----------------------------------------------------------------


def test_wconcept_product_identity():
    product = _wconcept_product()

    assert product.mall == "wconcept"
    assert product.product_id == "307698365"
    assert product.name == "25FW 보테가베네타 WALLACE 윌리스 미니 숄더백 754443V3IV18425 BLACK DOM"
    assert product.brand == "BOTTEGA VENETA"
    assert product.extras["brand_kr"] == "보테가베네타"
    assert product.model_number == "754443V3IV18425"


def test_wconcept_product_prices_and_category():
    product = _wconcept_product()

    assert product.price == 3709000  # the cart price, no coupon
    assert product.list_price == 3709000  # 정상가
    assert product.extras["coupon_price"] == 3600520  # 쿠폰적용가, needs a coupon download
    assert product.currency == "KRW"
    assert product.category == ("여성", "해외브랜드", "가방", "숄더백")


def test_wconcept_product_options_and_images():
    product = _wconcept_product()

    assert product.options == (
        MallOption(
            color="BLACK",
            size="One measurement (OS)",
            stock=None,
            option_code="28081171",
            sold_out=False,
        ),
    )
    assert len(product.image_urls) == 5
    assert product.image_urls[0] == (
        "https://product-image.wconcept.co.kr/productimg/image/img9/65/307698365_GG10848.jpg"
    )
    assert product.sold_out is False


def test_wconcept_sold_out_when_every_option_is():
    html = _edit(
        _page("wconcept", "wconcept_product_detail.html"),
        '<option value="28081171" optionvalue="One measurement (OS)">One measurement (OS)</option>',
        '<option value="28081171" optionvalue="One measurement (OS)" disabled>'
        "One measurement (OS) (품절)</option>",
    )

    product = _wconcept_product(html)

    assert product.options[0].sold_out is True
    assert product.options[0].stock == 0
    assert product.sold_out is True


def test_wconcept_sold_out_when_the_buy_buttons_say_so():
    html = _edit(
        _page("wconcept", "wconcept_product_detail.html"),
        "onclick=\"WCK_BUY_NOW(this, 'N');\">바로 구매</button>",
        'disabled="disabled">SOLD OUT</button>',
    )

    product = _wconcept_product(html)

    assert product.options[0].sold_out is False
    assert product.sold_out is True


def test_wconcept_missing_name_raises():
    html = _sub(
        _page("wconcept", "wconcept_product_detail.html"),
        r'(id="hidItemName" name="hidItemName" value=")[^"]*"',
        r'\1"',
    )
    html = _sub(html, r'<h3 class="product cottonusa">[^<]*</h3>', '<h3 class="product"></h3>')

    with pytest.raises(ParseError) as error:
        _wconcept_product(html)

    assert error.value.field == "name"


@pytest.mark.parametrize(
    ("removed", "field"),
    [
        ('<input type="hidden" name="saleprice" value="3709000" />', "price"),
        ('<input type="hidden" name="itemcd" value="307698365" />', "product_id"),
    ],
)
def test_wconcept_missing_required_field_raises(removed, field):
    html = _edit(_page("wconcept", "wconcept_product_detail.html"), removed, "")

    with pytest.raises(ParseError) as error:
        _wconcept_product(html)

    assert error.value.field == field
    assert WCONCEPT_PRODUCT_URL in str(error.value)


def test_wconcept_page_for_another_product_raises():
    with pytest.raises(ParseError) as error:
        _wconcept_product(url="https://www.wconcept.co.kr/Product/300000001")

    assert error.value.field == "product_id"


def test_wconcept_two_level_options_are_refused_not_half_read():
    html = _edit(
        _page("wconcept", "wconcept_product_detail.html"),
        'id="optionDepthCount" value="1"',
        'id="optionDepthCount" value="2"',
    )

    with pytest.raises(ParseError) as error:
        _wconcept_product(html)

    assert error.value.field == "options"


# --- W Concept search page -----------------------------------------------------------------


def test_wconcept_empty_search_is_an_empty_listing():
    page = wconcept.parse_listing(
        _page("wconcept", "wconcept_search_no.html"),
        "https://display.wconcept.co.kr/search?keyword=FQ2494-010&type=direct",
    )

    assert page.items == ()
    assert page.total_count == 0
    assert page.next_page_url is None


def test_wconcept_served_search_html_with_results_raises_instead_of_reporting_none():
    # The saved page is the server's HTML: 53 results counted, cards rendered by the browser.
    with pytest.raises(ParseError) as error:
        wconcept.parse_listing(_page("wconcept", "wconcept_search.html"), WCONCEPT_SEARCH_URL)

    assert error.value.field == "items"
    assert "53" in str(error.value)


def test_wconcept_rendered_search_cards():
    # Synthetic: cards shaped like the browser-rendered page, added to the real served page.
    cards = (
        '<ul><li class="product-item"><a href="https://www.wconcept.co.kr/Product/307698365">'
        '<img src="//product-image.wconcept.co.kr/productimg/image/img9/65/307698365_GG10848.jpg">'
        '</a></li><li class="product-item"><img src="//product-image.wconcept.co.kr/'
        'productimg/image/img9/81/306000081_AB12345.jpg"></li>'
        '<li class="product-item"><a href="/Product/307698365">again</a></li></ul></body>'
    )
    html = _edit(_page("wconcept", "wconcept_search.html"), "</body>", cards)

    page = wconcept.parse_listing(html, WCONCEPT_SEARCH_URL)

    assert page.total_count == 53
    assert page.product_ids == ("307698365", "306000081")
    assert page.product_urls[1] == "https://www.wconcept.co.kr/Product/306000081"


def test_wconcept_listing_rejects_a_page_without_search_data():
    with pytest.raises(ParseError) as error:
        wconcept.parse_listing(
            _page("wconcept", "wconcept_product_detail.html"), WCONCEPT_SEARCH_URL
        )

    assert error.value.field == "total_count"


# --- the error itself ----------------------------------------------------------------------


def test_parse_error_names_mall_field_and_page_and_survives_pickling():
    error = ParseError(mall="okmall", url=OKMALL_PRODUCT_URL, field="price", reason="gone")

    assert str(error) == f"okmall: cannot read 'price' from {OKMALL_PRODUCT_URL}: gone"
    copy = pickle.loads(pickle.dumps(error))
    assert (copy.mall, copy.url, copy.field, copy.reason) == (
        "okmall",
        OKMALL_PRODUCT_URL,
        "price",
        "gone",
    )
