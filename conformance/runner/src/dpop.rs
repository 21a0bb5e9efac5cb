//! The `dpop.*` operations: DPoP keys, proofs, the server proof check, nonces, token binding.

use authcore::dpop::{
    access_token_hash, check_replay, check_token_binding, check_token_type, confirmation, jwk_thumbprint,
    normalize_htu, token_endpoint_error, DpopKey, DpopNonces, ProofChecker, ProofConfig, ProofParams, TokenScheme,
};
use authcore::http::{HttpRequest, HttpResponse};
use authcore::jwt::{Algorithm, Backend};
use authcore::Error;
use serde_json::{json, Map, Value};

use crate::{arg, entropy, opt, out, OpResult};

fn checker(input: &Value, backend: Backend) -> Result<Result<ProofChecker, Error>, String> {
    let config: ProofConfig = opt(input, "config")?.unwrap_or_default();
    Ok(ProofChecker::new(config, backend))
}

pub(crate) fn dispatch(nonces: &mut Option<DpopNonces>, op: &str, input: &Value, backend: Backend) -> OpResult {
    Ok(match op {
        "dpop.thumbprint" => jwk_thumbprint(&arg(input, "jwk")?).map(|jkt| json!({ "jkt": jkt })),
        "dpop.access_token_hash" => Ok(json!({ "ath": access_token_hash(&arg::<String>(input, "access_token")?) })),
        "dpop.normalize_htu" => normalize_htu(&arg::<String>(input, "url")?).map(|htu| json!({ "htu": htu })),
        "dpop.generate" => {
            let alg: Option<Algorithm> = opt(input, "alg")?;
            let mut e = entropy(input)?;
            DpopKey::generate(alg.unwrap_or(Algorithm::Es256), &mut e, backend)
                .map(|k| json!({"jwk": k.to_jwk(), "public_jwk": k.public_jwk(), "thumbprint": k.thumbprint()}))
        }
        "dpop.proof" => {
            let params = ProofParams {
                method: arg(input, "method")?,
                url: arg(input, "url")?,
                access_token: opt(input, "access_token")?,
                nonce: opt(input, "nonce")?,
            };
            let now: i64 = arg(input, "now")?;
            let mut e = entropy(input)?;
            let checker = checker(input, backend)?;
            DpopKey::from_jwk(&arg(input, "key")?, backend)
                .and_then(|k| k.proof(&params, now, &mut e))
                .and_then(|proof| checker.and_then(|c| c.decode(&proof)))
                .map(|d| out(&d))
        }
        "dpop.check" => {
            let request: HttpRequest = arg(input, "request")?;
            let token: Option<String> = opt(input, "access_token")?;
            let jkt: Option<String> = opt(input, "jkt")?;
            let now: i64 = arg(input, "now")?;
            checker(input, backend)?
                .and_then(|c| c.check(&request, token.as_deref(), jkt.as_deref(), now))
                .map(|r| out(&r))
        }
        "dpop.issue_nonce" => {
            let now: i64 = arg(input, "now")?;
            let mut e = entropy(input)?;
            checker(input, backend)?
                .and_then(|c| c.issue_nonce(now, &mut e))
                .map(|n| json!({ "nonce": n }))
        }
        "dpop.check_replay" => check_replay(&arg(input, "record")?, arg(input, "seen")?).map(|()| json!({})),
        "dpop.challenge" => {
            let error: Option<Error> = opt(input, "error")?;
            checker(input, backend)?.map(|c| json!({ "www_authenticate": c.challenge(error.as_ref()) }))
        }
        "dpop.token_endpoint_error" => {
            let error: Error = arg(input, "error")?;
            let nonce: Option<String> = opt(input, "nonce")?;
            Ok(out(&token_endpoint_error(&error, nonce.as_deref())))
        }
        "dpop.check_token_type" => check_token_type(
            &arg::<String>(input, "token_type")?,
            arg(input, "dpop_requested")?,
            opt(input, "allow_bearer")?.unwrap_or(false),
        )
        .map(|s| json!({ "scheme": s })),
        "dpop.confirmation" => Ok(confirmation(&arg::<String>(input, "jkt")?)),
        "dpop.check_token_binding" => {
            let claims: Map<String, Value> = arg(input, "claims")?;
            let scheme: TokenScheme = arg(input, "scheme")?;
            check_token_binding(&claims, scheme).map(|jkt| json!({ "jkt": jkt }))
        }
        "dpop.nonces.new" => {
            *nonces = Some(DpopNonces {
                nonces: opt(input, "nonces")?.unwrap_or_default(),
            });
            Ok(json!({}))
        }
        "dpop.nonces.handle_response" => {
            let book = nonces.as_mut().ok_or("no dpop_nonces: call dpop.nonces.new first")?;
            let url: String = arg(input, "url")?;
            let response: HttpResponse = arg(input, "response")?;
            let retried: bool = opt(input, "already_retried")?.unwrap_or(false);
            Ok(json!({ "retry": book.handle_response(&url, &response, retried) }))
        }
        "dpop.nonces.nonce_for" => {
            let book = nonces.as_ref().ok_or("no dpop_nonces: call dpop.nonces.new first")?;
            Ok(json!({ "nonce": book.nonce_for(&arg::<String>(input, "url")?) }))
        }
        _ => return Err(format!("unknown operation `{op}`")),
    })
}
