//! `dpop`: DPoP (RFC 9449) keys, proofs, the server proof check, nonces and token binding, as
//! in `js/NATIVE.md`. Conversions only; the rules are the core's (`authcore::dpop`).

use authcore::dpop::{self as core_dpop, DpopKey as CoreKey, DpopNonces as CoreNonces, ProofChecker as CoreChecker};
use authcore::http::{HttpRequest, HttpResponse};
use authcore::jwt::Algorithm;
use napi::bindgen_prelude::Uint8Array;
use napi_derive::napi;
use serde_json::{Map, Value};

use super::{backend, guard, out, parse, parse_opt, rng};

/// A DPoP key pair (ES256 or EdDSA).
#[napi]
pub struct DpopKey {
    inner: CoreKey,
}

#[napi]
impl DpopKey {
    /// A fresh key for `alg` (`"ES256"` when null).
    #[napi(factory)]
    pub fn generate(
        alg: Option<String>,
        entropy: Option<Uint8Array>,
        backend_name: Option<String>,
    ) -> napi::Result<Self> {
        guard(|| {
            let alg: Option<Algorithm> = parse_opt(alg.map(|a| Value::String(a).to_string()).as_deref(), "alg")?;
            let b = backend(backend_name.as_deref())?;
            Ok(Self {
                inner: CoreKey::generate(alg.unwrap_or(Algorithm::Es256), &mut rng(entropy.as_deref()), b)?,
            })
        })
    }

    /// A key from its private JWK (JSON).
    #[napi(factory)]
    pub fn from_jwk(jwk_json: String, backend_name: Option<String>) -> napi::Result<Self> {
        guard(|| {
            let jwk: Value = parse(&jwk_json, "jwk")?;
            Ok(Self {
                inner: CoreKey::from_jwk(&jwk, backend(backend_name.as_deref())?)?,
            })
        })
    }

    /// The private JWK (JSON).
    #[napi]
    pub fn to_jwk(&self) -> napi::Result<String> {
        guard(|| out(&self.inner.to_jwk()))
    }

    /// The public JWK (JSON).
    #[napi]
    pub fn public_jwk(&self) -> napi::Result<String> {
        guard(|| out(self.inner.public_jwk()))
    }

    /// The RFC 7638 thumbprint.
    #[napi]
    pub fn thumbprint(&self) -> napi::Result<String> {
        guard(|| Ok(self.inner.thumbprint().to_owned()))
    }

    /// `"ES256"` or `"EdDSA"`.
    #[napi]
    pub fn algorithm(&self) -> napi::Result<String> {
        guard(|| Ok(self.inner.algorithm().as_str().to_owned()))
    }

    /// A proof for one request (`params`: JSON ProofParams).
    #[napi]
    pub fn proof(&self, params_json: String, now: i64, entropy: Option<Uint8Array>) -> napi::Result<String> {
        guard(|| {
            let params: core_dpop::ProofParams = parse(&params_json, "params")?;
            Ok(self.inner.proof(&params, now, &mut rng(entropy.as_deref()))?)
        })
    }
}

/// Checks DPoP proofs against one policy.
#[napi]
pub struct ProofChecker {
    inner: CoreChecker,
}

#[napi]
impl ProofChecker {
    /// From a JSON ProofConfig and a backend name.
    #[napi(constructor)]
    pub fn new(config_json: String, backend_name: Option<String>) -> napi::Result<Self> {
        guard(|| {
            let config: core_dpop::ProofConfig = parse(&config_json, "config")?;
            Ok(Self {
                inner: CoreChecker::new(config, backend(backend_name.as_deref())?)?,
            })
        })
    }

    /// Checks a request's proof: JSON ProofRecord.
    #[napi]
    pub fn check(
        &self,
        request_json: String,
        access_token: Option<String>,
        jkt: Option<String>,
        now: i64,
    ) -> napi::Result<String> {
        guard(|| {
            let request: HttpRequest = parse(&request_json, "request")?;
            out(&self
                .inner
                .check(&request, access_token.as_deref(), jkt.as_deref(), now)?)
        })
    }

    /// The header checks and signature of one proof: JSON DecodedProof.
    #[napi]
    pub fn decode(&self, proof: String) -> napi::Result<String> {
        guard(|| out(&self.inner.decode(&proof)?))
    }

    /// A fresh nonce.
    #[napi]
    pub fn issue_nonce(&self, now: i64, entropy: Option<Uint8Array>) -> napi::Result<String> {
        guard(|| Ok(self.inner.issue_nonce(now, &mut rng(entropy.as_deref()))?))
    }

    /// The `WWW-Authenticate: DPoP` value (`error`: JSON Error or null).
    #[napi]
    pub fn challenge(&self, error_json: Option<String>) -> napi::Result<String> {
        guard(|| {
            let e: Option<authcore::Error> = parse_opt(error_json.as_deref(), "error")?;
            Ok(self.inner.challenge(e.as_ref()))
        })
    }
}

/// The nonces servers handed out, per origin.
#[napi]
pub struct DpopNonces {
    inner: CoreNonces,
}

#[napi]
impl DpopNonces {
    /// From JSON `{origin: nonce}` or null.
    #[napi(constructor)]
    pub fn new(nonces_json: Option<String>) -> napi::Result<Self> {
        guard(|| {
            let nonces = parse_opt(nonces_json.as_deref(), "nonces")?.unwrap_or_default();
            Ok(Self {
                inner: CoreNonces { nonces },
            })
        })
    }

    /// The nonce for `url`, or null.
    #[napi]
    pub fn nonce_for(&self, url: String) -> napi::Result<Option<String>> {
        guard(|| Ok(self.inner.nonce_for(&url).map(str::to_owned)))
    }

    /// Reads a response (JSON): whether to retry with the new nonce.
    #[napi]
    pub fn handle_response(&mut self, url: String, response_json: String, already_retried: bool) -> napi::Result<bool> {
        guard(|| {
            let response: HttpResponse = parse(&response_json, "response")?;
            Ok(self.inner.handle_response(&url, &response, already_retried))
        })
    }

    /// `{origin: nonce}` (JSON).
    #[napi]
    pub fn nonces(&self) -> napi::Result<String> {
        guard(|| out(&self.inner.nonces))
    }
}

/// The RFC 7638 thumbprint of a JWK (JSON).
#[napi]
pub fn jwk_thumbprint(jwk_json: String) -> napi::Result<String> {
    guard(|| Ok(core_dpop::jwk_thumbprint(&parse::<Value>(&jwk_json, "jwk")?)?))
}

/// The `ath` of an access token.
#[napi]
pub fn dpop_access_token_hash(access_token: String) -> napi::Result<String> {
    guard(|| Ok(core_dpop::access_token_hash(&access_token)))
}

/// The `htu` form of a URL.
#[napi]
pub fn normalize_htu(url: String) -> napi::Result<String> {
    guard(|| Ok(core_dpop::normalize_htu(&url)?))
}

/// Throws `invalid_dpop_proof` when the replay store had seen the record (JSON).
#[napi]
pub fn dpop_check_replay(record_json: String, seen: bool) -> napi::Result<()> {
    guard(|| Ok(core_dpop::check_replay(&parse(&record_json, "record")?, seen)?))
}

/// `"DPoP"` or `"Bearer"` for a token response's `token_type`.
#[napi]
pub fn dpop_check_token_type(token_type: String, dpop_requested: bool, allow_bearer: bool) -> napi::Result<String> {
    guard(|| {
        let s = core_dpop::check_token_type(&token_type, dpop_requested, allow_bearer)?;
        Ok(match s {
            core_dpop::TokenScheme::Dpop => "DPoP",
            core_dpop::TokenScheme::Bearer => "Bearer",
        }
        .to_owned())
    })
}

/// `{"cnf": {"jkt"}}` (JSON).
#[napi]
pub fn dpop_confirmation(jkt: String) -> napi::Result<String> {
    guard(|| out(&core_dpop::confirmation(&jkt)))
}

/// The `jkt` a presentation must prove, or null for an unbound Bearer token.
#[napi]
pub fn dpop_check_token_binding(claims_json: String, scheme: String) -> napi::Result<Option<String>> {
    guard(|| {
        let claims: Map<String, Value> = parse(&claims_json, "claims")?;
        let scheme: core_dpop::TokenScheme = parse(&Value::String(scheme).to_string(), "scheme")?;
        Ok(core_dpop::check_token_binding(&claims, scheme)?)
    })
}

/// The token endpoint's 400 answer (JSON HttpResponse).
#[napi]
pub fn dpop_token_endpoint_error(error_json: String, nonce: Option<String>) -> napi::Result<String> {
    guard(|| {
        let e: authcore::Error = parse(&error_json, "error")?;
        out(&core_dpop::token_endpoint_error(&e, nonce.as_deref()))
    })
}

/// Whether a response (JSON) is a `use_dpop_nonce` challenge.
#[napi]
pub fn dpop_is_nonce_challenge(response_json: String) -> napi::Result<bool> {
    guard(|| Ok(core_dpop::is_nonce_challenge(&parse(&response_json, "response")?)))
}
