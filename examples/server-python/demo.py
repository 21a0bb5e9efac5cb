"""``make demo``: the reference server (Ravi profile, SQLite in a temp dir) and a walk-through of
a device login with the Python agent from a second terminal. Serves until Ctrl-C.

It registers a demo account (``alice``), then prints the commands to type. ``--port`` defaults
to 8000 (``0`` picks a free one). With ``DEMO_SMOKE=1`` it checks that ``/device`` answers
with the sign-in page and exits (the test in ``tests/test_load_demo_smoke.py``).
"""

import argparse
import json
import os
import shlex
import subprocess
import sys
import tempfile
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
AGENT = os.path.join(os.path.dirname(HERE), "agent-python", "authcore_agent.py")
USERNAME, PASSWORD = "alice", "correct horse battery staple"


def main() -> int:
    parser = argparse.ArgumentParser(description="authcore demo: the reference server and a device login walk-through")
    parser.add_argument("--port", type=int, default=8000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="authcore-demo.") as tmp:
        env = dict(os.environ, PYTHONPATH=HERE, AUTHCORE_SERVICES_TOKEN=os.environ.get("AUTHCORE_SERVICES_TOKEN") or "demo-services-token-0123456789abcdef")
        cmd = [sys.executable, "-m", "authcore_server", "serve", "--profile", "ravi", "--port", str(args.port), "--db", os.path.join(tmp, "authcore.db")]
        server = subprocess.Popen(cmd, cwd=HERE, env=env, stdout=subprocess.PIPE, text=True)
        try:
            assert server.stdout is not None
            line = server.stdout.readline()
            if not line.startswith("listening on "):
                sys.stderr.write("demo: the server did not start (is port %d taken? try --port 0)\n" % args.port)
                return 1
            base = line.split()[-1]
            body = json.dumps({"username": USERNAME, "password": PASSWORD}).encode()
            register = urllib.request.Request(base + "/api/auth/register", data=body, headers={"Content-Type": "application/json"})
            with urllib.request.urlopen(register) as r:
                assert r.status == 200
            if os.environ.get("DEMO_SMOKE") == "1":
                with urllib.request.urlopen(base + "/device") as r:
                    page = r.read().decode()
                    if r.status != 200 or "Sign in" not in page:
                        sys.stderr.write("demo: /device did not answer with the sign-in page\n")
                        return 1
                print("demo: %s serves /device (smoke check passed)" % base)
                return 0
            agent = "%s %s --server %s --tokens %s" % (
                shlex.quote(os.path.relpath(sys.executable, REPO)), shlex.quote(os.path.relpath(AGENT, REPO)), base, shlex.quote(os.path.join(tmp, "agent-tokens.json"))
            )
            print(
                "\nauthcore demo: the reference server (Ravi profile) listens on %(base)s\n"
                "A demo account exists: user name %(user)s, password \"%(password)s\".\n\n"
                "In a second terminal, from %(repo)s:\n\n"
                "  alias agent='%(agent)s'\n"
                "  agent login\n\n"
                "The agent prints a code and %(base)s/device. Open that page, sign in as %(user)s,\n"
                "type the code, read the consent and press Approve; the agent says \"Signed in.\". Then:\n\n"
                "  agent whoami\n"
                "  agent call /api/dashboard\n"
                "  agent call /api/reports/premium     # 402: no subscription\n"
                "  agent logout\n\n"
                "Ctrl-C here stops the server (its database is a temp file, removed on exit).\n"
                % {"base": base, "user": USERNAME, "password": PASSWORD, "agent": agent, "repo": REPO},
                flush=True,
            )
            try:
                server.wait()
            except KeyboardInterrupt:
                print("\ndemo: stopped")
            return 0
        finally:
            server.terminate()
            server.wait(timeout=10)


if __name__ == "__main__":
    sys.exit(main())
