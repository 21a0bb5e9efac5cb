"""A tiny client: finds the daemon at ``AUTHCORE_DAEMON_URL`` (default
``http://127.0.0.1:7998``) and sends the home's local token on every call."""

import json
import os
from typing import Any, Optional, Tuple

import httpx

DEFAULT_URL = "http://127.0.0.1:7998"


def daemon_url() -> str:
    """Where clients find the daemon."""
    return os.environ.get("AUTHCORE_DAEMON_URL", "").rstrip("/") or DEFAULT_URL


def local_token(home: str) -> str:
    with open(os.path.join(home, "local-token"), encoding="utf-8") as f:
        return f.read().strip()


def call(method: str, path: str, body: Optional[str] = None, *, home: str) -> Tuple[int, str]:
    """One call: ``(status, text)``."""
    headers = {"Authorization": "Bearer " + local_token(home)}
    content: Any = None
    if body is not None:
        json.loads(body)  # a JSON body or nothing
        headers["Content-Type"] = "application/json"
        content = body.encode()
    r = httpx.request(method.upper(), daemon_url() + path, headers=headers, content=content, timeout=30)
    return r.status_code, r.text
