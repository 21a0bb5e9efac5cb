"""The reference server's FastAPI application: storage and HTTP around authcore.

Every auth decision is authcore's: who may call which route (:class:`authcore.gate.Gate`),
passwords and login limits (:class:`authcore.password.Accounts`), the device grant
(:class:`authcore.device.DeviceAuthority`), refresh rotation and reuse
(:class:`authcore.refresh.RefreshTokens`), the ``/device`` page's browser session and the
session tokens of the session exchange, desktop sign-in and magic links
(:class:`authcore.session.SessionManager`, :class:`authcore.signin.DesktopSignIn`,
:class:`authcore.signin.MagicLinks`, the identity provider's JWT checked by
:class:`authcore.jwt.Verifier`) and access tokens (:class:`authcore.jwt.Issuer`).
This module loads and stores the records they hand back (compare-and-swap on ``revision``,
see :mod:`authcore_server.storage`) and turns their answers into HTTP responses.
"""

import base64
import html
import json
import os
import time
import uuid
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence
from urllib.parse import parse_qs, quote, urlencode

from fastapi import Depends, FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool

import authcore
from authcore.asgi import GateMiddleware, auth_context
from authcore.device import DeviceAuthority, device_code_hash, parse_authorization_request, parse_token_request
from authcore.gate import Gate
from authcore.jwt import Issuer, Verifier
from authcore.oauth import error_response as oauth_error_response
from authcore.password import Accounts, normalize_email, normalize_username
from authcore.profiles import profile
from authcore.refresh import RefreshTokens, parse_refresh_request, refresh_token_hash
from authcore.session import SessionManager, session_token_hash
from authcore.signin import DesktopSignIn, MagicLinks, magic_link_hash, parse_desktop_exchange

from .storage import Storage

__all__ = ["create_app", "Settings", "EXAMPLE_ROUTES"]

SESSION_COOKIE = "authcore_device"
HERE = os.path.dirname(os.path.abspath(__file__))
BROWSER_DIR = os.path.join(os.path.dirname(os.path.dirname(HERE)), "browser")
DESKTOP_PATH = "/device/desktop"  # under /device: the browser session's cookie reaches it
DESKTOP_EXCHANGE = "/api/auth/desktop/exchange"
MAGIC_REQUEST = "/api/auth/magic-link"
MAGIC_VERIFY = "/api/auth/magic-link/verify"
LOGOUT = "/api/auth/logout"

# Logout takes a session token, before the profile's routes (first match wins).
FIRST_ROUTES: List[Dict[str, Any]] = [
    {"method": "POST", "path": LOGOUT, "access": "user", "credentials": ["session"]},
]

# The example's own routes, one per gate rule, after the profile's routes.
EXAMPLE_ROUTES: List[Dict[str, Any]] = [
    {"path": "/.well-known/**", "access": "public"},
    {"path": "/app", "access": "public"},
    {"path": "/app/**", "access": "public"},
    {"path": "/magic", "access": "public"},
    {"path": "/device", "access": "public"},
    {"path": "/device/**", "access": "public"},
    {"path": "/api/auth/**", "access": "public"},
    {"path": "/api/me", "access": "user"},
    {"path": "/api/inbox", "access": "user", "identity": "required"},
    {"path": "/api/dashboard", "access": "user_or_guest"},
    {"path": "/api/internal/stats", "access": "service"},
    {"path": "/api/reports/premium", "access": "user", "entitlement": "pro"},
]


class Settings:
    """What ``serve`` configures: profile, public base URL, lifetimes, secrets from ``env``."""

    def __init__(
        self,
        base_url: str,
        profile_name: str = "ravi",
        access_ttl: int = 3600,
        interval: int = 5,
        env: Optional[Mapping[str, str]] = None,
        clock: Callable[[], float] = time.time,
        idp: Optional[Mapping[str, Any]] = None,
        outbox: Optional[str] = None,
        desktop_redirect_uris: Sequence[str] = ("http://127.0.0.1/callback",),
        wasm_pkg: Optional[str] = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.profile_name = profile_name
        self.access_ttl = access_ttl
        self.interval = interval
        self.env = dict(os.environ if env is None else env)
        self.clock = clock
        #: The identity provider whose JWTs the session exchange takes: ``{"jwks": {...},
        #: "algorithms": [...], "issuer"?, "audience"?}``; ``None``: the server's own JWTs.
        self.idp = dict(idp) if idp is not None else None
        #: Where magic-link mails are appended, one JSON object a line (``None``: not sent).
        self.outbox = outbox
        #: The desktop app's redirect URIs (loopback entries match any port).
        self.desktop_redirect_uris = list(desktop_redirect_uris)
        #: The built ``@authcore/wasm`` package: when set, ``/app/`` serves the browser client.
        self.wasm_pkg = wasm_pkg


def _error(e: authcore.AuthError) -> JSONResponse:
    """An authcore error as its catalog response: status and ``{"detail", "code"}``."""
    return JSONResponse(json.loads(authcore.error_body(e.code, e.detail)), status_code=e.status)


def _http(resp: Mapping[str, Any]) -> Response:
    """A response record of the core (status, headers, body) sent as it is."""
    return Response(resp["body"], status_code=resp["status"], headers=dict(resp["headers"]))


async def _json_object(request: Request) -> Optional[Dict[str, Any]]:
    """The request's JSON object body, or ``None`` when it is not one."""
    try:
        data = json.loads(await request.body())
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def _refuse(code: str, detail: Optional[str] = None) -> JSONResponse:
    """The catalog response of ``code`` (its own detail unless one is given)."""
    body = json.loads(authcore.error_body(code, detail) if detail else authcore.error_body(code))
    return _error(authcore.error_from_dict(body))


def _bearer(request: Request) -> Optional[str]:
    """The request's ``Authorization: Bearer`` credential, or ``None``."""
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    return value.strip() or None if scheme.lower() == "bearer" else None


def _bad_body() -> JSONResponse:
    return JSONResponse(json.loads(authcore.error_body("invalid_request", "The body must be a JSON object.")), status_code=400)


def _signing_key(storage: Storage) -> Dict[str, Any]:
    """The server's Ed25519 signing key, made once and shared by every instance."""
    found = storage.get("key", "k1")
    if found is None:
        raw = base64.urlsafe_b64encode(os.urandom(32)).rstrip(b"=").decode()
        storage.insert("key", "k1", {"revision": 0, "spec": {"alg": "EdDSA", "kid": "k1", "raw_b64": raw}})
        found = storage.get("key", "k1")
    assert found is not None
    return dict(found["spec"])


def _put(storage: Storage, kind: str, key: str, record: Mapping[str, Any]) -> bool:
    """Store a record the core changed: compare-and-swap, or insert when it is new."""
    if storage.swap(kind, key, record):
        return True
    return storage.get(kind, key) is None and storage.insert(kind, key, record)


class GateStore:
    """The gate's view of storage: sessions and users (`authcore.asgi.GateStore`)."""

    def __init__(self, storage: Storage) -> None:
        self.storage = storage

    async def load_session(self, token_hash: str) -> Optional[Dict[str, Any]]:
        return self.storage.get("session", token_hash)

    async def load_user(self, user_id: str) -> Optional[Dict[str, Any]]:
        user = self.storage.get("user", user_id)
        if user is None:
            return None
        return {k: user[k] for k in ("identities", "default_identity", "entitlements") if user.get(k) is not None}

    async def save_session(self, record: Dict[str, Any]) -> None:
        self.storage.swap("session", record["token_hash"], record)  # a lost touch is harmless


def create_app(storage: Storage, settings: Settings) -> FastAPI:
    """The application for one server process (any number may share ``storage``)."""
    name = settings.profile_name
    prof = profile(name)
    paths = prof.get("paths", {})
    now: Callable[[], int] = lambda: int(settings.clock())  # noqa: E731
    p = {
        "device_authorization": paths.get("device_authorization", "/api/auth/device/"),
        "device_token": paths.get("device_token", "/api/auth/device/token/"),
        "register": paths.get("register", "/api/auth/register"),
        "login": paths.get("login", "/api/auth/login"),
        "refresh": "/api/auth/token/refresh/",
    }
    p["session"] = paths.get("session", "/api/auth/session")
    key = _signing_key(storage)
    issuer = Issuer(key, lifetime=settings.access_ttl, **({"profile": name} if "issuer" in prof else {}))
    public_keys = [{"jwk": jwk} for jwk in issuer.jwks()["keys"]]
    # The JWTs the session exchange takes: the identity provider's, or the server's own.
    idp_config: Dict[str, Any] = {"algorithms": ["EdDSA"]}
    idp_keys: List[Dict[str, Any]] = public_keys
    if settings.idp is not None:
        if name != "reeve":  # the other profiles' gates check bearer JWTs with the server's own keys
            raise ValueError("an identity provider needs the reeve profile")
        idp_config = {k: settings.idp[k] for k in ("algorithms", "issuer", "audience") if settings.idp.get(k) is not None}
        idp_keys = [{"jwk": jwk} for jwk in settings.idp["jwks"].get("keys", [])]
    idp_verifier = Verifier(idp_config, keys=idp_keys)
    # Reeve's gate takes JWTs on the session route only: there they are the provider's.
    gate_jwt = {"config": idp_config, "keys": idp_keys} if name == "reeve" else {"config": {"algorithms": ["EdDSA"]}, "keys": public_keys}
    gate_options: Dict[str, Any] = {
        "jwt": gate_jwt,
        "routes": FIRST_ROUTES + list(prof["gate"].get("routes", [])) + EXAMPLE_ROUTES,
        "guest_header": prof["gate"].get("guest_header") or "X-Guest-ID",
    }
    if not prof["gate"].get("services_env"):
        gate_options["services_env"] = [
            {"name": "internal", "variable": "AUTHCORE_SERVICES_TOKEN", "header": "X-Services-Token"}
        ]
    gate = Gate.from_env(settings.env, profile=name, **gate_options)
    accounts = Accounts(profile=name) if "accounts" in prof else Accounts()
    sessions = SessionManager(profile=name) if "session" in prof else SessionManager()
    authority = DeviceAuthority(
        verification_uri=settings.base_url + "/device",
        interval=settings.interval,
        **({"profile": name} if "device_server" in prof else {}),
    )
    refresh = RefreshTokens()
    issues_refresh = name != "rag-modulo"  # the seed's login answers an access token only
    desktop = DesktopSignIn(
        redirect_uris=settings.desktop_redirect_uris, **({"profile": name} if "desktop_signin" in prof else {})
    )
    links = MagicLinks(link_url=settings.base_url + "/magic", **({"profile": name} if "magic_links" in prof else {}))

    app = FastAPI(title="authcore reference server (%s)" % name)
    app.add_middleware(GateMiddleware, gate=gate, store=GateStore(storage), clock=settings.clock)
    app.state.paths = p

    def tokens_for(user_id: str, client_id: Optional[str], scope: Optional[str], claims: Optional[Mapping[str, Any]] = None) -> Dict[str, Any]:
        body: Dict[str, Any] = {
            "access_token": issuer.issue(dict(claims or {}, sub=user_id), now=now()),
            "token_type": "Bearer",
            "expires_in": settings.access_ttl,
        }
        if issues_refresh:
            issued = refresh.issue(user_id, client_id, scope, now=now())
            storage.insert("refresh", issued["record"]["token_hash"], issued["record"])
            body["refresh_token"] = issued["refresh_token"]
        if scope:
            body["scope"] = scope
        return body

    # --- accounts -----------------------------------------------------------------------

    @app.post(p["register"])
    async def register(request: Request) -> Response:
        data = await _json_object(request)
        if data is None:
            return _bad_body()
        try:
            account = await run_in_threadpool(accounts.register, str(data.get("password", "")), data.get("username"), data.get("email"))
        except (authcore.AuthError, TypeError) as e:
            if isinstance(e, TypeError):
                return _bad_body()
            return _error(e)
        identity = str(uuid.uuid4())
        user = dict(account, revision=0, identities=[identity], default_identity=identity, entitlements=[])
        if not storage.insert("user", account["user_id"], user):
            return JSONResponse(json.loads(authcore.error_body("user_exists")), status_code=409)
        if account.get("email"):  # the address → account index magic links sign in through
            storage.insert("onetime", "email:" + account["email"], {"revision": 0, "user_id": account["user_id"]})
        return JSONResponse({"user_id": account["user_id"], "username": account.get("username"), "email": account.get("email")})

    def password_login(username: str, password: str, requester: str) -> Any:
        """``login_limited`` with the account and requester limiters stored; the login or an error.

        Runs in a worker thread (argon2id takes tens of milliseconds and releases the GIL)."""
        try:
            name_key = normalize_username(username)
        except authcore.AuthError:
            name_key = username
        found = storage.find("user", name_key)
        account = found[0] if found else None
        akey, rkey = "login:account:" + name_key, "login:requester:" + requester
        attempt = accounts.login_limited(
            account, password, storage.get("limiter", akey), storage.get("limiter", rkey), now=now()
        )
        for k, rec in ((akey, attempt.get("account_limiter")), (rkey, attempt.get("requester_limiter"))):
            if rec is not None:
                _put(storage, "limiter", k, rec)
        error = attempt.get("error")
        if error is not None:
            return authcore.error_from_dict(error)
        return attempt["login"]

    @app.post(p["login"])
    async def login(request: Request) -> Response:
        data = await _json_object(request)
        if data is None:
            return _bad_body()
        result = await run_in_threadpool(password_login, str(data.get("username", "")), str(data.get("password", "")), request.client.host if request.client else "-")
        if isinstance(result, authcore.AuthError):
            return _error(result)
        body = tokens_for(result["user_id"], None, None)
        if not issues_refresh:
            body["token_type"] = "bearer"
        return JSONResponse(body)

    # --- refresh ------------------------------------------------------------------------

    @app.post(p["refresh"])
    async def refresh_token(request: Request) -> Response:
        try:
            req = parse_refresh_request((await request.body()).decode("utf-8", "replace"))
            token = req["refresh_token"]
            rotation = refresh.rotate(storage.get("refresh", refresh_token_hash(token)), token, req.get("client_id"), now=now())
        except authcore.AuthError as e:
            return _http(oauth_error_response(e.code, e.detail))
        if rotation["type"] == "reuse":
            for _ in range(10):  # revoke every record of the family, retrying lost swaps
                pending = [r for r in storage.find("refresh", rotation["family_id"]) if r["status"] != "revoked"]
                if not pending:
                    break
                for rec in pending:
                    storage.swap("refresh", rec["token_hash"], refresh.revoke(rec))
            err = rotation["error"]
            return _http(oauth_error_response(err["code"], err["detail"]))
        previous, issued = rotation["previous"], rotation["issued"]
        # The new record is stored before the old one is marked rotated: a reuse seen by another
        # instance right after the swap then finds (and revokes) it with the rest of the family.
        storage.insert("refresh", issued["record"]["token_hash"], issued["record"])
        if not storage.swap("refresh", previous["token_hash"], previous):
            # another request rotated this token first: this one is refused, its record unusable
            storage.swap("refresh", issued["record"]["token_hash"], refresh.revoke(issued["record"]))
            return _http(oauth_error_response("invalid_grant"))
        body = {
            "access_token": issuer.issue({"sub": issued["record"]["user_id"]}, now=now()),
            "token_type": "Bearer",
            "expires_in": settings.access_ttl,
            "refresh_token": issued["refresh_token"],
        }
        return JSONResponse(body)

    # --- device grant -------------------------------------------------------------------

    @app.post(p["device_authorization"])
    async def device_authorization(request: Request) -> Response:
        try:
            req = parse_authorization_request((await request.body()).decode("utf-8", "replace"))
            issued = authority.issue(req["client_id"], req.get("scope"), now=now())
        except authcore.AuthError as e:
            return _http(oauth_error_response(e.code, e.detail))
        storage.insert("grant", issued["record"]["device_code_hash"], issued["record"])
        return JSONResponse(issued["response"], headers={"Cache-Control": "no-store"})

    @app.post(p["device_token"])
    async def device_token(request: Request) -> Response:
        try:
            req = parse_token_request((await request.body()).decode("utf-8", "replace"))
        except authcore.AuthError as e:
            return _http(oauth_error_response(e.code, e.detail))
        key_hash = device_code_hash(req["device_code"])
        for _ in range(10):  # a lost swap means another poll changed the grant: decide again
            grant = storage.get("grant", key_hash)
            out = authority.poll(grant, req, now=now())
            record = out.get("record")
            if record is not None and not storage.swap("grant", key_hash, record):
                continue
            if out["type"] == "approved":
                body = tokens_for(out["user_id"], out["client_id"], out.get("scope"), out.get("claims"))
                return JSONResponse(body, headers={"Cache-Control": "no-store"})
            response = out.get("response")
            if response is None:  # never: every refusal comes with its response
                break
            return _http(response)
        return _http(oauth_error_response("slow_down"))  # the grant is contended: poll again later

    # --- the /device page ---------------------------------------------------------------

    def page(title: str, body: str, status: int = 200) -> HTMLResponse:
        doc = (
            "<!doctype html><html><head><meta charset='utf-8'><title>%s</title></head>"
            "<body><h1>%s</h1>%s</body></html>" % (html.escape(title), html.escape(title), body)
        )
        return HTMLResponse(doc, status_code=status, headers={"Cache-Control": "no-store", "X-Frame-Options": "DENY"})

    def signed_in(request: Request) -> Optional[Dict[str, Any]]:
        token = request.cookies.get(SESSION_COOKIE)
        token_hash = session_token_hash(token) if token else None
        if not token or token_hash is None:
            return None
        try:
            valid = sessions.validate(storage.get("session", token_hash), token, now=now())
        except authcore.AuthError:
            return None
        touch = valid.get("touch")
        if touch is not None:
            storage.swap("session", token_hash, touch)
        return dict(valid["session"])

    def code_form(code: str = "", note: str = "") -> str:
        return (
            "%s<form method='post' action='/device/code'><label>Code <input name='user_code' value='%s' autofocus></label>"
            " <button>Continue</button></form>" % (note, html.escape(code, quote=True))
        )

    def find_grant(typed: str) -> Optional[Dict[str, Any]]:
        try:
            code = authority.normalize_user_code(typed)
        except authcore.AuthError:
            return None
        found = storage.find("grant", code)
        return found[0] if found else None

    @app.get("/device")
    async def device_page(request: Request, user_code: str = "") -> Response:
        if signed_in(request) is None:
            return page(
                "Sign in",
                "<form method='post' action='/device/login'><input type='hidden' name='user_code' value='%s'>"
                "<label>User name <input name='username'></label> <label>Password <input name='password' type='password'></label>"
                " <button>Sign in</button></form>" % html.escape(user_code, quote=True),
            )
        return page("Connect a device", code_form(user_code))

    async def form(request: Request) -> Dict[str, str]:
        return {k: v[0] for k, v in parse_qs((await request.body()).decode("utf-8", "replace")).items()}

    @app.post("/device/login")
    async def device_login(request: Request) -> Response:
        f = await form(request)
        return await browser_sign_in(request, f, "/device" + ("?user_code=" + quote(f["user_code"]) if f.get("user_code") else ""))

    @app.post("/device/code")
    async def device_code(request: Request) -> Response:
        session = signed_in(request)
        if session is None:
            return RedirectResponse("/device", status_code=303)
        typed = (await form(request)).get("user_code", "")
        grant = find_grant(typed)
        lkey = "device:" + session["user_id"]
        outcome = authority.enter_user_code(storage.get("limiter", lkey), grant, typed, now=now())
        limiter = outcome.get("limiter")
        if limiter is not None:
            _put(storage, "limiter", lkey, limiter)
        if outcome.get("error") is not None or grant is None:
            err = outcome.get("error") or {"detail": "Unknown code."}
            return page("Connect a device", code_form(typed, "<p class='error'>%s</p>" % html.escape(err["detail"])), status=400)
        consent = outcome["consent"]
        assert consent is not None
        scopes = "".join("<li>%s</li>" % html.escape(s) for s in consent["scopes"]) or "<li>(no scopes)</li>"
        return page(
            "Approve this device?",
            "<p><b>%s</b> asks to act as you with code <code>%s</code>:</p><ul>%s</ul><p>Expires in %d s.</p>"
            "<form method='post' action='/device/decide'><input type='hidden' name='user_code' value='%s'>"
            "<button name='decision' value='approve'>Approve</button> <button name='decision' value='deny'>Deny</button></form>"
            % (
                html.escape(consent["client_id"]),
                html.escape(consent["user_code"]),
                scopes,
                consent["expires_in"],
                html.escape(consent["user_code"], quote=True),
            ),
        )

    @app.post("/device/decide")
    async def device_decide(request: Request) -> Response:
        session = signed_in(request)
        if session is None:
            return RedirectResponse("/device", status_code=303)
        f = await form(request)
        grant = find_grant(f.get("user_code", ""))
        try:
            if grant is None:
                raise authcore.error_from_dict({"code": "invalid_request", "detail": "Unknown code."})
            check = authority.check_user_code(grant, f.get("user_code", ""), now=now())
            checked = check.get("record")
            if checked is not None:
                if not storage.swap("grant", grant["device_code_hash"], checked):
                    raise authcore.error_from_dict({"code": "version_conflict", "detail": "The request changed; try again."})
                grant = dict(checked)
            if not check["ok"]:
                raise authcore.error_from_dict(check.get("error") or {"code": "invalid_request", "detail": "Unknown code."})
            if f.get("decision") == "approve":
                changed = authority.approve(grant, session["user_id"], now=now())
            else:
                changed = authority.deny(grant, now=now())
        except authcore.AuthError as e:
            return page("Connect a device", code_form("", "<p class='error'>%s</p>" % html.escape(e.detail)), status=e.status)
        if not storage.swap("grant", grant["device_code_hash"], changed):
            return page("Connect a device", code_form("", "<p class='error'>The request changed; try again.</p>"), status=409)
        if changed["status"] == "approved":
            return page("Device connected", "<p>You can close this window and return to your device.</p>")
        return page("Request denied", "<p>The device was not connected.</p>")

    # --- session tokens: exchange, logout -------------------------------------------------

    def store_sign_in(signin: Mapping[str, Any]) -> Dict[str, Any]:
        """Insert a new session (and store the one it replaced); its response body."""
        record = signin["session"]["record"]
        storage.insert("session", record["token_hash"], record)
        revoked = signin.get("revoked")
        if revoked is not None:
            storage.swap("session", revoked["token_hash"], revoked)
        return dict(signin["response"])

    @app.post(p["session"])
    async def session_exchange(request: Request) -> Response:
        token = _bearer(request)
        if token is None:
            return _refuse("not_authenticated")
        try:
            signin = sessions.exchange(idp_verifier, token, now=now())
        except authcore.AuthError as e:
            return _error(e)
        return JSONResponse(store_sign_in(signin), headers={"Cache-Control": "no-store"})

    @app.post(LOGOUT)
    async def logout(request: Request, auth: Dict[str, Any] = Depends(auth_context)) -> Response:
        token = _bearer(request)
        token_hash = session_token_hash(token) if token else None
        for _ in range(10):  # a lost swap is a touch in between: revoke the newer record
            record = storage.get("session", token_hash) if token_hash else None
            if record is None:
                return _refuse("not_authenticated")
            if storage.swap("session", token_hash, sessions.revoke(record, now=now())):
                return Response(status_code=204)
        return _refuse("version_conflict")

    # --- desktop sign-in ----------------------------------------------------------------

    def sign_in_form(action: str, hidden: Mapping[str, str]) -> str:
        fields = "".join(
            "<input type='hidden' name='%s' value='%s'>" % (html.escape(k, quote=True), html.escape(v, quote=True))
            for k, v in hidden.items()
        )
        return (
            "<form method='post' action='%s'>%s<label>User name <input name='username'></label>"
            " <label>Password <input name='password' type='password'></label> <button>Sign in</button></form>"
            % (html.escape(action, quote=True), fields)
        )

    async def browser_sign_in(request: Request, f: Mapping[str, str], target: str) -> Response:
        """Password sign-in on a page: the browser session cookie, then ``target``."""
        result = await run_in_threadpool(password_login, f.get("username", ""), f.get("password", ""), request.client.host if request.client else "-")
        if isinstance(result, authcore.AuthError):
            return page("Sign in", "<p class='error'>%s</p>" % html.escape(result.detail), status=result.status)
        user = storage.get("user", result["user_id"]) or {}
        new = sessions.sign_in(result["user_id"], user.get("email"), now=now())["session"]
        storage.insert("session", new["record"]["token_hash"], new["record"])
        resp = RedirectResponse(target, status_code=303)
        resp.set_cookie(SESSION_COOKIE, new["token"], httponly=True, samesite="strict", path="/device")
        return resp

    @app.get(DESKTOP_PATH)
    async def desktop_sign_in(request: Request) -> Response:
        query = dict(request.query_params)
        session = signed_in(request)
        if session is None:
            return page("Sign in to the desktop app", sign_in_form(DESKTOP_PATH + "/login", {"next": urlencode(query)}))
        try:
            issued = desktop.issue(
                session["user_id"], session.get("email"), query.get("code_challenge", ""), query.get("redirect_uri", ""),
                query.get("state"), now=now(),
            )
        except authcore.AuthError as e:
            return page("Desktop sign-in", "<p class='error'>%s</p>" % html.escape(e.detail), status=e.status)
        storage.insert("onetime", issued["record"]["code_hash"], issued["record"])
        return RedirectResponse(issued["redirect_url"], status_code=303, headers={"Cache-Control": "no-store"})

    @app.post(DESKTOP_PATH + "/login")
    async def desktop_login(request: Request) -> Response:
        f = await form(request)
        return await browser_sign_in(request, f, DESKTOP_PATH + "?" + urlencode(parse_qs(f.get("next", "")), doseq=True))

    @app.post(DESKTOP_EXCHANGE)
    async def desktop_exchange(request: Request) -> Response:
        sent = {"method": "POST", "url": str(request.url), "headers": dict(request.headers), "body": (await request.body()).decode("utf-8", "replace")}
        try:
            req = parse_desktop_exchange(sent)
        except authcore.AuthError as e:
            return _error(e)
        out = desktop.exchange(sessions, storage.get("onetime", req["code_hash"]), req, now=now())
        used = out.get("record")
        if used is not None and not storage.swap("onetime", used["code_hash"], used):
            return _refuse("invalid_grant")  # another exchange used the code first
        new = out.get("session")
        if new is not None:
            storage.insert("session", new["record"]["token_hash"], new["record"])
        return _http(out["response"])

    # --- magic links --------------------------------------------------------------------

    def send_mail(address: str, link: str) -> None:
        if settings.outbox:
            line = {"to": address, "subject": "Your sign-in link", "link": link, "text": "Open this link to sign in: " + link}
            with open(settings.outbox, "a", encoding="utf-8") as out:
                out.write(json.dumps(line) + "\n")

    @app.post(MAGIC_REQUEST)
    async def magic_request(request: Request) -> Response:
        data = await _json_object(request)
        if data is None:
            return _bad_body()
        email = str(data.get("email", ""))
        try:
            address = normalize_email(email)
            lkey = "magic:" + address
            for _ in range(10):  # a lost swap is a concurrent request for the address: count again
                issued = links.issue(email, storage.get("limiter", lkey), now=now())
                if _put(storage, "limiter", lkey, issued["limiter"]):
                    break
            else:
                return _refuse("too_many_attempts")
        except authcore.AuthError as e:
            return _error(e)
        if storage.get("onetime", "email:" + issued["record"]["email"]) is not None:
            storage.insert("onetime", issued["record"]["token_hash"], issued["record"])
            send_mail(issued["record"]["email"], issued["link"])
        # The same answer whether or not an account has the address.
        return JSONResponse({"detail": "If an account has this address, a sign-in link is on its way."}, status_code=202)

    def redeem_link(token: str) -> Dict[str, Any]:
        """Consume a magic link once and sign its account in: the new session's body."""
        for _ in range(2):  # a lost swap means another redeem used it: the second try refuses
            redeemed = links.redeem(storage.get("onetime", magic_link_hash(token)), token, now=now())
            if storage.swap("onetime", redeemed["record"]["token_hash"], redeemed["record"]):
                break
        else:
            raise authcore.error_from_dict({"code": "invalid_grant", "detail": "The link was already used."})
        owner = storage.get("onetime", "email:" + redeemed["email"])
        if owner is None:
            raise authcore.error_from_dict({"code": "invalid_grant", "detail": "No account has this address."})
        return {"signin": sessions.sign_in(owner["user_id"], redeemed["email"], now=now())}

    @app.post(MAGIC_VERIFY)
    async def magic_verify(request: Request) -> Response:
        data = await _json_object(request)
        if data is None:
            return _bad_body()
        try:
            done = redeem_link(str(data.get("token", "")))
        except authcore.AuthError as e:
            return _error(e)
        return JSONResponse(store_sign_in(done["signin"]), headers={"Cache-Control": "no-store"})

    @app.get("/magic")
    async def magic_page(token: str = "") -> Response:
        # Opening the mail does not sign in (mail scanners follow links): the button does.
        return page(
            "Sign in",
            "<form method='post' action='/magic'><input type='hidden' name='token' value='%s'>"
            "<button>Sign in</button></form>" % html.escape(token, quote=True),
        )

    @app.post("/magic")
    async def magic_sign_in(request: Request) -> Response:
        try:
            done = redeem_link((await form(request)).get("token", ""))
        except authcore.AuthError as e:
            return page("Sign in", "<p class='error'>%s</p>" % html.escape(e.detail), status=e.status)
        store_sign_in(done["signin"])
        resp = RedirectResponse("/device", status_code=303)
        resp.set_cookie(SESSION_COOKIE, done["signin"]["session"]["token"], httponly=True, samesite="strict", path="/device")
        return resp

    # --- the browser client -------------------------------------------------------------

    if settings.wasm_pkg:
        app.mount("/app/node_modules/@authcore/wasm", StaticFiles(directory=settings.wasm_pkg), name="wasm")
        app.mount("/app", StaticFiles(directory=os.path.join(BROWSER_DIR, "app"), html=True), name="app")

    # --- protected routes (the gate has already decided) ---------------------------------

    @app.get("/api/me")
    async def me(auth: Dict[str, Any] = Depends(auth_context)) -> Dict[str, Any]:
        user = storage.get("user", auth["user_id"]) or {}
        return {"user_id": auth["user_id"], "username": user.get("username"), "identities": user.get("identities", []), "credential": auth["credential"]}

    @app.get("/api/inbox")
    async def inbox(auth: Dict[str, Any] = Depends(auth_context)) -> Dict[str, Any]:
        return {"identity": auth["identity"], "messages": []}

    @app.get("/api/dashboard")
    async def dashboard(auth: Dict[str, Any] = Depends(auth_context)) -> Dict[str, Any]:
        return {"guest": auth["is_guest"], "widgets": ["demo"]}

    @app.post("/api/dashboard")
    async def dashboard_write(auth: Dict[str, Any] = Depends(auth_context)) -> Dict[str, Any]:
        return {"saved": True}

    @app.get("/api/internal/stats")
    async def stats(auth: Dict[str, Any] = Depends(auth_context)) -> Dict[str, Any]:
        return {"service": auth["service"], "users": storage.count("user")}

    @app.get("/api/reports/premium")
    async def premium(auth: Dict[str, Any] = Depends(auth_context)) -> Dict[str, Any]:
        return {"report": "premium", "user_id": auth["user_id"]}

    @app.get("/.well-known/jwks.json")
    async def jwks() -> Dict[str, Any]:
        return issuer.jwks()

    return app
