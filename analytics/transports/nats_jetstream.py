"""NATS JetStream: one stream per prefix (``<PREFIX>_LOG``) with a subject per topic
(``<prefix>.log.<topic>``); the offset of an entry is its stream sequence. Reads use an
ephemeral pull consumer from the sequence after ``after``, with no acks: the reader keeps its
own offset, as on every transport. nats-py is asyncio; this class runs it on a loop of its own
so that callers stay synchronous."""

from __future__ import annotations

import asyncio
import contextlib
import re

import nats
from nats.errors import Error as NatsError
from nats.errors import TimeoutError as NatsTimeout
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy, StorageType
from nats.js.errors import NotFoundError

from analytics.transports.contract import Entry, TransportError


class JetStreamLog:
    name = "nats"

    def __init__(self, url: str, *, prefix: str = "yooini", ack_wait: float = 30.0) -> None:
        if not re.fullmatch(r"[A-Za-z0-9_-]+", prefix):
            raise TransportError(f"nats log prefix {prefix!r}: only letters, digits, _ and -")
        self.prefix = prefix
        self.stream = f"{prefix.upper().replace('-', '_')}_LOG"
        self._where = url.split("@")[-1]
        self._loop = asyncio.new_event_loop()
        self._subs: dict[str, tuple[object, int]] = {}  # topic -> (subscription, next sequence)
        self.ack_wait = ack_wait
        self._groups: dict[tuple[str, str], object] = {}  # (topic, group) -> subscription
        self._unacked: dict[tuple[str, str, int], object] = {}  # -> the message to ack
        try:
            self._nc = self._run(nats.connect(url, connect_timeout=5, max_reconnect_attempts=2))
            self._js = self._nc.jetstream(timeout=10)
            self._run(self._stream_ensure())
        except (OSError, NatsError, TimeoutError) as exc:
            raise TransportError(f"nats log at {self._where}: {exc!r}") from None

    def _run(self, coro):
        return self._loop.run_until_complete(coro)

    async def _stream_ensure(self) -> None:
        try:
            await self._js.stream_info(self.stream)
        except NotFoundError:
            await self._js.add_stream(
                name=self.stream, subjects=[f"{self.prefix}.log.>"], storage=StorageType.FILE
            )

    def subject(self, topic: str) -> str:
        if not re.fullmatch(r"[A-Za-z0-9_-]+", topic):
            raise TransportError(f"topic {topic!r}: only letters, digits, _ and - on nats")
        return f"{self.prefix}.log.{topic}"

    def append(self, topic: str, entry: bytes) -> int:
        try:
            ack = self._run(self._js.publish(self.subject(topic), entry, stream=self.stream))
        except (NatsError, TimeoutError) as exc:
            raise TransportError(f"nats log at {self._where}: {exc!r}") from None
        return ack.seq

    async def _read(self, topic: str, after: int | None, limit: int, wait: float) -> list[Entry]:
        start = 1 if after is None else after + 1
        sub, expected = self._subs.get(topic, (None, None))
        if sub is None or expected != start:
            if sub is not None:
                await sub.unsubscribe()
            sub = await self._js.pull_subscribe(
                self.subject(topic),
                stream=self.stream,
                config=ConsumerConfig(
                    deliver_policy=DeliverPolicy.BY_START_SEQUENCE,
                    opt_start_seq=start,
                    ack_policy=AckPolicy.NONE,
                    inactive_threshold=60.0,
                ),
            )
        try:
            msgs = await sub.fetch(limit, timeout=max(wait, 0.05))
        except (NatsTimeout, TimeoutError):  # nothing arrived in time
            msgs = []
        entries = [Entry(m.metadata.sequence.stream, m.data) for m in msgs]
        self._subs[topic] = (sub, entries[-1].offset + 1 if entries else start)
        return entries

    def read(self, topic: str, after: int | None, limit: int, wait: float = 0.0) -> list[Entry]:
        try:
            return self._run(self._read(topic, after, limit, wait))
        except (NatsError, TimeoutError) as exc:
            raise TransportError(f"nats log at {self._where}: {exc!r}") from None

    async def _group_read(self, topic: str, group: str, limit: int, wait: float) -> list[Entry]:
        sub = self._groups.get((topic, group))
        if sub is None:
            # a durable consumer per (topic, group): its consumers share what it delivers
            sub = self._groups[topic, group] = await self._js.pull_subscribe(
                self.subject(topic),
                durable=f"{group}-{topic}",
                stream=self.stream,
                config=ConsumerConfig(ack_policy=AckPolicy.EXPLICIT, ack_wait=self.ack_wait),
            )
        try:
            msgs = await sub.fetch(limit, timeout=max(wait, 0.05))
        except (NatsTimeout, TimeoutError):
            msgs = []
        entries = []
        for msg in msgs:
            offset = msg.metadata.sequence.stream
            self._unacked[topic, group, offset] = msg
            entries.append(Entry(offset, msg.data))
        return entries

    def group_read(
        self, topic: str, group: str, consumer: str, limit: int, wait: float = 0.0
    ) -> list[Entry]:
        if not re.fullmatch(r"[A-Za-z0-9_-]+", group):
            raise TransportError(f"group {group!r}: only letters, digits, _ and - on nats")
        try:
            return self._run(self._group_read(topic, group, limit, wait))
        except (NatsError, TimeoutError) as exc:
            raise TransportError(f"nats log at {self._where}: {exc!r}") from None

    def ack(self, topic: str, group: str, offsets: list[int]) -> None:
        async def acks():
            for offset in offsets:
                msg = self._unacked.pop((topic, group, offset), None)
                if msg is not None:  # not read here: nothing this process can ack
                    await msg.ack_sync()

        try:
            self._run(acks())
        except (NatsError, TimeoutError) as exc:
            raise TransportError(f"nats log at {self._where}: {exc!r}") from None

    def last_offset(self, topic: str) -> int | None:
        try:
            msg = self._run(self._js.get_last_msg(self.stream, self.subject(topic)))
        except NotFoundError:
            return None
        return msg.seq

    def delete(self) -> None:
        """Remove this prefix's stream (tests)."""
        with contextlib.suppress(NotFoundError):
            self._run(self._js.delete_stream(self.stream))

    def close(self) -> None:
        if not self._loop.is_closed():
            self._run(self._nc.close())
            self._loop.close()
