"""A bounded load run against the reference server, on loopback (``make load``).

Starts the reference server (SQLite in a temp dir) and, next to it, the same FastAPI route with
PyJWT checking the token (``pyjwt_app.py``, same database); signs a user in; then sends a fixed
number of authenticated ``GET /api/me`` requests per scenario over ``--connections`` keep-alive
connections and stops:

- ``authcore jwt``: the reference server, ``Authorization: Bearer <EdDSA JWT>`` (the gate);
- ``authcore session``: the reference server, ``Authorization: Bearer <session token>`` (the
  gate loads the session record and the user from the database);
- ``pyjwt jwt``: the comparison app, the same JWT checked by PyJWT.

Every response must be a 2xx: one that is not fails the run. The client is a small asyncio
HTTP/1.1 client (no library in the measured path beyond the standard library). Results: JSON
in ``target/bench/server-load.json`` and a section of ``BENCHMARKS.md`` rewritten from it
(between its markers). ``--smoke`` sends one request per scenario and writes nothing.
"""

import argparse
import asyncio
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
import uuid
from typing import Any, Dict, List, Optional, Tuple

HERE = os.path.dirname(os.path.abspath(__file__))
SERVER_DIR = os.path.dirname(HERE)
REPO = os.path.dirname(os.path.dirname(SERVER_DIR))
START, END = "<!-- server-load:start -->", "<!-- server-load:end -->"
PASSWORD = "correct horse battery staple"


def spawn(cmd: List[str], env: Dict[str, str]) -> Tuple["subprocess.Popen[str]", str]:
    proc = subprocess.Popen(cmd, cwd=SERVER_DIR, env=env, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    line = proc.stdout.readline()
    if not line.startswith("listening on "):
        proc.kill()
        raise SystemExit("load: %s did not start (%r)" % (cmd[2:4], line))
    return proc, line.split()[-1]


def http(method: str, url: str, body: Optional[bytes] = None, headers: Optional[Dict[str, str]] = None) -> Tuple[int, bytes, Dict[str, str]]:
    """One request with the standard library (set-up only; not measured)."""
    import urllib.error
    import urllib.request

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *a: Any, **k: Any) -> None:
            return None

    req = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.build_opener(NoRedirect).open(req) as r:
            return r.status, r.read(), dict(r.headers)
    except urllib.error.HTTPError as e:
        return e.code, e.read(), dict(e.headers)


def credentials(base: str) -> Tuple[str, str]:
    """A new user's access token (login) and session token (sign-in on /device)."""
    username = "load" + uuid.uuid4().hex[:8]
    account = json.dumps({"username": username, "password": PASSWORD}).encode()
    json_type = {"Content-Type": "application/json"}
    status, body, _ = http("POST", base + "/api/auth/register", account, json_type)
    assert status == 200, body
    status, body, _ = http("POST", base + "/api/auth/login", account, json_type)
    assert status == 200, body
    access = json.loads(body)["access_token"]
    form = ("username=%s&password=%s" % (username, PASSWORD.replace(" ", "+"))).encode()
    status, body, headers = http("POST", base + "/device/login", form, {"Content-Type": "application/x-www-form-urlencoded"})
    assert status == 303, (status, body)
    cookie = headers.get("set-cookie") or headers.get("Set-Cookie") or ""
    session = cookie.split("authcore_device=", 1)[1].split(";", 1)[0]
    return access, session


async def connection(host: str, port: int, request: bytes, budget: List[int], latencies: List[float], errors: List[str]) -> None:
    """One keep-alive connection sending ``request`` while the shared budget lasts."""
    reader, writer = await asyncio.open_connection(host, port)
    try:
        while budget[0] > 0:
            budget[0] -= 1
            t0 = time.perf_counter()
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            status = int(head.split(b" ", 2)[1])
            length = None
            for line in head.split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            if length is None:
                errors.append("a response without Content-Length")
                return
            body = await reader.readexactly(length)
            latencies.append(time.perf_counter() - t0)
            if not 200 <= status < 300:
                errors.append("%d %s" % (status, body[:200].decode("utf-8", "replace")))
    finally:
        writer.close()


async def scenario(base: str, path: str, token: str, count: int, connections: int) -> Dict[str, Any]:
    host, port = base.split("//", 1)[1].rsplit(":", 1)
    request = ("GET %s HTTP/1.1\r\nHost: %s:%s\r\nAuthorization: Bearer %s\r\n\r\n" % (path, host, port, token)).encode()
    # warm-up (not counted): every connection path and the server's caches
    warm: List[float] = []
    errors: List[str] = []
    await connection(host, int(port), request, [min(count, 50)], warm, errors)
    if errors:
        raise SystemExit("load: %s %s: the warm-up failed: %s" % (base, path, errors[0]))
    latencies: List[float] = []
    budget = [count]
    t0 = time.perf_counter()
    await asyncio.gather(*(connection(host, int(port), request, budget, latencies, errors) for _ in range(connections)))
    elapsed = time.perf_counter() - t0
    if errors or len(latencies) != count:
        raise SystemExit("load: %s %s: %d errors, %d/%d answered; first: %s" % (base, path, len(errors), len(latencies), count, errors[:1]))
    latencies.sort()

    def pct(p: float) -> float:
        return round(latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000, 2)

    return {"requests": count, "seconds": round(elapsed, 3), "rps": round(count / elapsed, 1), "p50_ms": pct(0.50), "p99_ms": pct(0.99)}


def markdown(result: Dict[str, Any]) -> str:
    rows = "\n".join(
        "| %s | %s | %s | %s | %.2f | %.2f |" % (r["server"], r["credential"], r["route"], "{:,}".format(round(r["rps"])), r["p50_ms"], r["p99_ms"])
        for r in result["scenarios"]
    )
    return (
        "%s\n## Reference server under load\n\n"
        "Harness: `make load` (`examples/server-python/load/run.py`, written into this section by the\n"
        "script from `target/bench/server-load.json`). Loopback, one uvicorn process per server,\n"
        "SQLite in a temp dir, %d authenticated `GET /api/me` per row over %d keep-alive\n"
        "connections from a small asyncio client on the same machine (after 50 warm-up requests);\n"
        "any non-2xx fails the run. `pyjwt` is the same FastAPI route with PyJWT %s checking the\n"
        "same EdDSA token in a dependency instead of authcore's gate. Python %s, %s.\n\n"
        "| server | credential | route | requests/s | p50 ms | p99 ms |\n|---|---|---|---:|---:|---:|\n%s\n\n"
        "The client shares the machine's cores with the server, so these are rates of the whole\n"
        "loopback system, comparable between rows rather than absolute capacity (load average\n"
        "%s on %d CPUs right after this run).\n%s"
        % (START, result["requests"], result["connections"], result["pyjwt"], result["python"], result["date"], rows,
           " / ".join("%.2f" % x for x in result["load_average"]), result["cpus"], END)
    )


def write_benchmarks(result: Dict[str, Any]) -> None:
    path = os.path.join(REPO, "BENCHMARKS.md")
    with open(path) as f:
        text = f.read()
    section = markdown(result)
    if START in text and END in text:
        text = text[: text.index(START)] + section + text[text.index(END) + len(END):]
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    with open(path, "w") as f:
        f.write(text)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=5000, help="requests per scenario (fixed count)")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--smoke", action="store_true", help="one request per scenario; nothing written")
    args = parser.parse_args()
    count = 1 if args.smoke else args.requests
    connections = 1 if args.smoke else args.connections

    import jwt  # the comparison's library, for its version

    procs: List["subprocess.Popen[str]"] = []
    with tempfile.TemporaryDirectory() as tmp:
        db = os.path.join(tmp, "authcore.db")
        env = dict(os.environ, AUTHCORE_SERVICES_TOKEN="load-services-token-0123456789abcdef", PYTHONPATH=SERVER_DIR)
        try:
            proc, base = spawn([sys.executable, "-m", "authcore_server", "serve", "--port", "0", "--db", db], env)
            procs.append(proc)
            proc, peer = spawn([sys.executable, os.path.join(HERE, "pyjwt_app.py"), "--db", db, "--jwks-url", base + "/.well-known/jwks.json"], env)
            procs.append(proc)
            access, session = credentials(base)
            rows = []
            for server, credential, url, token in (
                ("authcore", "jwt", base, access),
                ("authcore", "session", base, session),
                ("pyjwt", "jwt", peer, access),
            ):
                measured = asyncio.run(scenario(url, "/api/me", token, count, connections))
                rows.append(dict(server=server, credential=credential, route="/api/me", **measured))
                print("%-8s %-7s %8.1f req/s  p50 %6.2f ms  p99 %6.2f ms" % (server, credential, measured["rps"], measured["p50_ms"], measured["p99_ms"]))
        finally:
            for proc in procs:
                proc.terminate()
                proc.wait(timeout=10)
    if args.smoke:
        print("load: smoke run passed (one request per scenario, every one 2xx)")
        return 0
    result = {
        "date": time.strftime("%Y-%m-%d"),
        "python": platform.python_version(),
        "pyjwt": jwt.__version__,
        "requests": count,
        "connections": connections,
        "load_average": [round(x, 2) for x in os.getloadavg()],  # the machine's, right after the run
        "cpus": os.cpu_count(),
        "scenarios": rows,
    }
    out = os.path.join(REPO, "target", "bench", "server-load.json")
    os.makedirs(os.path.dirname(out), exist_ok=True)
    with open(out, "w") as f:
        json.dump(result, f, indent=2)
    write_benchmarks(result)
    print("load: wrote %s and the BENCHMARKS.md section" % os.path.relpath(out, REPO))
    return 0


if __name__ == "__main__":
    sys.exit(main())
