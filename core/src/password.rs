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
//! * Hashes are argon2id PHC strings with OWASP's recommended parameters by default
//!   (19 MiB, 2 iterations, 1 lane), salted with 16 bytes from the entropy input.
//! * [`Accounts::login`] answers `invalid_credentials` for a wrong password *and* for an
//!   unknown user, and in the unknown-user case verifies against a dummy hash with the same
//!   parameters, so both take the same time. On success it returns a typed [`Login`] (user
//!   id, e-mail); minting a token from it is a separate step with a [`crate::jwt::Issuer`].
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
}

impl Default for PasswordPolicy {
    fn default() -> Self {
        Self {
            min_length: 8,
            max_length: 128,
            memory_kib: 19_456,
            iterations: 2,
            parallelism: 1,
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

/// A validated registration: normalised identifiers and the password hash to store. The host
/// inserts it under unique constraints on `username` and `email` and answers a violation
/// with `user_exists` (409).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct NewAccount {
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
        let salt = SaltString::encode_b64(&salt)
            .map_err(|_| Error::with_detail(ErrorCode::InvalidState, "Could not encode the salt."))?;
        argon2(&self.params)
            .hash_password(normalized.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| Error::with_detail(ErrorCode::InvalidState, format!("argon2: {e}.")))
    }

    /// Verifies a password against a stored argon2id PHC string. A malformed or non-argon2id
    /// hash gives `state_corrupt`.
    pub fn verify_password(&self, password_hash: &str, password: &str) -> Result<bool> {
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

    /// Whether a stored hash uses other parameters than the policy (re-hash after login).
    pub fn needs_rehash(&self, password_hash: &str) -> bool {
        PasswordHash::new(password_hash).map_or(true, |h| {
            h.algorithm.as_str() != "argon2id"
                || h.params.get_decimal("m") != Some(self.policy.memory_kib)
                || h.params.get_decimal("t") != Some(self.policy.iterations)
                || h.params.get_decimal("p") != Some(self.policy.parallelism)
        })
    }

    /// Validates a registration and hashes its password.
    pub fn register(&self, registration: &Registration, entropy: &mut dyn Entropy) -> Result<NewAccount> {
        if registration.username.is_none() && registration.email.is_none() {
            return Err(Error::field(
                ErrorCode::InvalidUsername,
                "username",
                "A user name or an e-mail address is required.",
            ));
        }
        let username = registration.username.as_deref().map(normalize_username).transpose()?;
        let email = registration.email.as_deref().map(normalize_email).transpose()?;
        let password_hash = self.hash_password(registration.password.expose(), entropy)?;
        Ok(NewAccount {
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
        })
    }
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
