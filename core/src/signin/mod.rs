//! One-time sign-in codes: desktop sign-in through the browser, and magic links.
//!
//! * [`desktop`]: the server side of desktop sign-in. The desktop app opens the browser on the
//!   web app's sign-in page with a PKCE challenge (S256) and its redirect URI; once the person
//!   is signed in there, [`DesktopSignIn::issue`] mints a one-time code (256 bits, hashed at
//!   rest, a short time to live, bound to the user, the challenge and the redirect URI), and
//!   the browser is redirected to the app with it. The app exchanges code and verifier for a
//!   session token ([`DesktopSignIn::exchange`], the `{session_token, user_id, email}` body).
//! * [`client`]: the desktop app's side, a sans-IO machine ([`DesktopClient`]): it emits
//!   `open_browser`, `listen`, `wait`, `send`, `save`, `done` or `failed`, and takes the
//!   redirect, the exchange response and timer events back.
//! * [`magic`]: magic links. [`MagicLinks::issue`] mints a one-time token (256 bits, hashed
//!   at rest, 15 minutes, single use) for a normalised e-mail address, rate-limited per
//!   address with a stored counter; the host mails the link; [`MagicLinks::redeem`] turns the
//!   token back into the address.
//!
//! Every record carries a `revision` for compare-and-swap storage
//! (`UPDATE … SET … WHERE code_hash = ? AND revision = ?` with the returned record's
//! `revision - 1`): a redeem whose store loses the race must answer `invalid_grant`, never
//! create a session. Codes and tokens never appear in `Debug` output or error text; stored
//! hashes are compared in constant time.

pub mod client;
pub mod desktop;
pub mod magic;

pub use client::{DesktopAction, DesktopClient, DesktopClientConfig, DesktopSession, DesktopStatus};
pub use desktop::{
    desktop_code_hash, DesktopCode, DesktopExchange, DesktopExchangeRequest, DesktopRedeem, DesktopSignIn,
    DesktopSignInConfig, IssuedDesktopCode,
};
pub use magic::{magic_link_hash, IssuedMagicLink, MagicLinkConfig, MagicLinkRecord, MagicLinkRedeemed, MagicLinks};
