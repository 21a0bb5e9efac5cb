"""``python -m authcore_daemon serve --home DIR [--port 7998]`` and the tiny client
``python -m authcore_daemon call METHOD PATH [JSON]``.

``serve`` binds 127.0.0.1 only (``--port 0`` picks a free port), then prints ``listening on
<url>`` (one line, flushed) and serves until interrupted. ``AUTHCORE_SERVER_BASE_URL`` is the
base put in redirect URIs and page links (default: the bound URL). ``call`` finds the daemon
at ``AUTHCORE_DAEMON_URL`` (default ``http://127.0.0.1:7998``) and sends the home's local
token.
"""

import argparse
import os
import socket
import sys

from . import client


def serve(args: argparse.Namespace) -> int:
    import uvicorn

    from .app import Settings, create_app
    from .store import Store

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", args.port))  # loopback only: there is no option to bind elsewhere
    bound = "http://127.0.0.1:%d" % sock.getsockname()[1]
    base_url = os.environ.get("AUTHCORE_SERVER_BASE_URL", "").rstrip("/") or bound
    store = Store(args.home)
    app = create_app(store, Settings(base_url, allow_loopback_http=args.allow_loopback_http))
    print("listening on %s" % bound, flush=True)
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    server.run(sockets=[sock])
    return 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="authcore_daemon")
    sub = parser.add_subparsers(dest="command", required=True)
    s = sub.add_parser("serve", help="run the daemon on 127.0.0.1")
    s.add_argument("--home", default=os.path.expanduser("~/.authcore-daemon"),
                   help="home directory: master.key, local-token, daemon.db")
    s.add_argument("--port", type=int, default=7998)
    s.add_argument("--allow-loopback-http", action="store_true",
                   help="accept providers with plain http endpoints on loopback hosts (development)")
    c = sub.add_parser("call", help="call a route with the local token")
    c.add_argument("--home", default=os.path.expanduser("~/.authcore-daemon"))
    c.add_argument("method")
    c.add_argument("path")
    c.add_argument("json", nargs="?")
    args = parser.parse_args(argv)
    if args.command == "serve":
        return serve(args)
    status, text = client.call(args.method, args.path, args.json, home=args.home)
    print(text)
    return 0 if status < 400 else 1


if __name__ == "__main__":
    sys.exit(main())
