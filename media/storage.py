"""Where stored images live: a local directory (default) or an S3-compatible bucket
(Cloudflare R2, AWS S3, MinIO ...), behind one small protocol.

Keys are content-addressed (``images/ab/cd/<sha256>.jpg``, see ``image_key``), so a write is
idempotent: writing a key again writes the same bytes. ``put`` returns whether it wrote a new
file, which is how callers count new files.

Local writes go to a temporary name in the target directory, are fsynced, and are then
published with ``os.link`` (which fails when the key exists, so of two racing writers
exactly one creates the file) or ``os.replace`` where hard links are not supported. A
process killed mid-write leaves at most a ``.*.tmp`` file, never a partial image under its
key; ``LocalStorage.temporary_sweep`` removes those older than an hour, which every process
does once, when it first uses the local store (``storage_get``).

Settings: ``YOOINI_MEDIA_STORAGE`` (``"local"`` or ``"s3"``), ``YOOINI_MEDIA_ROOT``,
``YOOINI_MEDIA_PUBLIC_URL``, ``YOOINI_MEDIA_S3_ENDPOINT_URL``, ``YOOINI_MEDIA_S3_BUCKET``,
``YOOINI_MEDIA_S3_REGION``, ``YOOINI_MEDIA_S3_PREFIX``, ``YOOINI_MEDIA_S3_ACCESS_KEY_ID``,
``YOOINI_MEDIA_S3_SECRET_ACCESS_KEY``.
"""

from __future__ import annotations

import base64
import errno
import hashlib
import os
import re
import secrets
import threading
import time
from pathlib import Path
from typing import Protocol, runtime_checkable
from urllib.parse import quote

from django.conf import settings

from yooini.extras import extra_import
from yooini.run_settings import run_setting

_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*(/[A-Za-z0-9][A-Za-z0-9._-]*)*$")
_HASH = re.compile(r"^[0-9a-f]{64}$")


class StorageError(Exception):
    """The store refused or failed an operation; ``str()`` never holds a secret."""


@runtime_checkable
class Storage(Protocol):
    def put(self, key: str, data: bytes, content_type: str) -> bool:
        """Store ``data`` under ``key``; True when a new file was written, False when the
        key already existed."""
        ...

    def exists(self, key: str) -> bool: ...

    def public_url(self, key: str) -> str: ...

    def files_count(self) -> int:
        """How many images are stored (temporary files not counted)."""
        ...


def image_key(content_hash: str, extension: str = "jpg") -> str:
    """``images/ab/cd/<hash>.<extension>`` for a sha256 hex digest."""
    if not _HASH.match(content_hash or ""):
        raise ValueError(f"content hash must be 64 lowercase hex digits, not {content_hash!r}")
    return f"images/{content_hash[:2]}/{content_hash[2:4]}/{content_hash}.{extension}"


def key_check(key: object) -> str:
    if not isinstance(key, str) or not _KEY.match(key) or ".." in key.split("/"):
        raise ValueError(
            f"storage key must be a relative path of letters, digits, '.', '_', '-', not {key!r}"
        )
    return key


class LocalStorage:
    """Files under ``root``; public URLs are ``public_url_prefix + key`` or ``file://``."""

    def __init__(self, root: Path | str, public_url_prefix: str = "") -> None:
        self.root = Path(root).resolve()
        self.public_url_prefix = public_url_prefix

    def __repr__(self) -> str:
        return f"<LocalStorage {str(self.root)!r}>"

    def path(self, key: str) -> Path:
        return self.root / key_check(key)

    def put(self, key: str, data: bytes, content_type: str) -> bool:
        target = self.path(key)
        if target.is_file():
            return False
        target.parent.mkdir(parents=True, exist_ok=True)
        temporary = target.parent / (
            f".{target.name}.{os.getpid()}.{threading.get_ident()}.{secrets.token_hex(4)}.tmp"
        )
        try:
            with open(temporary, "xb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            try:
                os.link(temporary, target)
                return True
            except FileExistsError:
                return False
            except OSError as exc:
                if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV):
                    raise
                os.replace(temporary, target)
                return True
        except OSError as exc:
            raise StorageError(f"cannot write {key} under {self.root}: {exc.strerror}") from None
        finally:
            temporary.unlink(missing_ok=True)

    def exists(self, key: str) -> bool:
        return self.path(key).is_file()

    def public_url(self, key: str) -> str:
        if self.public_url_prefix:
            return _join_url(self.public_url_prefix, key)
        return self.path(key).as_uri()

    def files_count(self) -> int:
        images = self.root / "images"
        if not images.is_dir():
            return 0
        return sum(
            1
            for _, _, names in os.walk(images)
            for name in names
            if not name.startswith(".") and not name.endswith(".tmp")
        )

    def temporary_sweep(self, older_than: float = 3600.0) -> int:
        """Remove temporary files older than ``older_than`` seconds (left by a killed
        writer); returns how many were removed."""
        images = self.root / "images"
        if not images.is_dir():
            return 0
        cutoff = time.time() - older_than
        removed = 0
        for folder, _, names in os.walk(images):
            for name in names:
                if name.startswith(".") and name.endswith(".tmp"):
                    path = Path(folder) / name
                    try:
                        if path.stat().st_mtime < cutoff:
                            path.unlink()
                            removed += 1
                    except FileNotFoundError:
                        pass
        return removed


class S3Storage:
    """Objects in an S3-compatible bucket through boto3.

    For Cloudflare R2 the endpoint is ``https://<ACCOUNT_ID>.r2.cloudflarestorage.com`` and
    the region ``auto`` (https://developers.cloudflare.com/r2/examples/aws/boto3/). boto3
    1.36+ adds CRC32 checksums to every upload by default, which R2 and other S3-compatible
    stores have refused (boto/s3transfer#327, amd/gaia#3029): checksums are computed only
    when an operation requires them, and each upload carries a Content-MD5 instead, which
    every S3-compatible store verifies.
    """

    def __init__(
        self,
        *,
        bucket: str,
        endpoint_url: str | None = None,
        region: str | None = None,
        prefix: str = "",
        access_key_id: str | None = None,
        secret_access_key: str | None = None,
        public_url_prefix: str = "",
        client=None,
    ) -> None:
        if not bucket:
            raise ValueError("S3 storage needs a bucket (setting YOOINI_MEDIA_S3_BUCKET)")
        if prefix and not prefix.endswith("/"):
            prefix += "/"
        self.bucket = bucket
        self.endpoint_url = endpoint_url or None
        self.region = region or None
        self.prefix = prefix
        self.public_url_prefix = public_url_prefix
        self._client = client or self._client_build(access_key_id, secret_access_key)

    def _client_build(self, access_key_id: str | None, secret_access_key: str | None):
        boto3 = extra_import("boto3", "s3", what="S3 image storage")
        Config = extra_import("botocore.config", "s3", what="S3 image storage").Config  # noqa: N806

        config = Config(
            signature_version="s3v4",
            retries={"max_attempts": 3, "mode": "standard"},
            request_checksum_calculation="when_required",
            response_checksum_validation="when_required",
            s3={"addressing_style": "path"},
            connect_timeout=10,
            read_timeout=60,
        )
        return boto3.session.Session().client(
            "s3",
            endpoint_url=self.endpoint_url,
            region_name=self.region,
            aws_access_key_id=access_key_id or None,
            aws_secret_access_key=secret_access_key or None,
            config=config,
        )

    def __repr__(self) -> str:
        return f"<S3Storage bucket={self.bucket!r} endpoint={self.endpoint_url!r} prefix={self.prefix!r}>"

    def _object(self, key: str) -> str:
        return self.prefix + key_check(key)

    def put(self, key: str, data: bytes, content_type: str) -> bool:
        if self.exists(key):
            return False
        md5 = base64.b64encode(hashlib.md5(data, usedforsecurity=False).digest()).decode()
        try:
            self._client.put_object(
                Bucket=self.bucket,
                Key=self._object(key),
                Body=data,
                ContentType=content_type,
                ContentMD5=md5,
                CacheControl="public, max-age=31536000, immutable",
            )
        except Exception as exc:  # botocore's ClientError, EndpointConnectionError ...
            raise StorageError(
                f"cannot upload {key} to bucket {self.bucket}: {_reason(exc)}"
            ) from None
        return True

    def exists(self, key: str) -> bool:
        from botocore.exceptions import ClientError

        try:
            self._client.head_object(Bucket=self.bucket, Key=self._object(key))
            return True
        except ClientError as exc:
            code = str(exc.response.get("Error", {}).get("Code", ""))
            if code in ("404", "NoSuchKey", "NotFound"):
                return False
            raise StorageError(
                f"cannot look up {key} in bucket {self.bucket}: {_reason(exc)}"
            ) from None
        except Exception as exc:
            raise StorageError(
                f"cannot look up {key} in bucket {self.bucket}: {_reason(exc)}"
            ) from None

    def public_url(self, key: str) -> str:
        if self.public_url_prefix:
            return _join_url(self.public_url_prefix, key)
        base = self.endpoint_url or (
            f"https://s3.{self.region}.amazonaws.com" if self.region else "https://s3.amazonaws.com"
        )
        return _join_url(f"{base.rstrip('/')}/{self.bucket}", self._object(key))

    def files_count(self, page_size: int = 1000) -> int:
        paginator = self._client.get_paginator("list_objects_v2")
        pages = paginator.paginate(
            Bucket=self.bucket,
            Prefix=self.prefix + "images/",
            PaginationConfig={"PageSize": page_size},
        )
        count = 0
        try:
            for page in pages:
                count += page.get("KeyCount", len(page.get("Contents", [])))
        except Exception as exc:
            raise StorageError(f"cannot list bucket {self.bucket}: {_reason(exc)}") from None
        return count


def _reason(exc: Exception) -> str:
    """A botocore error without request details (no headers, so no signature or key)."""
    response = getattr(exc, "response", None)
    if isinstance(response, dict) and "Error" in response:
        error = response["Error"]
        return f"{error.get('Code', '?')}: {error.get('Message', '')}".strip()
    return type(exc).__name__


def _join_url(prefix: str, key: str) -> str:
    return f"{prefix.rstrip('/')}/{quote(key)}"


def media_root() -> Path:
    root = getattr(settings, "YOOINI_MEDIA_ROOT", None)
    if root:
        return Path(root)
    var_dir = getattr(settings, "YOOINI_VAR_DIR", None) or getattr(settings, "VAR_DIR", None)
    return Path(var_dir) / "media" if var_dir else Path.cwd() / "var" / "media"


# A temporary file this old belongs to no live writer (a write takes seconds).
TEMPORARY_MAX_AGE = 3600.0
_storages: dict[tuple, Storage] = {}
_storages_lock = threading.Lock()


def storage_get() -> Storage:
    """The configured store (built once per distinct configuration); the public URL may be the
    running batch's own (``yooini.run_settings``)."""
    kind = str(getattr(settings, "YOOINI_MEDIA_STORAGE", "local") or "local").lower()
    public = str(run_setting("YOOINI_MEDIA_PUBLIC_URL", "") or "")
    if kind == "local":
        config: tuple = ("local", str(media_root()), public)
    elif kind == "s3":
        config = (
            "s3",
            getattr(settings, "YOOINI_MEDIA_S3_BUCKET", ""),
            getattr(settings, "YOOINI_MEDIA_S3_ENDPOINT_URL", "") or None,
            getattr(settings, "YOOINI_MEDIA_S3_REGION", "") or None,
            getattr(settings, "YOOINI_MEDIA_S3_PREFIX", "") or "",
            getattr(settings, "YOOINI_MEDIA_S3_ACCESS_KEY_ID", "") or None,
            getattr(settings, "YOOINI_MEDIA_S3_SECRET_ACCESS_KEY", "") or None,
            public,
        )
    else:
        raise ValueError(f"setting YOOINI_MEDIA_STORAGE must be 'local' or 's3', not {kind!r}")
    with _storages_lock:
        storage = _storages.get(config)
        if storage is None:
            if kind == "local":
                storage = LocalStorage(config[1], public_url_prefix=public)
                # Once per process, at first use: what writers killed an hour or more ago
                # left behind (nothing else would ever remove it).
                storage.temporary_sweep(older_than=TEMPORARY_MAX_AGE)
            else:
                _, bucket, endpoint, region, prefix, key_id, secret, _ = config
                storage = S3Storage(
                    bucket=bucket,
                    endpoint_url=endpoint,
                    region=region,
                    prefix=prefix,
                    access_key_id=key_id,
                    secret_access_key=secret,
                    public_url_prefix=public,
                )
            _storages[config] = storage
        return storage


def media_files_count() -> int:
    """How many image files the configured store holds."""
    return storage_get().files_count()
