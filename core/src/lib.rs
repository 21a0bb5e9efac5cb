//! # authcore
//!
//! One auth core, written once and used from Rust, browsers (WASM), Node and Python with
//! identical behaviour. The crate is **sans-IO**: it never touches the network, the disk,
//! a clock or global state. Time comes in as `now` (Unix seconds), randomness through an
//! [`entropy::Entropy`] input, and decisions and HTTP requests-to-make come out as data.
//!
//! ## Design
//!
//! * [`error`]: one catalog of stable codes with HTTP statuses, rendered as
//!   `{"detail": "...", "code": "..."}`.
//! * [`jwt`]: issue and verify JWTs (HS256/384/512, EdDSA, ES256, RS256, PS256) with a fixed
//!   algorithm allow-list and `kid` key sets, on two crypto backends.
//! * [`tokens`]: the client token lifecycle: a [`tokens::TokenSet`], freshness, a versioned
//!   persisted form, and a request driver that refreshes once per 401 with single flight.
//! * [`device`]: the OAuth 2.0 device authorization grant (RFC 8628), client and server.
//! * [`http`], [`time`], [`entropy`]: the plain data that crosses the IO boundary.
//! * [`gate`] with [`target`]: who is calling and may they proceed; request targets parsed strictly.
//! * [`signin`]: one-time sign-in codes: desktop sign-in through the browser, magic links.
//! * [`vault`]: records sealed with a master key (XChaCha20-Poly1305), key files, rotation.
//! * [`secret`]: [`secret::Secret`], a string whose `Debug` never shows it.
//! * [`profile`]: named profiles, the settings of known systems shipped as data.
//!
//! ## Cargo features
//!
//! All on by default; each can be turned off (`default-features = false`):
//!
//! * `native`: the aws-lc-rs crypto backend ([`jwt::Backend::Native`]) on non-wasm targets.
//!   Without it the portable backend is the only one.
//! * `argon2`: password hashing ([`password`]'s `Accounts`). Without it `Accounts` does not
//!   exist; the identifier rules and data types remain.
//! * `bundled-providers`: the broker's built-in provider definitions. Without it a
//!   [`broker::Broker`] starts with no providers.
//!
//! ## Binding surface
//!
//! Bindings convert types and errors only; every decision has a core entry point they call:
//! [`jwt::Backend::from_name`], [`entropy::EntropySource::from_bytes`],
//! [`jwt::Verifier::from_spec`], [`jwt::Issuer::jwks`], [`jwt::Verifier::jwks`],
//! [`session::SessionManager::exchange_token`], [`oauth::error_response`],
//! [`oauth::PkceMethod::from_name`], [`oauth::Pkce::create`], [`broker::redact`],
//! [`broker::Broker::from_custom`].
//!
//! ## Run loop
//!
//! Every state machine ([`tokens::RequestDriver`], [`device::DeviceClient`]) has the same
//! surface: a validating constructor; inputs named `handle_*` (each with `now`); outputs
//! drained with `poll_action` until it returns `None` (tagged by `type`; a machine that needs
//! waking emits `wait {until}`); `status(now)`; and `snapshot()` / `restore(snapshot)`, a JSON
//! value carrying `"version": 1` ([`SNAPSHOT_VERSION`]) that `restore` checks exactly as the
//! constructor does (another version is `state_version_unsupported`). A restored machine
//! re-emits what it is waiting for, so a host that restarts learns when to wake.
//!
//! ```
//! use authcore::http::{HttpRequest, HttpResponse};
//! use authcore::tokens::{Action, ClientConfig, RequestDriver, TokenSet};
//!
//! let now = 1_700_000_000;
//! let tokens = TokenSet::from_token_response(
//!     r#"{"access_token":"at-1","refresh_token":"rt-1","token_type":"Bearer","expires_in":3600}"#,
//!     now,
//! )?;
//! let mut config = ClientConfig::new("https://auth.example.com/token");
//! config.api_origins = vec!["https://api.example.com".into()]; // where the token may go
//! let mut driver = RequestDriver::new(config, Some(tokens), 0)?;
//! let id = driver.send(HttpRequest::new("GET", "https://api.example.com/me"), now);
//! while let Some(action) = driver.poll_action() {
//!     match action {
//!         Action::Send { transmit, request, .. } => {
//!             // Real IO happens here, in the host.
//!             assert_eq!(request.header("Authorization"), Some("Bearer at-1"));
//!             driver.handle_response(transmit, HttpResponse::new(200).with_body("{}"), now)?;
//!         }
//!         Action::Complete { request_id, response } => assert_eq!((request_id, response.status), (id, 200)),
//!         other => panic!("unexpected {other:?}"),
//!     }
//! }
//! # Ok::<(), authcore::Error>(())
//! ```
#![deny(missing_docs)]
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)
)]

pub mod authflow;
pub mod broker;
pub mod challenge;
pub mod cors;
pub mod device;
pub mod discovery;
pub mod dpop;
pub mod entropy;
pub mod error;
pub mod gate;
pub mod grants;
pub mod http;
pub mod jwt;
pub mod mcp;
pub mod mcp_server;
pub mod oauth;
pub mod password;
pub mod profile;
pub mod refresh;
pub mod registration;
pub mod revocation;
#[cfg(feature = "schema")]
pub mod schema;
pub mod secret;
pub mod session;
pub mod signin;
pub mod target;
pub mod time;
pub mod tokens;
pub mod vault;

mod json;
mod util;

pub use error::{Error, ErrorCode, Result};
pub use json::SNAPSHOT_VERSION;
