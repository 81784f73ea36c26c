"""IMAGE: each product's images fetched once, converted to the listing spec and stored, for
every market (each market's preparer takes as many of them as it allows).

``media.product_images_attach`` does the work: downloads behind the SSRF guard and size limits,
dedupes by content across all products, stores on local disk or S3/R2. A product is looked at
again only when its image URLs changed. A URL that fails is recorded on the product and the
product keeps the images that worked (every market needs at least one). A product left with
no image at all is a failed item (``ctx.item_failed``): when too many of a partition's are,
its cell fails (``orchestrator.core.items``).
"""

from __future__ import annotations

import json
from typing import Any

from media.fetch import reason_general, url_redacted
from media.services import product_images_attach
from source_data.hashing import text_hash
from suppliers.selectors import collect_unit_for

from ..products import products_of, products_save

MAX_IMAGES = 20  # the most any market takes (BUYMA 20; SmartStore 10; Coupang 10)
SAVE_EVERY = 100
FIELDS = ("images", "image_hash", "errors")


def image(ctx, partition: str) -> dict[str, Any]:
    unit = collect_unit_for(partition)
    changed = []
    fetched = new_files = failed = held = 0
    for row in products_of(unit, active_only=True):
        if row.facts is None:
            continue
        # Items: the products whose images this stage holds, whichever attempt stored them.
        held += 1
        ctx.add_items(1)
        urls = list(row.facts.get("image_urls") or ())[:MAX_IMAGES]
        digest = text_hash(json.dumps(urls))
        if digest == row.image_hash:
            continue
        result = product_images_attach(owner=row.key, urls=urls)
        fetched += result.fetched
        new_files += result.new_files
        row.images = [image.storage_key for image in result.images]
        row.errors = {k: v for k, v in row.errors.items() if k != "image"}
        if result.errors:
            failed += len(result.errors)
            row.errors["image"] = "; ".join(
                f"{url_redacted(url)}: {reason}" for _, url, reason in result.errors
            )
            if not result.images:
                # No market lists a product without an image: the product failed here, for
                # its main image's reason (per-product detail stays on the product).
                ctx.item_failed(reason_general(result.errors[0].reason))
        # Failed URLs are tried again next run; a product whose images all worked is done.
        row.image_hash = digest if not result.errors else ""
        changed.append(row)
        if len(changed) % SAVE_EVERY == 0:  # a crash loses at most this much bookkeeping
            products_save(changed[-SAVE_EVERY:], FIELDS)
    products_save(changed[len(changed) - len(changed) % SAVE_EVERY :], FIELDS)
    return {
        "items": held,
        "stored": len(changed),
        "fetched": fetched,
        "new_files": new_files,
        "failed_urls": failed,
    }
