"""okmall's brand listing and product pages for the sample catalogue, in okmall's own markup.

The crawler and its parsers (``suppliers.malls.okmall``) must not know they are reading a
sample, so the pages keep every element the parsers and the quick scan read, exactly as the real
pages have them: the listing's ``#ProductListArea`` cards ``.item_box[data-ProductNo]`` with their
``/products/view?no=`` link, the price ``<span class="okmall_price" val="56000">`` and the
buyable sizes ``<span class="t_size" name="shortProductOpt">95 , 100 , 105 </span>``, the
``input[name=total_count]`` and the infinite-scroll link ``.next a.nextPage``; the product page's
ld+json ``Product`` (AggregateOffer, one offer per option SKU) and ``BreadcrumbList``,
``#ProductNameArea``, ``.value_price`` and the option table ``#ProductOPTList``. Everything
else of the 500 KB real pages (menus, scripts, banners) is left out, so a page is a few KB.

As on okmall, the option table lists only what can be bought now: a sold-out option is an
``OutOfStock`` offer in ld+json and no table row, and a fully sold-out product has an empty
table. An option with one or two pieces left says "품절 임박" (almost sold out) in its size cell.
Sold-out products stay on the listing, with no buyable size on their card.

URLs are the ones ``suppliers.malls.sites`` builds for okmall: ``/products/list?brand=<brand>``
(page n adds ``&page=n``) and ``/products/view?no=<id>``. Images point at the sample server's
``/images/<id>.jpg``.
"""

from __future__ import annotations

import json
from html import escape
from urllib.parse import quote

from pipelines.sample.catalog import SampleCatalog, SampleOption, SampleProduct
from suppliers.malls.sites import site_for

SITE = site_for("okmall")
PER_PAGE = 60
_GENDER_ICON = {"남성": "ic_man", "여성": "ic_woman", "공용": "ic_unisex"}


def listing_path(brand: str, page: int = 1) -> str:
    """The path of a brand's listing page: page 1 is the crawler's own listing path."""
    path = SITE.listing_path_for(brand)
    return path if page == 1 else f"{path}&page={page}"


def product_path(product_id: str) -> str:
    return SITE.product_path_for(product_id)


def image_url(base_url: str, image_id: str) -> str:
    return f"{base_url.rstrip('/')}/images/{quote(image_id, safe='')}.jpg"


def page_count(catalog: SampleCatalog, brand: str, per_page: int = PER_PAGE) -> int:
    """How many listing pages the brand has (1 for a brand with no products: an empty list)."""
    return max(1, -(-len(catalog.products_of(brand)) // per_page))


def render_listing(
    catalog: SampleCatalog, brand: str, page: int, base_url: str, per_page: int = PER_PAGE
) -> str | None:
    """Listing page ``page`` (from 1) of ``brand``; None (answer 404) past the last page.

    A brand the mall does not carry gets an empty list, as a search with no result would.
    The next-page link is there only while more cards follow, like okmall's.
    """
    if per_page < 1:
        raise ValueError("per_page must be at least 1")
    base = base_url.rstrip("/")
    products = catalog.products_of(brand)
    if page < 1 or page > page_count(catalog, brand, per_page):
        return None
    shown = products[(page - 1) * per_page : page * per_page]
    cards = "".join(_card(product, base, number) for number, product in enumerate(shown))
    following = ""
    if page * per_page < len(products):
        query = (
            f"{SITE.listing_path_for(brand)}&search_keyword=&detail_search_keyword="
            f"&orgin_p=1&page={page + 1}&prev_data={shown[-1].product_id}"
        )
        following = (
            '<div class="next" style="display:none;">'
            f'<a href="{escape(base + query)}" class="nextPage">다음 페이지</a></div>\n'
        )
    title = escape(brand)
    return (
        '<!DOCTYPE html>\n<html lang="ko">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{title} | 오케이몰</title>\n</head>\n<body>\n"
        '<div id="wide_wrapper">\n<div id="list_container">\n<div id="list_content">\n'
        f'<input type="hidden" name="total_count" value="{len(products)}">\n'
        '<div id="ProductListArea" class="product_wrap_area">\n'
        '<div class="new_product_zone ">\n<div name="prodListPage">\n<div class="os_wrap">\n'
        f"{cards}</div>\n</div>\n{following}</div>\n</div>\n"
        f'<div class="page_wrap"><span class="page"><strong>{page}</strong></span></div>\n'
        "</div>\n</div>\n</div>\n</body>\n</html>\n"
    )


def render_product(catalog: SampleCatalog, product_id: str, base_url: str) -> str | None:
    """The product page of ``product_id``; None (answer 404) when the catalogue lacks it."""
    product = catalog.get(product_id)
    if product is None:
        return None
    base = base_url.rstrip("/")
    url = base + product_path(product.product_id)
    title = f"[{product.brand_en}]{product.name}"
    sku: int | str = int(product.product_id) if product.product_id.isdigit() else product.product_id
    offers = [
        {
            "@type": "Offer",
            "sku": option.sku,
            "url": url,
            "price": product.price,
            "priceCurrency": "KRW",
            "availability": "https://schema.org/"
            + ("OutOfStock" if option.sold_out else "InStock"),
            "itemCondition": "https://schema.org/NewCondition",
        }
        for option in product.options
    ]
    ld_product = {
        "@context": "https://schema.org",
        "@type": "Product",
        "name": title,
        "description": f"{'>'.join(product.category)} {title} {product.price:,}원",
        "image": [image_url(base, image) for image in product.image_ids],
        "sku": sku,
        "mpn": sku,
        "brand": {"@type": "Brand", "name": product.brand},
        "offers": {
            "@type": "AggregateOffer",
            "offerCount": len(offers),
            "priceCurrency": "KRW",
            "offers": offers,
            "lowPrice": product.price,
            "highPrice": product.price,
        },
    }
    ld_breadcrumbs = {
        "@context": "https://schema.org",
        "@type": "BreadcrumbList",
        "itemListElement": [
            {
                "@type": "ListItem",
                "position": position,
                "name": name,
                "item": f"{base}/products/list?cate={_category_code(product.category[:position])}",
            }
            for position, name in enumerate(product.category, start=1)
        ],
    }
    rows = "".join(
        _option_row(product, option) for option in product.options if not option.sold_out
    )
    thumbs = "".join(
        f'<li><img src="{escape(image_url(base, image))}" alt=""></li>'
        for image in product.image_ids
    )
    icon = _GENDER_ICON[product.gender]
    return (
        '<!DOCTYPE html>\n<html lang="ko">\n<head>\n<meta charset="utf-8">\n'
        f'<meta property="og:url" content="{escape(url)}">\n'
        f"<title>{escape(title)} | 오케이몰</title>\n"
        f'<script type="application/ld+json">\n{_json(ld_product)}\n</script>\n'
        f'<script type="application/ld+json">\n{_json(ld_breadcrumbs)}\n</script>\n'
        '</head>\n<body>\n<div id="wide_wrapper">\n<div class="prd_view">\n'
        f'<div class="prd_img"><ul class="thumb">{thumbs}</ul></div>\n'
        '<div class="prd_option">\n<div class="brd_name">\n'
        '<div class="brd_name_wrap clr brd_img  brd_img ">\n<div class="brand_img_box">'
        f'<a href="{escape(listing_path(product.brand))}" target="_blank">'
        f'<span class="brand_tit">{escape(product.brand_en)}</span></a></div>\n'
        '<h3 id="ProductNameArea">\n'
        f'<span class="prd_name_season">{escape(product.season)}</span>\n'
        f'<span class="prd_name">{escape(product.name)}</span>\n</h3>\n'
        f'<div class="badge"><span class="{icon}">{product.gender}</span></div>\n'
        "</div>\n</div>\n"
        '<div class="prd_bd cus_price_bd  brand_sale_total ">\n<div class="real_price">\n'
        '<div class="last_price"><span class="l"><span class="name_price name">오케이몰가</span>'
        f'<span class="price">{product.price:,}원<span></span></span></span></div>\n'
        '<div class="value_price"><span class="l"><span class="name_price name">정찰 판매가</span>'
        f'<span class="price">{product.list_price:,}원<span></span></span></span></div>\n'
        "</div>\n</div>\n"
        '<table class="prd_info"><tbody><tr><td class="prd_opts posR">'
        '<div class="layer_posR">\n'
        f'<div class="prd_opts_sel" id="CateOptionName" data-no="{escape(product.product_id)}">'
        "구매하려는 색상 및 사이즈를 선택하세요.</div>\n"
        '<div id="viewOptionName" class="sub_layout_popup page_layer03 " style="display: none;">'
        '<div class="layout_popup03_content" id="ProductOPTList">\n<table class="shoes_size">'
        '<colgroup><col width="130"><col width="83"><col width="103"></colgroup>\n'
        '<thead class="thL"><tr><th rowspan="2">구매가능한<br>색상</th>'
        '<th colspan="2">구매가능한 사이즈</th><th rowspan="2" class="set_etc">비고</th></tr>'
        '<tr><th>택 사이즈</th><th class="br_clr">오케이몰 실측 사이즈</th></tr></thead>\n'
        f"<tbody>\n{rows}</tbody>\n</table>\n</div></div>\n"
        '<input type="hidden" name="Color" value="">\n</div></td></tr></tbody></table>\n'
        f'<div id="product_ctl_btn" class="prd_btn  stock_goods_btn " '
        f'data-ProductNo="{escape(product.product_id)}">\n'
        '<form method="post" id="frmProduct" name="frmProduct" action="/baskets/ajax/insert">'
        f'<input type="hidden" name="No" value="{escape(product.product_id)}"></form>\n'
        '<span class="btn_basket"><button id="inputCart" name="addBasket" type="button">'
        "쇼핑백</button></span>\n"
        '<span class="btn_purchase"><button id="buyNow" name="BuyAway" type="button">'
        "즉시구매</button></span>\n</div>\n"
        "</div>\n</div>\n</div>\n</body>\n</html>\n"
    )


def _card(product: SampleProduct, base: str, number: int) -> str:
    link = escape(product_path(product.product_id))
    pid = escape(product.product_id)
    first = " first " if number % 4 == 0 else ""
    picture = escape(image_url(base, product.image_ids[0]))
    sizes = "".join(f"{size} , " for size in product.available_sizes)[:-2]
    icon = _GENDER_ICON[product.gender]
    return (
        f'<div class="item_box {first}  " data-ProductNo="{pid}">\n'
        '<div class="os_border "><div class="item_img ">'
        f'<a target="_blank" href="{link}"><img width="280" height="325" src="{picture}" '
        'class="pImg" name="ProductImage"></a>'
        "</div></div>\n"
        f'<ul class="lst_ic_wrap"><li><em class=" {icon} ">{product.gender}</em></li></ul>\n'
        '<div class="val_top "><p class="item_title" name="shortProductName">'
        '<a href="javascript:void(0);" class="target_brand flex-add">'
        f'<span class="prName_Brand">{escape(product.brand_en)} </span></a>'
        f'<a target="_blank" href="{link}" name="shortProductNameOver">'
        f'<span class="prName_Season">{escape(product.season)}</span>'
        f'<span class="prName_PrName">{escape(product.name)}</span></a></p>\n'
        f'<div class="item_size"><span class="t_size" name="shortProductOpt">{sizes}</span>'
        "</div></div>\n"
        '<div class="al_left  "><div class="price_bx"><div class="t_bx">'
        f'<span class="orgin_price">{product.list_price:,}<span class="t_won"></span></span>'
        '</div><div class="b_bx">'
        f'<span class="okmall_price" val="{product.price}">{product.price:,}'
        '<span class="t_won"></span></span>'
        "</div></div></div>\n"
        "</div>\n"
    )


def _option_row(product: SampleProduct, option: SampleOption) -> str:
    label = f"{option.color}-{option.size}"
    notice = '<span class="size_notice">품절 임박</span>' if option.stock <= 2 else ""
    return (
        f'<tr name="selectOption" sinfo="{escape(label)}^{option.sku[-4:]}|{escape(label)}|'
        f'{option.sku}" sprice="{product.price}"  style="cursor: pointer;">'
        f'<td class="t_center" >{escape(option.color)}</td>'
        f'<td class="t_center" >{escape(option.size)}{notice}</td>'
        f'<td class="t_center t_bold" >{escape(option.measured_size)}</td>'
        f'<td class="t_center set_etc" ><span class="set_etc_opt2">{product.price:,}원</span></td>'
        "</tr>\n"
    )


def _category_code(path: tuple[str, ...]) -> int:
    """A stable okmall-like category number for a category path."""
    return 20_000_000 + sum(ord(ch) * (i + 1) for i, ch in enumerate(">".join(path))) % 100_000


def _json(data: object) -> str:
    # "</" inside a script block would end it early.
    return json.dumps(data, ensure_ascii=False, indent=1).replace("</", "<\\/")
