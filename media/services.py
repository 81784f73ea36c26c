"""Attach images to a product: download each URL once, store each distinct picture once.

``product_images_attach(owner, urls)`` makes ``urls`` the owner's images, position 1 first
(the main image). Each position ends up with a stored image or an error, and one bad URL
never stops the others. Work is skipped at every level it can be:

1. the owner's rows (one query): a position that already holds this URL's image is done;
2. the source-URL index (one query): a URL downloaded before, for any owner, reuses its
   image with no download;
3. the download's sha256 (one query): bytes we already have reuse that image, with no
   Pillow work and no new file;
4. only new bytes are converted and written, under a key named by their hash.

Writes are ordered so a process killed at any point leaves nothing a re-run would
duplicate: the file first (content-addressed, so writing it again is a no-op), then the
``Image`` row, then the URL index, then the product's rows, each a bulk insert that ignores
or updates conflicts, so two workers attaching the same images at once both succeed.

Downloads and conversions run on a small thread pool (``YOOINI_MEDIA_FETCH_CONCURRENCY``,
default 8); every database statement runs on the caller's thread.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import NamedTuple, TypeVar

from django.conf import settings

from orchestrator.core.clock import get_clock
from yooini.db import conflict_target

from .convert import SPEC, Converted, ImageRejected, image_convert
from .fetch import (
    FetchConfig,
    Fetched,
    FetchError,
    fetch_config,
    image_fetch,
    url_check,
    url_redacted,
)
from .models import OWNER_MAX, Image, ImageSource, ProductImage
from .storage import Storage, StorageError, image_key, storage_get

log = logging.getLogger("yooini.media")

T = TypeVar("T")
R = TypeVar("R")


@dataclass(frozen=True)
class ImageInfo:
    """One stored image at one position of one product."""

    position: int
    source_url: str
    content_hash: str
    storage_key: str
    public_url: str
    width: int
    height: int
    size_bytes: int


class ImageError(NamedTuple):
    position: int
    url: str
    reason: str


@dataclass
class ImagesResult:
    """What ``product_images_attach`` did: the stored images in position order, how many
    downloads it made (``fetched``), how many positions it filled without writing a file
    (``reused``), how many files it wrote (``new_files``), and the positions it could not
    fill (``errors``: ``(position, url, reason)``)."""

    images: list[ImageInfo] = field(default_factory=list)
    fetched: int = 0
    reused: int = 0
    new_files: int = 0
    errors: list[ImageError] = field(default_factory=list)


def url_hash(url: str) -> str:
    return hashlib.sha256(url.encode("utf-8", "backslashreplace")).hexdigest()


def product_images(owner: str) -> list[ImageInfo]:
    """The owner's stored images in position order (positions in error are left out)."""
    owner = _owner_checked(owner)
    storage = storage_get()
    rows = (
        ProductImage.objects.filter(owner=owner, image__isnull=False)
        .select_related("image")
        .order_by("position")
    )
    return [_info(row.position, row.source_url, row.image, storage) for row in rows]


def product_images_attach(owner: str, urls: Sequence[str]) -> ImagesResult:
    """Make ``urls`` the images of ``owner`` (position 1 = ``urls[0]``); positions past the
    end of ``urls`` are removed. Idempotent. Raises only for a bad ``owner`` or ``urls``
    argument (``ValueError``); each URL's own failure is reported in ``errors``."""
    owner = _owner_checked(owner)
    urls = _urls_checked(urls)
    config = fetch_config()
    storage = storage_get()
    now = get_clock().now()
    result = ImagesResult()

    existing = {
        row.position: row
        for row in ProductImage.objects.filter(owner=owner).select_related("image")
    }
    placed: dict[int, tuple[str, Image]] = {}  # position -> (url, image)
    failed: dict[int, tuple[str, str]] = {}  # position -> (url, reason)
    pending: dict[int, str] = {}  # position -> url still to resolve

    for position, raw in enumerate(urls, start=1):
        if position > SPEC.max_images:
            failed[position] = (
                str(raw),
                f"BUYMA takes at most {SPEC.max_images} images per product; "
                f"position {position} not stored",
            )
            continue
        try:
            url = url_check(raw)
        except FetchError as exc:
            failed[position] = (str(raw), str(exc))
            continue
        row = existing.get(position)
        if row is not None and row.image is not None and row.source_url == url:
            placed[position] = (url, row.image)
            result.reused += 1
        else:
            pending[position] = url

    changed: set[int] = set(failed)
    if pending:
        resolved, errors, result.fetched, result.new_files = _resolve(
            set(pending.values()), config, storage, now
        )
        credited: set[str] = set()  # a new file counts for one position, not for each
        for position, url in sorted(pending.items()):
            changed.add(position)
            if url in resolved:
                image, wrote = resolved[url]
                placed[position] = (url, image)
                if wrote and url not in credited:
                    credited.add(url)
                else:
                    result.reused += 1
            else:
                failed[position] = (url, errors.get(url, "image could not be stored"))

    _rows_write(owner, placed, failed, changed, existing, now)
    stale = [position for position in existing if position > len(urls)]
    if stale:
        ProductImage.objects.filter(owner=owner, position__gt=len(urls)).delete()

    result.images = [
        _info(position, url, image, storage) for position, (url, image) in sorted(placed.items())
    ]
    result.errors = [
        ImageError(position, url, reason) for position, (url, reason) in sorted(failed.items())
    ]
    for error in result.errors:
        log.warning(
            "image %s #%d from %s not stored: %s",
            owner,
            error.position,
            url_redacted(error.url),
            error.reason,
        )
    return result


def _resolve(
    urls: set[str], config: FetchConfig, storage: Storage, now
) -> tuple[dict[str, tuple[Image, bool]], dict[str, str], int, int]:
    """``{url: (image, wrote_new_file)}`` for the URLs that resolved (``wrote_new_file`` is
    True for one URL per file written), ``{url: reason}`` for the others, the number of
    downloads and the number of files written."""
    resolved: dict[str, tuple[Image, bool]] = {}
    errors: dict[str, str] = {}

    # 2. The source-URL index: downloaded before, for any owner.
    by_hash = {url_hash(url): url for url in urls}
    for source in ImageSource.objects.filter(url_hash__in=list(by_hash)).select_related("image"):
        url = by_hash.get(source.url_hash)
        if url is not None and source.url == url:
            resolved[url] = (source.image, False)
    to_fetch = sorted(urls - resolved.keys())
    if not to_fetch:
        return resolved, errors, 0, 0

    # 3. Download; dedupe by the downloaded bytes' hash.
    fetched: dict[str, Fetched] = {}
    for url, outcome in zip(
        to_fetch, _parallel(lambda u: _attempt(image_fetch, u, config), to_fetch), strict=True
    ):
        if isinstance(outcome, Fetched):
            fetched[url] = outcome
        else:
            errors[url] = outcome
    known = {
        image.content_hash: image
        for image in Image.objects.filter(
            content_hash__in=list({item.sha256 for item in fetched.values()})
        )
    }

    # 4. Convert and store the new bytes, each distinct hash once.
    fresh: dict[str, Fetched] = {}
    for item in fetched.values():
        if item.sha256 not in known:
            fresh.setdefault(item.sha256, item)
    hashes = sorted(fresh)
    stored: dict[str, tuple[Converted, str, bool]] = {}
    store_errors: dict[str, str] = {}
    for content_hash, outcome in zip(
        hashes,
        _parallel(lambda h: _attempt(_store, fresh[h], storage, config), hashes),
        strict=True,
    ):
        if isinstance(outcome, tuple):
            stored[content_hash] = outcome
        else:
            store_errors[content_hash] = outcome
    written_hashes = {h for h, (_, _, wrote) in stored.items() if wrote}
    if stored:
        Image.objects.bulk_create(
            [
                Image(
                    content_hash=content_hash,
                    storage_key=key,
                    size_bytes=len(converted.data),
                    width=converted.width,
                    height=converted.height,
                    format=converted.format,
                    created_at=now,
                )
                for content_hash, (converted, key, _) in stored.items()
            ],
            ignore_conflicts=True,
        )
        known.update(
            (image.content_hash, image)
            for image in Image.objects.filter(content_hash__in=list(stored))
        )

    index: list[ImageSource] = []
    credited_hashes: set[str] = set()
    for url, item in fetched.items():
        image = known.get(item.sha256)
        if image is None:
            errors[url] = store_errors.get(item.sha256, "image could not be stored")
            continue
        wrote = item.sha256 in written_hashes and item.sha256 not in credited_hashes
        if wrote:
            credited_hashes.add(item.sha256)
        resolved[url] = (image, wrote)
        index.append(ImageSource(url_hash=url_hash(url), url=url, image=image, created_at=now))
    if index:
        ImageSource.objects.bulk_create(index, ignore_conflicts=True)
    return resolved, errors, len(to_fetch), len(written_hashes)


def _store(item: Fetched, storage: Storage, config: FetchConfig) -> tuple[Converted, str, bool]:
    converted = image_convert(item.data, max_pixels=config.max_pixels)
    key = image_key(item.sha256, SPEC.extension)
    wrote = storage.put(key, converted.data, SPEC.content_type)
    return converted, key, wrote


def _attempt(function: Callable[..., R], *args) -> R | str:
    """``function(*args)``, or the reason it failed as a string."""
    try:
        return function(*args)
    except (FetchError, ImageRejected, StorageError) as exc:
        return str(exc)
    except Exception as exc:  # one URL must never stop the others
        log.exception("unexpected error while storing an image")
        return f"unexpected error: {type(exc).__name__}"


_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()


def _parallel(function: Callable[[T], R], items: Sequence[T]) -> Iterable[R]:
    if len(items) <= 1:
        return [function(item) for item in items]
    global _pool
    with _pool_lock:
        if _pool is None:
            workers = int(getattr(settings, "YOOINI_MEDIA_FETCH_CONCURRENCY", 8) or 8)
            _pool = ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="media")
    return _pool.map(function, items)


def _rows_write(owner, placed, failed, changed, existing, now) -> None:
    rows = []
    for position in sorted(changed):
        if position in placed:
            url, image = placed[position]
            rows.append(
                ProductImage(
                    owner=owner,
                    position=position,
                    source_url=url,
                    image=image,
                    error="",
                    fetched_at=now,
                )
            )
        else:
            url, reason = failed[position]
            row = existing.get(position)
            if (
                row is not None
                and row.image is None
                and (row.source_url, row.error) == (url, reason)
            ):
                continue  # the same failure is already recorded
            rows.append(
                ProductImage(
                    owner=owner,
                    position=position,
                    source_url=url,
                    image=None,
                    error=reason,
                    fetched_at=now,
                )
            )
    if not rows:
        return
    ProductImage.objects.bulk_create(
        rows,
        update_conflicts=True,
        **conflict_target("owner", "position"),
        update_fields=["source_url", "image", "error", "fetched_at"],
    )


def _info(position: int, url: str, image: Image, storage: Storage) -> ImageInfo:
    return ImageInfo(
        position=position,
        source_url=url,
        content_hash=image.content_hash,
        storage_key=image.storage_key,
        public_url=storage.public_url(image.storage_key),
        width=image.width,
        height=image.height,
        size_bytes=image.size_bytes,
    )


def _owner_checked(owner: object) -> str:
    if not isinstance(owner, str) or not owner.strip():
        raise ValueError(f"owner must be a non-empty string such as 'okmall:814101', not {owner!r}")
    if len(owner) > OWNER_MAX:
        raise ValueError(f"owner is {len(owner)} characters; at most {OWNER_MAX}")
    return owner


def _urls_checked(urls: object) -> list:
    if not isinstance(urls, list | tuple):
        raise ValueError(
            f"urls must be a list of URLs in position order, not {type(urls).__name__}"
        )
    return list(urls)
