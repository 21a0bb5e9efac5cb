//! The README's Rust snippets for DPoP and token requests, as written there, with the names
//! they leave to the reader (`now`, the key, the request, the replay store) defined first.

use std::collections::BTreeMap;

use authcore::http::HttpRequest;

const NOW: i64 = 1_700_000_000;

/// A replay store: a map of keys to expiry times.
struct Store(BTreeMap<String, i64>);

impl Store {
    fn insert_if_absent(&mut self, key: &str, expires_at: i64) -> bool {
        if self.0.contains_key(key) {
            return false;
        }
        self.0.insert(key.to_owned(), expires_at);
        true
    }
}

#[test]
fn dpop_snippet() -> Result<(), authcore::Error> {
    let now = NOW;
    let mut store = Store(BTreeMap::new());
    // --- README "DPoP"
    use authcore::dpop::{check_replay, DpopKey, ProofChecker, ProofConfig, ProofParams};
    use authcore::{
        entropy::OsEntropy,
        jwt::{Algorithm, Backend},
    };

    let key = DpopKey::generate(Algorithm::Es256, &mut OsEntropy, Backend::default())?;
    let proof = key.proof(
        &ProofParams::new("POST", "https://mcp.example.com/mcp").with_access_token("at"),
        now,
        &mut OsEntropy,
    )?;
    let checker = ProofChecker::new(ProofConfig::default(), Backend::default())?;
    // ---
    let mut request_with_dpop_header = HttpRequest::new("POST", "https://mcp.example.com/mcp");
    request_with_dpop_header.set_header("DPoP", &proof);
    // --- README "DPoP", continued
    let record = checker.check(&request_with_dpop_header, Some("at"), Some(key.thumbprint()), now)?;
    check_replay(&record, !store.insert_if_absent(&record.replay_key, record.expires_at))?;
    // ---
    // The same proof again is a replay.
    let again = checker.check(&request_with_dpop_header, Some("at"), Some(key.thumbprint()), now)?;
    assert!(check_replay(&again, !store.insert_if_absent(&again.replay_key, again.expires_at)).is_err());
    Ok(())
}

#[test]
fn token_request_snippet() -> Result<(), authcore::Error> {
    let now = NOW;
    let pem = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../conformance/keys/p256.pem"))
        .map_err(|_| authcore::Error::new(authcore::ErrorCode::Internal))?;
    // --- README "Token requests beyond the authorization code"
    use authcore::entropy::OsEntropy;
    use authcore::grants::{token_request, Grant, GrantRequest, TokenEndpoint, TokenEndpointAuth};
    use authcore::jwt::KeySpec;

    let endpoint = TokenEndpoint::new("https://as.example.com/token", Some("https://as.example.com"));
    let auth = TokenEndpointAuth::PrivateKeyJwt {
        client_id: "agent-1".into(),
        key: KeySpec {
            pem: Some(pem),
            ..KeySpec::default()
        },
        lifetime: None,
    };
    let request = GrantRequest {
        grant: Grant::ClientCredentials,
        scope: Some("mcp:read".into()),
        resource: vec!["https://mcp.example.com/mcp".into()],
    };
    let http = token_request(&endpoint, &auth, &request, now, &mut OsEntropy)?; // send it; then grants::token_response(&request, &answer, now)
                                                                                // ---
    let body = http.body.as_deref().unwrap_or_default();
    assert!(body.contains("grant_type=client_credentials"), "{body}");
    assert!(
        body.contains("client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer"),
        "{body}"
    );
    assert!(body.contains("resource=https%3A%2F%2Fmcp.example.com%2Fmcp"), "{body}");
    Ok(())
}
