"""``image_fetch`` against a real server on 127.0.0.1: limits, redirects and the address
policy. Refusals of private addresses must happen before any connection is made, so those
tests need no server there (and ``hits`` shows that none was made)."""

from __future__ import annotations

import hashlib
import ipaddress
import time

import pytest

from media.fetch import (
    FetchError,
    FetchRefused,
    FetchTimeout,
    FetchTooLarge,
    NotAnImage,
    address_refusal,
    fetch_config,
    image_fetch,
    url_redacted,
)

from .image_server import jpeg

pytestmark = pytest.mark.usefixtures("media_settings")


def test_downloads_an_image_with_its_sha256(image_server):
    body = jpeg()
    url = image_server.add("/a.jpg", body)
    fetched = image_fetch(url)
    assert fetched.data == body
    assert fetched.sha256 == hashlib.sha256(body).hexdigest()
    assert fetched.content_type == "image/jpeg"
    assert image_server.hits["/a.jpg"] == 1


def test_loopback_is_refused_unless_allowed(image_server, settings):
    url = image_server.add("/a.jpg", jpeg())
    settings.YOOINI_MEDIA_ALLOWED_HOSTS = []
    with pytest.raises(FetchRefused, match=r"127\.0\.0\.1, a loopback address"):
        image_fetch(url)
    assert image_server.hits["/a.jpg"] == 0  # no connection was made
    # Allowing another port of the same host is not enough.
    settings.YOOINI_MEDIA_ALLOWED_HOSTS = [f"127.0.0.1:{image_server.port + 1}"]
    with pytest.raises(FetchRefused):
        image_fetch(url)
    # The bare host name allows every port.
    settings.YOOINI_MEDIA_ALLOWED_HOSTS = ["127.0.0.1"]
    assert image_fetch(url).data
    assert image_server.hits["/a.jpg"] == 1


@pytest.mark.parametrize(
    ("url", "kind"),
    [
        ("http://10.1.2.3/a.jpg", "private"),
        ("http://192.168.0.10/a.jpg", "private"),
        ("http://172.16.5.4/a.jpg", "private"),
        ("http://169.254.169.254/latest/meta-data/", "link-local"),
        ("http://[::1]/a.jpg", "loopback"),
        ("http://[fe80::1]/a.jpg", "link-local"),
        ("http://[fc00::1]/a.jpg", "private"),
        ("http://[::ffff:127.0.0.1]/a.jpg", "loopback"),
        ("http://0.0.0.0/a.jpg", "unspecified"),
        ("http://224.0.0.1/a.jpg", "multicast"),
        ("http://240.0.0.1/a.jpg", "reserved"),
        ("http://100.64.0.1/a.jpg", "not globally routable"),
        ("http://2130706433/a.jpg", "loopback"),  # 127.0.0.1 written as one number
        ("https://localhost/a.jpg", "loopback"),
    ],
)
def test_private_and_special_addresses_are_refused(url, kind):
    started = time.monotonic()
    with pytest.raises(FetchRefused, match=kind):
        image_fetch(url)
    assert time.monotonic() - started < 2  # refused before any connection attempt


def test_public_addresses_pass_the_address_policy():
    for address in ("8.8.8.8", "1.1.1.1", "2606:4700:4700::1111", "151.101.1.69"):
        assert address_refusal(ipaddress.ip_address(address)) is None, address


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("ftp://example.com/a.jpg", "scheme 'ftp' not allowed"),
        ("file:///etc/passwd", "scheme 'file' not allowed"),
        ("gopher://example.com/", "scheme 'gopher'"),
        ("//example.com/a.jpg", r"scheme '\(none\)'"),
        ("http:///a.jpg", "no host"),
        ("https://user:pw@example.com/a.jpg", "credentials"),
        ("http://example.com:99999/a.jpg", "malformed"),
        ("", "not a URL"),
    ],
)
def test_only_plain_http_and_https_urls_are_tried(url, reason):
    with pytest.raises(FetchRefused, match=reason):
        image_fetch(url)


def test_a_redirect_to_a_private_address_is_refused(image_server):
    url = image_server.redirect("/r", "http://169.254.169.254/latest/meta-data/iam")
    with pytest.raises(FetchRefused, match="169.254.169.254, a link-local"):
        image_fetch(url)
    assert image_server.hits["/r"] == 1


def test_a_redirect_is_checked_again_even_to_the_same_host(image_server, settings):
    # Only this port is allowed: a redirect to another loopback port is refused.
    other = f"http://127.0.0.1:{image_server.port + 1}/x.jpg"
    url = image_server.redirect("/r", other)
    with pytest.raises(FetchRefused, match="loopback"):
        image_fetch(url)
    url = image_server.redirect("/r2", "file:///etc/passwd")
    with pytest.raises(FetchRefused, match="redirect refused: scheme 'file'"):
        image_fetch(url)


def test_redirects_are_followed_up_to_the_limit(image_server, settings):
    body = jpeg()
    image_server.add("/final.jpg", body)
    image_server.redirect("/r3", "/r2")
    image_server.redirect("/r2", image_server.url("/r1"))
    image_server.redirect("/r1", "/final.jpg", status=301)
    settings.YOOINI_MEDIA_MAX_REDIRECTS = 3
    fetched = image_fetch(image_server.url("/r3"))
    assert fetched.data == body and fetched.final_url.endswith("/final.jpg")
    settings.YOOINI_MEDIA_MAX_REDIRECTS = 2
    with pytest.raises(FetchError, match="more than 2 redirects"):
        image_fetch(image_server.url("/r3"))


def test_http_errors_say_the_status(image_server):
    with pytest.raises(FetchError, match="HTTP 404 Not Found"):
        image_fetch(image_server.url("/missing.jpg"))


def test_declared_non_images_are_refused_before_the_body(image_server):
    url = image_server.add("/page", b"<html>hi</html>", content_type="text/html; charset=utf-8")
    with pytest.raises(NotAnImage, match="'text/html'"):
        image_fetch(url)


def test_a_body_over_the_limit_is_refused_by_its_declared_length(image_server, settings):
    settings.YOOINI_MEDIA_MAX_BYTES = 10_000
    url = image_server.add("/big.jpg", b"\xff" * 50_000)
    with pytest.raises(FetchTooLarge, match="50,000 bytes is over the limit of 10,000"):
        image_fetch(url)


def test_a_body_over_the_limit_is_stopped_while_streaming(image_server, settings):
    settings.YOOINI_MEDIA_MAX_BYTES = 10_000
    url = image_server.unsized("/big.jpg", b"\xff" * 2_000_000)
    with pytest.raises(FetchTooLarge, match="over the limit of 10,000 bytes"):
        image_fetch(url)
    # Exactly at the limit is fine.
    url = image_server.unsized("/ok.jpg", b"\xff" * 10_000)
    assert len(image_fetch(url).data) == 10_000


def test_the_timeout_bounds_the_whole_download(image_server, settings):
    settings.YOOINI_MEDIA_TIMEOUT = 0.6
    # 16 bytes every 0.1 s: every read is quick, the whole body would take 3 s.
    url = image_server.drip("/slow.jpg", b"\xff" * 480, delay=0.1)
    started = time.monotonic()
    with pytest.raises(FetchTimeout, match="timed out after 0.6s"):
        image_fetch(url)
    assert time.monotonic() - started < 1.5


def test_settings_are_checked():
    from django.conf import settings

    old = settings.YOOINI_MEDIA_TIMEOUT
    try:
        settings.YOOINI_MEDIA_TIMEOUT = "soon"
        with pytest.raises(ValueError, match="YOOINI_MEDIA_TIMEOUT must be a number"):
            fetch_config()
        settings.YOOINI_MEDIA_TIMEOUT = -1
        with pytest.raises(ValueError, match="YOOINI_MEDIA_TIMEOUT must be > 0"):
            fetch_config()
    finally:
        settings.YOOINI_MEDIA_TIMEOUT = old


def test_errors_and_logs_leave_the_query_string_out(image_server):
    url = image_server.url("/missing.jpg?X-Amz-Signature=s3cr3t&token=abc")
    with pytest.raises(FetchError) as caught:
        image_fetch(url)
    assert "s3cr3t" not in str(caught.value)
    assert url_redacted("https://u:p@cdn.example/a.jpg?sig=1#x") == "https://cdn.example/a.jpg"
