"""Where accepted events go: an append-only log of entries with offsets (see ``contract``)."""

from analytics.transports.contract import Entry, Transport, TransportError, transport_for

__all__ = ["Entry", "Transport", "TransportError", "transport_for"]
