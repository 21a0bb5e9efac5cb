//! Registration and password login: validation, Unicode normalisation, argon2id hashing.
//!
//! * User names are NFKC-normalised, lower-cased, 3 to 32 characters of `a-z 0-9 . _ -`
//!   starting with a letter or digit; e-mail addresses are NFKC-normalised, lower-cased and
//!   checked for one `@`, a local part of 1 to 64 bytes and a dotted domain of letters, digits
//!   and hyphens (at most 254 bytes in all).
//! * Passwords are NFKC-normalised (so the same password typed on two keyboards matches) and
//!   must be 8 to 128 characters (NIST SP 800-63B); every character is allowed.
//! * Length is checked in bytes **before** normalising, because NFKC costs time and memory
//!   in proportion to its input (one character can expand to 18): a password longer than
//!   4 × `max_length` bytes of UTF-8 (512 by default, enough for any 128 characters) is
//!   refused with `invalid_password` without being normalised. User names (over 128 bytes)
//!   and e-mail addresses (over 1016 bytes) are refused the same way.
//! * With [`PasswordPolicy::allow_email_usernames`], a user name containing `@` follows the
//!   e-mail rule instead (RAG Modulo registers e-mail addresses as user names).
//! * [`Accounts::register`] mints the user id: a UUID v4 from the entropy input.
//! * Hashes are argon2id PHC strings with OWASP's recommended parameters by default
//!   (19 MiB, 2 iterations, 1 lane), salted with 16 bytes from the entropy input.
//! * Hashes from existing systems verify too: Django `pbkdf2_sha256` and bcrypt
//!   ([`HashScheme`]), with bounded cost ([`MAX_PBKDF2_ITERATIONS`], [`MAX_BCRYPT_COST`]);
//!   a successful [`Accounts::login`] then says [`Login::needs_rehash`], and the host stores
//!   a fresh argon2id hash of the password it just accepted.
//! * [`Accounts::login`] answers `invalid_credentials` for a wrong password *and* for an
//!   unknown user, and in the unknown-user case verifies against a dummy hash with the same
//!   parameters, so both take the same time. On success it returns a typed [`Login`] (user
//!   id, e-mail); minting a token from it is a separate step with a [`crate::jwt::Issuer`].
//! * [`Accounts::login_limited`] puts login behind brute-force limits
//!   ([`PasswordPolicy::login_limits`]): failures counted per account name and per requester
//!   in [`EntryLimiter`] records the host stores, `too_many_attempts` (429, with `retry_at`)
//!   while either is at its maximum within the window, the account's record reset on
//!   success; unknown accounts are counted, locked and answered like known ones.
//!
//! ## Cargo feature `argon2`
//!
//! Hashing needs the `argon2` feature (on by default). Without it [`Accounts`] does not
//! exist, so a build that cannot hash passwords cannot call into hashing by mistake; the
//! identifier rules ([`normalize_username`], [`normalize_email`]) and the data types stay.
//!
//! ```
//! use authcore::entropy::OsEntropy;
//! use authcore::error::ErrorCode;
//! use authcore::password::{Accounts, PasswordPolicy, Registration, StoredCredentials};
//! use authcore::jwt::{Algorithm, Issuer, IssuerConfig, SigningKey};
//! use authcore::secret::Secret;
//!
//! // Small parameters keep the example quick; the default policy is OWASP's.
//! let accounts = Accounts::new(PasswordPolicy { memory_kib: 64, iterations: 1, ..Default::default() })?;
//! let reg = Registration { username: Some("Alice".into()), email: None, password: Secret::new("correct horse") };
//! let account = accounts.register(&reg, &mut OsEntropy)?;
//! assert_eq!(account.username.as_deref(), Some("alice"));
//!
//! let stored = StoredCredentials { user_id: "u-1".into(), password_hash: account.password_hash, email: None };
//! let login = accounts.login(Some(&stored), "correct horse")?;
//! assert_eq!(login.user_id, "u-1");
//! let wrong = accounts.login(None, "correct horse");
//! assert_eq!(wrong.unwrap_err().code(), ErrorCode::InvalidCredentials);
//!
//! // The next step: mint an access token for the login.
//! let issuer = Issuer::new(IssuerConfig::default(), SigningKey::from_secret(Algorithm::Hs256, &[7; 32], Default::default())?)?;
//! let token = issuer.issue(login.claims(), 1_700_000_000, &mut OsEntropy)?;
//! assert_eq!(token.split('.').count(), 3);
//! # Ok::<(), authcore::Error>(())
//! ```

#[cfg(feature = "argon2")]
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
#[cfg(feature = "argon2")]
use argon2::{Algorithm as Argon2Algorithm, Argon2, Params, Version};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use unicode_normalization::UnicodeNormalization;

use crate::device::EntryLimiter;
#[cfg(feature = "argon2")]
use crate::entropy::{random_bytes, Entropy};
use crate::error::{Error, ErrorCode, Result};
use crate::secret::Secret;

/// Password and hashing rules.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(default, deny_unknown_fields)]
#[cfg_attr(feature = "schema", schemars(extend("x-authcore-options" = true)))]
pub struct PasswordPolicy {
    /// Minimum password length in characters (default 8).
    pub min_length: usize,
    /// Maximum password length in characters (default 128).
    pub max_length: usize,
    /// argon2id memory in KiB (default 19456).
    pub memory_kib: u32,
    /// argon2id iterations (default 2).
    pub iterations: u32,
    /// argon2id lanes (default 1).
    pub parallelism: u32,
    /// Whether a user name may be an e-mail address (default `false`). When `true`, a user
    /// name containing `@` is normalised and checked as an e-mail address
    /// ([`normalize_email`]) instead of by the user-name rule (RAG Modulo registers
    /// `"username": "user@example.com"`).
    pub allow_email_usernames: bool,
    /// Failure windows for [`Accounts::login_limited`].
    pub login_limits: LoginLimits,
}

/// Brute-force limits for password login ([`Accounts::login_limited`]): failed logins are
/// counted per account and per requester in [`EntryLimiter`] records the host stores, over a
/// fixed window.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(default, deny_unknown_fields)]
pub struct LoginLimits {
    /// Failed logins for one account name within `window` after which its logins are
    /// refused with `too_many_attempts` until the window ends (default 10).
    pub max_account_failures: u32,
    /// Failed logins from one requester (an IP address: the host's key) within `window`
    /// after which its logins are refused (default 100).
    pub max_requester_failures: u32,
    /// The window in seconds (default 900).
    pub window: i64,
}

impl Default for LoginLimits {
    fn default() -> Self {
        Self {
            max_account_failures: 10,
            max_requester_failures: 100,
            window: 900,
        }
    }
}

/// The outcome of [`Accounts::login_limited`]: who signed in, or why not, and the limiter
/// records to store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct LoginAttempt {
    /// Who signed in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub login: Option<Login>,
    /// Why not: `invalid_credentials` (wrong password or unknown account alike),
    /// `too_many_attempts` (429), or `state_corrupt` for a broken stored hash.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<Error>,
    /// The changed account record to store (compare-and-swap on `revision`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_limiter: Option<EntryLimiter>,
    /// The changed requester record to store.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requester_limiter: Option<EntryLimiter>,
    /// With `too_many_attempts`: when a login may be tried again (Unix seconds); send
    /// `Retry-After: retry_at - now`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_at: Option<i64>,
}

impl Default for PasswordPolicy {
    fn default() -> Self {
        Self {
            min_length: 8,
            max_length: 128,
            memory_kib: 19_456,
            iterations: 2,
            parallelism: 1,
            allow_email_usernames: false,
            login_limits: LoginLimits::default(),
        }
    }
}

/// A registration request.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Registration {
    /// User name (either this or `email`, or both).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    /// E-mail address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// The password.
    pub password: Secret,
}

impl core::fmt::Debug for Registration {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Registration")
            .field("username", &self.username)
            .field("email", &self.email)
            .field("password", &self.password)
            .finish()
    }
}

/// A validated registration: a fresh user id, the normalised identifiers and the password hash
/// to store. The host inserts it under unique constraints on `username` and `email` and
/// answers a violation with `user_exists` (409); its registration response is typically
/// `{user_id, username, email}` (never the hash).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct NewAccount {
    /// A fresh user id: a UUID v4 made from 16 bytes of the entropy input, drawn after the
    /// 16 salt bytes. A host with ids of its own may ignore it.
    pub user_id: String,
    /// Normalised user name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    /// Normalised e-mail address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// argon2id PHC string.
    pub password_hash: String,
}

/// What the host stored for an account.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct StoredCredentials {
    /// The user id (becomes `sub`).
    pub user_id: String,
    /// The argon2id PHC string.
    pub password_hash: String,
    /// E-mail, added to the token as `email` when present.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
}

impl core::fmt::Debug for NewAccount {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("NewAccount")
            .field("user_id", &self.user_id)
            .field("username", &self.username)
            .field("email", &self.email)
            .field("password_hash", &"[redacted]")
            .finish()
    }
}

impl core::fmt::Debug for StoredCredentials {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("StoredCredentials")
            .field("user_id", &self.user_id)
            .field("password_hash", &"[redacted]")
            .field("email", &self.email)
            .finish()
    }
}

/// A successful [`Accounts::login`]: the account's user id and e-mail address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Login {
    /// The user id (a token's `sub`).
    pub user_id: String,
    /// The e-mail address, when the account has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// `true` when the stored hash should be replaced: it is a Django `pbkdf2_sha256` or a
    /// bcrypt hash, or an argon2id hash with other parameters than the policy. The host then
    /// stores [`Accounts::hash_password`] of the password just accepted (the login itself
    /// succeeded either way), as Django and passlib do.
    #[serde(default)]
    pub needs_rehash: bool,
}

impl Login {
    /// The claims of an access token for this login: `{"sub": user_id, "email"?}`, ready for
    /// [`crate::jwt::Issuer::issue`].
    pub fn claims(&self) -> Value {
        let mut claims = serde_json::Map::new();
        claims.insert("sub".to_owned(), json!(self.user_id));
        if let Some(email) = &self.email {
            claims.insert("email".to_owned(), json!(email));
        }
        Value::Object(claims)
    }
}

/// Registration and login under one policy (only with the `argon2` feature, on by default:
/// without it this crate has no password hashing at all, and [`normalize_username`],
/// [`normalize_email`] and the data types remain).
#[cfg(feature = "argon2")]
#[derive(Clone)]
pub struct Accounts {
    policy: PasswordPolicy,
    params: Params,
    dummy_hash: String,
}

#[cfg(feature = "argon2")]
impl core::fmt::Debug for Accounts {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Accounts")
            .field("policy", &self.policy)
            .finish_non_exhaustive()
    }
}

#[cfg(feature = "argon2")]
fn argon2(params: &Params) -> Argon2<'static> {
    Argon2::new(Argon2Algorithm::Argon2id, Version::V0x13, params.clone())
}

#[cfg(feature = "argon2")]
impl Accounts {
    /// Accounts under a validated policy. Computes one dummy hash (for unknown-user logins).
    pub fn new(policy: PasswordPolicy) -> Result<Self> {
        let bad = |f: &str, d: &str| Err(Error::field(ErrorCode::InvalidConfig, f, d));
        if !(1..=1024).contains(&policy.min_length) || policy.max_length < policy.min_length || policy.max_length > 1024
        {
            return bad("max_length", "Password lengths must satisfy 1 <= min <= max <= 1024.");
        }
        if !(8..=1_048_576).contains(&policy.memory_kib) {
            return bad("memory_kib", "argon2 memory must be 8 KiB to 1 GiB.");
        }
        if !(1..=64).contains(&policy.iterations) {
            return bad("iterations", "argon2 iterations must be 1 to 64.");
        }
        if !(1..=16).contains(&policy.parallelism) || policy.memory_kib < 8 * policy.parallelism {
            return bad(
                "parallelism",
                "argon2 lanes must be 1 to 16, with 8 KiB of memory per lane.",
            );
        }
        let limits = &policy.login_limits;
        if !(1..=1_000_000).contains(&limits.max_account_failures) {
            return bad(
                "login_limits.max_account_failures",
                "The account failure limit must be 1 to 1000000.",
            );
        }
        if !(1..=1_000_000).contains(&limits.max_requester_failures) {
            return bad(
                "login_limits.max_requester_failures",
                "The requester failure limit must be 1 to 1000000.",
            );
        }
        if !(1..=604_800).contains(&limits.window) {
            return bad("login_limits.window", "The failure window must be 1 to 604800 seconds.");
        }
        let params = Params::new(policy.memory_kib, policy.iterations, policy.parallelism, None)
            .map_err(|e| Error::field(ErrorCode::InvalidConfig, "memory_kib", format!("argon2: {e}.")))?;
        let salt = SaltString::encode_b64(b"authcore-dummy-salt")
            .map_err(|_| Error::with_detail(ErrorCode::InvalidState, "Could not build the dummy salt."))?;
        let dummy_hash = argon2(&params)
            .hash_password(b"authcore dummy password", &salt)
            .map_err(|e| Error::with_detail(ErrorCode::InvalidConfig, format!("argon2: {e}.")))?
            .to_string();
        Ok(Self {
            policy,
            params,
            dummy_hash,
        })
    }

    /// The policy.
    pub fn policy(&self) -> &PasswordPolicy {
        &self.policy
    }

    /// The most bytes a password may have before normalisation: 4 × `max_length`.
    pub fn max_password_bytes(&self) -> usize {
        self.policy.max_length.saturating_mul(4)
    }

    /// Length-checks (bytes first, then characters after NFKC) and normalises a password.
    pub fn normalize_password(&self, password: &str) -> Result<String> {
        let max_bytes = self.max_password_bytes();
        if password.len() > max_bytes {
            return Err(Error::field(
                ErrorCode::InvalidPassword,
                "password",
                format!("A password must be at most {max_bytes} bytes."),
            ));
        }
        let n: String = password.nfkc().collect();
        let len = n.chars().count();
        if len < self.policy.min_length || len > self.policy.max_length {
            return Err(Error::field(
                ErrorCode::InvalidPassword,
                "password",
                format!(
                    "A password must be {} to {} characters.",
                    self.policy.min_length, self.policy.max_length
                ),
            ));
        }
        Ok(n)
    }

    /// Hashes a password (normalised first) with a fresh 16-byte salt.
    pub fn hash_password(&self, password: &str, entropy: &mut dyn Entropy) -> Result<String> {
        let normalized = self.normalize_password(password)?;
        let salt = random_bytes(entropy, 16)?;
        self.hash_normalized(&normalized, &salt)
    }

    fn hash_normalized(&self, normalized: &str, salt: &[u8]) -> Result<String> {
        let salt = SaltString::encode_b64(salt)
            .map_err(|_| Error::with_detail(ErrorCode::InvalidState, "Could not encode the salt."))?;
        argon2(&self.params)
            .hash_password(normalized.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| Error::with_detail(ErrorCode::InvalidState, format!("argon2: {e}.")))
    }

    /// Verifies a password against a stored hash: an argon2id PHC string, a Django
    /// `pbkdf2_sha256$<iterations>$<salt>$<base64 hash>` or a bcrypt `$2b$`/`$2a$`/`$2y$`
    /// hash (see [`HashScheme`]). A malformed hash, another scheme, or parameters beyond the
    /// limits ([`MAX_PBKDF2_ITERATIONS`], [`MAX_BCRYPT_COST`], argon2 at most 1 GiB and 64
    /// iterations) give `state_corrupt` (field `password_hash`) without hashing anything.
    ///
    /// argon2id passwords are NFKC-normalised first (as [`Accounts::hash_password`] does);
    /// Django and bcrypt hashes are checked against the password's UTF-8 bytes as given,
    /// because those systems hashed them that way. Every comparison is constant-time.
    pub fn verify_password(&self, password_hash: &str, password: &str) -> Result<bool> {
        match HashScheme::of(password_hash) {
            Some(HashScheme::DjangoPbkdf2Sha256) => {
                return verify_django_pbkdf2(password_hash, prefix(password, self.max_password_bytes()).as_bytes())
            }
            Some(HashScheme::Bcrypt) => {
                return verify_bcrypt(password_hash, prefix(password, self.max_password_bytes()).as_bytes())
            }
            _ => {}
        }
        let parsed = PasswordHash::new(password_hash).map_err(|_| {
            Error::field(
                ErrorCode::StateCorrupt,
                "password_hash",
                "The stored password hash is not a PHC string.",
            )
        })?;
        if parsed.algorithm.as_str() != "argon2id" {
            return Err(Error::field(
                ErrorCode::StateCorrupt,
                "password_hash",
                "The stored password hash is not argon2id.",
            ));
        }
        // Refuse absurd stored parameters instead of allocating them.
        let m = parsed.params.get_decimal("m").unwrap_or(0);
        let t = parsed.params.get_decimal("t").unwrap_or(0);
        if m > 1_048_576 || t > 64 {
            return Err(Error::field(
                ErrorCode::StateCorrupt,
                "password_hash",
                "The stored password hash has out-of-range parameters.",
            ));
        }
        // Over-long input cannot match (it could never have been registered) but is still hashed
        // in bounded form (cut to the byte cap before normalising) so the timing stays flat.
        let normalized: String = prefix(password, self.max_password_bytes()).nfkc().collect();
        Ok(argon2(&self.params)
            .verify_password(normalized.as_bytes(), &parsed)
            .is_ok())
    }

    /// Whether a stored hash should be replaced after a successful login: every Django and
    /// bcrypt hash, and argon2id hashes with other parameters than the policy.
    pub fn needs_rehash(&self, password_hash: &str) -> bool {
        if HashScheme::of(password_hash) != Some(HashScheme::Argon2id) {
            return true;
        }
        PasswordHash::new(password_hash).map_or(true, |h| {
            h.algorithm.as_str() != "argon2id"
                || h.params.get_decimal("m") != Some(self.policy.memory_kib)
                || h.params.get_decimal("t") != Some(self.policy.iterations)
                || h.params.get_decimal("p") != Some(self.policy.parallelism)
        })
    }

    /// Validates a registration, mints a user id and hashes the password. Entropy: 16 salt
    /// bytes, then 16 bytes for the user id (both drawn before hashing).
    pub fn register(&self, registration: &Registration, entropy: &mut dyn Entropy) -> Result<NewAccount> {
        if registration.username.is_none() && registration.email.is_none() {
            return Err(Error::field(
                ErrorCode::InvalidUsername,
                "username",
                "A user name or an e-mail address is required.",
            ));
        }
        let username = registration
            .username
            .as_deref()
            .map(|u| {
                if self.policy.allow_email_usernames && u.contains('@') {
                    normalize_email(u).map_err(|_| {
                        Error::field(
                            ErrorCode::InvalidUsername,
                            "username",
                            "A user name that contains `@` must be a valid e-mail address.",
                        )
                    })
                } else {
                    normalize_username(u)
                }
            })
            .transpose()?;
        let email = registration.email.as_deref().map(normalize_email).transpose()?;
        let normalized = self.normalize_password(registration.password.expose())?;
        let salt = random_bytes(entropy, 16)?;
        let id_bytes: [u8; 16] = random_bytes(entropy, 16)?
            .try_into()
            .map_err(|_| Error::new(ErrorCode::EntropyUnavailable))?;
        let user_id = uuid::Builder::from_random_bytes(id_bytes)
            .into_uuid()
            .hyphenated()
            .to_string();
        let password_hash = self.hash_normalized(&normalized, &salt)?;
        Ok(NewAccount {
            user_id,
            username,
            email,
            password_hash,
        })
    }

    /// Password login: checks `password` against the stored account (`None`: no such user)
    /// and returns who signed in, or `invalid_credentials` for a wrong password and for an
    /// unknown user alike. Nothing is minted here: issuing a token ([`Login::claims`] with a
    /// [`crate::jwt::Issuer`]) or starting a session is the caller's next step.
    pub fn login(&self, account: Option<&StoredCredentials>, password: &str) -> Result<Login> {
        let (hash, known) = match account {
            Some(a) => (a.password_hash.as_str(), true),
            None => (self.dummy_hash.as_str(), false),
        };
        let ok = self.verify_password(hash, password)?;
        let Some(account) = account.filter(|_| ok && known) else {
            return Err(Error::new(ErrorCode::InvalidCredentials));
        };
        Ok(Login {
            user_id: account.user_id.clone(),
            email: account.email.clone(),
            needs_rehash: self.needs_rehash(hash),
        })
    }
}

#[cfg(feature = "argon2")]
impl Accounts {
    /// [`Accounts::login`] behind brute-force limits ([`PasswordPolicy::login_limits`]).
    ///
    /// `account_limiter` is the record the host keeps for the account name *as submitted*
    /// (normalised, whether or not such an account exists), `requester_limiter` the one for
    /// the requester (IP address); `None` for a record not stored yet. While either holds its
    /// maximum of failures within the window, the login is refused with `too_many_attempts`
    /// and `retry_at` (the end of that window) without checking the password, and nothing
    /// changes. Otherwise the password is checked; a failure counts one in both records (the
    /// failure that reaches a maximum already answers `too_many_attempts`); a success
    /// returns the [`Login`] and a reset account record (the requester's record stays: one
    /// good password does not clear a requester's guesses at other accounts).
    ///
    /// An unknown account is answered exactly like a wrong password: the same
    /// `invalid_credentials` after a hash of the same cost, counted the same way, locked the
    /// same way; so neither the answers nor their timing say whether the account exists.
    pub fn login_limited(
        &self,
        account: Option<&StoredCredentials>,
        password: &str,
        account_limiter: Option<&EntryLimiter>,
        requester_limiter: Option<&EntryLimiter>,
        now: i64,
    ) -> LoginAttempt {
        let limits = &self.policy.login_limits;
        let window = limits.window;
        let fresh = EntryLimiter::default();
        let acct = account_limiter.unwrap_or(&fresh);
        let req = requester_limiter.unwrap_or(&fresh);
        let locked_until = |a: &EntryLimiter, r: &EntryLimiter| {
            [(a, limits.max_account_failures), (r, limits.max_requester_failures)]
                .iter()
                .filter(|(l, max)| l.current(now, window) >= *max)
                .map(|(l, _)| l.window_start.saturating_add(window))
                .max()
        };
        let refused = |retry_at: i64, a: Option<EntryLimiter>, r: Option<EntryLimiter>| LoginAttempt {
            login: None,
            error: Some(Error::new(ErrorCode::TooManyAttempts)),
            account_limiter: a,
            requester_limiter: r,
            retry_at: Some(retry_at),
        };
        if let Some(retry_at) = locked_until(acct, req) {
            return refused(retry_at, None, None);
        }
        match self.login(account, password) {
            Ok(login) => LoginAttempt {
                login: Some(login),
                error: None,
                account_limiter: (acct.failures > 0).then(|| EntryLimiter {
                    revision: acct.revision.saturating_add(1),
                    window_start: now,
                    failures: 0,
                }),
                requester_limiter: None,
                retry_at: None,
            },
            Err(e) if e.code() == ErrorCode::InvalidCredentials => {
                let a = acct.count_failure(now, window);
                let r = req.count_failure(now, window);
                match locked_until(&a, &r) {
                    Some(retry_at) => refused(retry_at, Some(a), Some(r)),
                    None => LoginAttempt {
                        login: None,
                        error: Some(e),
                        account_limiter: Some(a),
                        requester_limiter: Some(r),
                        retry_at: None,
                    },
                }
            }
            Err(e) => LoginAttempt {
                login: None,
                error: Some(e),
                account_limiter: None,
                requester_limiter: None,
                retry_at: None,
            },
        }
    }
}

/// The scheme of a stored password hash, recognised by its prefix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HashScheme {
    /// `$argon2id$v=19$m=…,t=…,p=…$<salt>$<hash>`: what [`Accounts`] writes.
    Argon2id,
    /// Django's `pbkdf2_sha256$<iterations>$<salt>$<standard base64 of 32 bytes>`
    /// (PBKDF2-HMAC-SHA256, RFC 8018), verify only.
    DjangoPbkdf2Sha256,
    /// bcrypt's `$2b$<cost>$<22 salt characters><31 hash characters>` (also `$2a$` and
    /// `$2y$`, which compute the same), verify only. Like every bcrypt, it reads at most
    /// the first 72 bytes of a password.
    Bcrypt,
}

impl HashScheme {
    /// The scheme a stored hash names, or `None` for anything else.
    pub fn of(password_hash: &str) -> Option<Self> {
        if password_hash.starts_with("$argon2id$") {
            Some(Self::Argon2id)
        } else if password_hash.starts_with("pbkdf2_sha256$") {
            Some(Self::DjangoPbkdf2Sha256)
        } else if ["$2a$", "$2b$", "$2y$"].iter().any(|p| password_hash.starts_with(p)) {
            Some(Self::Bcrypt)
        } else {
            None
        }
    }
}

/// The most PBKDF2 iterations a stored Django hash may name (Django 6.0 writes 1,200,000);
/// more is refused as `state_corrupt` rather than computed.
pub const MAX_PBKDF2_ITERATIONS: u32 = 2_000_000;

/// The highest bcrypt cost a stored hash may name (2^15 rounds, about two seconds); higher is
/// refused as `state_corrupt` rather than computed. The lowest is 4, as in every bcrypt.
pub const MAX_BCRYPT_COST: u32 = 15;

#[cfg(feature = "argon2")]
fn corrupt(detail: &str) -> Error {
    Error::field(ErrorCode::StateCorrupt, "password_hash", detail.to_owned())
}

/// Parses a decimal count of ASCII digits only (no sign, no spaces), at most 10 digits.
#[cfg(feature = "argon2")]
fn decimal(s: &str) -> Option<u32> {
    if s.is_empty() || s.len() > 10 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

#[cfg(feature = "argon2")]
fn verify_django_pbkdf2(password_hash: &str, password: &[u8]) -> Result<bool> {
    use base64ct::{Base64, Encoding};
    let bad = || corrupt("The stored password hash is not a Django pbkdf2_sha256 hash.");
    let mut parts = password_hash.split('$');
    let (Some("pbkdf2_sha256"), Some(iterations), Some(salt), Some(hash), None) =
        (parts.next(), parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(bad());
    };
    let iterations = decimal(iterations).ok_or_else(bad)?;
    if !(1..=MAX_PBKDF2_ITERATIONS).contains(&iterations) {
        return Err(corrupt(&format!(
            "The stored password hash has out-of-range parameters (pbkdf2_sha256 iterations must be 1 to {MAX_PBKDF2_ITERATIONS})."
        )));
    }
    let mut expected = [0u8; 32];
    let decoded = Base64::decode(hash.as_bytes(), &mut expected).map_err(|_| bad())?;
    if salt.is_empty() || decoded.len() != 32 {
        return Err(bad());
    }
    let computed = pbkdf2_hmac_sha256(password, salt.as_bytes(), iterations)?;
    Ok(bool::from(subtle::ConstantTimeEq::ct_eq(&computed[..], &expected[..])))
}

/// PBKDF2-HMAC-SHA256 (RFC 8018 §5.2) with a 32-byte output: one block.
#[cfg(feature = "argon2")]
fn pbkdf2_hmac_sha256(password: &[u8], salt: &[u8], iterations: u32) -> Result<[u8; 32]> {
    use hmac::{Hmac, Mac};
    let keyed = Hmac::<sha2::Sha256>::new_from_slice(password)
        .map_err(|_| Error::with_detail(ErrorCode::InvalidState, "HMAC key setup failed."))?;
    let mut mac = keyed.clone();
    mac.update(salt);
    mac.update(&1u32.to_be_bytes());
    let mut u: [u8; 32] = mac.finalize().into_bytes().into();
    let mut t = u;
    for _ in 1..iterations {
        let mut mac = keyed.clone();
        mac.update(&u);
        u = mac.finalize().into_bytes().into();
        for (a, b) in t.iter_mut().zip(u) {
            *a ^= b;
        }
    }
    Ok(t)
}

/// Decodes bcrypt's base64 (alphabet `./A-Za-z0-9`, no padding) into exactly `out.len()`
/// bytes; the unused low bits of the last character are ignored, as bcrypt does.
#[cfg(feature = "argon2")]
fn bcrypt_b64(text: &[u8], out: &mut [u8]) -> Option<()> {
    const ALPHABET: &[u8; 64] = b"./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    if text.len() != (out.len() * 8).div_ceil(6) {
        return None;
    }
    let (mut acc, mut bits, mut n) = (0u32, 0u32, 0usize);
    for &c in text {
        let v = ALPHABET.iter().position(|&a| a == c)?;
        acc = (acc << 6) | u32::try_from(v).ok()?;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            if let Some(slot) = out.get_mut(n) {
                *slot = u8::try_from((acc >> bits) & 0xff).ok()?;
            }
            n += 1;
            acc &= (1 << bits) - 1;
        }
    }
    Some(())
}

#[cfg(feature = "argon2")]
fn verify_bcrypt(password_hash: &str, password: &[u8]) -> Result<bool> {
    let bad = || corrupt("The stored password hash is not a bcrypt hash.");
    let b = password_hash.as_bytes();
    if b.len() != 60 || b.get(6) != Some(&b'$') {
        return Err(bad());
    }
    let cost = password_hash.get(4..6).and_then(decimal).ok_or_else(bad)?;
    let (mut salt, mut expected) = ([0u8; 16], [0u8; 23]);
    bcrypt_b64(b.get(7..29).ok_or_else(bad)?, &mut salt).ok_or_else(bad)?;
    bcrypt_b64(b.get(29..).ok_or_else(bad)?, &mut expected).ok_or_else(bad)?;
    if !(4..=MAX_BCRYPT_COST).contains(&cost) {
        return Err(corrupt(&format!(
            "The stored password hash has out-of-range parameters (bcrypt cost must be 4 to {MAX_BCRYPT_COST})."
        )));
    }
    // bcrypt keys Blowfish with the password and its terminating NUL, cut to 72 bytes.
    let mut key = zeroize::Zeroizing::new(Vec::with_capacity(73));
    key.extend_from_slice(password);
    key.push(0);
    key.truncate(72);
    let computed = zeroize::Zeroizing::new(bcrypt::bcrypt(cost, salt, &key));
    Ok(bool::from(subtle::ConstantTimeEq::ct_eq(
        computed.get(..23).unwrap_or_default(),
        &expected[..],
    )))
}

/// The longest prefix of `s` of at most `max` bytes that ends on a character boundary.
#[cfg(feature = "argon2")]
fn prefix(s: &str, max: usize) -> &str {
    let mut end = s.len().min(max);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    s.get(..end).unwrap_or_default()
}

/// Normalises and checks a user name (over 128 bytes it is refused before normalising).
pub fn normalize_username(username: &str) -> Result<String> {
    let n: String = if username.len() <= 4 * 32 {
        username.nfkc().collect::<String>().to_lowercase()
    } else {
        String::new()
    };
    let ok = (3..=32).contains(&n.len())
        && n.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'.' | b'_' | b'-'))
        && n.bytes().next().is_some_and(|b| b.is_ascii_alphanumeric());
    if ok {
        Ok(n)
    } else {
        Err(Error::field(
            ErrorCode::InvalidUsername,
            "username",
            "A user name is 3 to 32 characters of a-z, 0-9, '.', '_' and '-', starting with a letter or digit.",
        ))
    }
}

/// Normalises and checks an e-mail address (over 1016 bytes it is refused before normalising).
pub fn normalize_email(email: &str) -> Result<String> {
    let bad = || Error::field(ErrorCode::InvalidUsername, "email", "The e-mail address is not valid.");
    if email.len() > 4 * 254 {
        return Err(bad());
    }
    let n: String = email.nfkc().collect::<String>().trim().to_lowercase();
    if n.len() > 254 {
        return Err(bad());
    }
    let (local, domain) = n.split_once('@').ok_or_else(bad)?;
    let local_ok = (1..=64).contains(&local.len())
        && local
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+/=?^_`{|}~.-".contains(&b))
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..");
    let labels: Vec<&str> = domain.split('.').collect();
    let domain_ok = labels.len() >= 2
        && labels.iter().all(|l| {
            (1..=63).contains(&l.len())
                && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
                && !l.starts_with('-')
                && !l.ends_with('-')
        });
    if local_ok && domain_ok {
        Ok(n)
    } else {
        Err(bad())
    }
}

#[cfg(all(test, feature = "argon2"))]
mod tests {
    use super::*;
    use crate::entropy::FixedEntropy;

    fn fast() -> Accounts {
        Accounts::new(PasswordPolicy {
            memory_kib: 64,
            iterations: 1,
            ..Default::default()
        })
        .unwrap()
    }

    #[test]
    fn login_limited_locks_unknown_and_known_accounts_alike() {
        let a = Accounts::new(PasswordPolicy {
            memory_kib: 64,
            iterations: 1,
            login_limits: LoginLimits {
                max_account_failures: 2,
                max_requester_failures: 100,
                window: 900,
            },
            ..Default::default()
        })
        .unwrap();
        let h = a
            .hash_password("correct horse", &mut FixedEntropy::new(vec![7; 16]))
            .unwrap();
        let acct = StoredCredentials {
            user_id: "u".into(),
            password_hash: h,
            email: None,
        };
        let now = 1_700_000_000;
        for account in [Some(&acct), None] {
            let first = a.login_limited(account, "wrong horse", None, None, now);
            assert_eq!(
                first.error.as_ref().map(Error::code),
                Some(ErrorCode::InvalidCredentials)
            );
            let second = a.login_limited(account, "wrong horse", first.account_limiter.as_ref(), None, now + 1);
            assert_eq!(second.error.as_ref().map(Error::code), Some(ErrorCode::TooManyAttempts));
            assert_eq!(second.retry_at, Some(now + 900));
            let locked = a.login_limited(
                account,
                "correct horse",
                second.account_limiter.as_ref(),
                None,
                now + 899,
            );
            assert_eq!(
                (locked.error.map(|e| e.code()), locked.account_limiter),
                (Some(ErrorCode::TooManyAttempts), None)
            );
            let later = a.login_limited(
                account,
                "correct horse",
                second.account_limiter.as_ref(),
                None,
                now + 900,
            );
            assert_eq!(later.login.is_some(), account.is_some());
            if account.is_some() {
                assert_eq!(later.account_limiter.map(|l| (l.failures, l.revision)), Some((0, 3)));
            }
        }
    }

    #[test]
    fn hash_and_verify_with_normalisation() {
        let a = fast();
        let h = a
            .hash_password("ｐａｓｓｗｏｒｄ１", &mut FixedEntropy::new(vec![7; 16]))
            .unwrap();
        assert!(h.starts_with("$argon2id$v=19$m=64,t=1,p=1$"));
        assert!(a.verify_password(&h, "password1").unwrap());
        assert!(!a.verify_password(&h, "password2").unwrap());
        assert_eq!(
            a.verify_password("nope", "x").unwrap_err().code(),
            ErrorCode::StateCorrupt
        );
        assert!(!a.needs_rehash(&h));
        assert!(Accounts::new(PasswordPolicy::default()).unwrap().needs_rehash(&h));
        let stored = StoredCredentials {
            user_id: "u".into(),
            password_hash: h.clone(),
            email: None,
        };
        assert!(
            !format!("{stored:?}").contains("argon2"),
            "hashes are redacted in Debug"
        );
    }

    #[test]
    fn django_and_bcrypt_hashes_verify_and_need_rehash() {
        let a = fast();
        // Python: hashlib.pbkdf2_hmac("sha256", b"correct horse", b"seasalt", 1000), base64.
        let django = "pbkdf2_sha256$1000$seasalt$mQnueSakb748zqBAC1tmWVZsZbi2zPGZarEzTGdfmso=";
        assert!(a.verify_password(django, "correct horse").unwrap());
        assert!(!a.verify_password(django, "correct horsE").unwrap());
        assert!(a.needs_rehash(django));
        // Openwall crypt_blowfish test vectors (wrapper.c).
        for (hash, pw) in [
            ("$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW", "U*U"),
            ("$2a$05$CCCCCCCCCCCCCCCCCCCCC.VGOzA784oUp/Z0DY336zx7pLYAy0lwK", "U*U*"),
            ("$2a$05$XXXXXXXXXXXXXXXXXXXXXOAcXxm9kjPGEMsLznoKqmqw7tc8WCx4a", "U*U*U"),
            ("$2a$05$CCCCCCCCCCCCCCCCCCCCC.7uG0VCzI2bS7j6ymqJi9CdcdxiRTWNy", ""),
        ] {
            assert!(a.verify_password(hash, pw).unwrap(), "{hash}");
            assert!(!a.verify_password(hash, "U*U*U*").unwrap(), "{hash}");
            assert!(a.needs_rehash(hash));
        }
        let stored = StoredCredentials {
            user_id: "u".into(),
            password_hash: django.into(),
            email: None,
        };
        assert!(a.login(Some(&stored), "correct horse").unwrap().needs_rehash);
        for bad in [
            "pbkdf2_sha256$0$s$mQnueSakb748zqBAC1tmWVZsZbi2zPGZarEzTGdfmso=",
            "pbkdf2_sha256$2000001$s$mQnueSakb748zqBAC1tmWVZsZbi2zPGZarEzTGdfmso=",
            "pbkdf2_sha256$+10$s$mQnueSakb748zqBAC1tmWVZsZbi2zPGZarEzTGdfmso=",
            "pbkdf2_sha256$10$$mQnueSakb748zqBAC1tmWVZsZbi2zPGZarEzTGdfmso=",
            "pbkdf2_sha256$10$s$bm9wZQ==",
            "pbkdf2_sha256$10$s$x$y",
            "$2b$03$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW",
            "$2b$16$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW",
            "$2b$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOe",
            "$2b$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOe!",
            "$2b$5$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeWx",
            "$2b$05$",
        ] {
            let e = a.verify_password(bad, "pw").unwrap_err();
            assert_eq!(
                (e.code(), e.field_name()),
                (ErrorCode::StateCorrupt, Some("password_hash")),
                "{bad}"
            );
        }
    }

    #[test]
    fn byte_cap_comes_before_normalisation() {
        let a = fast();
        assert_eq!(a.max_password_bytes(), 512);
        // 60 Hangul syllables typed as conjoining jamo: 540 bytes, 60 characters after NFKC.
        let jamo = "\u{1100}\u{1161}\u{11a8}".repeat(60);
        assert_eq!(jamo.nfkc().count(), 60);
        let e = a.normalize_password(&jamo).unwrap_err();
        assert_eq!(
            (e.code(), e.field_name(), e.detail()),
            (
                ErrorCode::InvalidPassword,
                Some("password"),
                "A password must be at most 512 bytes."
            )
        );
        let huge = "\u{fdfa}".repeat(1_000_000); // 3 MB; NFKC would make 18 characters of each
        assert_eq!(
            a.normalize_password(&huge).unwrap_err().detail(),
            "A password must be at most 512 bytes."
        );
        assert_eq!(
            a.hash_password(&huge, &mut FixedEntropy::new(vec![7; 16]))
                .unwrap_err()
                .code(),
            ErrorCode::InvalidPassword
        );
        let at_cap = format!("{}{}", "\u{1100}\u{1161}\u{11a8}".repeat(56), "12345678");
        assert_eq!(at_cap.len(), 512);
        assert_eq!(a.normalize_password(&at_cap).unwrap().chars().count(), 64);
        let h = a
            .hash_password("password1", &mut FixedEntropy::new(vec![7; 16]))
            .unwrap();
        assert!(!a.verify_password(&h, &huge).unwrap());
        assert_eq!(prefix("aé", 2), "a");
        assert!(normalize_username(&"a".repeat(129)).is_err());
        assert!(normalize_email(&format!("{}@example.com", "a".repeat(1010))).is_err());
    }

    #[test]
    fn identifiers() {
        assert_eq!(normalize_username("Alice_01").unwrap(), "alice_01");
        assert!(normalize_username("al").is_err());
        assert!(normalize_username("-alice").is_err());
        assert!(normalize_username("alice smith").is_err());
        assert_eq!(normalize_email(" Alice@Example.COM ").unwrap(), "alice@example.com");
        for bad in ["alice", "a@b", "a@@b.com", ".a@b.com", "a@-b.com", "a..b@c.com"] {
            assert!(normalize_email(bad).is_err(), "{bad}");
        }
    }
}
