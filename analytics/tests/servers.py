"""The real Redis and NATS servers on 127.0.0.1 the transport tests use, and a name unique to
each test run so that runs never read each other's streams. When CI=true a missing server
fails the test instead of skipping it."""

from __future__ import annotations

import os
import socket
import uuid

import pytest

REDIS_URL = os.environ.get("YOOINI_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
NATS_URL = os.environ.get("YOOINI_TEST_NATS_URL", "nats://127.0.0.1:4222")


def unique_prefix() -> str:
    return f"yooini-test-{uuid.uuid4().hex[:10]}"


def server_required(url: str) -> None:
    host_port = url.split("://", 1)[1].split("/", 1)[0].split("@")[-1]
    host, port = host_port.rsplit(":", 1)
    try:
        with socket.create_connection((host, int(port)), timeout=2):
            return
    except OSError as exc:
        message = f"no server at {host_port}: {exc}"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
