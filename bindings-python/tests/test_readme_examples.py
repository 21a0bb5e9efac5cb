"""The Python examples in README.md, run as written against servers on loopback sockets.

Only the host names change (`https://auth.example.com` and `https://api.example.com` become
the loopback server); everything else runs as a user would copy it."""

import json
import os
import re
import socket
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Dict, Iterator

import httpx
import pytest

from authcore.device import DeviceAuthority, device_code_hash, parse_authorization_request, parse_token_request
from authcore.jwt import Issuer

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def example(name: str) -> str:
    text = open(os.path.join(ROOT, "README.md"), encoding="utf-8").read()
    m = re.search(r"<!-- example: %s -->\n```python\n(.*?)```\n<!-- /example -->" % re.escape(name), text, re.S)
    assert m, "README.md lost its %s example" % name
    return m.group(1)


class Server:
    """An authorization server (device grant, refresh) and an API, on one loopback port."""

    def __init__(self) -> None:
        self.authority = DeviceAuthority(verification_uri="https://auth.example.com/device", interval=1, poll_tolerance=0)
        self.grants: Dict[str, Dict[str, Any]] = {}
        self.access = "at-1"
        self.calls: Dict[str, int] = {}
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def reply(self, status: int, body: str, headers: Dict[str, str]) -> None:
                data = body.encode()
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                server.calls[self.path] = server.calls.get(self.path, 0) + 1
                if self.headers.get("Authorization") != "Bearer " + server.access:
                    return self.reply(401, '{"detail":"Not authenticated.","code":"not_authenticated"}', {})
                return self.reply(200, json.dumps({"user_id": "user-1"}), {})

            def do_POST(self) -> None:
                server.calls[self.path] = server.calls.get(self.path, 0) + 1
                now = int(time.time())
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
                if self.path == "/api/auth/device/":
                    req = parse_authorization_request(body)
                    issued = server.authority.issue(req["client_id"], req.get("scope"), now=now)
                    grant = issued["record"]
                    # The person approves at once (the page is another test's business).
                    server.grants[grant["device_code_hash"]] = server.authority.approve(grant, "user-1", now=now)
                    return self.reply(200, json.dumps(issued["response"]), {})
                if self.path == "/api/auth/device/token/":
                    req = parse_token_request(body)
                    key = device_code_hash(req["device_code"])
                    out = server.authority.poll(server.grants.get(key), req, now=now)
                    if out.get("record"):
                        server.grants[key] = out["record"]
                    if out["type"] != "approved":
                        r = out["response"]
                        return self.reply(r["status"], r["body"], r["headers"])
                    tokens = {"access_token": "at-1", "refresh_token": "rt-1", "token_type": "Bearer", "expires_in": 3600}
                    return self.reply(200, json.dumps(tokens), {})
                form = dict(urllib.parse.parse_qsl(body))
                if self.path == "/oauth/token" and form.get("refresh_token") == "rt-1":
                    server.access = "at-2"
                    tokens = {"access_token": "at-2", "refresh_token": "rt-2", "token_type": "Bearer", "expires_in": 3600}
                    return self.reply(200, json.dumps(tokens), {})
                return self.reply(400, '{"error":"invalid_grant"}', {})

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.base = "http://127.0.0.1:%d" % self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def localise(self, code: str) -> str:
        return code.replace("https://auth.example.com", self.base).replace("https://api.example.com", self.base)


@pytest.fixture()
def server() -> Iterator[Server]:
    s = Server()
    yield s
    s.httpd.shutdown()


def test_device_login_then_httpx_calls(server: Server, tmp_path: Any, monkeypatch: Any, capsys: Any) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    namespace: Dict[str, Any] = {"__name__": "example"}
    exec(compile(server.localise(example("device-login")), "README.md", "exec"), namespace)
    saved = json.loads((tmp_path / ".my-cli" / "auth.json").read_text())
    assert saved["tokens"]["access_token"] == "at-1" and saved["generation"] == 1
    assert "enter the code" in capsys.readouterr().err

    exec(compile(server.localise(example("httpx")), "README.md", "exec"), namespace)
    assert namespace["me"] == {"user_id": "user-1"}


def test_httpx_example_refreshes_after_a_401(server: Server, tmp_path: Any, monkeypatch: Any) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    namespace: Dict[str, Any] = {"__name__": "example"}
    exec(compile(server.localise(example("device-login")), "README.md", "exec"), namespace)
    server.access = "at-2"  # at-1 is no longer accepted; the refresh endpoint hands out at-2
    exec(compile(server.localise(example("httpx")), "README.md", "exec"), namespace)
    assert namespace["me"] == {"user_id": "user-1"}
    assert server.calls["/oauth/token"] == 1 and server.calls["/me"] == 2
    saved = json.loads((tmp_path / ".my-cli" / "auth.json").read_text())
    assert saved["tokens"]["access_token"] == "at-2" and saved["generation"] == 2


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_fastapi_example(monkeypatch: Any) -> None:
    uvicorn = pytest.importorskip("uvicorn")
    secret = "an HS256 secret of at least 32 bytes!!"
    monkeypatch.setenv("JWT_SECRET", secret)
    namespace: Dict[str, Any] = {"__name__": "example"}
    exec(compile(example("fastapi"), "README.md", "exec"), namespace)
    port = free_port()
    srv = uvicorn.Server(uvicorn.Config(namespace["app"], host="127.0.0.1", port=port, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    try:
        for _ in range(250):
            if srv.started:
                break
            time.sleep(0.02)
        base = "http://127.0.0.1:%d" % port
        token = Issuer({"alg": "HS256", "secret": secret}).issue({"sub": "user-7"})
        r = httpx.get(base + "/me", headers={"Authorization": "Bearer " + token})
        assert r.status_code == 200 and r.json() == {"user_id": "user-7"}
        r = httpx.get(base + "/me")
        assert r.status_code == 401 and r.json()["code"] == "not_authenticated"
        assert r.headers["www-authenticate"].startswith("Bearer realm=")
    finally:
        srv.should_exit = True
        thread.join(5)
