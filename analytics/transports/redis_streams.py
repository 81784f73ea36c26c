"""Redis Streams: one stream per topic (``<prefix>:log:<topic>``), an entry per XADD with its
bytes in field ``d``. A stream id ``<ms>-<seq>`` is the offset ``ms * 2**22 + seq``, so offsets
are integers on every transport (Redis allots fewer than 2**22 ids per millisecond here)."""

from __future__ import annotations

import redis

from analytics.transports.contract import Entry, TransportError

_SEQ_BITS = 22


def offset_of(stream_id: bytes | str) -> int:
    ms, seq = (stream_id.decode() if isinstance(stream_id, bytes) else stream_id).split("-")
    if int(seq) >= 1 << _SEQ_BITS:
        raise TransportError(f"redis stream id {stream_id!r}: sequence too large for an offset")
    return (int(ms) << _SEQ_BITS) | int(seq)


def stream_id_of(offset: int) -> str:
    return f"{offset >> _SEQ_BITS}-{offset & ((1 << _SEQ_BITS) - 1)}"


class RedisStreamsLog:
    name = "redis"

    def __init__(self, url: str, *, prefix: str = "yooini") -> None:
        self.prefix = prefix
        self._where = url.split("@")[-1]  # never a password in a message
        self._redis = redis.Redis.from_url(url, socket_timeout=10, socket_connect_timeout=5)
        try:
            self._redis.ping()
        except redis.RedisError as exc:
            raise TransportError(f"redis log at {self._where}: {exc}") from None

    def key(self, topic: str) -> str:
        return f"{self.prefix}:log:{topic}"

    def append(self, topic: str, entry: bytes) -> int:
        try:
            return offset_of(self._redis.xadd(self.key(topic), {"d": entry}))
        except redis.RedisError as exc:
            raise TransportError(f"redis log at {self._where}: {exc}") from None

    def read(self, topic: str, after: int | None, limit: int, wait: float = 0.0) -> list[Entry]:
        start = "0-0" if after is None else stream_id_of(after)
        try:
            if wait > 0:
                found = self._redis.xread(
                    {self.key(topic): start}, count=limit, block=max(1, int(wait * 1000))
                )
                rows = found[0][1] if found else []
            else:
                rows = self._redis.xrange(self.key(topic), min=f"({start}", count=limit)
        except redis.RedisError as exc:
            raise TransportError(f"redis log at {self._where}: {exc}") from None
        return [Entry(offset_of(stream_id), fields[b"d"]) for stream_id, fields in rows]

    def last_offset(self, topic: str) -> int | None:
        rows = self._redis.xrevrange(self.key(topic), count=1)
        return offset_of(rows[0][0]) if rows else None

    def group_read(
        self, topic: str, group: str, consumer: str, limit: int, wait: float = 0.0
    ) -> list[Entry]:
        key = self.key(topic)
        try:
            try:
                self._redis.xgroup_create(key, group, id="0", mkstream=True)
            except redis.ResponseError as exc:
                if "BUSYGROUP" not in str(exc):  # the group exists: that is fine
                    raise
            # this consumer's pending entries first (read before a crash, never acked)
            found = self._redis.xreadgroup(group, consumer, {key: "0"}, count=limit)
            rows = found[0][1] if found else []
            if not rows:
                found = self._redis.xreadgroup(
                    group,
                    consumer,
                    {key: ">"},
                    count=limit,
                    block=max(1, int(wait * 1000)) if wait > 0 else None,
                )
                rows = found[0][1] if found else []
        except redis.RedisError as exc:
            raise TransportError(f"redis log at {self._where}: {exc}") from None
        return [Entry(offset_of(stream_id), fields[b"d"]) for stream_id, fields in rows]

    def ack(self, topic: str, group: str, offsets: list[int]) -> None:
        if offsets:
            try:
                self._redis.xack(self.key(topic), group, *[stream_id_of(o) for o in offsets])
            except redis.RedisError as exc:
                raise TransportError(f"redis log at {self._where}: {exc}") from None

    def delete(self) -> None:
        """Remove every stream of this prefix (tests)."""
        for key in self._redis.scan_iter(f"{self.prefix}:log:*"):
            self._redis.delete(key)

    def close(self) -> None:
        self._redis.close()
