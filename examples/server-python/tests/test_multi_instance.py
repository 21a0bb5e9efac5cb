"""Several server processes, one database: the compare-and-swap writes hold under races.

Each test runs on three set-ups: one instance on SQLite, two processes on one SQLite file, and
two processes on one PostgreSQL database (a throw-away cluster from ``scripts/postgres.sh``).
Requests are spread across the instances and released together from threads, so the races
are real ones between processes; the checks count outcomes, never time.

When PostgreSQL is missing and cannot be installed the PostgreSQL set-up says so loudly and is
skipped; under ``CI=true`` it fails (the ``postgres_url`` fixture in ``conftest.py``).
"""

import subprocess
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable, Dict, Iterator, List, Tuple

import httpx
import pytest

from authcore_server.storage import open_storage
from conftest import start_server

PASSWORD = "correct horse battery staple"
CLIENT_ID = "authcore-agent"
DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"


def start_instance(db: str) -> Tuple["subprocess.Popen[str]", str]:
    """One reference server process on a free loopback port; its process and base URL."""
    return start_server(db, "--interval", "2")


@pytest.fixture(scope="module", params=["sqlite-one", "sqlite-two", "postgres-two"])
def instances(request: Any, tmp_path_factory: Any) -> Iterator[Dict[str, Any]]:
    """``{"bases": [url, …], "db": file or URL}``: the instances of one set-up."""
    backend = request.param
    if backend == "postgres-two":
        db = request.getfixturevalue("postgres_url")
    else:
        db = str(tmp_path_factory.mktemp(backend) / "authcore.db")
    procs: List["subprocess.Popen[str]"] = []
    bases: List[str] = []
    try:
        for _ in range(1 if backend == "sqlite-one" else 2):
            proc, base = start_instance(db)
            procs.append(proc)
            bases.append(base)
        yield {"bases": bases, "db": db, "backend": backend}
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(timeout=10)


def together(calls: List[Callable[[], httpx.Response]]) -> List[httpx.Response]:
    """Run every call on its own thread, released at once by a barrier; the responses in order."""
    barrier = threading.Barrier(len(calls))

    def run(call: Callable[[], httpx.Response]) -> httpx.Response:
        barrier.wait()
        return call()

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(run, calls))


def register(base: str) -> str:
    username = "u" + uuid.uuid4().hex[:12]
    r = httpx.post(base + "/api/auth/register", json={"username": username, "password": PASSWORD})
    assert r.status_code == 200, r.text
    return username


def sign_in_on_device_page(web: httpx.Client, username: str) -> str:
    """Sign in on ``/device``; the browser session's token (the cookie)."""
    page = web.post("/device/login", data={"username": username, "password": PASSWORD})
    assert page.status_code == 200 and "Connect a device" in page.text, page.text
    token = web.cookies.get("authcore_device")
    assert token
    return str(token)


def post_form(base: str, path: str, data: Dict[str, str]) -> Callable[[], httpx.Response]:
    return lambda: httpx.post(base + path, data=data, timeout=60)


def test_one_device_code_yields_tokens_once_under_20_concurrent_polls(instances: Dict[str, Any]) -> None:
    # several rounds, each a new grant: a race between processes is not won the same way twice
    bases = instances["bases"]
    username = register(bases[0])
    for _ in range(ROUNDS):
        one_device_race(bases, username)


ROUNDS = 8


def one_device_race(bases: List[str], username: str) -> None:
    issued = httpx.post(bases[0] + "/api/auth/device/", data={"client_id": CLIENT_ID})
    assert issued.status_code == 200, issued.text
    device = issued.json()
    # a person approves on the last instance's /device page
    with httpx.Client(base_url=bases[-1], follow_redirects=True) as web:
        sign_in_on_device_page(web, username)
        assert web.post("/device/code", data={"user_code": device["user_code"]}).status_code == 200
        done = web.post("/device/decide", data={"user_code": device["user_code"], "decision": "approve"})
        assert "Device connected" in done.text, done.text

    form = {"grant_type": DEVICE_GRANT, "device_code": device["device_code"], "client_id": CLIENT_ID}
    polls = together([post_form(bases[i % len(bases)], "/api/auth/device/token/", form) for i in range(20)])
    winners = [r for r in polls if r.status_code == 200]
    assert len(winners) == 1, [(r.status_code, r.text) for r in polls]
    for r in polls:
        if r.status_code != 200:
            assert r.status_code == 400 and r.json()["error"] in ("invalid_grant", "slow_down"), r.text
            assert "access_token" not in r.text
    tokens = winners[0].json()
    assert tokens["access_token"] and tokens["refresh_token"]
    # the grant is spent on every instance, and its tokens work on every instance
    for base in bases:
        again = httpx.post(base + "/api/auth/device/token/", data=form)
        assert again.status_code == 400 and "access_token" not in again.text
        me = httpx.get(base + "/api/me", headers={"Authorization": "Bearer " + tokens["access_token"]})
        assert me.status_code == 200 and me.json()["username"] == username


def login(base: str, username: str) -> Dict[str, Any]:
    r = httpx.post(base + "/api/auth/login", json={"username": username, "password": PASSWORD})
    assert r.status_code == 200, r.text
    return dict(r.json())


def refresh(base: str, token: str) -> httpx.Response:
    return httpx.post(base + "/api/auth/token/refresh/", data={"grant_type": "refresh_token", "refresh_token": token}, timeout=60)


def test_refresh_rotated_concurrently_has_one_winner_and_the_family_rule_holds(instances: Dict[str, Any]) -> None:
    bases = instances["bases"]
    username = register(bases[0])

    # across instances one after the other: each rotation is accepted where the last one was made
    token = login(bases[0], username)["refresh_token"]
    for i in range(4):
        r = refresh(bases[i % len(bases)], token)
        assert r.status_code == 200, r.text
        token = r.json()["refresh_token"]

    # the same token rotated by 10 requests at once on both instances: exactly one winner
    token = login(bases[-1], username)["refresh_token"]
    race = together([post_form(bases[i % len(bases)], "/api/auth/token/refresh/", {"grant_type": "refresh_token", "refresh_token": token}) for i in range(10)])
    winners = [r for r in race if r.status_code == 200]
    assert len(winners) == 1, [(r.status_code, r.text) for r in race]
    for r in race:
        if r.status_code != 200:
            assert r.status_code == 400 and r.json()["error"] == "invalid_grant", r.text
    new_token = winners[0].json()["refresh_token"]

    # a replay of the rotated token on the other instance is reuse: refused, the family revoked,
    # so the winner's new token is refused on every instance too
    replay = refresh(bases[0], token)
    assert replay.status_code == 400 and replay.json()["error"] == "invalid_grant", replay.text
    for base in bases:
        r = refresh(base, new_token)
        assert r.status_code == 400 and r.json()["error"] == "invalid_grant", r.text
    storage = open_storage(instances["db"])
    try:
        family = storage.find("refresh", storage.get("refresh", _hash(new_token))["family_id"])  # type: ignore[index]
    finally:
        storage.close()
    assert family and all(rec["status"] == "revoked" for rec in family)

    # another login is a new family, untouched by the revoked one
    other = login(bases[0], username)["refresh_token"]
    assert refresh(bases[-1], other).status_code == 200


def _hash(token: str) -> str:
    from authcore.refresh import refresh_token_hash

    return str(refresh_token_hash(token))


def test_a_session_revoked_through_one_process_is_refused_by_the_others_on_the_next_request(instances: Dict[str, Any]) -> None:
    bases = instances["bases"]
    username = register(bases[0])
    with httpx.Client(base_url=bases[0], follow_redirects=True) as web:
        token = sign_in_on_device_page(web, username)
    bearer = {"Authorization": "Bearer " + token}
    for base in bases:  # the session token works on every instance, on the API and on /device
        assert httpx.get(base + "/api/me", headers=bearer).status_code == 200
        page = httpx.get(base + "/device", cookies={"authcore_device": token})
        assert "Connect a device" in page.text

    # the first instance signs it out (the core's revocation, stored with compare-and-swap)
    r = httpx.post(bases[0] + "/api/auth/logout", headers=bearer)
    assert r.status_code == 204, r.text

    for base in bases:  # the very next request on each instance is refused
        r = httpx.get(base + "/api/me", headers=bearer)
        assert r.status_code == 401, r.text
        page = httpx.get(base + "/device", cookies={"authcore_device": token})
        assert "Sign in" in page.text and "Connect a device" not in page.text
