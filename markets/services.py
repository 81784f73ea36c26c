"""Writes of markets: accounts and their credentials, and the connector of an account.

Publishing listings (REGISTER) is ``markets.publish``; ``listing_publish`` and
``listing_publish_many`` are re-exported here for callers of the service layer.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from django.conf import settings as django_settings
from django.core.exceptions import ValidationError
from django.db import transaction

from orchestrator.core.clock import get_clock
from yooini.crypto import credentials_checked, credentials_decrypt, credentials_encrypt

from .contract import MarketConfig, MarketConnector, connector_for
from .models import MarketAccount
from .publish import MODES, listing_publish, listing_publish_many

log = logging.getLogger("yooini.markets")

_EDITABLE = ("name", "market", "enabled", "dry_run", "settings")

__all__ = [
    "MODES",
    "listing_publish",
    "listing_publish_many",
    "market_account_create",
    "market_account_credentials",
    "market_account_save",
    "market_account_set_credentials",
    "market_account_update_credentials",
    "market_connector",
]


# --- accounts ---------------------------------------------------------------------------


def market_account_create(
    *,
    name: str,
    market: str = "buyma",
    settings: Mapping[str, Any] | None = None,
    credentials: Mapping[str, str] | None = None,
    dry_run: bool = True,
    enabled: bool = True,
) -> MarketAccount:
    """A new account (dry run unless told otherwise). ``ValidationError`` for a bad or taken
    name, an unknown market, settings that are not an object or credentials that are not an
    object of strings; ``CredentialsKeyMissing`` without ``YOOINI_CREDENTIALS_KEY`` when there
    are credentials (nothing is written then)."""
    if not isinstance(settings, Mapping | None):
        raise ValidationError({"settings": "must be a JSON object"})
    account = MarketAccount(
        name=name, market=market, settings=dict(settings or {}), dry_run=dry_run, enabled=enabled
    )
    account.credentials_encrypted = credentials_encrypt(credentials_checked(credentials or {}))
    market_account_save(account=account)
    if credentials:
        log.info("market account %s created with credentials (keys: %s)", name, sorted(credentials))
    return account


def market_account_save(*, account: MarketAccount) -> MarketAccount:
    """Validate and write a new account, or the editable fields of an existing one."""
    now = get_clock().now()
    adding = account.pk is None
    if adding:
        account.created_at = now
    account.updated_at = now
    if not isinstance(account.settings, dict):
        raise ValidationError({"settings": "must be a JSON object"})
    account.full_clean()
    if adding:
        account.save(force_insert=True)
    else:
        account.save(update_fields=[*_EDITABLE, "updated_at"])
    return account


def market_account_set_credentials(
    *, account: MarketAccount, credentials: Mapping[str, str]
) -> None:
    """Replace the account's credentials (``{}`` removes them)."""
    token = credentials_encrypt(credentials_checked(credentials))
    now = get_clock().now()
    MarketAccount.objects.filter(pk=account.pk).update(credentials_encrypted=token, updated_at=now)
    account.credentials_encrypted, account.updated_at = token, now
    log.info("credentials of market account %s set (keys: %s)", account.name, sorted(credentials))


def market_account_update_credentials(*, account: MarketAccount, values: Mapping[str, str]) -> None:
    """Merge ``values`` (new tokens) into the stored credentials, under a row lock so two
    workers refreshing at once cannot drop each other's refresh token."""
    with transaction.atomic():
        locked = MarketAccount.objects.select_for_update().get(pk=account.pk)
        merged = {
            **credentials_decrypt(locked.credentials_encrypted),
            **credentials_checked(values),
        }
        token = credentials_encrypt(merged)
        MarketAccount.objects.filter(pk=account.pk).update(credentials_encrypted=token)
    account.credentials_encrypted = token
    log.info("credentials of market account %s updated (keys: %s)", account.name, sorted(values))


def market_account_credentials(account: MarketAccount) -> dict[str, str]:
    """The account's credentials in clear (``{}`` when none)."""
    return credentials_decrypt(account.credentials_encrypted)


def market_connector(account: MarketAccount, *, transport=None) -> MarketConnector:
    """The connector of the account's market with its decrypted credentials; refreshed tokens
    are stored back (encrypted) as soon as they arrive. Close it after use (``with``)."""
    return connector_for(market_config(account, transport=transport))


def market_config(account: MarketAccount, *, transport=None) -> MarketConfig:
    """What a connector of the account is built from: its settings, its decrypted credentials
    (a refreshed token is stored back, encrypted, as soon as it arrives), the timeouts."""
    return MarketConfig(
        kind=account.market,
        account=account.name,
        settings=account.settings,
        credentials=market_account_credentials(account),
        on_credentials=lambda values: market_account_update_credentials(
            account=account, values=values
        ),
        transport=transport,
        timeout=float(getattr(django_settings, "YOOINI_MARKET_TIMEOUT", 15.0)),
        max_wait=float(getattr(django_settings, "YOOINI_MARKET_MAX_WAIT", 5.0)),
    )


# Kept for callers that knew the connector as a client.
market_client = market_connector
