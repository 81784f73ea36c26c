"""The event log's transport contract, which every transport keeps (and its tests check, by
subclassing ``analytics.tests.transport_contract.TransportContract``):

- ``append(topic, entry) -> offset``: stores one entry (bytes in the wire format,
  ``analytics.wire``) at the end of the topic's log and returns its offset once it is durable
  as far as the transport goes. Offsets are integers that grow with every append to a topic.
- ``read(topic, after, limit, wait=0) -> list[Entry]``: the entries after offset ``after``
  (``None``: from the start), oldest first, at most ``limit``; waits up to ``wait`` seconds
  for one when there is none. Reading never changes the log, so a consumer that keeps its own
  offset (committed with its state) restarts exactly where it stopped.
- ``last_offset(topic)``: the offset of the newest entry, ``None`` for an empty log.
- ``group_read(topic, group, consumer, limit, wait=0) -> list[Entry]``: consumer groups, to
  share a topic's entries among several consumers: each entry goes to one consumer of the
  group; every group gets every entry. An entry read and not acknowledged is delivered again:
  to the same consumer when it reads next (embedded, Redis: its pending entries come first),
  or to any consumer of the group once the ack wait (``ack_wait`` seconds) has passed (NATS).
- ``ack(topic, group, offsets)``: those entries are done for the group.
- ``close()``.

The transport is chosen by ``YOOINI_ANALYTICS_LOG``: ``embedded`` (default: a SQLite file
under the var directory, no server), ``redis://host:port/db`` (Redis Streams) or
``nats://host:port`` (NATS JetStream). ``prefix`` (``YOOINI_ANALYTICS_LOG_PREFIX``, default
``yooini``) keeps several logs apart on one server.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


class TransportError(RuntimeError):
    """The log cannot be reached or used; the message names the transport and where."""


@dataclass(frozen=True)
class Entry:
    offset: int
    data: bytes


class Transport(Protocol):
    name: str

    def append(self, topic: str, entry: bytes) -> int: ...

    def read(self, topic: str, after: int | None, limit: int, wait: float = 0.0) -> list[Entry]: ...

    def last_offset(self, topic: str) -> int | None: ...

    def group_read(
        self, topic: str, group: str, consumer: str, limit: int, wait: float = 0.0
    ) -> list[Entry]: ...

    def ack(self, topic: str, group: str, offsets: list[int]) -> None: ...

    def close(self) -> None: ...


def transport_for(url: str | None = None, *, prefix: str | None = None, **options) -> Transport:
    """The transport for ``url`` (default: the ``YOOINI_ANALYTICS_LOG`` setting); ``options``
    go to the NATS transport (``ack_wait``)."""
    if url is None or prefix is None:
        from django.conf import settings

        url = settings.YOOINI_ANALYTICS_LOG if url is None else url
        prefix = settings.YOOINI_ANALYTICS_LOG_PREFIX if prefix is None else prefix
    if url in ("", "embedded") or url.startswith("sqlite:"):
        from analytics.transports.embedded import EmbeddedLog

        path = url.removeprefix("sqlite:").removeprefix("//") if url.startswith("sqlite:") else None
        return EmbeddedLog(path, prefix=prefix)
    if url.startswith(("redis://", "rediss://", "unix://")):
        from analytics.transports.redis_streams import RedisStreamsLog

        return RedisStreamsLog(url, prefix=prefix)
    if url.startswith(("nats://", "tls://")):
        from analytics.transports.nats_jetstream import JetStreamLog

        return JetStreamLog(url, prefix=prefix, **options)
    raise TransportError(
        f"YOOINI_ANALYTICS_LOG={url.split('@')[-1]!r} is not embedded, redis://... or nats://..."
    )
