"""The sample Excel supplier feed: a wholesaler's product list with Korean headers.

Besides the mall, the offline run reads one supplier that hands out its catalogue as an
``.xlsx`` file, through the ``excel`` connector (``suppliers.connectors.feed``). Its products
are not the mall's: two brands, ids "FD00001"..., model numbers from another range. Two rows
are broken the way real feeds are (a price of "문의", "ask us", and a stock of "많음", "plenty"),
so exactly those two are rejected and the rest go on.

Columns (``FEED_HEADER``): 상품코드, 상품명, 브랜드, 모델명, 판매가, 정가, 재고, 옵션, 이미지,
카테고리, 시즌. ``FEED_COLUMNS`` maps the ones the connector knows to its targets; 브랜드 (the
English brand, as the mall's parser gives it), 모델명 (the model number), 정가 (list price) and
시즌 stay in each record's ``raw`` under those headers. Image URLs point at the sample server.

The bytes are the same for the same rows and base URL (fixed timestamps inside the workbook),
so the connector's cursor, which holds the file's SHA-256, survives a restart of the server.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pipelines.sample.catalog import SampleCatalog
from pipelines.sample.okmall_pages import image_url

FEED_PATH = "/feeds/sample.xlsx"
FEED_BRANDS = ("칼하트(CARHARTT)", "아페쎄(A.P.C.)")
FEED_HEADER = (
    "상품코드",
    "상품명",
    "브랜드",
    "모델명",
    "판매가",
    "정가",
    "재고",
    "옵션",
    "이미지",
    "카테고리",
    "시즌",
)
# The excel connector's ``columns`` setting for this feed.
FEED_COLUMNS = {
    "상품코드": "source_id",
    "상품명": "name",
    "판매가": "price",
    "재고": "stock",
    "옵션": "options",
    "이미지": "images",
    "카테고리": "category",
}
BAD_PRICE = "문의"
BAD_STOCK = "많음"
_FIXED_TIME = (2025, 1, 1, 0, 0, 0)
_CORE_TIMES = re.compile(rb"(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:\2>)")


def sample_feed_catalog(products: int = 50, seed: int = 7) -> SampleCatalog:
    """The feed's products: ``FEED_BRANDS``, ids "FD00001"..., model numbers that no mall
    product of any seed has."""
    return SampleCatalog.generate(
        products=products, brands=FEED_BRANDS, seed=seed, id_prefix="FD", series=1
    )


def bad_row_ids(catalog: SampleCatalog) -> tuple[str, ...]:
    """The product codes of the rows the feed breaks: (bad price, bad stock)."""
    count = len(catalog.products)
    if count < 2:
        return ()
    return (catalog.products[count // 8].product_id, catalog.products[count * 3 // 5].product_id)


def feed_rows(catalog: SampleCatalog, base_url: str) -> list[list[Any]]:
    """The sheet's rows, header first, with the two bad rows in place."""
    bad_price, bad_stock = bad_row_ids(catalog) or (None, None)
    rows: list[list[Any]] = [list(FEED_HEADER)]
    for number, product in enumerate(catalog.products):
        price: Any = product.price
        if number % 5 == 4:
            price = f"{product.price:,}원"  # suppliers type prices as text too
        stock: Any = "품절" if product.sold_out else product.stock
        if product.product_id == bad_price:
            price = BAD_PRICE
        if product.product_id == bad_stock:
            stock = BAD_STOCK
        rows.append(
            [
                product.product_id,
                product.name,
                product.brand_en,
                product.model_number,
                price,
                product.list_price,
                stock,
                "|".join(f"{o.color}-{o.size}" for o in product.options if not o.sold_out),
                "|".join(image_url(base_url, image) for image in product.image_ids),
                " > ".join(product.category),
                product.season,
            ]
        )
    return rows


def feed_xlsx_bytes(
    catalog_or_rows: SampleCatalog | Sequence[Sequence[Any]], base_url: str
) -> bytes:
    """The workbook: one sheet "상품목록" holding the catalogue's feed rows (or the rows given,
    header first)."""
    import openpyxl

    if isinstance(catalog_or_rows, SampleCatalog):
        rows = feed_rows(catalog_or_rows, base_url)
    else:
        rows = [list(row) for row in catalog_or_rows]
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "상품목록"
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return _fixed_times(out.getvalue())


def write_feed_xlsx(
    path: str | Path, catalog_or_rows: SampleCatalog | Sequence[Sequence[Any]], base_url: str
) -> Path:
    """Write the workbook to ``path`` and return it."""
    target = Path(path)
    target.write_bytes(feed_xlsx_bytes(catalog_or_rows, base_url))
    return target


def _fixed_times(content: bytes) -> bytes:
    """The same workbook with fixed times: in the zip entries and in docProps/core.xml."""
    source = zipfile.ZipFile(io.BytesIO(content))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for entry in source.infolist():
            data = source.read(entry.filename)
            if entry.filename == "docProps/core.xml":
                data = _CORE_TIMES.sub(rb"\g<1>2025-01-01T00:00:00Z\g<3>", data)
            info = zipfile.ZipInfo(entry.filename, date_time=_FIXED_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(info, data)
    return out.getvalue()
