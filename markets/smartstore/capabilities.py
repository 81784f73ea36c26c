"""What SmartStore offers, declared once for the registry and the connector.

- KRW prices in 10-won steps (the Seller Center refuses other prices; ``salePrice`` <=
  999,999,990 in the API reference), texts in Korean.
- Synchronous: ``POST /v2/products`` answers the product numbers at once.
- Price and stock alone: ``PUT .../option-stock``; suspend and resume: ``PUT .../change-status``.
- Images go to Naver's image host first (``POST /v1/product-images/upload``).
- Lookup by our code: ``POST /v1/products/search`` with ``searchKeywordType=SELLER_CODE``.
- ``rate_limit``: Naver documents a token bucket per application and API but no number
  (https://apicenter.commerce.naver.com/docs/restriction); 5 per second is a safe figure, not a
  verified one. The connector follows the ``GNCP-GW-RateLimit-*`` headers Naver answers.
"""

from __future__ import annotations

from markets.contract import MarketCapabilities

CAPABILITIES = MarketCapabilities(
    currency="KRW",
    language="ko",
    asynchronous=False,
    batch_size=1,
    price_only_update=True,
    stock_only_update=True,
    suspend_resume=True,
    rate_limit=5.0,
    images_uploaded_first=True,
    price_step=10,
    lookup_by_reference=True,
)
