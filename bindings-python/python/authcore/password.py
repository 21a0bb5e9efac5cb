"""Registration and password login: argon2id, NFKC, identifier validation, and failures that
do not reveal whether the user exists. Hashing releases the GIL."""

from ._authcore import Accounts, normalize_email, normalize_username

__all__ = ["Accounts", "normalize_email", "normalize_username"]
