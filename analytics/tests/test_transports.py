"""Every transport passes the contract suite, on real servers for Redis and NATS."""

from __future__ import annotations

import pytest

from analytics.tests.servers import NATS_URL, REDIS_URL, server_required, unique_prefix
from analytics.tests.transport_contract import TransportContract
from analytics.transports import TransportError, transport_for
from analytics.transports.embedded import EmbeddedLog
from analytics.transports.redis_streams import offset_of, stream_id_of


class TestEmbeddedContract(TransportContract):
    @pytest.fixture(autouse=True)
    def _path(self, tmp_path):
        self.path = tmp_path / "log.sqlite3"

    def transport_new(self):
        return EmbeddedLog(self.path)


class TestRedisStreamsContract(TransportContract):
    @pytest.fixture(autouse=True)
    def _prefix(self):
        server_required(REDIS_URL)
        self.prefix = unique_prefix()

    def transport_new(self):
        return transport_for(REDIS_URL, prefix=self.prefix)

    def transport_drop(self, transport):
        transport.delete()


class TestJetStreamContract(TransportContract):
    @pytest.fixture(autouse=True)
    def _prefix(self):
        server_required(NATS_URL)
        self.prefix = unique_prefix()

    def transport_new(self):
        # unacked entries come back after the ack wait: short here, 30 s by default
        return transport_for(NATS_URL, prefix=self.prefix, ack_wait=1.0)

    def transport_drop(self, transport):
        transport.delete()


def test_redis_stream_ids_map_to_offsets_and_back():
    for stream_id in ("0-0", "1-0", "1767225600000-5", "1767225600000-4194303"):
        assert stream_id_of(offset_of(stream_id)) == stream_id
    assert offset_of("2-0") > offset_of("1-4194303")


def test_the_default_transport_is_the_embedded_log_under_the_var_dir(settings, tmp_path):
    settings.YOOINI_VAR_DIR = tmp_path
    settings.YOOINI_ANALYTICS_LOG = "embedded"
    log = transport_for(prefix="t")
    try:
        assert log.name == "embedded" and log.path == tmp_path / "analytics" / "t-log.sqlite3"
    finally:
        log.close()


def test_an_unknown_transport_url_is_refused_without_its_password():
    with pytest.raises(TransportError, match="kafka.example:9092") as info:
        transport_for("kafka://user:secret@kafka.example:9092")
    assert "secret" not in str(info.value)


def test_an_unreachable_redis_says_where():
    with pytest.raises(TransportError, match="127.0.0.1:1"):
        transport_for("redis://127.0.0.1:1/0")
