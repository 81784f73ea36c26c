"""A load generator: the store's events (clicks and page views, orders, stock changes, support
contacts) at a steady rate, through the same ingestion as ``POST /collect`` (or to a running
server's ``/collect``). Deterministic for a seed, so a run can be recomputed."""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import msgspec

EVENT_TYPES = ["page_view", "page_view", "page_view", "click", "click", "add_to_cart", "search"]
PLATFORMS = ["web", "ios", "android"]
# share of each topic in the generated traffic
TOPIC_WEIGHTS = {"user-events": 0.9, "transactions": 0.05, "inventory": 0.04, "support-logs": 0.01}
_encode = msgspec.json.Encoder().encode


class EventFactory:
    def __init__(self, seed: int = 0, users: int = 10_000, products: int = 5_000) -> None:
        self.random = random.Random(seed)
        self.users, self.products = users, products
        self.count = 0

    def _user(self) -> str:
        return f"u{self.random.randrange(self.users)}"

    def _product(self) -> str:
        # a few products are much more popular than the rest
        return f"p{min(int(self.random.paretovariate(1.2)) - 1, self.products - 1)}"

    def event(self, topic: str, now_ms: int) -> dict:
        self.count += 1
        n, r = self.count, self.random
        if topic == "user-events":
            user = self._user()
            return {
                "eventId": f"e{n}",
                "userId": user if r.random() > 0.2 else None,
                "sessionId": f"s-{user}-{now_ms // 1_800_000}",
                "eventType": r.choice(EVENT_TYPES),
                "timestamp": now_ms,
                "properties": {"productId": self._product(), "page": "/products"},
                "context": {
                    "userAgent": "Mozilla/5.0",
                    # a user's address, now and then another one (the location rule)
                    "ip": f"198.51.100.{int(user[1:]) % 256 if r.random() > 0.001 else 255}",
                    "platform": r.choice(PLATFORMS),
                    "referrer": None,
                },
            }
        if topic == "transactions":
            items = [
                {
                    "productId": self._product(),
                    "quantity": r.randint(1, 3),
                    "price": float(r.randrange(5, 300) * 1000),
                    "category": r.choice(["shoes", "bags", "clothes", "beauty"]),
                }
                for _ in range(r.randint(1, 3))
            ]
            return {
                "transactionId": f"t{n}",
                "userId": self._user(),
                "orderItems": items,
                "totalAmount": sum(i["price"] * i["quantity"] for i in items),
                "currency": "KRW",
                "paymentMethod": r.choice(["card", "transfer", "kakaopay"]),
                "status": "paid",
                "timestamp": now_ms,
            }
        if topic == "inventory":
            delta = r.choice([-1, -1, -2, 10, 1])
            return {
                "changeId": f"c{n}",
                "productId": self._product(),
                "warehouseId": r.choice(["icn-1", "pus-1"]),
                "delta": delta,
                "stockAfter": r.randrange(0, 500),
                "reason": "sale" if delta < 0 else r.choice(["restock", "return"]),
                "timestamp": now_ms,
            }
        return {
            "ticketId": f"k{n}",
            "userId": self._user(),
            "channel": r.choice(["chat", "email", "phone"]),
            "category": r.choice(["delivery", "refund", "size"]),
            "status": "open",
            "orderId": None,
            "timestamp": now_ms,
        }

    def batch(
        self, topic: str, size: int, now_ms: int, invalid_share: float = 0.0, span_ms: int = 1000
    ) -> bytes:
        """A ``POST /collect`` JSON body of ``size`` events of ``topic``, their times spread
        over ``span_ms`` from ``now_ms``."""
        events = []
        for i in range(size):
            event = self.event(topic, now_ms + i * span_ms // size)
            if invalid_share and self.random.random() < invalid_share:
                event["timestamp"] = "yesterday"  # what a broken tracker sends
            events.append(event)
        return _encode({"topic": topic, "events": events})


@dataclass
class SimulationResult:
    sent: int = 0
    accepted: int = 0
    rejected: int = 0
    seconds: float = 0.0

    @property
    def rate(self) -> float:
        return self.sent / self.seconds if self.seconds else 0.0


def _batches(rate: int, seconds: float, batch_size: int) -> Iterator[tuple[float, int]]:
    """(when to send, how many) for ``rate`` events a second during ``seconds``."""
    total = int(rate * seconds)
    sent = 0
    while sent < total:
        size = min(batch_size, total - sent)
        yield sent / rate, size
        sent += size


def simulate(
    send: Callable[[bytes], tuple[int, int]],
    *,
    rate: int,
    seconds: float,
    seed: int = 0,
    batch_size: int = 500,
    invalid_share: float = 0.0,
) -> SimulationResult:
    """Send ``rate`` events a second for ``seconds``; ``send(body) -> (accepted, rejected)``.
    A rate the sender cannot keep up with is sent as fast as it can (the result says so)."""
    factory = EventFactory(seed)
    topics, weights = list(TOPIC_WEIGHTS), list(TOPIC_WEIGHTS.values())
    result = SimulationResult()
    started = time.monotonic()
    for due, size in _batches(rate, seconds, batch_size):
        wait = started + due - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        topic = factory.random.choices(topics, weights)[0]
        now_ms = int(time.time() * 1000)
        span_ms = max(1, size * 1000 // rate)
        accepted, rejected = send(factory.batch(topic, size, now_ms, invalid_share, span_ms))
        result.sent += size
        result.accepted += accepted
        result.rejected += rejected
    result.seconds = time.monotonic() - started
    return result
