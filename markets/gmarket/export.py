"""The ESM+ bulk-upload workbook (일괄등록): one row per listing, its options in one cell.

ESM+ hands its 2.0 bulk-registration template to logged-in sellers only (ESM+ > 상품등록/변경 >
일괄등록); no public copy of its exact headers was found. The columns here follow the register
API's fields (https://etapi.gmarket.com/140) under the Korean names ESM+ shows for them, in the
order of its registration form, so a person can paste them into the downloaded template
column by column. Options use the template's "name,name" / "value,value:qty|..." convention
as sellers describe it. Unverified: check against the template before a real upload.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font

from markets.listing import ListingContent

from . import payload
from .settings import AccountSettings

SITE_NAMES = {"gmarket": "G마켓", "auction": "옥션"}
OPTION_NAMES = {"color": "색상", "size": "사이즈"}

Column = tuple[str, Callable[[ListingContent, AccountSettings], Any]]


def _codes(site: str):
    return lambda c, a: payload.category_codes(c).get(site, "")


def _option_kind(content: ListingContent, account: AccountSettings) -> str:
    options = payload.options_field(content, account)
    if not options:
        return ""
    return "조합형" if options["type"] == "Combination" else "선택형"


def _option_names(content: ListingContent, account: AccountSettings) -> str:
    types = [t for t in ("color", "size") if any(o.type == t for o in content.options)]
    return ",".join(OPTION_NAMES[t] for t in types)


def _option_values(content: ListingContent, account: AccountSettings) -> str:
    types = [t for t in ("color", "size") if any(o.type == t for o in content.options)]
    if not types:
        return ""
    rows = []
    for variant in content.variants:
        values = dict(variant.options)
        text = ",".join(values.get(t, "") for t in types)
        rows.append(f"{text}:{payload.variant_count(variant, account)}")
    return "|".join(rows)


def _notice_text(content: ListingContent, account: AccountSettings) -> str:
    details = (content.extra.get("notice") or {}).get("details") or []
    return "\n".join(
        f"{d.get('label') or d.get('officialNoticeItemelementCode')}: {d.get('value')}"
        for d in details
    )


COLUMNS: tuple[Column, ...] = (
    ("판매자관리코드", lambda c, a: c.reference_number),
    ("판매사이트", lambda c, a: ",".join(SITE_NAMES[s] for s in a.sites)),
    ("상품명", lambda c, a: c.name),
    ("ESM카테고리코드", _codes("esm")),
    ("G마켓카테고리코드", _codes("gmarket")),
    ("옥션카테고리코드", _codes("auction")),
    ("브랜드", lambda c, a: c.brand_name),
    ("모델명", lambda c, a: c.model_no or ""),
    ("판매가", lambda c, a: c.price),
    ("재고수량", lambda c, a: payload.sellable_stock(c, a)),
    ("판매기간", lambda c, a: a.selling_period),
    ("옵션유형", _option_kind),
    ("옵션명", _option_names),
    ("옵션값", _option_values),
    ("대표이미지", lambda c, a: c.images[0] if c.images else ""),
    ("추가이미지", lambda c, a: "\n".join(c.images[1 : 1 + 14])),
    ("상세설명", lambda c, a: c.comments),
    ("상품정보제공고시번호", lambda c, a: (c.extra.get("notice") or {}).get("officialNoticeNo")),
    ("상품정보제공고시", _notice_text),
    ("출하지번호", lambda c, a: a.shipping_place_no),
    ("발송정책번호", lambda c, a: ",".join(str(v) for v in a.dispatch_policy_no.values())),
    ("반품교환지번호", lambda c, a: a.return_address_no),
)
HEADERS = tuple(name for name, _ in COLUMNS)


def workbook_write(contents: Sequence[ListingContent], account: AccountSettings, path: Path) -> int:
    """Write the workbook (header row, then one row per listing); the listings written."""
    book = Workbook()
    sheet = book.active
    sheet.title = "일괄등록"
    sheet.append(HEADERS)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for content in contents:
        sheet.append([_cell(getter(content, account)) for _, getter in COLUMNS])
    sheet.freeze_panes = "A2"
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    return len(contents)


def _cell(value: Any) -> Any:
    return "" if value is None else value
