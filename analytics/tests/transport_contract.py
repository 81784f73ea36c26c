"""The shared test suite of the transport contract (``analytics.transports.contract``).
Each transport's tests subclass ``TransportContract`` and provide ``transport_new`` (a
transport on a log of its own, the same log on every call within a test) and
``transport_drop``."""

from __future__ import annotations

import threading
import time

import pytest

from analytics import wire


class TransportContract:
    def transport_new(self):
        raise NotImplementedError("a TransportContract subclass must provide transport_new()")

    def transport_drop(self, transport) -> None:
        """Remove what the test wrote (default: nothing to remove)."""

    @pytest.fixture
    def log(self):
        transport = self.transport_new()
        yield transport
        transport.close()  # closing twice is fine (a test may have closed it)
        cleanup = self.transport_new()
        self.transport_drop(cleanup)
        cleanup.close()

    def test_empty_log_has_no_offset_and_reads_nothing(self, log):
        assert log.last_offset("user-events") is None
        assert log.read("user-events", None, 10) == []

    def test_entries_read_back_in_order_with_growing_offsets(self, log):
        entries = [wire.pack([wire.frame(1, bytes([i]) * i)]) for i in range(1, 30)]
        offsets = [log.append("user-events", entry) for entry in entries]
        assert offsets == sorted(offsets) and len(set(offsets)) == len(offsets)
        assert log.last_offset("user-events") == offsets[-1]
        read = log.read("user-events", None, 1000)
        assert [e.offset for e in read] == offsets
        assert [e.data for e in read] == entries

    def test_read_after_an_offset_resumes_exactly_there(self, log):
        offsets = [log.append("user-events", f"entry {i}".encode()) for i in range(10)]
        page = log.read("user-events", offsets[3], 4)
        assert [e.data for e in page] == [f"entry {i}".encode() for i in range(4, 8)]
        rest = log.read("user-events", page[-1].offset, 100)
        assert [e.data for e in rest] == [b"entry 8", b"entry 9"]
        assert log.read("user-events", offsets[-1], 100) == []

    def test_topics_are_separate_logs(self, log):
        log.append("user-events", b"click")
        log.append("transactions", b"order")
        assert [e.data for e in log.read("user-events", None, 10)] == [b"click"]
        assert [e.data for e in log.read("transactions", None, 10)] == [b"order"]

    def test_a_fresh_transport_reads_what_another_appended(self, log):
        offset = log.append("user-events", b"durable")
        other = self.transport_new()
        try:
            assert [(e.offset, e.data) for e in other.read("user-events", None, 10)] == [
                (offset, b"durable")
            ]
        finally:
            other.close()

    def test_binary_entries_survive_as_they_are(self, log):
        data = bytes(range(256)) * 40  # every byte value, 10 KiB
        log.append("user-events", data)
        assert log.read("user-events", None, 1)[0].data == data

    def test_read_with_wait_returns_an_entry_appended_meanwhile(self, log):
        first = log.append("user-events", b"first")

        def later():
            time.sleep(0.3)
            writer = self.transport_new()
            try:
                writer.append("user-events", b"second")
            finally:
                writer.close()

        thread = threading.Thread(target=later)
        thread.start()
        started = time.monotonic()
        got = log.read("user-events", first, 10, wait=5.0)
        thread.join()
        assert [e.data for e in got] == [b"second"]
        assert time.monotonic() - started < 4.0

    def test_read_with_wait_on_nothing_returns_empty_after_the_wait(self, log):
        started = time.monotonic()
        assert log.read("user-events", None, 10, wait=0.3) == []
        assert 0.2 <= time.monotonic() - started < 3.0

    # --- consumer groups ----------------------------------------------------------------

    redelivery_wait = 5.0  # how long a transport may take to deliver an unacked entry again

    def test_consumers_of_a_group_share_the_entries_each_once(self, log):
        offsets = [log.append("user-events", f"entry {i}".encode()) for i in range(20)]
        other = self.transport_new()
        try:
            seen: list[tuple[str, int]] = []
            for _ in range(10):
                for name, transport in (("a", log), ("b", other)):
                    got = transport.group_read("user-events", "g1", name, 3, wait=0.2)
                    transport.ack("user-events", "g1", [e.offset for e in got])
                    seen += [(name, e.offset) for e in got]
            delivered = [offset for _, offset in seen]
            assert sorted(delivered) == offsets  # every entry, each once
            assert {name for name, _ in seen} == {"a", "b"}
        finally:
            other.close()

    def test_every_group_gets_every_entry(self, log):
        offsets = [log.append("user-events", f"entry {i}".encode()) for i in range(5)]
        for group in ("g1", "g2"):
            got = log.group_read("user-events", group, "c", 100, wait=0.5)
            assert [e.offset for e in got] == offsets
            log.ack("user-events", group, [e.offset for e in got])
            assert log.group_read("user-events", group, "c", 100) == []

    def test_an_unacked_entry_is_delivered_again_an_acked_one_never(self, log):
        offsets = [log.append("user-events", f"entry {i}".encode()) for i in range(4)]
        got = log.group_read("user-events", "g1", "c", 100, wait=0.5)
        assert [e.offset for e in got] == offsets
        log.ack("user-events", "g1", offsets[:2])
        log.close()  # the consumer dies with two entries unacked
        again = self.transport_new()
        try:
            deadline = time.monotonic() + self.redelivery_wait
            redelivered: list[int] = []
            while not redelivered and time.monotonic() < deadline:
                redelivered = [
                    e.offset for e in again.group_read("user-events", "g1", "c", 100, wait=0.5)
                ]
            assert redelivered == offsets[2:]
            again.ack("user-events", "g1", redelivered)
            assert again.group_read("user-events", "g1", "c", 100, wait=0.3) == []
        finally:
            again.close()
