"""Valid events of the bundled schemas, for the tests."""

from __future__ import annotations


def click(i: int = 0, **changes) -> dict:
    event = {
        "eventId": f"e{i}",
        "userId": f"u{i % 7}",
        "sessionId": f"s{i % 5}",
        "eventType": "click",
        "timestamp": 1767225600000 + i * 1000,
        "properties": {"productId": f"p{i % 11}", "page": "/products"},
        "context": {"userAgent": "Mozilla/5.0", "ip": "192.0.2.1", "platform": "web"},
    }
    event.update(changes)
    return event


def transaction(i: int = 0, **changes) -> dict:
    event = {
        "transactionId": f"t{i}",
        "userId": f"u{i % 7}",
        "orderItems": [{"productId": "p1", "quantity": 2, "price": 12.5, "category": "shoes"}],
        "totalAmount": 25.0,
        "currency": "KRW",
        "paymentMethod": "card",
        "status": "paid",
        "timestamp": 1767225600000 + i,
    }
    event.update(changes)
    return event
