"""The vault: records sealed with a master key (XChaCha20-Poly1305), master key files and
rotation.

:class:`Vault` takes master key file contents, the current key first; it seals records for a
context (e.g. ``"connection:github/default"``), opens them, and reseals records of older keys
under the current one. The host keeps the key: :class:`FileKeyStore` reads and writes a
``master.key`` file (mode ``0600``, atomic replace) and reports the file for readiness;
:class:`KeyringKeyStore` keeps the key file's content in the OS keyring when the optional
``keyring`` package is installed.

Rotation: ``generate_master_key()`` → a vault with the new key first and the old one after it →
``reseal`` every record for which ``needs_reseal`` is true → drop the old key.
"""

import os
import tempfile
from typing import Any, Dict, Optional, Union

from ._authcore import Vault, generate_master_key, master_key_from_bytes, parse_master_key

__all__ = [
    "FileKeyStore",
    "KeyringKeyStore",
    "Vault",
    "generate_master_key",
    "master_key_from_bytes",
    "parse_master_key",
]


class FileKeyStore:
    """A ``master.key`` file: read, created with mode ``0600`` by an atomic replace, and
    reported (path, mode, and why it cannot be used) for ``broker.readiness``'s ``key_files``.

    ``path`` may start with ``~``. The directory is created (mode ``0700``) when missing.
    """

    def __init__(self, path: Union[str, "os.PathLike[str]"]) -> None:
        self.path = os.path.abspath(os.path.expanduser(os.fspath(path)))

    def load(self) -> Optional[str]:
        """The key file's content, ``None`` when there is no file. A malformed file raises the
        core's ``InvalidKey``."""
        try:
            with open(self.path, encoding="utf-8") as f:
                text = f.read()
        except FileNotFoundError:
            return None
        parse_master_key(text)
        return text

    def save(self, text: str) -> None:
        """Writes a key file's content (checked first) atomically with mode ``0600``."""
        parse_master_key(text)
        directory = os.path.dirname(self.path)
        os.makedirs(directory, mode=0o700, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".authcore-", suffix=".tmp", dir=directory)
        try:
            if hasattr(os, "fchmod"):
                os.fchmod(fd, 0o600)
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

    def load_or_create(self, kid: Optional[str] = None) -> str:
        """The key file's content, generating and saving a new key when there is none."""
        text = self.load()
        if text is None:
            text = generate_master_key(kid)
            self.save(text)
        return text

    def mode(self) -> Optional[int]:
        """The file's permission bits (``0o600``), ``None`` when there is no file."""
        try:
            return os.stat(self.path).st_mode & 0o7777
        except FileNotFoundError:
            return None

    def report(self) -> Dict[str, Any]:
        """The file as ``broker.readiness`` takes it: ``{"path", "mode", "error"?}``, with
        ``error`` the reason it cannot be used (missing, unreadable, or the code it was refused
        with)."""
        out: Dict[str, Any] = {"path": self.path, "mode": self.mode() or 0}
        try:
            if self.load() is None:
                out["error"] = "missing"
        except OSError:
            out["error"] = "unreadable"
        except Exception as e:  # the core's InvalidKey
            out["error"] = getattr(e, "code", "invalid_key")
        return out

    def __repr__(self) -> str:
        return "FileKeyStore(%r)" % self.path


class KeyringKeyStore:
    """The key file's content in the OS keyring (the optional ``keyring`` package, imported
    when used; not a dependency of authcore)."""

    def __init__(self, service: str = "authcore", username: str = "master.key") -> None:
        self.service = service
        self.username = username

    def _keyring(self) -> Any:
        import keyring  # type: ignore[import-not-found,unused-ignore]

        return keyring

    def load(self) -> Optional[str]:
        """The stored content, ``None`` when there is none."""
        text: Optional[str] = self._keyring().get_password(self.service, self.username)
        if text is not None:
            parse_master_key(text)
        return text

    def save(self, text: str) -> None:
        """Stores a key file's content (checked first)."""
        parse_master_key(text)
        self._keyring().set_password(self.service, self.username, text)

    def load_or_create(self, kid: Optional[str] = None) -> str:
        """The stored content, generating and storing a new key when there is none."""
        text = self.load()
        if text is None:
            text = generate_master_key(kid)
            self.save(text)
        return text

    def __repr__(self) -> str:
        return "KeyringKeyStore(%r, %r)" % (self.service, self.username)
