"""A command-line agent that signs in with the device grant and calls an authcore API.

    python authcore_agent.py --server http://127.0.0.1:8000 login
    python authcore_agent.py --server http://127.0.0.1:8000 call /api/me
    python authcore_agent.py --server http://127.0.0.1:8000 whoami
    python authcore_agent.py logout

Tokens live in a 0600 file (``--tokens``, default ``~/.authcore-agent/auth.json``). Every rule
(refresh 5 minutes early, refresh and retry once on a 401, the bearer only to the server's
origin) is authcore's, through ``authcore.device.login`` and ``authcore.httpx.BearerAuth``.
"""

import argparse
import sys
from typing import Any, Callable, List, Optional

import httpx

import authcore
from authcore.device import login as device_login
from authcore.device import print_prompt
from authcore.httpx import BearerAuth
from authcore.stores import FileTokenStore

CLIENT_ID = "authcore-agent"
REFRESH_PATH = "/api/auth/token/refresh/"


def main(argv: Optional[List[str]] = None, **hooks: Any) -> int:
    """Runs one command; ``hooks`` (``prompt``, ``clock``, ``cancel``) are for tests."""
    parser = argparse.ArgumentParser(prog="authcore-agent")
    parser.add_argument("--server", default="http://127.0.0.1:8000")
    parser.add_argument("--tokens", default="~/.authcore-agent/auth.json")
    parser.add_argument("--profile", default="ravi")
    parser.add_argument("--identity", help="act as this identity (sent in the profile's identity header)")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("login")
    call = sub.add_parser("call")
    call.add_argument("path")
    call.add_argument("-X", "--method", default="GET")
    sub.add_parser("whoami")
    sub.add_parser("logout")
    args = parser.parse_args(argv)
    server = args.server.rstrip("/")
    store = FileTokenStore(args.tokens)
    insecure = server.startswith("http://")  # loopback demos; the core still refuses other http hosts

    try:
        if args.command == "login":
            prompt: Callable[[Any], None] = hooks.get("prompt", print_prompt)
            extra = {k: hooks[k] for k in ("clock", "cancel") if k in hooks}
            device_login(server, CLIENT_ID, store=store, prompt=prompt, profile=args.profile, allow_insecure_http=insecure, **extra)
            print("Signed in.")
            return 0
        if args.command == "logout":
            current = store.load()
            store.clear(current["generation"] if current else 0)
            print("Signed out.")
            return 0
        path = "/api/me" if args.command == "whoami" else args.path
        auth = BearerAuth(store, server + REFRESH_PATH, profile=args.profile, client_id=CLIENT_ID,
                          api_origins=[server], allow_insecure_http=insecure, **({"clock": hooks["clock"]} if "clock" in hooks else {}))
        if args.identity:
            auth.set_identity(args.identity)
        with httpx.Client(auth=auth, timeout=30) as http:
            r = http.request("GET" if args.command == "whoami" else args.method.upper(), server + path)
        print(r.text)
        return 0 if r.is_success else 1
    except authcore.RefreshFailed as e:
        # A refused refresh token has already cleared the store (the core's rule).
        sys.stderr.write("%s Sign in again: login\n" % e.detail)
        return 2
    except authcore.AuthError as e:
        sys.stderr.write("%s (%s)\n" % (e.detail, e.code))
        return 2


if __name__ == "__main__":
    sys.exit(main())
