"""The stream's windows, sessions and anomaly rules, and their checkpoints, without I/O."""

from __future__ import annotations

from analytics.tests.events import click
from analytics.tests.stream_events import START, clickstream
from analytics.windows import StreamWindows, recompute

MIN = 60_000


def at(i: int, ms: int, **changes) -> dict:
    event = click(i, timestamp=START + ms, sessionId="s1", userId="u1", **changes)
    event["context"] = {**event["context"], "referrer": None}
    return event


def test_sessions_split_on_a_30_minute_gap_and_close_behind_the_watermark():
    w = StreamWindows(lateness_ms=0)
    w.apply([at(0, 0), at(1, 10 * MIN), at(2, 41 * MIN), at(3, 60 * MIN)])  # 31 min apart
    sessions, _ = w.closed()
    assert [(s.start - START, s.end - START, s.events) for s in sessions] == [(0, 10 * MIN, 2)]
    w.apply([at(4, 120 * MIN)])
    sessions, _ = w.closed()
    assert [(s.start - START, s.end - START, s.events) for s in sessions] == [
        (41 * MIN, 60 * MIN, 2)
    ]


def test_an_out_of_order_event_joins_two_sessions_into_one():
    w = StreamWindows(lateness_ms=60 * MIN)
    w.apply([at(0, 0), at(1, 50 * MIN), at(2, 25 * MIN)])  # 25 bridges 0 and 50
    assert [(s.start, s.end, s.events) for s in w.state.sessions["s1"]] == [
        (START, START + 50 * MIN, 3)
    ]


def test_popularity_windows_are_5_minute_tumbling_and_late_events_are_counted_not_applied():
    w = StreamWindows(lateness_ms=MIN)
    events = [
        at(0, 0, properties={"productId": "a"}),
        at(1, 4 * MIN, properties={"productId": "a"}),
        at(2, 5 * MIN, properties={"productId": "a"}),
        at(3, 7 * MIN, properties={"productId": "b"}),
    ]
    w.apply(events)
    _, windows = w.closed()
    assert windows == [(START, "a", 2)]
    w.apply([at(4, 1 * MIN, properties={"productId": "a"})])  # older than the watermark
    assert w.state.late == 1
    w.apply([at(5, 20 * MIN, properties={}), at(6, 20 * MIN, properties={})])
    _, windows = w.closed()
    assert sorted(windows) == [(START + 5 * MIN, "a", 1), (START + 5 * MIN, "b", 1)]


def test_the_seeds_anomaly_rules():
    w = StreamWindows()
    alerts = w.apply(
        [
            at(0, 0, eventType="purchase", properties={"amount": "100"}),
            at(1, 50, eventType="click"),  # 50 ms after the last event
            at(2, 10_000, eventType="purchase", properties={"amount": "501"}),  # > 5 x 100
            at(
                3,
                20_000,
                eventType="page_view",
                context={
                    "userAgent": "t",
                    "ip": "198.51.100.9",
                    "platform": "web",
                    "referrer": None,
                },
            ),
            at(4, 30_000, eventType="purchase", properties={"amount": "400"}),  # average 300.5
        ]
    )
    assert [(a.event_id, a.rule) for a in alerts] == [
        ("e1", "fast_clicks"),
        ("e2", "large_purchase"),
        ("e3", "location_change"),
    ]
    assert "click 50 ms after" in alerts[0].reason


def test_stream_with_checkpoints_matches_the_batch_recomputation():
    events = clickstream(3000)
    w = StreamWindows()
    sessions, windows = set(), set()
    for at_ in range(0, len(events), 97):
        # a checkpoint and a restore at every step: the state survives its encoding
        w = StreamWindows.restore(w.snapshot())
        w.apply(events[at_ : at_ + 97])
        closed_sessions, closed_windows = w.closed()
        sessions |= {
            (s.key, s.start, s.end, s.events, s.page_views, s.clicks, s.purchased)
            for s in closed_sessions
        }
        windows |= set(closed_windows)
    assert w.state.late == 0 and w.state.events == 3000
    expected_sessions, expected_windows = recompute(events, w.watermark)
    assert len(expected_sessions) > 100 and len(expected_windows) > 100
    assert sessions == expected_sessions
    assert windows == expected_windows
