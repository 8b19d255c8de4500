"""MSAL wrappers: app-only and App+User tokens, token cache persistence, local authorities.

An ``http://`` authority is a local one (the sandbox): MSAL only accepts https, so it is given the
https form of the URL plus :class:`LocalAuthorityHttpClient`, which sends that host's requests over
plain HTTP. Token values never reach the logs.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
import threading
import time
import warnings
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import urlsplit, urlunsplit

import msal
import requests

from .errors import AuthenticationError, UserSignInRequired

logger = logging.getLogger("partnercenter.auth")


class TokenCacheStore(Protocol):
    """Where the serialized MSAL token cache lives (a DB row, a file, ...)."""

    def load(self) -> str | None: ...

    def save(self, data: str) -> None: ...


class MemoryTokenCacheStore:
    """Keeps the cache in memory (default; tokens are lost on restart)."""

    def __init__(self, data: str | None = None) -> None:
        self.data = data

    def load(self) -> str | None:
        return self.data

    def save(self, data: str) -> None:
        self.data = data


class FileTokenCacheStore:
    """Keeps the cache in a file readable only by the owner, replaced atomically."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = os.fspath(path)

    def load(self) -> str | None:
        try:
            with open(self.path, encoding="utf-8") as fh:
                return fh.read()
        except FileNotFoundError:
            return None

    def save(self, data: str) -> None:
        folder = os.path.dirname(os.path.abspath(self.path))
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tokencache-")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(data)
            os.chmod(tmp, 0o600)
            os.replace(tmp, self.path)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise


@dataclass(frozen=True)
class SignedInUser:
    username: str | None
    home_account_id: str
    name: str | None = None


class LocalAuthorityHttpClient:
    """MSAL ``http_client`` on the client's pooled session, with timeouts and one log line per call.

    For a local authority (``local_netloc`` set) it sends ``https://<local host>`` requests over plain HTTP.
    """

    def __init__(self, session: requests.Session, local_netloc: str | None, timeout: Any) -> None:
        self._session = session
        self._netloc = local_netloc
        self._timeout = timeout

    def _map(self, url: str) -> str:
        parts = urlsplit(url)
        if self._netloc and parts.scheme == "https" and parts.netloc == self._netloc:
            return urlunsplit(("http", *parts[1:]))
        return url

    def _send(self, method: str, url: str, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", self._timeout)
        started = time.monotonic()
        response = self._session.request(method, self._map(url), **kwargs)
        logger.info(
            "auth %s %s -> %s in %dms",
            method,
            urlsplit(url).path,
            response.status_code,
            (time.monotonic() - started) * 1000,
        )
        if self._netloc and url.endswith("/openid-configuration") and response.status_code == 200:
            self._fix_endpoints(response)
        return response

    def _fix_endpoints(self, response: requests.Response) -> None:
        # MSAL requires https endpoints; the sandbox may advertise http ones. ``issuer`` stays as is:
        # MSAL compares it with the id_token's ``iss``.
        try:
            config = response.json()
        except ValueError:
            return
        prefix = f"http://{self._netloc}"
        for key, value in list(config.items()):
            if key.endswith("_endpoint") and isinstance(value, str) and value.startswith(prefix):
                config[key] = "https://" + value[len("http://") :]
        response._content = json.dumps(config).encode()

    def get(self, url: str, params: Any = None, headers: Any = None, **kwargs: Any) -> Any:
        return self._send("GET", url, params=params, headers=headers, **kwargs)

    def post(
        self, url: str, params: Any = None, data: Any = None, headers: Any = None, **kwargs: Any
    ) -> Any:
        return self._send("POST", url, params=params, data=data, headers=headers, **kwargs)

    def close(self) -> None:
        """The session belongs to the client; nothing to close here."""


# MSAL's HTTP cache, shared by the process: the authority's discovery document is fetched once,
# not once per client (the portal builds a client per unit of work).
_MSAL_HTTP_CACHE: dict = {}


class MsalAuth:
    """Acquires tokens through one lazily created MSAL ConfidentialClientApplication."""

    def __init__(
        self,
        *,
        authority: str,
        client_id: str,
        client_secret: str,
        app_scopes: list[str],
        user_scopes: list[str],
        session: requests.Session,
        timeout: Any,
        token_cache: TokenCacheStore | None = None,
    ) -> None:
        parts = urlsplit(authority.rstrip("/"))
        self.is_local = parts.scheme == "http"
        self.local_netloc = parts.netloc if self.is_local else None
        self.authority = (
            urlunsplit(("https", *parts[1:])) if self.is_local else authority.rstrip("/")
        )
        self.client_id = client_id
        self._secret = client_secret
        self.app_scopes = app_scopes
        self.user_scopes = user_scopes
        self._session = session
        self._timeout = timeout
        self._store = token_cache or MemoryTokenCacheStore()
        self._cache = msal.SerializableTokenCache()
        self._app: msal.ConfidentialClientApplication | None = None
        self._lock = threading.RLock()

    def __repr__(self) -> str:
        return f"MsalAuth(authority={self.authority!r}, client_id={self.client_id!r})"

    def _application(self) -> msal.ConfidentialClientApplication:
        if self._app is None:
            saved = self._store.load()
            if saved:
                self._cache.deserialize(saved)
            http_client = LocalAuthorityHttpClient(self._session, self.local_netloc, self._timeout)
            try:
                self._app = msal.ConfidentialClientApplication(
                    self.client_id,
                    client_credential=self._secret,
                    authority=self.authority,
                    token_cache=self._cache,
                    http_client=http_client,
                    instance_discovery=False if self.is_local else None,
                    http_cache=_MSAL_HTTP_CACHE,
                )
            except (ValueError, requests.RequestException) as exc:
                raise AuthenticationError(f"Could not reach the sign-in authority: {exc}") from exc
        return self._app

    def _persist(self) -> None:
        if self._cache.has_state_changed:
            self._store.save(self._cache.serialize())
            self._cache.has_state_changed = False

    def app_token(self) -> str:
        """An app-only token (client credentials); MSAL serves it from cache until near expiry."""
        with self._lock:
            try:
                result = self._application().acquire_token_for_client(scopes=self.app_scopes)
            except requests.RequestException as exc:
                raise AuthenticationError(f"Token request failed: {exc}") from exc
            self._persist()
        return _token_or_raise(result, AuthenticationError)

    def user_token(self, scopes: list[str] | None = None) -> str:
        """An App+User token for the signed-in account, refreshed silently from the cache."""
        with self._lock:
            app = self._application()
            accounts = app.get_accounts()
            if not accounts:
                raise UserSignInRequired("A partner user has to sign in to Partner Center first")
            try:
                result = app.acquire_token_silent_with_error(
                    scopes or self.user_scopes, account=accounts[0]
                )
            except requests.RequestException as exc:
                raise AuthenticationError(f"Token refresh failed: {exc}") from exc
            self._persist()
        if result is None:
            raise UserSignInRequired("The partner user's sign-in has expired; sign in again")
        return _token_or_raise(result, UserSignInRequired)

    def invalidate_token(self, token: str) -> None:
        """Forget a cached access token the API refused (401), so the next call gets a fresh one.

        MSAL trusts its cached token until its own clock says it expired; the server's clock may
        disagree. App tokens are then requested again; user tokens are refreshed with the cached
        refresh token (a revoked sign-in still ends in ``UserSignInRequired``)."""
        with self._lock:
            if self._app is None:
                return
            for entry in list(self._cache.search(msal.TokenCache.CredentialType.ACCESS_TOKEN)):
                if entry.get("secret") == token:
                    self._cache.remove_at(entry)
            self._persist()

    def begin_user_sign_in(self, redirect_uri: str, **kwargs: Any) -> dict[str, Any]:
        with self._lock, warnings.catch_warnings():
            # The portal's callback is a GET with the code in the query string (MSAL suggests form_post).
            warnings.filterwarnings("ignore", message="response_mode='form_post'")
            flow = self._application().initiate_auth_code_flow(
                scopes=self.user_scopes, redirect_uri=redirect_uri, **kwargs
            )
        if "error" in flow:
            raise AuthenticationError(
                f"Could not start sign-in: {flow.get('error_description') or flow['error']}"
            )
        if self.is_local and flow.get("auth_uri", "").startswith(f"https://{self.local_netloc}"):
            flow["auth_uri"] = "http://" + flow["auth_uri"][len("https://") :]
        return flow

    def complete_user_sign_in(
        self, flow: dict[str, Any], query_params: dict[str, Any]
    ) -> SignedInUser:
        with self._lock:
            try:
                result = self._application().acquire_token_by_auth_code_flow(
                    dict(flow), dict(query_params)
                )
            except (ValueError, RuntimeError) as exc:  # state or nonce mismatch
                raise AuthenticationError(f"Sign-in could not be completed: {exc}") from exc
            self._persist()
        _token_or_raise(result, AuthenticationError)
        claims = result.get("id_token_claims") or {}
        user = self.signed_in_user()
        if user is None:
            raise AuthenticationError("Sign-in returned no account")
        return SignedInUser(user.username, user.home_account_id, claims.get("name") or user.name)

    def signed_in_user(self) -> SignedInUser | None:
        with self._lock:
            app = self._application()
            accounts = app.get_accounts()
            if not accounts:
                return None
            account = accounts[0]
            name = None
            for entry in self._cache.search(
                msal.TokenCache.CredentialType.ID_TOKEN,
                query={"home_account_id": account["home_account_id"]},
            ):
                name = _id_token_name(entry.get("secret"))
                break
        return SignedInUser(account.get("username"), account["home_account_id"], name)

    def sign_out_user(self) -> None:
        with self._lock:
            app = self._application()
            for account in app.get_accounts():
                app.remove_account(account)
            self._persist()


def _id_token_name(id_token: str | None) -> str | None:
    if not id_token:
        return None
    try:
        claims = json.loads(msal.oauth2cli.oidc.decode_part(id_token.split(".")[1]))
    except (ValueError, IndexError):
        return None
    return claims.get("name") if isinstance(claims, dict) else None


def _token_or_raise(result: dict[str, Any] | None, error: type[AuthenticationError]) -> str:
    if result and "access_token" in result:
        return result["access_token"]
    result = result or {}
    code = result.get("error")
    description = result.get("error_description") or "no access token returned"
    if code == "invalid_grant":
        raise UserSignInRequired(
            "The partner user's sign-in was revoked or has expired; sign in again",
            code=code,
            description=description,
        )
    raise error(
        f"Token request failed: {code}: {description.splitlines()[0]}",
        code=code,
        description=description,
    )
