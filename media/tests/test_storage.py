"""Both stores behind the one protocol: local disk, and S3 against a real local
S3-compatible server (moto's ``ThreadedMotoServer`` on 127.0.0.1, stopped afterwards)."""

from __future__ import annotations

import hashlib
import os
import threading
import time

import boto3
import pytest
from botocore.config import Config

from media.storage import (
    LocalStorage,
    S3Storage,
    Storage,
    StorageError,
    image_key,
    media_files_count,
    storage_get,
)

HASH = hashlib.sha256(b"x").hexdigest()
KEY = image_key(HASH)
SECRET = "s3cr3t-never-shown"


def test_keys_are_content_addressed():
    assert f"images/{HASH[:2]}/{HASH[2:4]}/{HASH}.jpg" == KEY
    with pytest.raises(ValueError, match="64 lowercase hex"):
        image_key("ABC")


def test_local_put_is_idempotent_and_atomic(tmp_path):
    store = LocalStorage(tmp_path)
    assert isinstance(store, Storage)
    assert store.put(KEY, b"one", "image/jpeg") is True
    assert store.put(KEY, b"one", "image/jpeg") is False
    assert store.exists(KEY) and (tmp_path / KEY).read_bytes() == b"one"
    assert store.files_count() == 1
    assert store.public_url(KEY) == (tmp_path / KEY).resolve().as_uri()
    assert not [name for name in os.listdir((tmp_path / KEY).parent) if name.endswith(".tmp")]


def test_local_racing_writers_make_one_file_and_one_of_them_counts_it(tmp_path):
    store = LocalStorage(tmp_path)
    outcomes: list[bool] = []
    barrier = threading.Barrier(8)

    def write():
        barrier.wait()
        outcomes.append(store.put(KEY, b"same bytes", "image/jpeg"))

    threads = [threading.Thread(target=write) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert outcomes.count(True) == 1 and len(outcomes) == 8
    assert store.files_count() == 1


def test_local_leftovers_of_a_killed_writer_are_not_files_and_are_swept(tmp_path):
    store = LocalStorage(tmp_path)
    folder = (tmp_path / KEY).parent
    folder.mkdir(parents=True)
    leftover = folder / f".{HASH}.jpg.123.456.abcd.tmp"
    leftover.write_bytes(b"half a fi")
    assert store.files_count() == 0 and not store.exists(KEY)
    assert store.temporary_sweep(older_than=3600) == 0  # too fresh: a writer may be busy
    old = time.time() - 7200
    os.utime(leftover, (old, old))
    assert store.temporary_sweep(older_than=3600) == 1 and not leftover.exists()


def test_a_process_sweeps_old_leftovers_when_it_first_uses_the_store(settings, tmp_path):
    # What a kill left: a temporary file from two hours ago and one from a live writer.
    root = tmp_path / "fresh-root"
    folder = (root / KEY).parent
    folder.mkdir(parents=True)
    old, busy = folder / f".{HASH}.jpg.1.2.aaaa.tmp", folder / f".{HASH}.jpg.3.4.bbbb.tmp"
    for leftover in (old, busy):
        leftover.write_bytes(b"half a fi")
    stamp = time.time() - 7200
    os.utime(old, (stamp, stamp))
    settings.YOOINI_MEDIA_STORAGE = "local"
    settings.YOOINI_MEDIA_ROOT = str(root)
    settings.YOOINI_MEDIA_PUBLIC_URL = ""
    storage_get()
    assert not old.exists() and busy.exists()


def test_local_public_url_prefix_and_key_checks(tmp_path):
    store = LocalStorage(tmp_path, public_url_prefix="https://img.example/m/")
    assert store.public_url(KEY) == f"https://img.example/m/{KEY}"
    for bad in ("../etc/passwd", "/abs/key", "images/../../x", "a\\b", ""):
        with pytest.raises(ValueError, match="storage key"):
            store.put(bad, b"x", "image/jpeg")


def test_storage_is_chosen_by_settings(settings, tmp_path):
    settings.YOOINI_MEDIA_STORAGE = "local"
    settings.YOOINI_MEDIA_ROOT = str(tmp_path / "m")
    store = storage_get()
    assert isinstance(store, LocalStorage) and store.root == (tmp_path / "m").resolve()
    store.put(KEY, b"x", "image/jpeg")
    assert media_files_count() == 1
    del settings.YOOINI_MEDIA_ROOT
    settings.YOOINI_VAR_DIR = str(tmp_path / "var")
    assert storage_get().root == (tmp_path / "var" / "media").resolve()
    settings.YOOINI_MEDIA_STORAGE = "ftp"
    with pytest.raises(ValueError, match="YOOINI_MEDIA_STORAGE must be 'local' or 's3'"):
        storage_get()


# -- S3 -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def s3_server():
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


_buckets = iter(range(10_000))


@pytest.fixture
def s3_bucket(s3_server):
    """A new, empty bucket on the shared server: ``(client, name)``."""
    client = boto3.client(
        "s3",
        endpoint_url=s3_server,
        region_name="us-east-1",
        aws_access_key_id="AKIDTEST",
        aws_secret_access_key=SECRET,
        config=Config(s3={"addressing_style": "path"}),
    )
    name = f"product-images-{next(_buckets)}"
    client.create_bucket(Bucket=name)
    return client, name


def _s3(endpoint: str, bucket: str, **kwargs) -> S3Storage:
    options = {
        "bucket": bucket,
        "endpoint_url": endpoint,
        "region": "us-east-1",
        "prefix": "buyma",
        "access_key_id": "AKIDTEST",
        "secret_access_key": SECRET,
    }
    options.update(kwargs)
    return S3Storage(**options)


def test_s3_put_exists_count_and_public_url(s3_server, s3_bucket):
    client, bucket = s3_bucket
    store = _s3(s3_server, bucket)
    assert isinstance(store, Storage)
    assert not store.exists(KEY)
    assert store.put(KEY, b"jpeg bytes", "image/jpeg") is True
    assert store.put(KEY, b"jpeg bytes", "image/jpeg") is False
    assert store.exists(KEY)
    head = client.head_object(Bucket=bucket, Key=f"buyma/{KEY}")
    assert head["ContentType"] == "image/jpeg"
    assert "immutable" in head["CacheControl"]
    body = client.get_object(Bucket=bucket, Key=f"buyma/{KEY}")["Body"].read()
    assert body == b"jpeg bytes"
    assert store.files_count() == 1
    assert store.public_url(KEY) == f"{s3_server}/{bucket}/buyma/{KEY}"
    public = _s3(s3_server, bucket, public_url_prefix="https://pub-abc.r2.dev")
    assert public.public_url(KEY) == f"https://pub-abc.r2.dev/{KEY}"


def test_s3_counts_past_one_page(s3_server, s3_bucket):
    client, bucket = s3_bucket
    store = _s3(s3_server, bucket, prefix="")
    for n in range(7):
        client.put_object(Bucket=bucket, Key=f"images/{n}.jpg", Body=b"x")
    client.put_object(Bucket=bucket, Key="other/1.jpg", Body=b"x")
    assert store.files_count(page_size=2) == 7


def test_s3_errors_are_clear_and_never_show_the_secret(s3_server, s3_bucket):
    store = _s3(s3_server, "no-such-bucket")
    assert SECRET not in repr(store)
    with pytest.raises(StorageError) as caught:
        store.put(KEY, b"x", "image/jpeg")
    message = str(caught.value)
    assert "no-such-bucket" in message and SECRET not in message
    with pytest.raises(ValueError, match="YOOINI_MEDIA_S3_BUCKET"):
        S3Storage(bucket="")


def test_s3_is_chosen_by_settings(settings, s3_server, s3_bucket):
    settings.YOOINI_MEDIA_STORAGE = "s3"
    settings.YOOINI_MEDIA_S3_ENDPOINT_URL = s3_server
    settings.YOOINI_MEDIA_S3_BUCKET = s3_bucket[1]
    settings.YOOINI_MEDIA_S3_REGION = "us-east-1"
    settings.YOOINI_MEDIA_S3_PREFIX = "p/"
    settings.YOOINI_MEDIA_S3_ACCESS_KEY_ID = "AKIDTEST"
    settings.YOOINI_MEDIA_S3_SECRET_ACCESS_KEY = SECRET
    store = storage_get()
    assert isinstance(store, S3Storage) and store.prefix == "p/"
    store.put(KEY, b"x", "image/jpeg")
    assert media_files_count() == 1
