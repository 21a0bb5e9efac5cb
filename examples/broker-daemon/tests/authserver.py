"""A small OAuth authorization server on loopback for the daemon's end-to-end test: RFC 7591
registration, the authorization endpoint (redirects to the callback with code and state),
the token endpoint (authorization code with PKCE S256, device code, refresh), RFC 8628 device
authorization and RFC 7009 revocation. It records what it saw."""

import base64
import hashlib
import json
import secrets
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Dict, List, Tuple
from urllib.parse import parse_qs, urlencode, urlsplit


class AuthServer:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.seen: List[Tuple[str, str]] = []  # (method, path) in order
        self.clients: Dict[str, Dict[str, Any]] = {}
        self.codes: Dict[str, Dict[str, str]] = {}
        self.devices: Dict[str, Dict[str, Any]] = {}  # device_code -> {"user_code", "approved"}
        self.revoked: List[Dict[str, str]] = []
        self.issued: List[str] = []
        self.grants: List[str] = []
        self.expires_in = 3600
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_: Any) -> None:
                pass

            def reply(self, status: int, body: Any = None, headers: Dict[str, str] = None) -> None:
                data = b"" if body is None else json.dumps(body).encode()
                self.send_response(status)
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                if body is not None:
                    self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def form(self) -> Dict[str, str]:
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
                return {k: v[0] for k, v in parse_qs(raw).items()}

            def do_GET(self) -> None:
                url = urlsplit(self.path)
                with server.lock:
                    server.seen.append(("GET", url.path))
                if url.path != "/authorize":
                    return self.reply(404, {"error": "not_found"})
                q = {k: v[0] for k, v in parse_qs(url.query).items()}
                if q.get("client_id") not in server.clients or q.get("code_challenge_method") != "S256":
                    return self.reply(400, {"error": "invalid_request"})
                code = secrets.token_urlsafe(16)
                with server.lock:
                    server.codes[code] = {"challenge": q["code_challenge"], "client_id": q["client_id"],
                                          "redirect_uri": q["redirect_uri"]}
                target = q["redirect_uri"] + "?" + urlencode({"code": code, "state": q["state"]})
                self.reply(302, None, {"Location": target})

            def do_POST(self) -> None:
                url = urlsplit(self.path)
                with server.lock:
                    server.seen.append(("POST", url.path))
                if url.path == "/register":
                    raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                    meta = json.loads(raw)
                    client_id = "dyn-%d" % (len(server.clients) + 1)
                    with server.lock:
                        server.clients[client_id] = meta
                    return self.reply(201, {"client_id": client_id, "client_id_issued_at": 1_700_000_000})
                f = self.form()
                if url.path == "/device/code":
                    device_code = secrets.token_urlsafe(16)
                    user_code = "WDJB-%04d" % (len(server.devices) + 1)
                    with server.lock:
                        server.devices[device_code] = {"user_code": user_code, "approved": False}
                    return self.reply(200, {"device_code": device_code, "user_code": user_code,
                                            "verification_uri": "http://127.0.0.1:%d/device" % server.port,
                                            "expires_in": 600, "interval": 1})
                if url.path == "/revoke":
                    with server.lock:
                        server.revoked.append(f)
                    return self.reply(200)
                if url.path != "/token":
                    return self.reply(404, {"error": "not_found"})
                grant = f.get("grant_type")
                with server.lock:
                    server.grants.append(grant or "")
                if grant == "authorization_code":
                    with server.lock:
                        rec = server.codes.pop(f.get("code", ""), None)
                    verifier = f.get("code_verifier", "").encode()
                    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier).digest()).rstrip(b"=").decode()
                    if rec is None or rec["challenge"] != challenge or rec["client_id"] != f.get("client_id"):
                        return self.reply(400, {"error": "invalid_grant"})
                    return self.reply(200, server.tokens())
                if grant == "urn:ietf:params:oauth:grant-type:device_code":
                    with server.lock:
                        dev = server.devices.get(f.get("device_code", ""))
                    if dev is None:
                        return self.reply(400, {"error": "invalid_grant"})
                    if not dev["approved"]:
                        return self.reply(400, {"error": "authorization_pending"})
                    return self.reply(200, server.tokens())
                if grant == "refresh_token":
                    return self.reply(200, server.tokens())
                return self.reply(400, {"error": "unsupported_grant_type"})

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        self.base = "http://127.0.0.1:%d" % self.port
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def tokens(self) -> Dict[str, Any]:
        with self.lock:
            n = len(self.issued) + 1
            access = "at-%d-%s" % (n, secrets.token_hex(4))
            self.issued.append(access)
        return {"access_token": access, "refresh_token": "rt-%d" % n, "token_type": "Bearer",
                "expires_in": self.expires_in}

    def approve(self, user_code: str) -> None:
        with self.lock:
            for dev in self.devices.values():
                if dev["user_code"] == user_code:
                    dev["approved"] = True

    def start(self) -> "AuthServer":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
