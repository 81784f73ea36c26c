"""What access stores besides Django's users and groups: API tokens, as digests."""

from django.conf import settings
from django.db import models


class ApiToken(models.Model):
    """One API token of a user. Only the SHA-256 digest of the key is kept (``tokens.py``);
    ``prefix`` is its first characters, enough to tell a user's tokens apart."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    digest = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=8)
    created_at = models.DateTimeField()

    class Meta:
        db_table = "yooini_api_token"

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"
