"""Typed client for the Microsoft Partner Center REST API (no Django imports).

from partnercenter import Client
client = Client(base_url=..., authority=..., client_id=..., client_secret=...)
for customer in client.list_customers(): ...
"""

from . import drift, models
from .auth import FileTokenCacheStore, MemoryTokenCacheStore, SignedInUser, TokenCacheStore
from .client import Client
from .errors import (
    AuthenticationError,
    Conflict,
    ConnectionFailed,
    InvalidResponse,
    NotFound,
    OutcomeUnknown,
    PartnerCenterError,
    PermissionDenied,
    ServerError,
    Throttled,
    Timeout,
    UserSignInRequired,
    ValidationError,
)

__all__ = [
    "AuthenticationError",
    "Client",
    "Conflict",
    "ConnectionFailed",
    "FileTokenCacheStore",
    "InvalidResponse",
    "MemoryTokenCacheStore",
    "NotFound",
    "OutcomeUnknown",
    "PartnerCenterError",
    "PermissionDenied",
    "ServerError",
    "SignedInUser",
    "Throttled",
    "Timeout",
    "TokenCacheStore",
    "UserSignInRequired",
    "ValidationError",
    "drift",
    "models",
]
