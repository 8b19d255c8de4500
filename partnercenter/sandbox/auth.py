"""Azure AD look-alike authority (OIDC discovery, authorize page, v2.0 and v1 token endpoints) and
bearer-token checks for the API.

Tokens are HS256 JWTs signed with a key kept in the state database, so they survive restarts.
The discovery document builds URLs from the request's host; MSAL requires https endpoints, so the
token endpoint and issuer use ``https`` (or ``X-Forwarded-Proto``) while the browser-facing
authorize endpoint uses the scheme the request actually arrived on.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import secrets
import uuid
from urllib.parse import urlencode

import jwt
from flask import Blueprint, Response, jsonify, redirect, request

from partnercenter.sandbox import speed
from partnercenter.sandbox.common import ApiError, iso, stable_uuid
from partnercenter.sandbox.state import Sandbox, sandbox

bp = Blueprint("auth", __name__)

PC_RESOURCE = "https://api.partnercenter.microsoft.com"
PRICING_RESOURCE = "https://api.partner.microsoft.com"  # price sheets (Partner "Pricing" API)
OIDC_SCOPES = {"openid", "profile", "offline_access", "email"}


def signing_key(sb: Sandbox) -> str:
    key = sb.store.meta("signing_key")
    if not key:
        key = secrets.token_hex(32)
        sb.store.set_meta("signing_key", key)
    return key


def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


def _encode(sb: Sandbox, claims: dict) -> str:
    return jwt.encode(claims, signing_key(sb), algorithm="HS256", headers={"kid": "sandbox"})


def _decode_cached(sb: Sandbox, token: str, audience: list[str]) -> dict:
    """``_decode`` for bearer tokens, remembered (``speed.decoded_tokens``)."""
    cache_key = (signing_key(sb), token, tuple(audience))
    claims = speed.decoded_tokens.get(cache_key)
    if claims is None:  # a bad token raises in _decode: never cached
        claims = speed.decoded_tokens.put(cache_key, _decode(sb, token, audience))
    return dict(claims)


def _decode(sb: Sandbox, token: str, audience: list[str] | None = None) -> dict:
    return jwt.decode(
        token, signing_key(sb), algorithms=["HS256"], audience=audience,
        options={"verify_exp": False, "verify_aud": audience is not None, "verify_iat": False,
                 "verify_nbf": False},
    )  # fmt: skip


def _tenant_ok(tenant: str) -> bool:
    return tenant.lower() in (sandbox().settings.tenant_id.lower(), "common", "organizations")


def _hosts(tenant: str) -> tuple[str, str]:
    """(API-facing base, browser-facing base) URLs for this tenant, built from the request host."""
    forwarded = request.headers.get("X-Forwarded-Proto")
    api_scheme = forwarded or "https"
    browser_scheme = forwarded or request.scheme
    return f"{api_scheme}://{request.host}/{tenant}", f"{browser_scheme}://{request.host}/{tenant}"


def _issuer() -> str:
    forwarded = request.headers.get("X-Forwarded-Proto") or "https"
    return f"{forwarded}://{request.host}/{sandbox().settings.tenant_id}/v2.0"


def aad_error(status: int, error: str, code: int, message: str, **extra) -> Response:
    """An Azure AD style OAuth error body."""
    trace, corr = str(uuid.uuid4()), request.form.get("client-request-id") or str(uuid.uuid4())
    stamp = iso(sandbox().now())
    body = {
        "error": error,
        "error_description": f"AADSTS{code}: {message}\r\nTrace ID: {trace}\r\nCorrelation ID: {corr}\r\nTimestamp: {stamp}",
        "error_codes": [code], "timestamp": stamp, "trace_id": trace, "correlation_id": corr,
        "error_uri": f"https://login.microsoftonline.com/error?code={code}",
    }  # fmt: skip
    body.update(extra)
    resp = jsonify(body)
    resp.status_code = status
    return resp


def _tenant_not_found(tenant: str) -> Response:
    return aad_error(400, "invalid_tenant", 90002, f"Tenant '{tenant}' not found.")


# -- discovery -----------------------------------------------------------------------------------
@bp.get("/<tenant>/v2.0/.well-known/openid-configuration")
@bp.get("/<tenant>/.well-known/openid-configuration")
def openid_configuration(tenant):
    if not _tenant_ok(tenant):
        return _tenant_not_found(tenant)
    api, browser = _hosts(tenant)
    return jsonify({
        "token_endpoint": f"{api}/oauth2/v2.0/token",
        "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
        "jwks_uri": f"{api}/discovery/v2.0/keys",
        "response_modes_supported": ["query", "fragment", "form_post"],
        "subject_types_supported": ["pairwise"],
        "id_token_signing_alg_values_supported": ["HS256"],
        "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
        "scopes_supported": ["openid", "profile", "email", "offline_access"],
        "issuer": _issuer(),
        "request_uri_parameter_supported": False,
        "authorization_endpoint": f"{browser}/oauth2/v2.0/authorize",
        "end_session_endpoint": f"{browser}/oauth2/v2.0/logout",
        "http_logout_supported": True,
        "frontchannel_logout_supported": True,
        "claims_supported": ["sub", "iss", "aud", "exp", "iat", "nonce", "name", "preferred_username",
                             "oid", "tid", "ver"],
        "tenant_region_scope": "NA",
        "cloud_instance_name": "microsoftonline.com",
        "cloud_graph_host_name": "graph.windows.net",
        "msgraph_host": "graph.microsoft.com",
    })  # fmt: skip


@bp.get("/common/discovery/instance")
def instance_discovery():
    api, _ = _hosts("common")
    endpoint = request.args.get("authorization_endpoint", "")
    tenant = endpoint.split("/")[3] if endpoint.count("/") > 3 else sandbox().settings.tenant_id
    return jsonify({
        "tenant_discovery_endpoint": f"{api.rsplit('/', 1)[0]}/{tenant}/v2.0/.well-known/openid-configuration",
        "api-version": "1.1",
        "metadata": [],
    })  # fmt: skip


@bp.get("/<tenant>/discovery/v2.0/keys")
def jwks(tenant):
    return jsonify({"keys": []})


# -- authorize (sign-in page) --------------------------------------------------------------------
SIGN_IN_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Sign in - Partner Center sandbox</title>
<style>body{{font-family:system-ui,sans-serif;max-width:26rem;margin:4rem auto}}
label,input,button{{display:block;width:100%;margin:.4rem 0}}.error{{color:#a00}}</style></head>
<body><h1>Sign in</h1><p>Partner Center sandbox (tenant {tenant}). Any account name is accepted.</p>
{error}<form method="post" action="">{hidden}
<label for="username">Email, phone, or Skype</label>
<input id="username" name="username" type="email" value="{username}" autofocus required>
<label for="name">Display name (optional)</label><input id="name" name="name" value="">
<button type="submit">Sign in</button></form></body></html>"""


def _authorize_params() -> dict:
    params = dict(request.args)
    if request.method == "POST":
        params.update({k: v for k, v in request.form.items() if k not in ("username", "name")})
    return params


@bp.route("/<tenant>/oauth2/v2.0/authorize", methods=["GET", "POST"])
@bp.route("/<tenant>/oauth2/authorize", methods=["GET", "POST"])
def authorize(tenant):
    sb = sandbox()
    if not _tenant_ok(tenant):
        return _tenant_not_found(tenant)
    params = _authorize_params()
    if params.get("client_id") != sb.settings.client_id:
        return Response(
            f"AADSTS700016: Application with identifier '{html.escape(params.get('client_id', ''))}' "
            "was not found in the directory.", status=400, mimetype="text/plain",
        )  # fmt: skip
    if not params.get("redirect_uri") or "code" not in params.get("response_type", "").split():
        return Response("AADSTS900144: The request body must contain 'redirect_uri' and "
                        "response_type=code.", status=400, mimetype="text/plain")  # fmt: skip
    username = (request.form.get("username") or "").strip() if request.method == "POST" else ""
    if request.method == "GET" or not username or "@" not in username:
        hidden = "".join(
            f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">'
            for k, v in params.items()
        )
        error = (
            '<p class="error" role="alert">Enter a valid account name.</p>'
            if request.method == "POST"
            else ""
        )
        page = SIGN_IN_PAGE.format(
            tenant=html.escape(sb.settings.tenant_id), hidden=hidden, error=error,
            username=html.escape(params.get("login_hint", "")),
        )  # fmt: skip
        return Response(page, status=200 if request.method == "GET" else 400, mimetype="text/html")
    code = secrets.token_urlsafe(32)
    user = _user(username, request.form.get("name"))
    sb.store.put("authcode", code, {
        "client_id": params["client_id"], "redirect_uri": params["redirect_uri"],
        "scope": params.get("scope", ""), "nonce": params.get("nonce"),
        "code_challenge": params.get("code_challenge"),
        "code_challenge_method": params.get("code_challenge_method", "plain"),
        "user": user, "expires": sb.now() + 600, "used": False,
    }, created=sb.now())  # fmt: skip
    answer = {
        "code": code,
        "client_info": _b64({"uid": user["oid"], "utid": sb.settings.tenant_id}),
        "session_state": str(uuid.uuid4()),
    }
    if params.get("state"):
        answer["state"] = params["state"]
    if params.get("response_mode") == "form_post":
        fields = "".join(
            f'<input type="hidden" name="{k}" value="{html.escape(v)}">' for k, v in answer.items()
        )
        return Response(
            f'<html><body onload="document.forms[0].submit()"><form method="post" '
            f'action="{html.escape(params["redirect_uri"])}">{fields}</form></body></html>',
            mimetype="text/html",
        )
    sep = "&" if "?" in params["redirect_uri"] else "?"
    return redirect(params["redirect_uri"] + sep + urlencode(answer), code=302)


def _user(username: str, name: str | None = None) -> dict:
    local = username.split("@")[0]
    return {
        "oid": stable_uuid("user", username.lower()),
        "upn": username,
        "name": (name or "").strip() or local.replace(".", " ").title(),
    }


# -- token endpoint ------------------------------------------------------------------------------
@bp.post("/<tenant>/oauth2/v2.0/token")
@bp.post("/<tenant>/oauth2/token")
def token(tenant):
    sb = sandbox()
    v1 = not request.path.endswith("/v2.0/token")
    grant = request.form.get("grant_type", "")
    sb.count(sb.token_requests, grant or "missing")
    if not _tenant_ok(tenant):
        return _tenant_not_found(tenant)
    client_id, secret = request.form.get("client_id"), request.form.get("client_secret")
    if request.authorization and request.authorization.type == "basic":
        client_id = client_id or request.authorization.username
        secret = secret or request.authorization.password
    if client_id != sb.settings.client_id:
        return aad_error(401, "invalid_client", 700016,
                         f"Application with identifier '{client_id}' was not found in the directory "
                         f"'{sb.settings.tenant_id}'.")  # fmt: skip
    if secret != sb.settings.client_secret:
        return aad_error(401, "invalid_client", 7000215,
                         "Invalid client secret provided. Ensure the secret being sent in the "
                         f"request is the client secret value, not the client secret ID, for a "
                         f"secret added to app '{client_id}'.")  # fmt: skip
    scope = request.form.get("scope", "")
    if grant == "client_credentials":
        resource = request.form.get("resource")
        if not v1 and not all(s.endswith("/.default") for s in scope.split() if s):
            return aad_error(400, "invalid_scope", 1002012,
                             f"The provided value for scope {scope} is not valid. Client credential "
                             "flows must have a scope value with /.default suffixed to the resource "
                             "identifier (application ID URI).")  # fmt: skip
        return _token_response(None, scope, v1, resource)
    if grant == "authorization_code":
        return _redeem_code(scope, v1)
    if grant == "refresh_token":
        return _redeem_refresh(scope, v1)
    return aad_error(400, "unsupported_grant_type", 70003,
                     f"The app requested an unsupported grant type '{grant}'.")  # fmt: skip


def _redeem_code(scope: str, v1: bool) -> Response:
    sb = sandbox()
    code = request.form.get("code", "")
    with sb.store.transaction():
        grant = sb.store.get("authcode", code)
        if not grant or grant["used"] or grant["expires"] < sb.now():
            return aad_error(400, "invalid_grant", 70008,
                             "The provided authorization code or refresh token has expired due to "
                             "inactivity or was already redeemed.")  # fmt: skip
        if grant["redirect_uri"] != request.form.get("redirect_uri"):
            return aad_error(
                400,
                "invalid_grant",
                50148,
                "The redirect_uri does not match the one used in the authorization request.",
            )
        challenge = grant.get("code_challenge")
        if challenge:
            verifier = request.form.get("code_verifier", "")
            if grant["code_challenge_method"] == "S256":
                digest = hashlib.sha256(verifier.encode()).digest()
                verifier = base64.urlsafe_b64encode(digest).decode().rstrip("=")
            if verifier != challenge:
                return aad_error(400, "invalid_grant", 501481,
                                 "The Code_Verifier does not match the code_challenge supplied in "
                                 "the authorization request.")  # fmt: skip
        grant["used"] = True
        sb.store.put("authcode", code, grant)
    return _token_response(grant["user"], scope or grant["scope"], v1, nonce=grant.get("nonce"))


def _redeem_refresh(scope: str, v1: bool) -> Response:
    sb = sandbox()
    try:
        claims = _decode(sb, request.form.get("refresh_token", ""))
    except jwt.PyJWTError:
        claims = {}
    if claims.get("typ") != "rt" or claims.get("cid") != sb.settings.client_id:
        return aad_error(
            400, "invalid_grant", 9002313, "Invalid request. The refresh token is malformed."
        )
    if claims.get("gen") != sb.store.meta("user_token_generation", 0):
        return aad_error(400, "invalid_grant", 50076,
                         "Due to a configuration change made by your administrator, or because you "
                         "moved to a new location, you must use multi-factor authentication to access "
                         f"'{PC_RESOURCE}'.", suberror="basic_action",
                         claims='{"access_token":{"capolids":{"essential":true}}}')  # fmt: skip
    user = {"oid": claims["sub"], "upn": claims["upn"], "name": claims["name"]}
    return _token_response(user, scope or claims.get("scp", ""), v1)


def _token_response(user, scope, v1, resource=None, nonce=None) -> Response:
    sb = sandbox()
    s = sb.settings
    now = int(sb.now())
    lifetime = s.access_token_lifetime
    resource_scopes = [x for x in scope.split() if x.lower() not in OIDC_SCOPES]
    audience = PC_RESOURCE
    if any(x.lower().startswith(PRICING_RESOURCE + "/") for x in resource_scopes):
        audience = PRICING_RESOURCE
    access = {
        "aud": audience, "iss": f"https://sts.windows.net/{s.tenant_id}/", "iat": now, "nbf": now,
        "exp": now + lifetime, "appid": s.client_id, "tid": s.tenant_id, "ver": "1.0",
        "uti": secrets.token_urlsafe(8),
    }  # fmt: skip
    body: dict = {"token_type": "Bearer"}
    if user:
        access.update(idtyp="user", oid=user["oid"], sub=user["oid"], upn=user["upn"],
                      name=user["name"], scp="user_impersonation",
                      agen=sb.store.meta("user_access_generation", 0))  # fmt: skip
        gen = sb.store.meta("user_token_generation", 0)
        body["refresh_token"] = _encode(sb, {
            "typ": "rt", "sub": user["oid"], "upn": user["upn"], "name": user["name"],
            "cid": s.client_id, "gen": gen, "scp": scope, "iat": now, "jti": secrets.token_hex(8),
        })  # fmt: skip
        id_claims = {
            "aud": s.client_id, "iss": _issuer(), "iat": now, "nbf": now, "exp": now + lifetime,
            "name": user["name"], "oid": user["oid"], "preferred_username": user["upn"],
            "sub": stable_uuid("sub", user["oid"], s.client_id), "tid": s.tenant_id, "ver": "2.0",
        }  # fmt: skip
        if nonce:
            id_claims["nonce"] = nonce
        body["id_token"] = _encode(sb, id_claims)
        body["client_info"] = _b64({"uid": user["oid"], "utid": s.tenant_id})
    else:
        access.update(idtyp="app", oid=stable_uuid("sp", s.client_id), sub=stable_uuid("sp", s.client_id),
                      roles=[])  # fmt: skip
    body["access_token"] = _encode(sb, access)
    if v1:
        body.update(expires_in=str(lifetime), ext_expires_in=str(lifetime),
                    expires_on=str(now + lifetime), not_before=str(now),
                    resource=resource or PC_RESOURCE)  # fmt: skip
        if user:
            body["scope"] = "user_impersonation"
    else:
        body.update(expires_in=lifetime, ext_expires_in=lifetime)
        if resource_scopes:
            body["scope"] = " ".join(resource_scopes)
    resp = jsonify(body)
    resp.headers["Cache-Control"] = "no-store, no-cache"
    return resp


def revoke_user_tokens(access_tokens: bool = False) -> None:
    """Make every issued refresh token fail with invalid_grant (as after an MFA re-consent)."""
    store = sandbox().store
    with store.transaction():
        store.set_meta("user_token_generation", store.meta("user_token_generation", 0) + 1)
        if access_tokens:
            store.set_meta("user_access_generation", store.meta("user_access_generation", 0) + 1)


# -- API bearer checks ---------------------------------------------------------------------------
def authenticate() -> dict:
    """Validate the request's bearer token; 401 with the standard error body otherwise."""
    sb = sandbox()
    header = request.headers.get("Authorization", "")
    if not header.lower().startswith("bearer ") or not header[7:].strip():
        raise ApiError(401, 800001, "Partner Token missing in request context.")
    try:
        claims = _decode_cached(sb, header[7:].strip(), [PC_RESOURCE, PRICING_RESOURCE])
    except jwt.PyJWTError as exc:
        raise ApiError(401, 400, f"Access denied: the bearer token is not valid ({exc}).") from exc
    if claims.get("tid") != sb.settings.tenant_id or claims.get("appid") != sb.settings.client_id:
        raise ApiError(
            401, 400, "Access denied: the token was issued for another tenant or application."
        )
    if claims.get("exp", 0) < sb.now():
        raise ApiError(401, 400, "Access denied: the bearer token has expired.")
    if claims.get("idtyp") == "user" and claims.get("agen") != sb.store.meta(
        "user_access_generation", 0
    ):
        raise ApiError(401, 400, "Access denied: the user's token was revoked.")
    return claims


def user_only(view):
    """Mark a route App+User only: app-only tokens get 403 with the standard error body."""
    view.user_only = True
    return view


def require_user(claims: dict) -> None:
    if claims.get("idtyp") != "user":
        raise ApiError(403, 2032, "Access denied: this operation requires App+User (delegated) "
                                  "credentials; an app-only token was presented.")  # fmt: skip
