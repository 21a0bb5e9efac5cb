//! The OAuth 2.0 device authorization grant (RFC 8628), both sides, sans-IO.
//!
//! CLIs, agents on headless machines, SSH sessions and CI jobs sign in by asking for a
//! device code, showing the person a short user code and a URL to open in any browser, and
//! polling until the person approves.
//!
//! * [`DeviceClient`] is the device's side: it emits the device-authorization request, turns
//!   the response into a [`Prompt`] for the person, then polls the token endpoint on schedule
//!   (`authorization_pending`, `slow_down` adding 5 s each time, `access_denied`,
//!   `expired_token`, a local deadline, bounded retries with backoff on network failure) and
//!   finally hands out the tokens to save.
//! * [`DeviceAuthority`] is the authorization server's side: it issues grants (a ≥ 128-bit
//!   device code and a user code people can type), normalises and checks typed user codes
//!   with a per-grant attempt limit and a windowed failure cap per requester
//!   ([`EntryLimiter`]; see "Guessing user codes" below), shows the person what they approve ([`Consent`]: client,
//!   scopes, code, against remote phishing), records approval or denial, and answers polls,
//!   issuing success exactly once per grant.
//!
//! ## Storing grants with several server processes
//!
//! A [`DeviceGrant`] is a plain record the host stores keyed by
//! [`DeviceGrant::device_code_hash`] (the SHA-256 of the device code, so a database leak does
//! not leak live device codes; see [`device_code_hash`]) and by [`DeviceGrant::user_code`].
//! Every change the authority makes returns a new record whose `revision` is one higher.
//! Store it with compare-and-swap:
//!
//! ```sql
//! UPDATE device_grants SET record = :new, revision = :new_revision
//!  WHERE device_code_hash = :hash AND revision = :new_revision - 1
//! ```
//!
//! and treat "0 rows updated" as a lost race: reload and call the authority again. For a
//! successful poll ([`PollResult::Approved`]), mint the tokens only *after* the swap that
//! marks the grant consumed has succeeded; the loser of a race then sees `invalid_grant`, so
//! one device code never yields tokens twice.
//!
//! ## Guessing user codes
//!
//! A user code has about 34.5 bits (8 characters of 20); guessing is bounded three ways:
//!
//! * per grant: `max_attempts` wrong codes (default 5) typed against one grant lock it;
//! * per requester: [`DeviceAuthority::enter_user_code`] refuses a requester (an IP address,
//!   an account: whatever the host keys its [`EntryLimiter`] by) with `too_many_attempts`
//!   once it has `max_failures` failures (default 50) within `failure_window` (600 s);
//! * across the server: a global [`EntryLimiter`] counts every failure, and
//!   [`EntryOutcome::global_pressure`] turns true at `global_pressure_failures` (default 50)
//!   within the window. It is a signal, not a refusal: a global hard cap would let anyone
//!   lock every user out with a few dozen junk codes. While it is true, the host should log
//!   it and ask for more from the person (a captcha, or a signed-in session) before honouring
//!   an entry.
//!
//! ## Errors at the token endpoint
//!
//! The token endpoint answers in the RFC 6749 §5.2 shape, `{"error": "...",
//! "error_description": "..."}`; [`crate::oauth::error_response`] renders a catalog error that way and
//! [`PollOutcome::response`] is already in that shape.
//!
//! ```
//! use authcore::device::{AuthorizationRequest, DeviceAuthority, DeviceServerConfig, PollResult, TokenRequest, DEVICE_CODE_GRANT_TYPE};
//! use authcore::entropy::OsEntropy;
//! use authcore::secret::Secret;
//!
//! let authority = DeviceAuthority::new(DeviceServerConfig { verification_uri: "https://example.com/device".into(), ..Default::default() })?;
//! let now = 1_700_000_000;
//! let issued = authority.issue(&AuthorizationRequest { client_id: "cli".into(), scope: None }, now, &mut OsEntropy)?;
//! // Send `issued.response`; insert `issued.record`. The person types the code; look it up:
//! let key = authority.normalize_user_code(&issued.response.user_code.to_lowercase())?;
//! assert_eq!(key, issued.record.user_code);
//! let approved = authority.approve(&issued.record, "user-1", None, now + 20)?; // store (CAS on revision)
//! let poll = TokenRequest { grant_type: DEVICE_CODE_GRANT_TYPE.into(), device_code: issued.response.device_code.clone(), client_id: "cli".into() };
//! let outcome = authority.poll(Some(&approved), &poll, now + 25);
//! assert!(matches!(outcome.result, PollResult::Approved { .. })); // store outcome.record, then mint tokens
//! let again = authority.poll(outcome.record.as_ref(), &poll, now + 30);
//! assert!(matches!(again.result, PollResult::Error { .. })); // invalid_grant: never twice
//! # let _ = Secret::new("");
//! # Ok::<(), authcore::Error>(())
//! ```

pub(crate) mod client;
mod server;

pub(crate) use server::{param as form_param, parse_form_with};
mod user_code;

pub use client::{DeviceAction, DeviceClient, DeviceClientConfig, DeviceStatus, Encoding, Prompt};
pub use server::{
    device_code_hash, AuthorizationRequest, Consent, DeviceAuthority, DeviceAuthorization, DeviceGrant,
    DeviceServerConfig, EntryLimiter, EntryOutcome, GrantStatus, IssuedGrant, PollOutcome, PollResult, TokenRequest,
    UserCodeCheck, DEVICE_CODE_GRANT_TYPE, DEVICE_GRANT_VERSION,
};
pub use user_code::{UserCodeFormat, DEFAULT_USER_CODE_ALPHABET};
