"""The stream's keyed state in plain Python: event-time watermark, sessions (an inactivity
gap), product popularity (tumbling windows) and the seed's anomaly rules. No Django and no
I/O: the runner (``analytics.stream``) feeds it events in log order, takes what closed, and
checkpoints ``snapshot()`` with the log offset in one transaction.

Semantics (the batch recomputation in ``recompute`` follows the same):

- watermark = the largest event time seen - ``lateness_ms``; an event older than the watermark
  is late: counted, not applied (its windows may already be out);
- a session of a key is a run of its events each at most ``gap_ms`` after the one before; it
  closes once its last event + gap is before the watermark;
- a popularity window ``[start, start + size)`` counts the events with a ``productId``; it
  closes once its end is at or before the watermark.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import msgspec

SESSION_GAP_MS = 30 * 60 * 1000
WINDOW_MS = 5 * 60 * 1000
FAST_CLICK_MS = 100
PURCHASE_FACTOR = 5.0
LOCATION_WINDOW_MS = 60 * 60 * 1000
KNOWN_LOCATIONS_KEPT = 5


class Session(msgspec.Struct, array_like=True):
    key: str
    user_id: str | None
    start: int
    end: int
    events: int = 0
    page_views: int = 0
    clicks: int = 0
    purchased: bool = False


class Profile(msgspec.Struct, array_like=True):
    last_ts: int | None = None
    purchases: int = 0
    purchase_total: float = 0.0
    locations: list[str] = msgspec.field(default_factory=list)


@dataclass(frozen=True)
class Alert:
    event_id: str
    user_id: str
    rule: str
    reason: str
    event_time: int


class State(msgspec.Struct):
    max_ts: int | None = None
    late: int = 0
    events: int = 0
    sessions: dict[str, list[Session]] = msgspec.field(default_factory=dict)
    windows: dict[int, dict[str, int]] = msgspec.field(default_factory=dict)
    profiles: dict[str, Profile] = msgspec.field(default_factory=dict)


_encoder = msgspec.msgpack.Encoder()
_decoder = msgspec.msgpack.Decoder(State)


def session_key(event: dict) -> str:
    return event["sessionId"]


class StreamWindows:
    def __init__(
        self,
        state: State | None = None,
        *,
        lateness_ms: int = 5000,
        gap_ms: int = SESSION_GAP_MS,
        window_ms: int = WINDOW_MS,
    ) -> None:
        self.state = state or State()
        self.lateness_ms, self.gap_ms, self.window_ms = lateness_ms, gap_ms, window_ms

    # --- checkpoints ---------------------------------------------------------------------

    def snapshot(self) -> bytes:
        return _encoder.encode(self.state)

    @classmethod
    def restore(cls, data: bytes | None, **options) -> StreamWindows:
        return cls(_decoder.decode(data) if data else None, **options)

    @property
    def watermark(self) -> int | None:
        ts = self.state.max_ts
        return None if ts is None else ts - self.lateness_ms

    # --- events --------------------------------------------------------------------------

    def apply(self, events: Iterable[dict]) -> list[Alert]:
        """Apply events in log order; returns the anomaly alerts they raised."""
        alerts: list[Alert] = []
        state = self.state
        for event in events:
            ts = event["timestamp"]
            watermark = self.watermark
            if watermark is not None and ts < watermark:
                state.late += 1
                continue
            state.events += 1
            if state.max_ts is None or ts > state.max_ts:
                state.max_ts = ts
            self._session_add(event, ts)
            product = event["properties"].get("productId")
            if product is not None:
                start = ts - ts % self.window_ms
                counts = state.windows.setdefault(start, {})
                counts[product] = counts.get(product, 0) + 1
            if event.get("userId"):
                self._anomalies(event, ts, alerts)
        return alerts

    def _session_add(self, event: dict, ts: int) -> None:
        key = session_key(event)
        open_sessions = self.state.sessions.setdefault(key, [])
        touching = [s for s in open_sessions if s.start - self.gap_ms <= ts <= s.end + self.gap_ms]
        merged = Session(key, event.get("userId"), ts, ts)
        for session in touching:
            open_sessions.remove(session)
            merged.start, merged.end = (
                min(merged.start, session.start),
                max(merged.end, session.end),
            )
            merged.events += session.events
            merged.page_views += session.page_views
            merged.clicks += session.clicks
            merged.purchased |= session.purchased
            merged.user_id = merged.user_id or session.user_id
        kind = event["eventType"]
        merged.events += 1
        merged.page_views += kind == "page_view"
        merged.clicks += kind == "click"
        merged.purchased |= kind == "purchase"
        open_sessions.append(merged)

    def _anomalies(self, event: dict, ts: int, alerts: list[Alert]) -> None:
        user = event["userId"]
        profile = self.state.profiles.get(user)
        if profile is None:
            profile = self.state.profiles[user] = Profile()
        kind, event_id = event["eventType"], event["eventId"]
        since = None if profile.last_ts is None else ts - profile.last_ts
        if kind == "click" and since is not None and 0 <= since < FAST_CLICK_MS:
            alerts.append(
                Alert(event_id, user, "fast_clicks", f"click {since} ms after the last event", ts)
            )
        if kind == "purchase":
            try:
                amount = float(event["properties"].get("amount", "0"))
            except ValueError:
                amount = 0.0
            if profile.purchases:
                average = profile.purchase_total / profile.purchases
                if amount > average * PURCHASE_FACTOR:
                    alerts.append(
                        Alert(
                            event_id,
                            user,
                            "large_purchase",
                            f"purchase of {amount:g}, over {PURCHASE_FACTOR:g}x the average {average:g}",
                            ts,
                        )
                    )
            profile.purchases += 1
            profile.purchase_total += amount
        location = event["context"]["ip"]
        if (
            profile.locations
            and location not in profile.locations
            and since is not None
            and 0 <= since < LOCATION_WINDOW_MS
        ):
            alerts.append(
                Alert(event_id, user, "location_change", "a new location within the hour", ts)
            )
        if location not in profile.locations:
            profile.locations = [*profile.locations, location][-KNOWN_LOCATIONS_KEPT:]
        profile.last_ts = ts if profile.last_ts is None else max(profile.last_ts, ts)

    # --- what closed -----------------------------------------------------------------------

    def closed(self) -> tuple[list[Session], list[tuple[int, str, int]]]:
        """Remove and return the sessions and (window start, product, count) the watermark
        has passed."""
        watermark = self.watermark
        if watermark is None:
            return [], []
        sessions = []
        for key in list(self.state.sessions):
            open_sessions = self.state.sessions[key]
            done = [s for s in open_sessions if s.end + self.gap_ms < watermark]
            if done:
                sessions += done
                left = [s for s in open_sessions if s.end + self.gap_ms >= watermark]
                if left:
                    self.state.sessions[key] = left
                else:
                    del self.state.sessions[key]
        windows = []
        for start in sorted(self.state.windows):
            if start + self.window_ms > watermark:
                break
            windows += [(start, p, n) for p, n in self.state.windows.pop(start).items()]
        return sessions, windows


def recompute(
    events: list[dict], watermark: int, *, gap_ms: int = SESSION_GAP_MS, window_ms: int = WINDOW_MS
) -> tuple[set[tuple], set[tuple]]:
    """The batch computation of what a stream closed by ``watermark`` holds (no late events):
    sessions as (key, start, end, events, page_views, clicks, purchased) and windows as
    (start, product, count)."""
    by_key: dict[str, list[dict]] = {}
    windows: dict[tuple[int, str], int] = {}
    for event in events:
        by_key.setdefault(session_key(event), []).append(event)
        product = event["properties"].get("productId")
        if product is not None:
            start = event["timestamp"] - event["timestamp"] % window_ms
            windows[start, product] = windows.get((start, product), 0) + 1
    sessions = set()
    for key, group in by_key.items():
        group.sort(key=lambda e: e["timestamp"])
        runs = [[group[0]]]
        for event in group[1:]:
            if event["timestamp"] - runs[-1][-1]["timestamp"] <= gap_ms:
                runs[-1].append(event)
            else:
                runs.append([event])
        for run in runs:
            start, end = run[0]["timestamp"], run[-1]["timestamp"]
            if end + gap_ms < watermark:
                kinds = [e["eventType"] for e in run]
                sessions.add(
                    (
                        key,
                        start,
                        end,
                        len(run),
                        kinds.count("page_view"),
                        kinds.count("click"),
                        "purchase" in kinds,
                    )
                )
    closed_windows = {(s, p, n) for (s, p), n in windows.items() if s + window_ms <= watermark}
    return sessions, closed_windows
