"""Smoke runs of ``make load`` (one request per scenario, every one 2xx) and ``make demo``
(it starts, registers the demo account and serves the ``/device`` sign-in page)."""

import os
import subprocess
import sys

from conftest import SERVER_DIR


def run(*args: str, **env: str) -> "subprocess.CompletedProcess[str]":
    return subprocess.run([sys.executable, *args], cwd=SERVER_DIR, env=dict(os.environ, **env), capture_output=True, text=True, timeout=300)


def test_load_run_smoke() -> None:
    out = run(os.path.join(SERVER_DIR, "load", "run.py"), "--smoke")
    assert out.returncode == 0, out.stdout + out.stderr
    lines = out.stdout.splitlines()
    assert [line.split()[:2] for line in lines[:3]] == [["authcore", "jwt"], ["authcore", "session"], ["pyjwt", "jwt"]]
    assert lines[-1] == "load: smoke run passed (one request per scenario, every one 2xx)"


def test_demo_starts_and_serves_the_device_page() -> None:
    out = run(os.path.join(SERVER_DIR, "demo.py"), "--port", "0", DEMO_SMOKE="1")
    assert out.returncode == 0, out.stdout + out.stderr
    assert "serves /device (smoke check passed)" in out.stdout


def test_load_run_fails_on_a_non_2xx_answer() -> None:
    import asyncio

    import pytest

    sys.path.insert(0, os.path.join(SERVER_DIR, "load"))
    import run as load_run  # type: ignore[import-not-found]

    async def scenario_against_a_refusing_server() -> None:
        async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            body = b'{"detail":"Invalid token.","code":"invalid_token"}'
            try:
                while True:
                    await reader.readuntil(b"\r\n\r\n")
                    writer.write(b"HTTP/1.1 401 Unauthorized\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body))
                    await writer.drain()
            except (asyncio.IncompleteReadError, ConnectionError, asyncio.CancelledError):
                writer.close()

        server = await asyncio.start_server(answer, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        async with server:
            await load_run.scenario("http://127.0.0.1:%d" % port, "/api/me", "not-a-token", 5, 2)

    with pytest.raises(SystemExit, match="the warm-up failed: 401 .*invalid_token"):
        asyncio.run(scenario_against_a_refusing_server())
