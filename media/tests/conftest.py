"""Fixtures of the media tests: a local image server, and settings that store under tmp."""

from __future__ import annotations

import pytest

from .image_server import ImageServer


@pytest.fixture
def image_server():
    with ImageServer() as server:
        yield server


@pytest.fixture
def media_settings(settings, tmp_path, image_server):
    """Local storage under tmp_path; the image server's host:port allowed though private."""
    settings.YOOINI_MEDIA_STORAGE = "local"
    settings.YOOINI_MEDIA_ROOT = str(tmp_path / "media")
    settings.YOOINI_MEDIA_PUBLIC_URL = ""
    settings.YOOINI_MEDIA_ALLOWED_HOSTS = [image_server.host]
    settings.YOOINI_MEDIA_TIMEOUT = 5
    return settings
