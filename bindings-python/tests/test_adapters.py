"""The IO adapters (authcore.httpx, authcore.device.login, authcore.asgi, authcore.stores)
against real servers on loopback sockets: nothing here is mocked below the socket."""

import asyncio
import json
import os
import socket
import stat
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Dict, List, Optional

import httpx
import pytest

import authcore
from authcore.device import DeviceAuthority, device_code_hash, login, parse_authorization_request, parse_token_request
from authcore.httpx import BearerAuth
from authcore.stores import FileTokenStore, MemoryTokenStore
from authcore.tokens import token_set_from_response

NOW = 1_700_000_000


# ------------------------------------------------------------------------------------------
# A token-protected API with a rotating refresh endpoint, on a real socket
# ------------------------------------------------------------------------------------------


class Api:
    """State of the test API: the current access and refresh tokens, and counters."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.generation = 1
        self.access = "at-1"
        self.refresh = "rt-1"
        self.refreshes = 0
        self.refresh_delay = 0.0
        self.refuse_refresh = False
        self.always_401 = False
        self.seen_auth: List[Optional[str]] = []

    def rotate(self) -> Dict[str, Any]:
        self.generation += 1
        self.access = "at-%d" % self.generation
        self.refresh = "rt-%d" % self.generation
        self.refreshes += 1
        return {"access_token": self.access, "refresh_token": self.refresh, "token_type": "Bearer", "expires_in": 3600}


def serve(handler_factory: Any) -> ThreadingHTTPServer:
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler_factory)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.fixture()
def api():
    state = Api()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def reply(self, status: int, body: Dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            form = dict(urllib.parse.parse_qsl(self.rfile.read(length).decode()))
            if self.path != "/token":
                return self.do_GET()
            time.sleep(state.refresh_delay)
            with state.lock:
                if state.refuse_refresh or form.get("refresh_token") != state.refresh:
                    return self.reply(400, {"error": "invalid_grant"})
                return self.reply(200, state.rotate())

        def do_GET(self) -> None:
            auth = self.headers.get("Authorization")
            with state.lock:
                state.seen_auth.append(auth)
                ok = auth == "Bearer " + state.access and not state.always_401
            if self.path == "/api/pay":
                return self.reply(402, {"detail": "Upgrade to pro.", "code": "subscription_required"})
            if not ok:
                return self.reply(401, {"detail": "Not authenticated.", "code": "not_authenticated"})
            return self.reply(200, {"ok": True, "token": auth})

    server = serve(Handler)
    state.base = "http://127.0.0.1:%d" % server.server_address[1]  # type: ignore[attr-defined]
    yield state
    server.shutdown()


def stored(access: str = "at-1", refresh: str = "rt-1", expires_in: int = 3600, generation: int = 1) -> Dict[str, Any]:
    """Tokens with `expires_in` seconds of life left now (negative: expired that long ago)."""
    body = json.dumps({"access_token": access, "refresh_token": refresh, "token_type": "Bearer", "expires_in": 3600})
    issued = int(time.time()) + expires_in - 3600
    return {"version": 1, "generation": generation, "clock_offset": 0, "tokens": token_set_from_response(body, now=issued)}


def auth_for(api: Api, store: Any) -> BearerAuth:
    return BearerAuth(store, token_endpoint=api.base + "/token", client_id="cli", api_origins=[api.base])


# ------------------------------------------------------------------------------------------
# authcore.httpx
# ------------------------------------------------------------------------------------------


def test_bearer_is_sent_and_fresh_tokens_are_not_refreshed(api: Api) -> None:
    store = MemoryTokenStore(stored())
    with httpx.Client(auth=auth_for(api, store)) as http:
        r = http.get(api.base + "/api/me")
    assert r.status_code == 200 and r.json()["token"] == "Bearer at-1"
    assert api.refreshes == 0


def test_refreshes_five_minutes_early_and_saves_to_a_0600_file(api: Api, tmp_path: Any) -> None:
    store = FileTokenStore(tmp_path / "auth" / "tokens.json")
    assert store.save(stored(expires_in=200), 0)
    with httpx.Client(auth=auth_for(api, store)) as http:
        r = http.get(api.base + "/api/me")
    assert r.status_code == 200 and r.json()["token"] == "Bearer at-2"
    assert api.refreshes == 1
    saved = store.load()
    assert saved is not None and saved["generation"] == 2 and saved["tokens"]["refresh_token"] == "rt-2"
    assert stat.S_IMODE(os.stat(store.path).st_mode) == 0o600
    assert [p for p in os.listdir(tmp_path / "auth") if p.endswith(".tmp")] == []


def test_a_401_refreshes_and_retries_exactly_once(api: Api) -> None:
    store = MemoryTokenStore(stored())
    api.access = "at-revoked"  # the server no longer accepts at-1
    with httpx.Client(auth=auth_for(api, store)) as http:
        r = http.get(api.base + "/api/me")
    assert r.status_code == 200 and api.refreshes == 1
    assert api.seen_auth == ["Bearer at-1", "Bearer at-2"]


def test_a_second_401_is_handed_back_not_retried_again(api: Api) -> None:
    api.always_401 = True
    with httpx.Client(auth=auth_for(api, MemoryTokenStore(stored()))) as http:
        r = http.get(api.base + "/api/me")
    assert r.status_code == 401 and api.refreshes == 1 and len(api.seen_auth) == 2


def test_a_402_is_the_servers_answer(api: Api) -> None:
    with httpx.Client(auth=auth_for(api, MemoryTokenStore(stored()))) as http:
        r = http.get(api.base + "/api/pay")
    assert r.status_code == 402 and r.json()["code"] == "subscription_required"


def test_a_refused_refresh_raises_the_drivers_error_and_clears_the_store(api: Api, tmp_path: Any) -> None:
    api.refuse_refresh = True
    store = FileTokenStore(tmp_path / "tokens.json")
    assert store.save(stored(expires_in=-10), 0)
    with httpx.Client(auth=auth_for(api, store)) as http:
        with pytest.raises(authcore.RefreshFailed) as e:
            http.get(api.base + "/api/me")
        assert e.value.code == "refresh_failed"
        assert store.load() is None and not os.path.exists(store.path)
        with pytest.raises(authcore.NotAuthenticated):
            http.get(api.base + "/api/me")
    assert api.seen_auth == [] and api.refreshes == 0


def test_no_tokens_raises_not_authenticated_without_a_request(api: Api) -> None:
    with httpx.Client(auth=auth_for(api, MemoryTokenStore())) as http:
        with pytest.raises(authcore.AuthError):
            http.get(api.base + "/api/me")
    assert api.seen_auth == []


def test_one_refresh_for_many_threads(api: Api) -> None:
    api.refresh_delay = 0.2
    auth = auth_for(api, MemoryTokenStore(stored(expires_in=-10)))
    results: List[int] = []
    with httpx.Client(auth=auth) as http:
        def call() -> None:
            results.append(http.get(api.base + "/api/me").status_code)

        threads = [threading.Thread(target=call) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
    assert results == [200] * 8
    assert api.refreshes == 1


def test_one_refresh_for_many_tasks(api: Api) -> None:
    api.refresh_delay = 0.2
    auth = auth_for(api, MemoryTokenStore(stored(expires_in=-10)))

    async def main() -> List[int]:
        async with httpx.AsyncClient(auth=auth) as http:
            rs = await asyncio.gather(*[http.get(api.base + "/api/me") for _ in range(8)])
        return [r.status_code for r in rs]

    assert asyncio.run(main()) == [200] * 8
    assert api.refreshes == 1


def test_a_network_failure_during_refresh_frees_the_waiters(api: Api) -> None:
    auth = BearerAuth(
        MemoryTokenStore(stored(expires_in=-10)),
        token_endpoint="http://127.0.0.1:%d/token" % free_port(),
        api_origins=[api.base],
    )
    with httpx.Client(auth=auth, timeout=2) as http:
        with pytest.raises((httpx.TransportError, authcore.AuthError)):
            http.get(api.base + "/api/me")
        # The machine is not stuck with a refresh in flight: the next call tries again.
        with pytest.raises((httpx.TransportError, authcore.AuthError)):
            http.get(api.base + "/api/me")
    assert auth._results == {} and auth._outbox == {}  # nothing kept for callers that left


def test_the_bearer_token_never_goes_to_another_origin(api: Api) -> None:
    other = Api()
    seen: List[Optional[str]] = []

    class Other(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def do_GET(self) -> None:
            seen.append(self.headers.get("Authorization"))
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

    server = serve(Other)
    try:
        with httpx.Client(auth=auth_for(api, MemoryTokenStore(stored()))) as http:
            r = http.get("http://127.0.0.1:%d/elsewhere" % server.server_address[1])
        assert r.status_code == 200 and seen == [None]
    finally:
        server.shutdown()
    del other


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# ------------------------------------------------------------------------------------------
# authcore.stores
# ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("make", [lambda p: FileTokenStore(p / "t.json"), lambda p: MemoryTokenStore()])
def test_stores_compare_and_swap_on_generation(tmp_path: Any, make: Any) -> None:
    store = make(tmp_path)
    assert store.load() is None
    assert not store.save(stored(generation=1), 5)  # the empty store holds generation 0
    assert store.save(stored(generation=1), 0)
    assert not store.save(stored(access="x", generation=2), 0)  # stale writer loses
    assert store.load()["tokens"]["access_token"] == "at-1"
    assert store.save(stored(access="y", generation=2), 1)
    assert store.load()["generation"] == 2
    with pytest.raises(ValueError):
        store.save({"version": 1, "generation": 3}, 2)  # malformed: refused, nothing changes
    assert store.load()["tokens"]["access_token"] == "y"
    assert "at-" not in repr(store) and "rt-" not in repr(store)


def test_file_store_is_safe_across_processes(tmp_path: Any) -> None:
    import multiprocessing

    path = str(tmp_path / "t.json")
    FileTokenStore(path).save(stored(generation=1), 0)
    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(4) as pool:
        wins = pool.map(_race_save, [path] * 8)
    assert sum(wins) == 1  # eight writers expected generation 1: exactly one succeeded
    assert FileTokenStore(path).load()["generation"] == 2


def _race_save(path: str) -> bool:
    return FileTokenStore(path).save(stored(access="at-%d" % os.getpid(), generation=2), 1)


# ------------------------------------------------------------------------------------------
# authcore.device.login against an authorization server on a socket
# ------------------------------------------------------------------------------------------


class FakeClock:
    """Simulated time shared by the server and the login (waits advance it instantly)."""

    def __init__(self) -> None:
        self.now = float(NOW)
        self._set = False

    def __call__(self) -> float:
        return self.now

    # the `cancel` event's interface, so waiting costs no real time
    def is_set(self) -> bool:
        return self._set

    def set(self) -> None:
        self._set = True

    def wait(self, timeout: Optional[float] = None) -> bool:
        self.now += timeout or 0
        return self._set


@pytest.fixture()
def device_server():
    clock = FakeClock()
    authority = DeviceAuthority(verification_uri="https://auth.example.com/device", interval=5)
    state: Dict[str, Any] = {"grants": {}, "polls": 0, "approve_after": 2, "deny": False, "clock": clock}

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def do_POST(self) -> None:
            now = int(clock())
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
            if self.path == "/api/auth/device/":
                req = parse_authorization_request(body)
                issued = authority.issue(req["client_id"], req.get("scope"), now=now)
                state["grants"][issued["record"]["device_code_hash"]] = issued["record"]
                return self.reply(200, json.dumps(issued["response"]), {})
            req = parse_token_request(body)
            key = device_code_hash(req["device_code"])
            state["polls"] += 1
            if state["polls"] == state["approve_after"]:
                g = state["grants"][key]
                state["grants"][key] = authority.deny(g, now=now) if state["deny"] else authority.approve(g, "user-1", now=now)
            out = authority.poll(state["grants"].get(key), req, now=now)
            if out.get("record"):
                state["grants"][key] = out["record"]
            if out["type"] == "approved":
                tokens = {"access_token": "at-1", "refresh_token": "rt-1", "token_type": "Bearer", "expires_in": 3600}
                return self.reply(200, json.dumps(tokens), {})
            resp = out["response"]
            return self.reply(resp["status"], resp["body"], resp["headers"])

        def reply(self, status: int, body: str, headers: Dict[str, str]) -> None:
            data = body.encode()
            self.send_response(status)
            for k, v in headers.items():
                self.send_header(k, v)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    server = serve(Handler)
    state["base"] = "http://127.0.0.1:%d" % server.server_address[1]
    yield state
    server.shutdown()


def test_device_login_in_one_call(device_server: Dict[str, Any], tmp_path: Any) -> None:
    clock = device_server["clock"]
    prompts: List[Dict[str, Any]] = []
    store = FileTokenStore(tmp_path / "auth.json")
    result = login(
        device_server["base"],
        "my-cli",
        scope="read",
        store=store,
        prompt=prompts.append,
        clock=clock,
        cancel=clock,  # type: ignore[arg-type]
        allow_insecure_http=True,
    )
    assert result["tokens"]["access_token"] == "at-1" and result["generation"] == 1
    assert store.load() == result
    assert len(prompts) == 1 and prompts[0]["verification_uri"] == "https://auth.example.com/device"
    assert clock() >= NOW + 10  # two polls, five seconds apart, in simulated time


def test_device_login_denied_raises_access_denied(device_server: Dict[str, Any]) -> None:
    device_server["deny"] = True
    clock = device_server["clock"]
    with pytest.raises(authcore.AccessDenied):
        login(device_server["base"], "my-cli", prompt=lambda p: None, clock=clock, cancel=clock, allow_insecure_http=True)  # type: ignore[arg-type]


def test_device_login_cancelled(device_server: Dict[str, Any]) -> None:
    clock = device_server["clock"]
    clock.set()
    with pytest.raises(authcore.Cancelled):
        login(device_server["base"], "my-cli", prompt=lambda p: None, clock=clock, cancel=clock, allow_insecure_http=True)  # type: ignore[arg-type]


# ------------------------------------------------------------------------------------------
# Session tokens, the Ravi token file, login limits
# ------------------------------------------------------------------------------------------


def session_doc(token: str = "at-1", identity: Optional[str] = None) -> Dict[str, Any]:
    body = json.dumps({"session_token": token, "user_id": "user_abc123", "email": "user@example.com"})
    doc: Dict[str, Any] = {"version": 2, "generation": 1, "clock_offset": 0, "tokens": token_set_from_response(body)}
    if identity is not None:
        doc["identity"] = identity
    return doc


@pytest.mark.parametrize("make", [lambda p: FileTokenStore(p / "auth.json"), lambda p: MemoryTokenStore()])
def test_a_refused_session_token_signs_out_and_clears_the_store(api: Api, tmp_path: Any, make: Any) -> None:
    store = make(tmp_path)
    assert store.save(session_doc(), 0)
    signed_out: List[bool] = []
    auth = BearerAuth(store, token_endpoint=api.base + "/token", on_signed_out=lambda: signed_out.append(True))
    with httpx.Client(auth=auth) as http:
        assert http.get(api.base + "/api/me").status_code == 200  # the session works
        api.access = "revoked"
        with pytest.raises(authcore.NotAuthenticated) as e:
            http.get(api.base + "/api/me")
        assert e.value.code == "not_authenticated"
        with pytest.raises(authcore.NotAuthenticated):  # no tokens left: no request goes out
            http.get(api.base + "/api/me")
    assert signed_out == [True]
    assert store.load() is None
    assert api.refreshes == 0 and api.seen_auth == ["Bearer at-1", "Bearer at-1"]


def test_the_identity_is_saved_with_the_tokens_and_restored(api: Api, tmp_path: Any) -> None:
    path = tmp_path / "ravi" / "auth.json"
    store = FileTokenStore(path)
    assert store.save(stored(), 0)
    auth = BearerAuth(store, token_endpoint=api.base + "/token", identity_header="X-Ravi-Identity")
    auth.set_identity("6f1c2a8e")
    saved = store.load()
    assert saved is not None and saved["identity"] == "6f1c2a8e" and saved["version"] == 2
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(path.parent).st_mode) == 0o700
    assert [p for p in os.listdir(path.parent) if p.endswith(".tmp")] == []
    # A new process: the identity comes back from the file.
    again = BearerAuth(FileTokenStore(path), token_endpoint=api.base + "/token", identity_header="X-Ravi-Identity")
    with httpx.Client(auth=again) as http:
        r = http.get(api.base + "/api/me")
    assert r.request.headers.get("X-Ravi-Identity") == "6f1c2a8e"
    assert api.seen_auth == ["Bearer at-1"]


def test_ravi_token_file_is_the_cores_constant_expanded_by_the_store(monkeypatch: Any, tmp_path: Any) -> None:
    from authcore.stores import RAVI_TOKEN_FILE

    assert RAVI_TOKEN_FILE == authcore._authcore.RAVI_TOKEN_FILE == "~/.ravi/auth.json"
    monkeypatch.setenv("HOME", str(tmp_path))
    assert FileTokenStore(RAVI_TOKEN_FILE).path == str(tmp_path / ".ravi" / "auth.json")


def test_file_store_clear_compares_the_generation(tmp_path: Any) -> None:
    store = FileTokenStore(tmp_path / "t.json")
    assert store.clear(0)  # nothing stored: generation 0
    assert store.save(stored(generation=3), 0)
    assert not store.clear(2) and store.load() is not None
    assert store.clear(3) and store.load() is None


def test_login_limited_answers_unknown_and_known_accounts_alike() -> None:
    from authcore.password import Accounts

    accounts = Accounts(memory_kib=64, iterations=1, login_limits={"max_account_failures": 2, "window": 60})
    account = {"user_id": "u-1", "password_hash": accounts.hash_password("correct horse")}
    for acct in (account, None):
        first = accounts.login_limited(acct, "wrong horse", now=NOW)
        assert first["error"]["code"] == "invalid_credentials" and "login" not in first
        second = accounts.login_limited(acct, "wrong horse", first["account_limiter"], first["requester_limiter"], now=NOW)
        assert second["error"]["code"] == "too_many_attempts" and second["retry_at"] == NOW + 60
        locked = accounts.login_limited(acct, "correct horse", second["account_limiter"], now=NOW + 59)
        assert locked == {"error": {"code": "too_many_attempts", "detail": "Too many attempts."}, "retry_at": NOW + 60}
    ok = accounts.login_limited(account, "correct horse", {"revision": 2, "window_start": NOW, "failures": 2}, now=NOW + 60)
    assert ok["login"]["user_id"] == "u-1" and ok["account_limiter"]["failures"] == 0
