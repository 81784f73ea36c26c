"""What a sender raises when a message did not get through, and whether trying again helps."""

from __future__ import annotations


class SendFailed(Exception):
    """A message was not delivered. The text never contains a secret (webhook URL, password).

    ``permanent``: the same request will fail again (a wrong or revoked webhook, a refused
    recipient), so it is not retried. ``retry_after``: seconds the receiver asked us to wait.
    """

    def __init__(
        self, message: str, *, permanent: bool = False, retry_after: float | None = None
    ) -> None:
        super().__init__(message)
        self.permanent = permanent
        self.retry_after = retry_after
