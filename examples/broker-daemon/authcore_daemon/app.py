"""The daemon's routes (FastAPI): every route of authsome's daemon, on the authcore core.

The example moves bytes, stores sealed records and calls authcore: auth sessions
(``authcore.authflow.AuthSession``) decide every step of a sign-in, the broker
(``authcore.broker.Broker``) resolves, refreshes first, revokes and reports readiness.

Access: every route but ``/health`` needs ``Authorization: Bearer <local-token>`` (the 0600
``local-token`` file in the home), compared in constant time. A browser cannot carry that
header, so the routes a browser opens carry their own capability instead: the OAuth callback
its ``state`` (checked by the core, single use), the session pages (``/auth/sessions/{id}/input``
and ``/device``) an unguessable per-session page token in the URL the CLI opens (``?t=…``),
also required in the form the input page posts back.
"""

import getpass
import hmac
import html
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional
from urllib.parse import parse_qsl, quote

import httpx
from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse, RedirectResponse

import authcore
from authcore.authflow import AuthSession
from authcore.broker import (
    Broker,
    export_env,
    export_json,
    readiness,
    redact,
    revocation_outcome,
    set_default,
)
from authcore.errors import AuthError

from .store import Store

SESSION_FLOWS = ("pkce", "device_code", "api_key", "client_credentials")


@dataclass
class Settings:
    """Where the daemon runs and what it allows."""

    base_url: str
    allow_loopback_http: bool = False
    http_timeout: float = 10.0


@dataclass
class Live:
    """A session in memory: the core's machine, what the pages show, and a lock."""

    session: AuthSession
    page_token: str
    view: Dict[str, Any] = field(default_factory=dict)
    lock: threading.RLock = field(default_factory=threading.RLock)
    timer: Optional[threading.Timer] = None


class ApiError(Exception):
    def __init__(self, status: int, code: str, detail: str) -> None:
        super().__init__(detail)
        self.status, self.code, self.detail = status, code, detail


def _now() -> int:
    return int(time.time())


def _page(title: str, body: str) -> HTMLResponse:
    return HTMLResponse(
        "<!doctype html><html><head><meta charset='utf-8'><title>%s</title></head><body><h1>%s</h1>%s</body></html>"
        % (html.escape(title), html.escape(title), body),
        headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer",
                 "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'"},
    )


class Daemon:
    """State shared by the routes: the store, the live sessions, the broker."""

    def __init__(self, store: Store, settings: Settings) -> None:
        self.store = store
        self.settings = settings
        self.http = httpx.Client(timeout=settings.http_timeout, follow_redirects=False)
        self.live: Dict[str, Live] = {}
        self.live_lock = threading.Lock()
        for sid in store.session_ids():  # after a restart: sessions come back (paused if a request was lost)
            record = store.session(sid)
            if record is None:
                continue
            try:
                s = AuthSession.restore(record["snapshot"])
            except AuthError:  # a snapshot the core no longer takes: the sign-in starts again
                store.delete_session(sid)
                continue
            if s.status()["status"] in ("completed", "failed", "expired"):
                store.delete_session(sid)
                continue
            self.live[sid] = Live(s, record["page_token"], record.get("view", {}))

    # --- the broker over the stored custom providers ---------------------------------------

    def broker(self, custom: Optional[List[Dict[str, Any]]] = None) -> Broker:
        return Broker(custom=self.store.custom_providers() if custom is None else custom,
                      allow_loopback_http=self.settings.allow_loopback_http)

    def provider(self, name: str) -> Dict[str, Any]:
        providers = self.broker().providers["providers"]
        if name not in providers:
            raise ApiError(404, "not_found", "No provider named %s." % name)
        return dict(providers[name])

    # --- HTTP for the core's requests -----------------------------------------------------

    def send(self, request: Dict[str, Any]) -> Optional[Dict[str, Any]]:
        """Sends one request the core built; ``None`` on a network error."""
        try:
            r = self.http.request(request["method"], request["url"], headers=request.get("headers") or {},
                                  content=(request.get("body") or "").encode())
        except httpx.HTTPError:
            return None
        return {"status": r.status_code, "headers": dict(r.headers), "body": r.text}

    # --- auth sessions --------------------------------------------------------------------

    def page_url(self, live: Live, page: str) -> str:
        sid = live.session.session_id
        return "%s/auth/sessions/%s/%s?t=%s" % (self.settings.base_url, sid, page, quote(live.page_token))

    def save(self, live: Live) -> None:
        self.store.put_session(live.session.session_id, {"snapshot": live.session.snapshot(),
                                                         "page_token": live.page_token, "view": live.view})

    def pump(self, live: Live) -> None:
        """Carries out the session's actions until it waits for someone."""
        s = live.session
        while True:
            action = s.poll_action()
            if action is None:
                break
            kind = action["type"]
            if kind == "send":
                response = self.send(action["request"])
                if response is None:
                    s.handle_network_error(action["transmit"])
                else:
                    try:
                        s.handle_response(action["transmit"], response)
                    except AuthError as e:
                        live.view["error"] = {"code": e.code, "detail": e.detail}
            elif kind == "open_browser":
                live.view = {"browser_url": action["url"]}
            elif kind == "render_form":
                live.view = {"fields": action["fields"], "page_url": self.page_url(live, "input")}
            elif kind == "show_device_prompt":
                live.view = {"prompt": action["prompt"], "page_url": self.page_url(live, "device")}
            elif kind == "wait":
                self.schedule(live, action["until"])
            elif kind == "complete":
                connection = action["connection"]
                if action.get("registered_client"):  # keep the registered client with the provider
                    p = s.provider()
                    self.store.put_provider(p["name"], p)
                self.store.put_connection(connection)
                live.view = {"connection": {"provider": connection["provider"], "name": connection["name"]}}
            elif kind == "failed":
                live.view = {"error": {"code": action["error"]["code"], "detail": action["error"].get("detail")}}
        self.save(live)

    def schedule(self, live: Live, until: int) -> None:
        if live.timer is not None:
            live.timer.cancel()

        def fire() -> None:
            with live.lock:
                live.timer = None
                try:
                    live.session.handle_timeout()
                except AuthError:
                    pass
                self.pump(live)

        live.timer = threading.Timer(max(0.0, until - time.time()), fire)
        live.timer.daemon = True
        live.timer.start()

    def get_live(self, session_id: str) -> Live:
        live = self.live.get(session_id)
        if live is None:
            raise ApiError(404, "not_found", "No auth session with this id.")
        return live

    def session_view(self, live: Live) -> Dict[str, Any]:
        out: Dict[str, Any] = dict(live.session.status())
        out.update(live.view)
        return out

    def close(self) -> None:
        for live in self.live.values():
            if live.timer is not None:
                live.timer.cancel()
        self.http.close()


def create_app(store: Store, settings: Settings) -> FastAPI:
    app = FastAPI(title="authcore broker daemon", version=authcore.__version__)
    d = Daemon(store, settings)
    app.state.daemon = d

    @app.exception_handler(ApiError)
    def api_error(_: Request, e: ApiError) -> JSONResponse:
        return JSONResponse({"error": e.code, "detail": e.detail}, status_code=e.status)

    @app.exception_handler(AuthError)
    def core_error(_: Request, e: AuthError) -> JSONResponse:
        body = {"error": e.code, "detail": e.detail}
        if e.field:
            body["field"] = e.field
        return JSONResponse(body, status_code=e.status)

    def local(request: Request) -> None:
        """The local token, in constant time."""
        header = request.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(token.strip().encode(), store.local_token.encode()):
            raise ApiError(401, "unauthorized", "This route needs the daemon's local token (Authorization: Bearer).")

    def local_or_page(request: Request, live: Live, given: Optional[str]) -> None:
        """The local token, or the session's page token (``?t=`` or the form's ``t``)."""
        if given is not None and hmac.compare_digest(given.encode(), live.page_token.encode()):
            return
        local(request)

    async def body_json(request: Request) -> Dict[str, Any]:
        raw = await request.body()
        if not raw:
            return {}
        try:
            value = json.loads(raw)
        except ValueError:
            raise ApiError(400, "invalid_request", "The body must be JSON.")
        if not isinstance(value, dict):
            raise ApiError(400, "invalid_request", "The body must be a JSON object.")
        return value

    async def body_form(request: Request) -> Dict[str, str]:
        """An ``application/x-www-form-urlencoded`` body; a name given twice is refused."""
        pairs = parse_qsl((await request.body()).decode("utf-8", "replace"), keep_blank_values=True)
        values = dict(pairs)
        if len(values) != len(pairs):
            raise ApiError(400, "invalid_request", "A form field is given twice.")
        return values

    # --- health, readiness, identity ------------------------------------------------------

    @app.get("/health")
    def health() -> Dict[str, Any]:
        return {"status": "ok", "version": authcore.__version__}

    def ready_report() -> Dict[str, Any]:
        return readiness(store.custom_providers(), store.connections(), [store.keys.report()], _now(),
                         schema_version=store.schema_version(), allow_loopback_http=settings.allow_loopback_http)

    @app.get("/ready")
    def ready(request: Request) -> JSONResponse:
        local(request)
        report = ready_report()
        return JSONResponse(report, status_code=503 if report["status"] == "unhealthy" else 200)

    @app.get("/whoami")
    def whoami(request: Request) -> Dict[str, Any]:
        local(request)
        vault = ready_report()["components"].get("vault", {})
        return {"home": store.home,
                "encryption": {"mode": "local_key", "key_file": store.keys.path, "status": vault.get("status")},
                "identity": getpass.getuser(), "daemon_url": settings.base_url}

    # --- auth sessions --------------------------------------------------------------------

    @app.post("/auth/sessions")
    async def start_session(request: Request) -> JSONResponse:
        local(request)
        body = await body_json(request)
        return JSONResponse(start(body.get("provider"), body.get("flow"), body.get("connection_name")), status_code=201)

    def start(provider: Any, flow: Any, connection_name: Any) -> Dict[str, Any]:
        if not isinstance(provider, str) or flow not in SESSION_FLOWS:
            raise ApiError(400, "invalid_request", "Give `provider` and `flow` (%s)." % ", ".join(SESSION_FLOWS))
        definition = d.provider(provider)
        kw: Dict[str, Any] = {"redirect_uri": settings.base_url + "/auth/callback/oauth",
                              "allow_loopback_http": settings.allow_loopback_http}
        if connection_name is not None:
            kw["connection_name"] = connection_name
        session = AuthSession.start(definition, flow, **kw)
        live = Live(session, secrets.token_urlsafe(32))
        with d.live_lock:
            d.live[session.session_id] = live
        with live.lock:
            d.pump(live)
            return d.session_view(live)

    @app.get("/auth/sessions/{session_id}")
    def session_status(session_id: str, request: Request) -> Dict[str, Any]:
        local(request)
        live = d.get_live(session_id)
        with live.lock:
            return d.session_view(live)

    @app.post("/auth/sessions/{session_id}/resume")
    def session_resume(session_id: str, request: Request) -> Dict[str, Any]:
        local(request)
        live = d.get_live(session_id)
        with live.lock:
            live.session.resume()
            d.pump(live)
            return d.session_view(live)

    @app.get("/auth/callback/oauth")
    def oauth_callback(request: Request) -> HTMLResponse:
        # No local token: the OAuth `state` is the capability, checked by the core.
        callback = "?" + request.url.query
        for live in list(d.live.values()):
            with live.lock:
                if live.session.status()["status"] != "waiting_for_user" or "browser_url" not in live.view:
                    continue
                try:
                    live.session.handle_callback(callback)
                except AuthError as e:
                    if e.code == "state_mismatch":
                        continue
                    d.pump(live)
                    return _page("Sign-in failed", "<p>%s</p>" % html.escape(e.detail or e.code))
                d.pump(live)
                done = live.session.status()["status"] == "completed"
                return _page("Connected" if done else "Sign-in failed",
                             "<p>You can close this window.</p>" if done else "<p>%s</p>"
                             % html.escape(str(live.view.get("error", ""))))
        return _page("Unknown sign-in", "<p>No sign-in is waiting for this callback.</p>")

    @app.get("/auth/sessions/{session_id}/input")
    def input_form(session_id: str, request: Request, t: Optional[str] = None) -> HTMLResponse:
        live = d.get_live(session_id)
        local_or_page(request, live, t)
        with live.lock:
            fields = live.view.get("fields")
            if not fields:
                return _page("Nothing to enter", "<p>Status: %s</p>" % html.escape(live.session.status()["status"]))
            rows = "".join(
                "<p><label>%s <input name='%s' type='%s'%s></label></p>"
                % (html.escape(f["label"]), html.escape(f["name"]), "password" if f["secret"] else "text",
                   " required" if f["required"] else "")
                for f in fields)
            return _page("Connect %s" % live.session.provider()["display_name"],
                         "<form method='post'><input type='hidden' name='t' value='%s'>%s<button>Connect</button></form>"
                         % (html.escape(live.page_token), rows))

    @app.post("/auth/sessions/{session_id}/input")
    async def input_submit(session_id: str, request: Request) -> Any:
        live = d.get_live(session_id)
        is_form = request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded")
        if is_form:
            values = await body_form(request)
        else:
            values = {k: v for k, v in (await body_json(request)).items()}
        token = values.pop("t", None)
        local_or_page(request, live, token if isinstance(token, str) else None)
        with live.lock:
            live.session.submit_input(values)
            d.pump(live)
            view = d.session_view(live)
        if is_form:
            return _page("Connected" if view["status"] == "completed" else "Status: %s" % view["status"],
                         "<p>You can close this window.</p>")
        return view

    @app.get("/auth/sessions/{session_id}/device")
    def device_page(session_id: str, request: Request, t: Optional[str] = None) -> HTMLResponse:
        live = d.get_live(session_id)
        local_or_page(request, live, t)
        with live.lock:
            prompt = live.view.get("prompt")
            if not prompt:
                return _page("No device code", "<p>Status: %s</p>" % html.escape(live.session.status()["status"]))
            link = prompt.get("verification_uri_complete") or prompt["verification_uri"]
            return _page("Enter this code",
                         "<p><code id='user-code'>%s</code></p><p>at <a href='%s'>%s</a></p>"
                         % (html.escape(prompt["user_code"]), html.escape(link), html.escape(prompt["verification_uri"])))

    # --- connections ----------------------------------------------------------------------

    def find(provider: str, name: str) -> Dict[str, Any]:
        for c in store.connections():
            if c["provider"] == provider and c.get("name", "default") == name:
                return c
        raise ApiError(404, "not_found", "No connection %s/%s." % (provider, name))

    @app.get("/connections")
    def list_connections(request: Request) -> List[Any]:
        local(request)
        return redact(store.connections())

    @app.get("/connections/{provider}/{name}")
    def get_connection(provider: str, name: str, request: Request, reveal: bool = False) -> Any:
        local(request)
        c = find(provider, name)
        return export_json([c])[0] if reveal else redact([c])[0]

    @app.post("/connections/{provider}/revoke")
    def revoke(provider: str, request: Request) -> Dict[str, Any]:
        local(request)
        plan = d.broker().revoke(provider, store.connections())
        outcomes = []
        for r in plan["requests"]:
            response = d.send(r["request"])
            if response is None:
                raise ApiError(502, "network_error", "The revocation endpoint could not be reached.")
            outcome = revocation_outcome(response)
            if outcome["type"] == "retry":
                raise ApiError(503, "retry", "The provider asks to retry the revocation later.")
            outcomes.append({"connection": r["connection"], "token_type_hint": r["token_type_hint"],
                             "outcome": outcome["type"]})
        for ref in plan["delete"]:
            store.delete_connection(ref["provider"], ref["name"])
        return {"revoked": outcomes, "deleted": plan["delete"]}

    @app.post("/connections/{provider}/{name}/logout")
    def logout(provider: str, name: str, request: Request) -> Dict[str, Any]:
        local(request)
        find(provider, name)
        store.delete_connection(provider, name)
        return {"deleted": {"provider": provider, "name": name}}

    @app.post("/connections/{provider}/{name}/default")
    def make_default(provider: str, name: str, request: Request) -> Any:
        local(request)
        store.put_connections(set_default(store.connections(), provider, name))
        return redact([find(provider, name)])[0]

    @app.post("/credentials/export")
    async def export(request: Request) -> Any:
        local(request)
        body = await body_json(request)
        chosen = [c for c in store.connections()
                  if body.get("provider") in (None, c["provider"])
                  and body.get("connection") in (None, c.get("name", "default"))]
        if body.get("format", "env") == "json":
            return export_json(chosen)
        return PlainTextResponse(export_env(chosen))

    # --- providers ------------------------------------------------------------------------

    @app.get("/providers")
    def list_providers(request: Request) -> List[Dict[str, Any]]:
        local(request)
        # name, display name, auth type, flow, source, hosts: never a secret
        return list(d.broker().provider_listing())

    @app.get("/providers/{name}")
    def get_provider(name: str, request: Request) -> Dict[str, Any]:
        local(request)
        d.provider(name)  # 404 for an unknown name
        broker = d.broker()
        return {"provider": broker.show_provider(name), "source": broker.providers["sources"][name]}

    @app.post("/providers")
    async def register_provider(request: Request) -> JSONResponse:
        local(request)
        definition = await body_json(request)
        others = [p for p in store.custom_providers() if p.get("name") != definition.get("name")]
        broker = d.broker(others + [definition])  # the core checks the definition
        name = definition.get("name")
        store.put_provider(name, definition)
        return JSONResponse({"provider": broker.show_provider(name), "source": "custom"}, status_code=201)

    @app.delete("/providers/{name}")
    def delete_provider(name: str, request: Request) -> Dict[str, Any]:
        local(request)
        if not store.delete_provider(name):
            raise ApiError(404, "not_found", "No custom provider named %s." % name)
        sources = d.broker().providers["sources"]
        return {"deleted": name, "now": sources.get(name)}

    # --- proxy ----------------------------------------------------------------------------

    @app.get("/proxy/routes")
    def routes(request: Request) -> List[Any]:
        local(request)
        return d.broker().routing_table()

    @app.post("/credentials/resolve")
    async def resolve(request: Request) -> Dict[str, Any]:
        local(request)
        body = await body_json(request)
        url = body.get("url") or ("https://%s/" % body["host"] if isinstance(body.get("host"), str) else None)
        if not isinstance(url, str):
            raise ApiError(400, "invalid_request", "Give `url` or `host`.")
        broker = d.broker()
        for _ in range(2):  # refresh first, then resolve again
            connections = store.connections()
            result = broker.resolve(url, connections, method=body.get("method"))
            if result["type"] == "inject":
                return {"provider": result["provider"], "connection": result["connection"],
                        "header": result["header"], "value": result["value"]}
            response = d.send(result["request"])
            if response is None:
                raise ApiError(502, "network_error", "The token endpoint could not be reached.")
            current = next(c for c in connections if c["provider"] == result["provider"]
                           and c.get("name", "default") == result["connection"])
            store.put_connection(broker.apply_refresh(current, response))
        raise ApiError(502, "refresh_failed", "The connection still needs a refresh.")

    # --- dashboard (server-rendered HTML; the local token as on every route) ---------------

    def conn_rows(connections: List[Dict[str, Any]], with_actions: bool) -> str:
        rows = []
        for c in connections:
            action = ""
            if with_actions:
                action = ("<form method='post' action='/ui/apps/%s/%s/disconnect'><button>Disconnect</button></form>"
                          % (quote(c["provider"]), quote(c["name"])))
            rows.append("<tr><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td></tr>"
                        % (html.escape(c["provider"]), html.escape(c["name"]), html.escape(c["type"]),
                           "default" if c.get("is_default") else "", action))
        return "<table><tr><th>provider</th><th>connection</th><th>type</th><th></th><th></th></tr>%s</table>" % "".join(rows)

    @app.get("/ui/")
    def ui_home(request: Request) -> HTMLResponse:
        local(request)
        report = ready_report()
        connections = redact(store.connections())
        providers = d.broker().providers["providers"]
        links = "".join("<li><a href='/ui/apps/%s'>%s</a></li>" % (quote(n), html.escape(p["display_name"]))
                        for n, p in providers.items())
        return _page("authcore daemon",
                     "<p>Status: <b id='status'>%s</b></p><p>%d connections (<a href='/ui/connections'>all</a>)</p><ul>%s</ul>"
                     % (html.escape(report["status"]), len(connections), links))

    @app.get("/ui/connections")
    def ui_connections(request: Request) -> HTMLResponse:
        local(request)
        return _page("Connections", conn_rows(redact(store.connections()), False))

    @app.get("/ui/apps/{provider}")
    def ui_app(provider: str, request: Request) -> HTMLResponse:
        local(request)
        p = d.provider(provider)
        mine = [c for c in redact(store.connections()) if c["provider"] == provider]
        options = "".join("<option>%s</option>" % f for f in SESSION_FLOWS)
        return _page(p["display_name"],
                     "<p>auth type %s, hosts %s</p>%s<form method='post' action='/ui/apps/%s/connect'>"
                     "<select name='flow'>%s</select><button>Connect</button></form>"
                     % (html.escape(p["auth_type"]), html.escape(", ".join(p["hosts"])), conn_rows(mine, True),
                        quote(provider), options))

    @app.post("/ui/apps/{provider}/{name}/disconnect")
    def ui_disconnect(provider: str, name: str, request: Request) -> RedirectResponse:
        local(request)
        store.delete_connection(provider, name)
        return RedirectResponse("/ui/apps/%s" % quote(provider), status_code=303)

    @app.post("/ui/apps/{provider}/connect")
    async def ui_connect(provider: str, request: Request) -> RedirectResponse:
        local(request)
        form = await body_form(request)
        view = start(provider, form.get("flow"), form.get("connection_name"))
        target = view.get("browser_url") or view.get("page_url") or "/ui/apps/%s" % quote(provider)
        return RedirectResponse(target, status_code=303)

    return app
