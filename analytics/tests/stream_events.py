"""Clickstream events with known structure for the stream tests: users whose sessions have
gaps of minutes and of hours, event times a little out of order (less than the lateness)."""

from __future__ import annotations

import json
import random

from analytics import registry, wire
from analytics.codec import codec_for

START = 1767225600000


def clickstream(n: int, seed: int = 1, users: int = 40, disorder_ms: int = 2000) -> list[dict]:
    rnd = random.Random(seed)
    clock = {f"u{i}": START + rnd.randrange(600_000) for i in range(users)}
    events = []
    for i in range(n):
        user = rnd.choice(list(clock))
        # mostly seconds apart, sometimes over the 30-minute gap
        clock[user] += rnd.choice([rnd.randrange(50, 120_000), rnd.randrange(1_900_000, 4_000_000)])
        events.append(
            {
                "eventId": f"e{i}",
                "userId": user,
                "sessionId": f"s-{user}",
                "eventType": rnd.choice(
                    ["page_view", "page_view", "click", "add_to_cart", "purchase"]
                ),
                "timestamp": clock[user],
                "properties": {
                    "productId": f"p{rnd.randrange(30)}",
                    "amount": str(rnd.randrange(1, 100)),
                },
                "context": {
                    "userAgent": "t",
                    "ip": f"203.0.113.{rnd.randrange(3)}",
                    "platform": "web",
                    "referrer": None,
                },
            }
        )
    # the log's order: by event time, each shifted by up to disorder_ms
    events.sort(key=lambda e: e["timestamp"] + rnd.randrange(disorder_ms))
    return events


def append(log, events: list[dict], per_entry: int = 50) -> None:
    codec = codec_for(registry.latest("user-events"))
    for at in range(0, len(events), per_entry):
        chunk = events[at : at + per_entry]
        log.append(
            "user-events", wire.pack([codec.from_json(json.dumps(e).encode()) for e in chunk])
        )
