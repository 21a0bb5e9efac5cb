"""One-time sign-in codes: desktop sign-in through the browser (server side and the app's
machine) and magic links mailed to an address."""

from ._authcore import (
    DesktopClient,
    DesktopSignIn,
    MagicLinks,
    desktop_code_hash,
    load_desktop_code,
    load_magic_link,
    magic_link_hash,
    parse_desktop_exchange,
)

__all__ = [
    "DesktopClient",
    "DesktopSignIn",
    "MagicLinks",
    "desktop_code_hash",
    "load_desktop_code",
    "load_magic_link",
    "magic_link_hash",
    "parse_desktop_exchange",
]
