"""The broker daemon end to end: a real process on a free loopback port, a temp home, real
HTTP, and a loopback authorization server run by the test. The steps run in order and share
state (one daemon home through a restart)."""

import json
import os
import re
import stat
import time
from typing import Any, Dict
from urllib.parse import parse_qs, urlsplit

import httpx

ACME = {  # authsome's provider format, a custom header and no prefix
    "schema_version": 1, "name": "acmekey", "display_name": "Acme", "auth_type": "api_key", "flow": "api_key",
    "api_url": "api.acme.example",
    "api_key": {"header_name": "X-Acme-Key", "header_prefix": "", "env_var": "ACME_API_KEY"},
}


def oauth_provider(base: str) -> Dict[str, Any]:
    return {"name": "loopauth", "display_name": "Loop Auth", "auth_type": "oauth2", "flow": "dcr_pkce",
            "authorization_endpoint": base + "/authorize", "token_endpoint": base + "/token",
            "registration_endpoint": base + "/register", "revocation_endpoint": base + "/revoke",
            "scopes": ["read"], "hosts": ["api.loopauth.example"],
            "inject": {"header": "Authorization", "format": "Bearer {token}"}}


def device_provider(base: str) -> Dict[str, Any]:
    return {"name": "loopdev", "display_name": "Loop Device", "auth_type": "device_code", "client_id": "dev-cli",
            "device_authorization_endpoint": base + "/device/code", "token_endpoint": base + "/token",
            "hosts": ["api.loopdev.example"], "inject": {"header": "Authorization", "format": "Bearer {token}"}}


def api(daemon: Any) -> httpx.Client:
    return httpx.Client(base_url=daemon.base, headers={"Authorization": "Bearer " + daemon.token()}, timeout=30)


def wait_for(client: httpx.Client, session_id: str, status: str) -> Dict[str, Any]:
    """Polls the session until it reaches `status` (the daemon polls the device endpoint itself)."""
    deadline = time.monotonic() + 60
    while True:
        view = client.get("/auth/sessions/" + session_id).json()
        if view["status"] == status or time.monotonic() > deadline:
            return view
        time.sleep(0.2)


def test_local_token_required_on_every_route_but_health(daemon: Any) -> None:
    home = daemon.home
    for name in ("master.key", "local-token", "daemon.db"):
        assert stat.S_IMODE(os.stat(os.path.join(home, name)).st_mode) == 0o600, name
    assert len(daemon.token()) >= 43  # 256 bits, base64url
    h = httpx.get(daemon.base + "/health").json()
    assert h["status"] == "ok" and h["version"]
    routes = [("GET", "/ready"), ("GET", "/whoami"), ("GET", "/connections"), ("GET", "/providers"),
              ("GET", "/proxy/routes"), ("POST", "/credentials/resolve"), ("POST", "/credentials/export"),
              ("POST", "/auth/sessions"), ("GET", "/ui/"), ("GET", "/ui/connections"), ("POST", "/providers")]
    for method, path in routes:
        assert httpx.request(method, daemon.base + path).status_code == 401, path
        wrong = {"Authorization": "Bearer " + "A" * 43}
        r = httpx.request(method, daemon.base + path, headers=wrong)
        assert r.status_code == 401 and r.json()["error"] == "unauthorized", path
    with api(daemon) as c:
        who = c.get("/whoami").json()
        assert who["home"] == os.path.abspath(home) and who["encryption"]["mode"] == "local_key"
        assert who["encryption"]["status"] == "ok" and who["identity"]


def test_register_custom_providers(daemon: Any, auth_server: Any) -> None:
    with api(daemon) as c:
        for p in (ACME, oauth_provider(auth_server.base), device_provider(auth_server.base)):
            r = c.post("/providers", json=p)
            assert r.status_code == 201, r.text
        bad = dict(oauth_provider("http://auth.example"), name="plainhttp")
        r = c.post("/providers", json=bad)
        assert r.status_code == 400 and r.json()["error"] == "invalid_provider"
        listed = {p["name"]: p for p in c.get("/providers").json()}
        assert listed["acmekey"] == {"name": "acmekey", "display_name": "Acme", "auth_type": "api_key",
                                     "flow": "api_key", "source": "custom",
                                     "hosts": ["api.acme.example"], "has_client": False}
        assert listed["loopauth"]["flow"] == "dcr_pkce" and listed["openai"]["source"] == "bundled"
        full = c.get("/providers/acmekey").json()
        assert full["provider"]["inject"] == {"header": "X-Acme-Key", "format": "{key}"}
        assert c.get("/providers/nope").status_code == 404
        routes = {r["pattern"]: r for r in c.get("/proxy/routes").json()}
        assert routes["api.acme.example"]["provider"] == "acmekey"
        assert routes["api.acme.example"]["header"] == "X-Acme-Key"


def test_api_key_through_the_input_form(daemon: Any, shared: Dict[str, Any]) -> None:
    with api(daemon) as c:
        view = c.post("/auth/sessions", json={"provider": "acmekey", "flow": "api_key"}).json()
        assert view["status"] == "waiting_for_user"
        assert [f["name"] for f in view["fields"]] == ["api_key"]
        page = view["page_url"]
        assert page.startswith(daemon.base + "/auth/sessions/%s/input?t=" % view["session_id"])
    # The browser: no local token, the page token in the URL.
    form = httpx.get(page)
    assert form.status_code == 200 and "name='api_key'" in form.text and "type='password'" in form.text
    bare = page.split("?")[0]
    assert httpx.get(bare).status_code == 401
    assert httpx.get(bare + "?t=wrong").status_code == 401
    token = parse_qs(urlsplit(page).query)["t"][0]
    hidden = re.search(r"name='t' value='([^']+)'", form.text)
    assert hidden and hidden.group(1) == token
    assert httpx.post(bare, data={"api_key": "ak-secret-1", "t": "wrong"}).status_code == 401
    done = httpx.post(bare, data={"api_key": "ak-secret-1", "t": token})
    assert done.status_code == 200 and "Connected" in done.text
    with api(daemon) as c:
        assert c.get("/auth/sessions/" + view["session_id"]).json()["status"] == "completed"
        shared["finished_session"] = view["session_id"]
        listed = c.get("/connections")
        assert "ak-secret-1" not in listed.text
        assert [(x["provider"], x["name"]) for x in listed.json()] == [("acmekey", "default")]
        assert "ak-secret-1" not in c.get("/connections/acmekey/default").text
        revealed = c.get("/connections/acmekey/default", params={"reveal": "true"}).json()
        assert revealed["credential"] == {"type": "api_key", "key": "ak-secret-1"}


def test_oauth_pkce_with_dynamic_client_registration(daemon: Any, auth_server: Any) -> None:
    with api(daemon) as c:
        view = c.post("/auth/sessions", json={"provider": "loopauth", "flow": "pkce"}).json()
        assert view["status"] == "waiting_for_user", view
        # Registration came first, with the daemon's callback as redirect URI.
        assert auth_server.seen[-1] == ("POST", "/register")
        (meta,) = auth_server.clients.values()
        assert meta["redirect_uris"] == [daemon.base + "/auth/callback/oauth"]
        browser = view["browser_url"]
        assert browser.startswith(auth_server.base + "/authorize?")
        q = parse_qs(urlsplit(browser).query)
        assert q["client_id"] == ["dyn-1"] and q["code_challenge_method"] == ["S256"]
        # The browser: the authorization server redirects to the daemon's callback.
        redirect = httpx.get(browser, follow_redirects=False)
        assert redirect.status_code == 302
        callback = redirect.headers["location"]
        assert callback.startswith(daemon.base + "/auth/callback/oauth?code=")
        forged = re.sub(r"state=[^&]+", "state=forged", callback)
        assert "No sign-in is waiting" in httpx.get(forged).text
        page = httpx.get(callback)
        assert page.status_code == 200 and "Connected" in page.text
        assert "No sign-in is waiting" in httpx.get(callback).text  # the state is single use
        assert c.get("/auth/sessions/" + view["session_id"]).json()["status"] == "completed"
        # The registered client is kept with the provider.
        shown = c.get("/providers/loopauth").json()["provider"]
        assert shown["client_id"] == "dyn-1"
        # a registered client's secret is never shown (the listing names none either)
        assert shown.get("client_secret") in (None, "[redacted]")
        assert "client_secret" not in json.dumps(c.get("/providers").json())
        got = c.get("/connections/loopauth/default", params={"reveal": "true"}).json()
        assert got["credential"]["tokens"]["access_token"] in auth_server.issued


def test_device_code_connection(daemon: Any, auth_server: Any) -> None:
    with api(daemon) as c:
        view = c.post("/auth/sessions", json={"provider": "loopdev", "flow": "device_code"}).json()
        assert view["status"] == "waiting_for_user", view
        user_code = view["prompt"]["user_code"]
        page = httpx.get(view["page_url"])
        assert page.status_code == 200 and user_code in page.text
        assert httpx.get(view["page_url"].split("?")[0]).status_code == 401
        auth_server.expires_in = 10  # within the refresh margin: the first resolve refreshes
        try:
            auth_server.approve(user_code)
            assert wait_for(c, view["session_id"], "completed")["status"] == "completed"
        finally:
            auth_server.expires_in = 3600
        assert ("loopdev", "default") in [(x["provider"], x["name"]) for x in c.get("/connections").json()]


def test_resolve_for_matching_and_other_hosts(daemon: Any, auth_server: Any) -> None:
    with api(daemon) as c:
        r = c.post("/credentials/resolve", json={"host": "api.acme.example"}).json()
        assert r == {"provider": "acmekey", "connection": "default", "header": "X-Acme-Key", "value": "ak-secret-1"}
        tokens = c.get("/connections/loopauth/default", params={"reveal": "true"}).json()["credential"]["tokens"]
        r = c.post("/credentials/resolve", json={"url": "https://api.loopauth.example/v1/me"}).json()
        assert (r["header"], r["value"]) == ("Authorization", "Bearer " + tokens["access_token"])
        # Refresh first: the device connection's token is about to expire.
        before = c.get("/connections/loopdev/default", params={"reveal": "true"}).json()["credential"]["tokens"]
        grants = len(auth_server.grants)
        r = c.post("/credentials/resolve", json={"host": "api.loopdev.example"}).json()
        assert auth_server.grants[grants:] == ["refresh_token"]
        after = c.get("/connections/loopdev/default", params={"reveal": "true"}).json()["credential"]["tokens"]
        assert after["access_token"] != before["access_token"] and after["access_token"] == auth_server.issued[-1]
        assert r["value"] == "Bearer " + after["access_token"]
        miss = c.post("/credentials/resolve", json={"host": "api.elsewhere.example"})
        assert miss.status_code == 404 and miss.json()["error"] == "no_provider"


def test_export_both_formats(daemon: Any) -> None:
    with api(daemon) as c:
        env = c.post("/credentials/export", json={"provider": "acmekey", "format": "env"})
        assert env.status_code == 200
        lines = [x for x in env.text.splitlines() if x]
        assert len(lines) == 1 and re.fullmatch(r"[A-Z0-9_]+='ak-secret-1'", lines[0]), env.text
        out = c.post("/credentials/export", json={"format": "json"}).json()
        assert sorted((x["provider"], x["name"]) for x in out) == [
            ("acmekey", "default"), ("loopauth", "default"), ("loopdev", "default")]
        assert next(x for x in out if x["provider"] == "acmekey")["credential"]["key"] == "ak-secret-1"


def test_default_logout_and_dashboard(daemon: Any) -> None:
    with api(daemon) as c:
        view = c.post("/auth/sessions", json={"provider": "acmekey", "flow": "api_key",
                                              "connection_name": "work"}).json()
        assert c.post("/auth/sessions/%s/input" % view["session_id"], json={"api_key": "ak-work"}).json()[
            "status"] == "completed"
        made = c.post("/connections/acmekey/work/default").json()
        assert made["is_default"] is True
        r = c.post("/credentials/resolve", json={"host": "api.acme.example"}).json()
        assert (r["connection"], r["value"]) == ("work", "ak-work")
        home = c.get("/ui/")
        assert home.status_code == 200 and "<b id='status'>" in home.text and "/ui/apps/acmekey" in home.text
        assert "acmekey" in c.get("/ui/connections").text and "ak-work" not in c.get("/ui/connections").text
        assert "Disconnect" in c.get("/ui/apps/acmekey").text
        started = c.post("/ui/apps/acmekey/connect", data={"flow": "api_key"}, follow_redirects=False)
        assert started.status_code == 303 and "/input?t=" in started.headers["location"]
        gone = c.post("/ui/apps/acmekey/work/disconnect", follow_redirects=False)
        assert gone.status_code == 303
        assert c.post("/connections/acmekey/work/logout").status_code == 404
        names = [(x["provider"], x["name"]) for x in c.get("/connections").json()]
        assert ("acmekey", "work") not in names and ("acmekey", "default") in names


def test_revoke_clears_the_providers_connections(daemon: Any, auth_server: Any) -> None:
    with api(daemon) as c:
        tokens = c.get("/connections/loopauth/default", params={"reveal": "true"}).json()["credential"]["tokens"]
        r = c.post("/connections/loopauth/revoke")
        assert r.status_code == 200, r.text
        assert [x["outcome"] for x in r.json()["revoked"]] == ["revoked", "revoked"]
        seen = [(x["token"], x["token_type_hint"]) for x in auth_server.revoked]
        assert seen == [(tokens["refresh_token"], "refresh_token"), (tokens["access_token"], "access_token")]
        assert all(x["client_id"] == "dyn-1" for x in auth_server.revoked)
        assert "loopauth" not in [x["provider"] for x in c.get("/connections").json()]


def test_restart_keeps_the_vault_and_resumes_a_paused_session(daemon: Any, auth_server: Any,
                                                              shared: Dict[str, Any]) -> None:
    with api(daemon) as c:
        view = c.post("/auth/sessions", json={"provider": "loopdev", "flow": "device_code",
                                              "connection_name": "second"}).json()
        assert view["status"] == "waiting_for_user"
        sid, user_code = view["session_id"], view["prompt"]["user_code"]
    daemon.stop()
    daemon.start()
    with api(daemon) as c:
        names = [(x["provider"], x["name"]) for x in c.get("/connections").json()]
        assert ("acmekey", "default") in names and ("loopdev", "default") in names
        revealed = c.get("/connections/acmekey/default", params={"reveal": "true"}).json()
        assert revealed["credential"]["key"] == "ak-secret-1"  # the vault opens the records
        assert c.get("/auth/sessions/" + sid).json()["status"] == "paused"
        assert c.get("/auth/sessions/" + shared["finished_session"]).status_code == 404  # finished ones are dropped
        auth_server.approve(user_code)
        resumed = c.post("/auth/sessions/%s/resume" % sid)
        assert resumed.status_code == 200, resumed.text
        assert wait_for(c, sid, "completed")["status"] == "completed"
        assert ("loopdev", "second") in [(x["provider"], x["name"]) for x in c.get("/connections").json()]


def test_ready_degraded_with_a_0644_master_key(daemon: Any) -> None:
    with api(daemon) as c:
        # The loopback providers load under the daemon's --allow-loopback-http (the core's
        # readiness takes the allowance); two connections of one provider and no default are a
        # warning, so one of loopdev's goes.
        assert c.post("/connections/loopdev/second/logout").status_code == 200
        ok = c.get("/ready").json()
        assert ok["status"] == "ok", ok
        key = os.path.join(daemon.home, "master.key")
        os.chmod(key, 0o644)
        try:
            degraded = c.get("/ready")
            assert degraded.status_code == 200
            body = degraded.json()
            assert body["status"] == "degraded" and body["components"]["vault"]["status"] == "degraded"
            assert any("0644" in w for w in body["warnings"]), body
            assert body["errors"] == []
        finally:
            os.chmod(key, 0o600)
        assert c.get("/ready").json()["status"] == "ok"


def test_client_helper_reads_the_daemon_url(daemon: Any) -> None:
    import subprocess
    import sys

    from conftest import DAEMON_DIR

    env = dict(os.environ, AUTHCORE_DAEMON_URL=daemon.base, PYTHONPATH=DAEMON_DIR)
    out = subprocess.run([sys.executable, "-m", "authcore_daemon", "call", "--home", daemon.home, "GET", "/whoami"],
                         cwd=DAEMON_DIR, env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["encryption"]["mode"] == "local_key"
