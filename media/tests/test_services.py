"""``product_images_attach`` end to end: a real HTTP server on 127.0.0.1, real Pillow, real
files (or a real local S3 server), the real database."""

from __future__ import annotations

import hashlib
import io
import threading

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from PIL import Image as PILImage

from media.models import Image, ImageSource, ProductImage
from media.services import ImagesResult, product_images, product_images_attach, url_hash
from media.storage import image_key, media_files_count, storage_get

from .image_server import jpeg, jpeg_with_exif_orientation, png_alpha, png_header_bomb

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_settings")]


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_attach_stores_each_image_and_reports_it(image_server):
    red, blue = jpeg(color=(255, 0, 0)), jpeg(2400, 1600, color=(0, 0, 255))
    urls = [image_server.add("/red.jpg", red), image_server.add("/blue.jpg", blue)]
    result = product_images_attach(owner="okmall:814101", urls=urls)
    assert isinstance(result, ImagesResult)
    assert (result.fetched, result.new_files, result.reused, result.errors) == (2, 2, 0, [])
    first, second = result.images
    assert (first.position, first.source_url, first.content_hash) == (1, urls[0], _sha(red))
    assert first.storage_key == image_key(_sha(red))
    assert (first.width, first.height, first.size_bytes) == (64, 48, len(red))
    assert (second.position, second.width, second.height) == (2, 1200, 800)
    stored = storage_get().path(second.storage_key).read_bytes()
    assert len(stored) == second.size_bytes and PILImage.open(io.BytesIO(stored)).size == (
        1200,
        800,
    )
    assert first.public_url.startswith("file://") and first.public_url.endswith(first.storage_key)
    assert media_files_count() == 2
    assert product_images("okmall:814101") == result.images


def test_same_bytes_at_different_urls_for_two_owners_make_one_image_and_one_file(image_server):
    body = jpeg(color=(1, 2, 3))
    a = image_server.add("/mall-a/p1.jpg", body)
    b = image_server.add("/mall-b/other-name.jpg", body)
    first = product_images_attach(owner="okmall:1", urls=[a])
    second = product_images_attach(owner="naver:9", urls=[b])
    assert (first.new_files, second.new_files) == (1, 0)
    assert (second.fetched, second.reused) == (1, 1)  # downloaded (new URL), not stored again
    assert Image.objects.count() == 1 and media_files_count() == 1
    assert first.images[0].storage_key == second.images[0].storage_key
    assert ImageSource.objects.count() == 2


def test_a_url_already_fetched_for_any_owner_is_not_downloaded_again(image_server):
    url = image_server.add("/shared.jpg", jpeg())
    product_images_attach(owner="okmall:1", urls=[url])
    result = product_images_attach(owner="okmall:2", urls=[url])
    assert (result.fetched, result.reused, result.new_files) == (0, 1, 0)
    assert image_server.hits["/shared.jpg"] == 1
    assert product_images("okmall:2")[0].source_url == url


def test_a_rerun_fetches_nothing_writes_nothing_and_takes_one_query(image_server):
    urls = [image_server.add(f"/{n}.jpg", jpeg(color=(n * 90, n * 90, n * 90))) for n in range(3)]
    first = product_images_attach(owner="okmall:7", urls=urls)
    files = media_files_count()
    with CaptureQueriesContext(connection) as queries:
        again = product_images_attach(owner="okmall:7", urls=urls)
    assert (again.fetched, again.new_files, again.reused, again.errors) == (0, 0, 3, [])
    assert again.images == first.images
    assert len(queries) == 1, [q["sql"] for q in queries]
    assert media_files_count() == files == 3
    assert sum(image_server.hits.values()) == 3


def test_a_new_owner_with_known_urls_takes_three_queries(image_server):
    urls = [image_server.add(f"/{n}.jpg", jpeg(color=(n * 90, 9, 9))) for n in range(3)]
    product_images_attach(owner="okmall:1", urls=urls)
    with CaptureQueriesContext(connection) as queries:
        result = product_images_attach(owner="okmall:2", urls=urls)
    assert result.reused == 3 and result.fetched == 0
    # the owner's rows, the URL index, one upsert of the new rows
    assert len([q for q in queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE"))]) == 3


def test_one_bad_url_never_stops_the_others(image_server, settings):
    settings.YOOINI_MEDIA_MAX_BYTES = 200_000
    settings.YOOINI_MEDIA_MAX_PIXELS = 1_000_000
    good = image_server.add("/good.jpg", jpeg())
    urls = [
        good,
        image_server.url("/missing.jpg"),
        image_server.add("/page.html", b"<html></html>", content_type="text/html"),
        image_server.add("/liar.jpg", b"<html>not really</html>"),
        image_server.add("/bomb.png", png_header_bomb(5_000, 5_000), content_type="image/png"),
        image_server.add("/huge.jpg", b"\xff" * 300_000),
        image_server.redirect("/to-metadata", "http://169.254.169.254/latest/meta-data/"),
        "ftp://example.com/a.jpg",
        "http://10.0.0.8/a.jpg",
        png_alpha_url := image_server.add("/alpha.png", png_alpha(), content_type="image/png"),
    ]
    result = product_images_attach(owner="okmall:5", urls=urls)
    assert [image.position for image in result.images] == [1, 10]
    assert result.images[1].source_url == png_alpha_url
    reasons = {error.position: error.reason for error in result.errors}
    assert set(reasons) == {2, 3, 4, 5, 6, 7, 8, 9}
    assert "HTTP 404" in reasons[2]
    assert "'text/html'" in reasons[3]
    assert "not an image" in reasons[4]
    assert "25,000,000 pixels" in reasons[5]
    assert "over the limit of 200,000" in reasons[6]
    assert "169.254.169.254, a link-local" in reasons[7]
    assert "scheme 'ftp'" in reasons[8]
    assert "10.0.0.8, a private" in reasons[9]
    assert all(error.url == urls[error.position - 1] for error in result.errors)
    # Errors are recorded on their rows; only stored images are listed.
    rows = {row.position: row for row in ProductImage.objects.filter(owner="okmall:5")}
    assert len(rows) == 10 and rows[2].image is None and "HTTP 404" in rows[2].error
    assert [image.position for image in product_images("okmall:5")] == [1, 10]
    assert media_files_count() == 2


def test_failed_positions_are_retried_and_fixed_on_the_next_run(image_server):
    url = image_server.url("/later.jpg")
    assert product_images_attach(owner="okmall:3", urls=[url]).errors
    image_server.add("/later.jpg", jpeg())
    result = product_images_attach(owner="okmall:3", urls=[url])
    assert result.errors == [] and result.new_files == 1
    row = ProductImage.objects.get(owner="okmall:3", position=1)
    assert row.error == "" and row.image is not None


def test_the_list_is_the_owner_s_images_new_order_and_shorter_lists_apply(image_server):
    a, b, c = (image_server.add(f"/{n}.jpg", jpeg(color=(n, 0, 0))) for n in (10, 20, 30))
    product_images_attach(owner="okmall:4", urls=[a, b, c])
    result = product_images_attach(owner="okmall:4", urls=[c, a])
    assert (result.fetched, result.new_files) == (0, 0)
    assert [image.source_url for image in product_images("okmall:4")] == [c, a]
    assert ProductImage.objects.filter(owner="okmall:4").count() == 2


def test_the_same_url_twice_in_one_list_is_downloaded_once(image_server):
    url = image_server.add("/twice.jpg", jpeg())
    result = product_images_attach(owner="okmall:6", urls=[url, url])
    assert (result.fetched, result.new_files, result.reused) == (1, 1, 1)
    assert [image.position for image in result.images] == [1, 2]
    assert image_server.hits["/twice.jpg"] == 1


def test_positions_past_buyma_s_limit_are_errors(image_server):
    urls = [image_server.add(f"/{n}.jpg", jpeg(color=(n, n, 0))) for n in range(21)]
    result = product_images_attach(owner="okmall:8", urls=urls)
    assert len(result.images) == 20
    assert [(error.position, "at most 20" in error.reason) for error in result.errors] == [
        (21, True)
    ]


def test_bad_arguments_say_what_is_wrong():
    with pytest.raises(ValueError, match="owner must be a non-empty string"):
        product_images_attach(owner="", urls=[])
    with pytest.raises(ValueError, match="owner is 201 characters"):
        product_images_attach(owner="x" * 201, urls=[])
    with pytest.raises(ValueError, match="urls must be a list of URLs in position order, not str"):
        product_images_attach(owner="okmall:1", urls="https://cdn.example/a.jpg")
    result = product_images_attach(owner="okmall:1", urls=[None, 42])
    assert [error.reason.split(":")[0] for error in result.errors] == ["not a URL", "not a URL"]


def test_converted_images_meet_the_spec(image_server):
    urls = [
        image_server.add("/alpha.png", png_alpha(), content_type="image/png"),
        image_server.add("/rotated.jpg", jpeg_with_exif_orientation(60, 20)),
    ]
    result = product_images_attach(owner="okmall:9", urls=urls)
    store = storage_get()
    for info in result.images:
        im = PILImage.open(store.path(info.storage_key))
        assert im.format == "JPEG" and im.mode == "RGB" and not im.getexif()
        assert (im.width, im.height) == (info.width, info.height)
    assert (result.images[1].width, result.images[1].height) == (20, 60)


# -- crashes and races --------------------------------------------------------------------


def test_a_rerun_after_a_crash_at_any_step_writes_no_duplicate_file(image_server):
    bodies = {f"/{n}.jpg": jpeg(color=(n * 90, 50, 50)) for n in range(3)}
    urls = [image_server.add(path, body) for path, body in bodies.items()]
    store = storage_get()
    # Killed after the first file was written, before any row: the file is there alone.
    first = bodies["/0.jpg"]
    store.put(image_key(_sha(first)), first, "image/jpeg")
    # Killed after the second file and its Image row, before the URL index and the product.
    second = bodies["/1.jpg"]
    store.put(image_key(_sha(second)), second, "image/jpeg")
    from django.utils import timezone

    Image.objects.create(
        content_hash=_sha(second),
        storage_key=image_key(_sha(second)),
        size_bytes=len(second),
        width=64,
        height=48,
        created_at=timezone.now(),
    )
    # Killed mid-write of the third: a temporary file, never a partial image under its key.
    key = image_key(_sha(bodies["/2.jpg"]))
    store.path(key).parent.mkdir(parents=True, exist_ok=True)
    (store.path(key).parent / f".{_sha(bodies['/2.jpg'])}.jpg.1.2.ab.tmp").write_bytes(b"half")
    assert media_files_count() == 2

    result = product_images_attach(owner="okmall:crash", urls=urls)
    assert result.errors == [] and result.new_files == 1  # only the third was missing
    assert media_files_count() == 3 and Image.objects.count() == 3
    assert product_images_attach(owner="okmall:crash", urls=urls).fetched == 0


@pytest.mark.django_db(transaction=True)
def test_workers_racing_on_the_same_images_store_each_once(image_server):
    bodies = [jpeg(color=(n * 60, 7, 7)) for n in range(4)]
    urls = [image_server.add(f"/{n}.jpg", body) for n, body in enumerate(bodies)]
    barrier = threading.Barrier(4)
    results: list[ImagesResult] = []
    failures: list[BaseException] = []

    def worker(n: int) -> None:
        try:
            barrier.wait(timeout=10)
            results.append(product_images_attach(owner=f"okmall:race{n}", urls=urls))
        except BaseException as exc:  # reported below
            failures.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not failures, failures
    assert all(result.errors == [] and len(result.images) == 4 for result in results)
    assert Image.objects.count() == 4 and media_files_count() == 4
    assert sum(result.new_files for result in results) == 4
    assert ImageSource.objects.count() == 4
    assert ProductImage.objects.filter(image__isnull=False).count() == 16


def test_the_url_index_is_keyed_by_the_url_hash(image_server):
    url = image_server.add("/idx.jpg", jpeg())
    product_images_attach(owner="okmall:1", urls=[url])
    source = ImageSource.objects.get()
    assert source.url == url and source.url_hash == url_hash(url)


# -- S3 -----------------------------------------------------------------------------------


def test_attach_into_an_s3_bucket(image_server, settings):
    import boto3
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        endpoint = f"http://{host}:{port}"
        boto3.client(
            "s3",
            endpoint_url=endpoint,
            region_name="us-east-1",
            aws_access_key_id="AKIDTEST",
            aws_secret_access_key="secret",
        ).create_bucket(Bucket="r2-images")
        settings.YOOINI_MEDIA_STORAGE = "s3"
        settings.YOOINI_MEDIA_S3_ENDPOINT_URL = endpoint
        settings.YOOINI_MEDIA_S3_BUCKET = "r2-images"
        settings.YOOINI_MEDIA_S3_REGION = "auto"
        settings.YOOINI_MEDIA_S3_ACCESS_KEY_ID = "AKIDTEST"
        settings.YOOINI_MEDIA_S3_SECRET_ACCESS_KEY = "secret"
        settings.YOOINI_MEDIA_PUBLIC_URL = "https://images.example.com"
        body = jpeg()
        urls = [image_server.add("/s3a.jpg", body), image_server.add("/s3b.jpg", body)]
        result = product_images_attach(owner="okmall:s3", urls=urls)
        assert (result.new_files, result.reused, result.errors) == (1, 1, [])
        assert media_files_count() == 1
        key = image_key(_sha(body))
        assert result.images[0].public_url == f"https://images.example.com/{key}"
        again = product_images_attach(owner="okmall:s3-other", urls=urls)
        assert (again.fetched, again.new_files) == (0, 0)
    finally:
        server.stop()
