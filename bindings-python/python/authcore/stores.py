"""Token stores for the IO adapters: where a client keeps its tokens between runs.

A store holds one stored-tokens document (``{"version", "generation", "clock_offset",
"tokens"}``, see :func:`authcore.tokens.load_tokens`) and saves it with compare-and-swap on
``generation``, which is what the request driver's ``save_tokens`` action asks for: two
processes refreshing at once can never make each other lose a rotated refresh token.

:class:`FileTokenStore` is the default: a JSON file created with mode ``0600``, replaced
atomically (write a temporary file next to it, ``fsync``, ``os.replace``), and guarded by an
advisory lock on ``<path>.lock`` (POSIX ``flock``) while the generation is compared.
:class:`MemoryTokenStore` keeps the document in memory (tests, short-lived programs).
Anything with ``load()`` and ``save(stored, expected_generation)`` is a store; a store
with ``clear(expected_generation)`` can also forget a session that ended (the driver's
``clear_tokens`` action).

:data:`RAVI_TOKEN_FILE` is where the Ravi CLI keeps its tokens and active identity
(``~/.ravi/auth.json``, the core's constant): ``FileTokenStore(RAVI_TOKEN_FILE)``.
"""

import copy
import os
import sys
import tempfile
import threading
from typing import Any, Dict, Iterator, Mapping, Optional, Union
from contextlib import contextmanager

from ._authcore import RAVI_TOKEN_FILE, dump_tokens, load_tokens
from .types import StoredTokens

try:  # Protocol is in typing from 3.8; kept import-safe for type checkers.
    from typing import Protocol
except ImportError:  # pragma: no cover
    Protocol = object  # type: ignore[assignment,misc]

if sys.platform != "win32":
    import fcntl
else:  # pragma: no cover - no advisory lock on Windows; the in-process lock still holds
    fcntl = None  # type: ignore[assignment]

__all__ = ["TokenStore", "FileTokenStore", "MemoryTokenStore", "RAVI_TOKEN_FILE"]


class TokenStore(Protocol):
    """What the adapters need from a store."""

    def load(self) -> Optional[StoredTokens]:
        """The stored document, or ``None`` when nothing is stored."""
        ...

    def save(self, stored: Mapping[str, Any], expected_generation: int) -> bool:
        """Store ``stored`` if the stored generation (0 when empty) equals
        ``expected_generation``; return ``False`` (and change nothing) otherwise."""
        ...


class MemoryTokenStore:
    """A store in memory, safe to share between threads."""

    def __init__(self, stored: Optional[Mapping[str, Any]] = None) -> None:
        self._lock = threading.Lock()
        self._stored: Optional[StoredTokens] = load_tokens(dump_tokens(stored)) if stored is not None else None

    def load(self) -> Optional[StoredTokens]:
        with self._lock:
            return None if self._stored is None else copy.copy(self._stored)

    def save(self, stored: Mapping[str, Any], expected_generation: int) -> bool:
        document = load_tokens(dump_tokens(stored))  # validates before anything changes
        with self._lock:
            current = 0 if self._stored is None else int(self._stored["generation"])
            if current != expected_generation:
                return False
            self._stored = document
            return True

    def clear(self, expected_generation: int) -> bool:
        """Forget the document if its generation equals ``expected_generation``."""
        with self._lock:
            current = 0 if self._stored is None else int(self._stored["generation"])
            if current != expected_generation:
                return False
            self._stored = None
            return True

    def __repr__(self) -> str:
        return "MemoryTokenStore(generation=%r)" % (None if self._stored is None else self._stored["generation"],)


class FileTokenStore:
    """A JSON token file: mode ``0600``, atomic replace, generation compare-and-swap.

    ``path`` may start with ``~``. The directory is created (mode ``0700``) when missing.
    """

    def __init__(self, path: Union[str, "os.PathLike[str]"]) -> None:
        self.path = os.path.abspath(os.path.expanduser(os.fspath(path)))
        self._lock = threading.Lock()

    def load(self) -> Optional[StoredTokens]:
        try:
            with open(self.path, encoding="utf-8") as f:
                text = f.read()
        except FileNotFoundError:
            return None
        return load_tokens(text)

    def save(self, stored: Mapping[str, Any], expected_generation: int) -> bool:
        text = dump_tokens(stored)  # validates before anything changes
        directory = os.path.dirname(self.path)
        os.makedirs(directory, mode=0o700, exist_ok=True)
        with self._lock, self._file_lock():
            current = self.load()
            generation = 0 if current is None else int(current["generation"])
            if generation != expected_generation:
                return False
            fd, tmp = tempfile.mkstemp(prefix=".authcore-", suffix=".tmp", dir=directory)
            try:
                os.fchmod(fd, 0o600) if hasattr(os, "fchmod") else None
                with os.fdopen(fd, "w", encoding="utf-8") as f:
                    f.write(text)
                    f.flush()
                    os.fsync(f.fileno())
                os.replace(tmp, self.path)
            except BaseException:
                try:
                    os.unlink(tmp)
                except OSError:
                    pass
                raise
            return True

    def clear(self, expected_generation: int) -> bool:
        """Delete the file if its generation equals ``expected_generation`` (under the lock)."""
        if not os.path.isdir(os.path.dirname(self.path)):
            return expected_generation == 0
        with self._lock, self._file_lock():
            current = self.load()
            generation = 0 if current is None else int(current["generation"])
            if generation != expected_generation:
                return False
            try:
                os.unlink(self.path)
            except FileNotFoundError:
                pass
            return True

    @contextmanager
    def _file_lock(self) -> Iterator[None]:
        if fcntl is None:  # pragma: no cover
            yield
            return
        fd = os.open(self.path + ".lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)  # closing releases the lock

    def __repr__(self) -> str:
        return "FileTokenStore(%r)" % (self.path,)
