"""Supplier connectors: read a supplier's products through one small contract.

``connector_for(kind, settings, credentials)`` builds a connector; ``kinds()`` lists the kinds
(built-in: csv, excel, http, ownerclan, domeggook; more through the ``yooini.suppliers``
entry-point group). See ``contract`` for what every connector promises and ``testing`` for the
suite that checks it. Pure Python: no Django import anywhere in this package.
"""

from suppliers.connectors.contract import (
    ENTRY_POINT_GROUP,
    AuthError,
    BaseConnector,
    Capabilities,
    CheckResult,
    ConfigError,
    Connector,
    ConnectorConfig,
    ConnectorError,
    Cursor,
    ReadResult,
    RejectedRow,
    SourceError,
    StockInfo,
    SupplierOption,
    SupplierRecord,
    TransientError,
    Unsupported,
    connector_for,
    kinds,
    register,
    unregister,
)

__all__ = [
    "ENTRY_POINT_GROUP",
    "AuthError",
    "BaseConnector",
    "Capabilities",
    "CheckResult",
    "ConfigError",
    "Connector",
    "ConnectorConfig",
    "ConnectorError",
    "Cursor",
    "ReadResult",
    "RejectedRow",
    "SourceError",
    "StockInfo",
    "SupplierOption",
    "SupplierRecord",
    "TransientError",
    "Unsupported",
    "connector_for",
    "kinds",
    "register",
    "unregister",
]
