//! `dpop`: DPoP (RFC 9449) keys, proofs, nonces and token types; with `server`, the proof
//! check and token binding, as in `bindings-node/js/NATIVE.md`. Conversions only; the rules
//! are the core's (`authcore::dpop`).

use authcore::dpop::{self as core_dpop, DpopKey as CoreKey, DpopNonces as CoreNonces};
use authcore::http::HttpResponse;
use authcore::jwt::Algorithm;
use serde_json::Value;
use wasm_bindgen::prelude::*;

use super::{backend, decode, from_json, int, opt_json, rng, to_json, Core, R};

/// A DPoP key pair (ES256 or EdDSA).
#[wasm_bindgen]
pub struct DpopKey {
    inner: CoreKey,
}

#[wasm_bindgen]
impl DpopKey {
    /// A fresh key for `alg` (`"ES256"` when null).
    pub fn generate(alg: Option<String>, entropy: Option<Vec<u8>>, backend_name: Option<String>) -> R<DpopKey> {
        let alg: Option<Algorithm> = alg.map(|a| decode(Value::String(a), "alg")).transpose()?;
        let b = backend(backend_name)?;
        Ok(Self {
            inner: CoreKey::generate(alg.unwrap_or(Algorithm::Es256), &mut rng(entropy), b).js()?,
        })
    }

    /// A key from its private JWK (JSON).
    #[wasm_bindgen(js_name = fromJwk)]
    pub fn from_jwk(jwk_json: &str, backend_name: Option<String>) -> R<DpopKey> {
        let jwk: Value = from_json(jwk_json, "jwk")?;
        Ok(Self {
            inner: CoreKey::from_jwk(&jwk, backend(backend_name)?).js()?,
        })
    }

    /// The private JWK (JSON).
    #[wasm_bindgen(js_name = toJwk)]
    pub fn to_jwk(&self) -> R<String> {
        to_json(&self.inner.to_jwk())
    }

    /// The public JWK (JSON).
    #[wasm_bindgen(js_name = publicJwk)]
    pub fn public_jwk(&self) -> R<String> {
        to_json(self.inner.public_jwk())
    }

    /// The RFC 7638 thumbprint.
    pub fn thumbprint(&self) -> String {
        self.inner.thumbprint().to_owned()
    }

    /// `"ES256"` or `"EdDSA"`.
    pub fn algorithm(&self) -> String {
        self.inner.algorithm().as_str().to_owned()
    }

    /// A proof for one request (`params`: JSON ProofParams).
    pub fn proof(&self, params_json: &str, now: f64, entropy: Option<Vec<u8>>) -> R<String> {
        let params: core_dpop::ProofParams = from_json(params_json, "params")?;
        self.inner.proof(&params, int(now, "now")?, &mut rng(entropy)).js()
    }
}

/// The nonces servers handed out, per origin.
#[wasm_bindgen]
pub struct DpopNonces {
    inner: CoreNonces,
}

#[wasm_bindgen]
impl DpopNonces {
    /// From JSON `{origin: nonce}` or null.
    #[wasm_bindgen(constructor)]
    pub fn new(nonces_json: Option<String>) -> R<DpopNonces> {
        let nonces = opt_json(nonces_json, "nonces")?.unwrap_or_default();
        Ok(Self {
            inner: CoreNonces { nonces },
        })
    }

    /// The nonce for `url`, if any.
    #[wasm_bindgen(js_name = nonceFor)]
    pub fn nonce_for(&self, url: &str) -> Option<String> {
        self.inner.nonce_for(url).map(str::to_owned)
    }

    /// Reads a response (JSON): whether to retry with the new nonce.
    #[wasm_bindgen(js_name = handleResponse)]
    pub fn handle_response(&mut self, url: &str, response_json: &str, already_retried: bool) -> R<bool> {
        let response: HttpResponse = from_json(response_json, "response")?;
        Ok(self.inner.handle_response(url, &response, already_retried))
    }

    /// `{origin: nonce}` (JSON).
    pub fn nonces(&self) -> R<String> {
        to_json(&self.inner.nonces)
    }
}

/// The RFC 7638 thumbprint of a JWK (JSON).
#[wasm_bindgen(js_name = jwkThumbprint)]
pub fn jwk_thumbprint(jwk_json: &str) -> R<String> {
    core_dpop::jwk_thumbprint(&from_json::<Value>(jwk_json, "jwk")?).js()
}

/// The `ath` of an access token.
#[wasm_bindgen(js_name = dpopAccessTokenHash)]
pub fn dpop_access_token_hash(access_token: &str) -> String {
    core_dpop::access_token_hash(access_token)
}

/// The `htu` form of a URL.
#[wasm_bindgen(js_name = normalizeHtu)]
pub fn normalize_htu(url: &str) -> R<String> {
    core_dpop::normalize_htu(url).js()
}

/// `"DPoP"` or `"Bearer"` for a token response's `token_type`.
#[wasm_bindgen(js_name = dpopCheckTokenType)]
pub fn dpop_check_token_type(token_type: &str, dpop_requested: bool, allow_bearer: bool) -> R<String> {
    Ok(
        match core_dpop::check_token_type(token_type, dpop_requested, allow_bearer).js()? {
            core_dpop::TokenScheme::Dpop => "DPoP",
            core_dpop::TokenScheme::Bearer => "Bearer",
        }
        .to_owned(),
    )
}

/// Whether a response (JSON) is a `use_dpop_nonce` challenge.
#[wasm_bindgen(js_name = dpopIsNonceChallenge)]
pub fn dpop_is_nonce_challenge(response_json: &str) -> R<bool> {
    Ok(core_dpop::is_nonce_challenge(&from_json(response_json, "response")?))
}

#[cfg(feature = "server")]
mod server {
    use authcore::dpop::{self as core_dpop, ProofChecker as CoreChecker};
    use authcore::http::HttpRequest;
    use serde_json::{Map, Value};
    use wasm_bindgen::prelude::*;

    use super::super::{backend, decode, from_json, int, opt_json, rng, to_json, Core, R};

    /// Checks DPoP proofs against one policy.
    #[wasm_bindgen]
    pub struct ProofChecker {
        inner: CoreChecker,
    }

    #[wasm_bindgen]
    impl ProofChecker {
        /// From a JSON ProofConfig and a backend name.
        #[wasm_bindgen(constructor)]
        pub fn new(config_json: &str, backend_name: Option<String>) -> R<ProofChecker> {
            let config: core_dpop::ProofConfig = from_json(config_json, "config")?;
            Ok(Self {
                inner: CoreChecker::new(config, backend(backend_name)?).js()?,
            })
        }

        /// Checks a request's proof: JSON ProofRecord.
        pub fn check(
            &self,
            request_json: &str,
            access_token: Option<String>,
            jkt: Option<String>,
            now: f64,
        ) -> R<String> {
            let request: HttpRequest = from_json(request_json, "request")?;
            to_json(
                &self
                    .inner
                    .check(&request, access_token.as_deref(), jkt.as_deref(), int(now, "now")?)
                    .js()?,
            )
        }

        /// The header checks and signature of one proof: JSON DecodedProof.
        pub fn decode(&self, proof: &str) -> R<String> {
            to_json(&self.inner.decode(proof).js()?)
        }

        /// A fresh nonce.
        #[wasm_bindgen(js_name = issueNonce)]
        pub fn issue_nonce(&self, now: f64, entropy: Option<Vec<u8>>) -> R<String> {
            self.inner.issue_nonce(int(now, "now")?, &mut rng(entropy)).js()
        }

        /// The `WWW-Authenticate: DPoP` value (`error`: JSON Error or null).
        pub fn challenge(&self, error_json: Option<String>) -> R<String> {
            let e: Option<authcore::Error> = opt_json(error_json, "error")?;
            Ok(self.inner.challenge(e.as_ref()))
        }
    }

    /// Throws `invalid_dpop_proof` when the replay store had seen the record (JSON).
    #[wasm_bindgen(js_name = dpopCheckReplay)]
    pub fn dpop_check_replay(record_json: &str, seen: bool) -> R<()> {
        core_dpop::check_replay(&from_json(record_json, "record")?, seen).js()
    }

    /// `{"cnf": {"jkt"}}` (JSON).
    #[wasm_bindgen(js_name = dpopConfirmation)]
    pub fn dpop_confirmation(jkt: &str) -> R<String> {
        to_json(&core_dpop::confirmation(jkt))
    }

    /// The `jkt` a presentation must prove, or null for an unbound Bearer token.
    #[wasm_bindgen(js_name = dpopCheckTokenBinding)]
    pub fn dpop_check_token_binding(claims_json: &str, scheme: &str) -> R<Option<String>> {
        let claims: Map<String, Value> = from_json(claims_json, "claims")?;
        let scheme: core_dpop::TokenScheme = decode(Value::String(scheme.to_owned()), "scheme")?;
        core_dpop::check_token_binding(&claims, scheme).js()
    }

    /// The token endpoint's 400 answer (JSON HttpResponse).
    #[wasm_bindgen(js_name = dpopTokenEndpointError)]
    pub fn dpop_token_endpoint_error(error_json: &str, nonce: Option<String>) -> R<String> {
        let e: authcore::Error = from_json(error_json, "error")?;
        to_json(&core_dpop::token_endpoint_error(&e, nonce.as_deref()))
    }
}
