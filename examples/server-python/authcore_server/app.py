"""The reference server's FastAPI application: storage and HTTP around authcore.

Every auth decision is authcore's: who may call which route (:class:`authcore.gate.Gate`),
passwords and login limits (:class:`authcore.password.Accounts`), the device grant
(:class:`authcore.device.DeviceAuthority`), refresh rotation and reuse
(:class:`authcore.refresh.RefreshTokens`), the ``/device`` page's browser session
(:class:`authcore.session.SessionManager`) and access tokens (:class:`authcore.jwt.Issuer`).
This module loads and stores the records they hand back (compare-and-swap on ``revision``,
see :mod:`authcore_server.storage`) and turns their answers into HTTP responses.
"""

import base64
import html
import json
import os
import time
import uuid
from typing import Any, Callable, Dict, List, Mapping, Optional
from urllib.parse import parse_qs, quote

from fastapi import Depends, FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

import authcore
from authcore.asgi import GateMiddleware, auth_context
from authcore.device import DeviceAuthority, device_code_hash, parse_authorization_request, parse_token_request
from authcore.gate import Gate
from authcore.jwt import Issuer
from authcore.oauth import error_response as oauth_error_response
from authcore.password import Accounts, normalize_username
from authcore.profiles import profile
from authcore.refresh import RefreshTokens, refresh_token_hash
from authcore.session import SessionManager, session_token_hash

from .storage import Storage

__all__ = ["create_app", "Settings", "EXAMPLE_ROUTES"]

SESSION_COOKIE = "authcore_device"

# The example's own routes, one per gate rule, after the profile's routes (first match wins).
EXAMPLE_ROUTES: List[Dict[str, Any]] = [
    {"path": "/.well-known/**", "access": "public"},
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
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.profile_name = profile_name
        self.access_ttl = access_ttl
        self.interval = interval
        self.env = dict(os.environ if env is None else env)
        self.clock = clock


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
    key = _signing_key(storage)
    issuer = Issuer(key, lifetime=settings.access_ttl, **({"profile": name} if "issuer" in prof else {}))
    public_keys = [{"jwk": jwk} for jwk in issuer.jwks()["keys"]]
    gate_options: Dict[str, Any] = {
        "jwt": {"config": {"algorithms": ["EdDSA"]}, "keys": public_keys},
        "routes": list(prof["gate"].get("routes", [])) + EXAMPLE_ROUTES,
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
        form = parse_qs((await request.body()).decode("utf-8", "replace"))
        token = (form.get("refresh_token") or [""])[0]
        client_id: Optional[str] = form["client_id"][0] if form.get("client_id") else None
        try:
            rotation = refresh.rotate(storage.get("refresh", refresh_token_hash(token)), token, client_id, now=now())
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
        result = await run_in_threadpool(password_login, f.get("username", ""), f.get("password", ""), request.client.host if request.client else "-")
        if isinstance(result, authcore.AuthError):
            return page("Sign in", "<p class='error'>%s</p>" % html.escape(result.detail), status=result.status)
        user = storage.get("user", result["user_id"]) or {}
        new = sessions.sign_in(result["user_id"], user.get("email"), now=now())["session"]
        storage.insert("session", new["record"]["token_hash"], new["record"])
        target = "/device" + ("?user_code=" + quote(f["user_code"]) if f.get("user_code") else "")
        resp = RedirectResponse(target, status_code=303)
        resp.set_cookie(SESSION_COOKIE, new["token"], httponly=True, samesite="strict", path="/device")
        return resp

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
