use super::*;
use crate::entropy::FixedEntropy;

const NOW: i64 = 1_700_000_000;
const RFC7638_N: &str = "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw";

fn entropy(byte: u8, n: usize) -> FixedEntropy {
    FixedEntropy::new(vec![byte; n])
}

fn backends() -> Vec<Backend> {
    Backend::available().to_vec()
}

fn key(alg: Algorithm, backend: Backend) -> DpopKey {
    DpopKey::generate(alg, &mut entropy(7, 32), backend).unwrap()
}

fn request(method: &str, url: &str, proof: &str) -> HttpRequest {
    let mut r = HttpRequest::new(method, url);
    r.set_header("DPoP", proof);
    r
}

fn checker(backend: Backend) -> ProofChecker {
    ProofChecker::new(ProofConfig::default(), backend).unwrap()
}

fn code(r: Result<ProofRecord>) -> (String, Option<String>) {
    let e = r.unwrap_err();
    (e.code().as_str().to_owned(), e.field_name().map(str::to_owned))
}

#[test]
fn rfc7638_thumbprint_example() {
    let jwk = json!({"kty": "RSA", "n": RFC7638_N, "e": "AQAB", "alg": "RS256", "kid": "2011-04-29"});
    assert_eq!(
        jwk_thumbprint(&jwk).unwrap(),
        "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"
    );
    assert_eq!(
        jwk_thumbprint(&json!({"kty": "oct", "k": "x"})).unwrap_err().code(),
        ErrorCode::InvalidKey
    );
    assert_eq!(
        jwk_thumbprint(&json!({"kty": "EC", "crv": "P-256", "x": "a"}))
            .unwrap_err()
            .field_name(),
        Some("y")
    );
}

#[test]
fn htu_normalisation() {
    assert_eq!(
        normalize_htu("HTTPS://Server.Example.COM:443/a/b?q=1#f").unwrap(),
        "https://server.example.com/a/b"
    );
    assert_eq!(normalize_htu("https://x.example").unwrap(), "https://x.example/");
    assert_eq!(
        normalize_htu("http://x.example:8080/p").unwrap(),
        "http://x.example:8080/p"
    );
    for bad in ["/relative", "ftp://x.example/", "https://u:p@x.example/", "not a url"] {
        assert_eq!(normalize_htu(bad).unwrap_err().code(), ErrorCode::InvalidInput, "{bad}");
    }
}

#[test]
fn proofs_round_trip_on_every_backend_and_algorithm() {
    for backend in backends() {
        for alg in [Algorithm::Es256, Algorithm::EdDsa] {
            let k = key(alg, backend);
            let params = ProofParams::new("POST", "https://rs.example/mcp?x=1#y")
                .with_access_token("at-1")
                .with_nonce("n-1");
            let proof = k.proof(&params, NOW, &mut entropy(1, 16)).unwrap();
            let (h, c) = crate::jwt::decode_unverified(&proof).unwrap();
            assert_eq!(h["typ"], "dpop+jwt");
            assert_eq!(h["alg"], alg.as_str());
            assert_eq!(&h["jwk"], k.public_jwk());
            assert!(h["jwk"].get("d").is_none());
            assert_eq!(c["htu"], "https://rs.example/mcp");
            assert_eq!(c["htm"], "POST");
            assert_eq!(c["iat"], NOW);
            assert_eq!(c["jti"], b64url(&[1; 16]));
            assert_eq!(c["ath"], access_token_hash("at-1"));
            assert_eq!(c["nonce"], "n-1");
            let record = checker(backend)
                .check(
                    &request("POST", "https://rs.example/mcp", &proof),
                    Some("at-1"),
                    Some(k.thumbprint()),
                    NOW,
                )
                .unwrap();
            assert_eq!(record.jti, b64url(&[1; 16]));
            assert_eq!(record.expires_at, NOW + 360);
            assert_eq!(record.alg, alg);
            // export and import keep the key
            let again = DpopKey::from_jwk(&k.to_jwk(), backend).unwrap();
            assert_eq!(again.thumbprint(), k.thumbprint());
            assert!(!format!("{again:?}").contains(k.to_jwk()["d"].as_str().unwrap()));
        }
    }
}

#[test]
fn key_generation_refuses_other_algorithms_and_short_entropy() {
    let e = DpopKey::generate(Algorithm::Hs256, &mut entropy(1, 32), Backend::Portable).unwrap_err();
    assert_eq!(e.field_name(), Some("alg"));
    let e = DpopKey::generate(Algorithm::Es256, &mut entropy(1, 8), Backend::Portable).unwrap_err();
    assert_eq!(e.code(), ErrorCode::EntropyUnavailable);
    // an all-zero P-256 scalar is invalid: the next 32 bytes are drawn
    let mut bytes = vec![0u8; 32];
    bytes.extend([5u8; 32]);
    let k = DpopKey::generate(Algorithm::Es256, &mut FixedEntropy::new(bytes), Backend::Portable).unwrap();
    assert_eq!(k.to_jwk()["d"], b64url(&[5; 32]));
}

fn signed(alg: Algorithm, header: Value, claims: Value) -> String {
    let sk = SigningKey::from_raw(alg, &[7; 32], Backend::Portable).unwrap();
    let input = format!("{}.{}", b64_json(&header).unwrap(), b64_json(&claims).unwrap());
    let sig = sk.sign(input.as_bytes()).unwrap();
    format!("{input}.{}", b64url(&sig))
}

fn good_parts() -> (Value, Value) {
    let k = key(Algorithm::EdDsa, Backend::Portable);
    (
        json!({"typ": "dpop+jwt", "alg": "EdDSA", "jwk": k.public_jwk()}),
        json!({"jti": "j-1", "htm": "GET", "htu": "https://rs.example/r", "iat": NOW, "ath": access_token_hash("at")}),
    )
}

fn check_parts(header: Value, claims: Value) -> (String, Option<String>) {
    let k = key(Algorithm::EdDsa, Backend::Portable);
    let proof = signed(Algorithm::EdDsa, header, claims);
    code(checker(Backend::Portable).check(
        &request("GET", "https://rs.example/r", &proof),
        Some("at"),
        Some(k.thumbprint()),
        NOW,
    ))
}

fn with(mut v: Value, name: &str, value: Value) -> Value {
    v.as_object_mut().unwrap().insert(name.into(), value);
    v
}

fn without(mut v: Value, name: &str) -> Value {
    v.as_object_mut().unwrap().remove(name);
    v
}

#[test]
fn every_refusal() {
    let (h, c) = good_parts();
    let bad = |f: &str| ("invalid_dpop_proof".to_owned(), Some(f.to_owned()));
    assert_eq!(check_parts(with(h.clone(), "typ", "JWT".into()), c.clone()), bad("typ"));
    assert_eq!(check_parts(without(h.clone(), "typ"), c.clone()), bad("typ"));
    assert_eq!(
        check_parts(with(h.clone(), "alg", "ES256".into()), c.clone()),
        bad("jwk")
    );
    let mut private = h["jwk"].clone();
    private["d"] = b64url(&[7; 32]).into();
    assert_eq!(check_parts(with(h.clone(), "jwk", private), c.clone()), bad("jwk"));
    assert_eq!(check_parts(without(h.clone(), "jwk"), c.clone()), bad("jwk"));
    assert_eq!(
        check_parts(h.clone(), with(c.clone(), "htm", "POST".into())),
        bad("htm")
    );
    assert_eq!(
        check_parts(h.clone(), with(c.clone(), "htu", "https://rs.example/other".into())),
        bad("htu")
    );
    assert_eq!(
        check_parts(h.clone(), with(c.clone(), "htu", "https://rs.example/r?a=1".into())),
        bad("htu")
    );
    assert_eq!(
        check_parts(h.clone(), with(c.clone(), "iat", (NOW - 361).into())),
        bad("iat")
    );
    assert_eq!(
        check_parts(h.clone(), with(c.clone(), "iat", (NOW + 61).into())),
        bad("iat")
    );
    assert_eq!(check_parts(h.clone(), with(c.clone(), "ath", "x".into())), bad("ath"));
    assert_eq!(check_parts(h.clone(), without(c.clone(), "ath")), bad("ath"));
    assert_eq!(check_parts(h.clone(), without(c.clone(), "jti")), bad("jti"));
    // the edges of the window pass
    let k = key(Algorithm::EdDsa, Backend::Portable);
    for iat in [NOW - 360, NOW + 60] {
        let proof = signed(Algorithm::EdDsa, h.clone(), with(c.clone(), "iat", iat.into()));
        checker(Backend::Portable)
            .check(
                &request("GET", "https://rs.example/r", &proof),
                Some("at"),
                Some(k.thumbprint()),
                NOW,
            )
            .unwrap();
    }
    // jkt mismatch
    let proof = signed(Algorithm::EdDsa, h.clone(), c.clone());
    assert_eq!(
        code(checker(Backend::Portable).check(
            &request("GET", "https://rs.example/r", &proof),
            Some("at"),
            Some("other"),
            NOW
        )),
        bad("jkt")
    );
    // bad signature
    let mut tampered = proof.clone().into_bytes();
    let i = proof.rfind('.').unwrap() + 1;
    tampered[i] = if tampered[i] == b'A' { b'B' } else { b'A' };
    let tampered = String::from_utf8(tampered).unwrap();
    assert_eq!(
        code(checker(Backend::Portable).check(
            &request("GET", "https://rs.example/r", &tampered),
            Some("at"),
            Some(k.thumbprint()),
            NOW
        )),
        bad("signature")
    );
    // none and HS256
    let none = format!(
        "{}.{}.",
        b64_json(&with(h.clone(), "alg", "none".into())).unwrap(),
        b64_json(&c).unwrap()
    );
    assert_eq!(
        code(checker(Backend::Portable).check(&request("GET", "https://rs.example/r", &none), None, None, NOW)),
        bad("alg")
    );
    let hs = format!(
        "{}.{}.AAAA",
        b64_json(&with(h.clone(), "alg", "HS256".into())).unwrap(),
        b64_json(&c).unwrap()
    );
    assert_eq!(
        code(checker(Backend::Portable).check(&request("GET", "https://rs.example/r", &hs), None, None, NOW)),
        bad("alg")
    );
}

#[test]
fn header_count_and_shape() {
    let (h, c) = good_parts();
    let proof = signed(Algorithm::EdDsa, h, c);
    let ch = checker(Backend::Portable);
    let none = HttpRequest::new("GET", "https://rs.example/r");
    assert_eq!(
        code(ch.check(&none, None, None, NOW)),
        ("invalid_dpop_proof".into(), Some("DPoP".into()))
    );
    let mut two = request("GET", "https://rs.example/r", &proof);
    two.headers.insert("dpop".into(), proof.clone());
    assert_eq!(code(ch.check(&two, None, None, NOW)).1.as_deref(), Some("DPoP"));
    let joined = request("GET", "https://rs.example/r", &format!("{proof}, {proof}"));
    assert_eq!(code(ch.check(&joined, None, None, NOW)).1.as_deref(), Some("DPoP"));
    let garbage = request("GET", "https://rs.example/r", "not-a-jwt");
    assert_eq!(code(ch.check(&garbage, None, None, NOW)).1.as_deref(), Some("DPoP"));
    // token endpoint: no access token
    ch.check(&request("GET", "https://rs.example/r", &proof), None, None, NOW)
        .unwrap();
    assert_eq!(
        ch.check(&request("GET", "https://rs.example/r", &proof), Some("at"), None, NOW)
            .unwrap_err()
            .code(),
        ErrorCode::InvalidInput
    );
}

#[test]
fn nonces_are_issued_and_required() {
    let config = ProofConfig {
        require_nonce: true,
        nonce_key: Some(b64url(&[9; 32])),
        ..ProofConfig::default()
    };
    let ch = ProofChecker::new(config, Backend::Portable).unwrap();
    let nonce = ch.issue_nonce(NOW, &mut entropy(3, 8)).unwrap();
    let k = key(Algorithm::EdDsa, Backend::Portable);
    let mk = |nonce: Option<&str>| {
        let mut p = ProofParams::new("POST", "https://as.example/token");
        p.nonce = nonce.map(str::to_owned);
        let proof = k.proof(&p, NOW, &mut entropy(1, 16)).unwrap();
        request("POST", "https://as.example/token", &proof)
    };
    ch.check(&mk(Some(&nonce)), None, None, NOW + 10).unwrap();
    assert_eq!(
        code(ch.check(&mk(None), None, None, NOW)),
        ("use_dpop_nonce".into(), Some("nonce".into()))
    );
    assert_eq!(code(ch.check(&mk(Some("forged")), None, None, NOW)).0, "use_dpop_nonce");
    // stale: older than nonce_lifetime (the proof's own iat is fine)
    let later = ch.issue_nonce(NOW - 301, &mut entropy(3, 8)).unwrap();
    assert_eq!(code(ch.check(&mk(Some(&later)), None, None, NOW)).0, "use_dpop_nonce");
    // config rules
    let bad = ProofConfig {
        require_nonce: true,
        ..ProofConfig::default()
    };
    assert_eq!(
        ProofChecker::new(bad, Backend::Portable).unwrap_err().field_name(),
        Some("nonce_key")
    );
    let hs = ProofConfig {
        algorithms: vec![Algorithm::Hs256],
        ..ProofConfig::default()
    };
    assert_eq!(
        ProofChecker::new(hs, Backend::Portable).unwrap_err().field_name(),
        Some("algorithms")
    );
}

#[test]
fn client_nonce_book_retries_once() {
    let mut book = DpopNonces::new();
    let as_challenge = HttpResponse::new(400)
        .with_header("DPoP-Nonce", "n1")
        .with_body(r#"{"error":"use_dpop_nonce","error_description":"x"}"#);
    assert!(book.handle_response("https://as.example/token", &as_challenge, false));
    assert_eq!(book.nonce_for("https://as.example/other?x"), Some("n1"));
    assert!(!book.handle_response("https://as.example/token", &as_challenge, true));
    let rs = HttpResponse::new(401)
        .with_header(
            "WWW-Authenticate",
            r#"Bearer realm="x", DPoP algs="ES256", error="use_dpop_nonce""#,
        )
        .with_header("DPoP-Nonce", "n2");
    assert!(book.handle_response("https://rs.example/mcp", &rs, false));
    assert_eq!(book.nonce_for("https://rs.example/mcp"), Some("n2"));
    assert_eq!(book.nonce_for("https://as.example/token"), Some("n1"));
    // a nonce on a success is remembered, no retry
    let ok = HttpResponse::new(200).with_header("DPoP-Nonce", "n3");
    assert!(!book.handle_response("https://rs.example/mcp", &ok, false));
    assert_eq!(book.nonce_for("https://rs.example/x"), Some("n3"));
    // the error of another scheme is not ours
    let bearer = HttpResponse::new(401)
        .with_header("WWW-Authenticate", r#"Bearer error="use_dpop_nonce""#)
        .with_header("DPoP-Nonce", "n4");
    assert!(!book.handle_response("https://rs.example/mcp", &bearer, false));
    assert!(!is_nonce_challenge(
        &HttpResponse::new(401).with_header("WWW-Authenticate", r#"DPoP error="invalid_token""#)
    ));
    assert!(is_nonce_challenge(
        &HttpResponse::new(401).with_header("WWW-Authenticate", "dpop error=use_dpop_nonce")
    ));
}

#[test]
fn token_types_and_binding() {
    assert_eq!(check_token_type("dpop", true, false).unwrap(), TokenScheme::Dpop);
    assert_eq!(
        check_token_type("Bearer", true, false).unwrap_err().field_name(),
        Some("token_type")
    );
    assert_eq!(check_token_type("Bearer", true, true).unwrap(), TokenScheme::Bearer);
    assert!(check_token_type("DPoP", false, false).is_err());
    assert!(check_token_type("mac", false, false).is_err());
    let bound = confirmation("abc");
    let claims = bound.as_object().unwrap();
    assert_eq!(
        check_token_binding(claims, TokenScheme::Dpop).unwrap().as_deref(),
        Some("abc")
    );
    assert_eq!(
        check_token_binding(claims, TokenScheme::Bearer).unwrap_err().code(),
        ErrorCode::InvalidToken
    );
    assert_eq!(
        check_token_binding(&Map::new(), TokenScheme::Dpop)
            .unwrap_err()
            .field_name(),
        Some("cnf")
    );
    assert_eq!(check_token_binding(&Map::new(), TokenScheme::Bearer).unwrap(), None);
}

#[test]
fn challenges_and_token_endpoint_errors() {
    let algs = [Algorithm::Es256, Algorithm::EdDsa];
    assert_eq!(challenge(&algs, None), r#"DPoP algs="ES256 EdDSA""#);
    let e = Error::field(ErrorCode::UseDpopNonce, "nonce", "The proof has no nonce.");
    assert_eq!(
        challenge(&algs, Some(&e)),
        r#"DPoP algs="ES256 EdDSA", error="use_dpop_nonce", error_description="The proof has no nonce.""#
    );
    let r = token_endpoint_error(&e, Some("n"));
    assert_eq!(r.status, 400);
    assert_eq!(r.header("DPoP-Nonce"), Some("n"));
    assert!(is_nonce_challenge(&r));
    let record = ProofRecord {
        jti: "j".into(),
        replay_key: "k".into(),
        expires_at: 0,
        jkt: "t".into(),
        alg: Algorithm::Es256,
        htm: "GET".into(),
        htu: "https://x/".into(),
        iat: 0,
    };
    check_replay(&record, false).unwrap();
    assert_eq!(
        check_replay(&record, true).unwrap_err().code(),
        ErrorCode::InvalidDpopProof
    );
}

#[test]
fn sign_request_sets_both_headers_with_the_servers_nonce() {
    let k = key(Algorithm::Es256, Backend::Portable);
    let mut nonces = DpopNonces::new();
    nonces.nonces.insert("https://rs.example".into(), "n-9".into());
    let mut r = HttpRequest::new("GET", "https://rs.example/r?q=1");
    k.sign_request(&mut r, Some("at"), &nonces, NOW, &mut entropy(2, 16))
        .unwrap();
    assert_eq!(r.header("Authorization"), Some("DPoP at"));
    let (_, c) = crate::jwt::decode_unverified(r.header("dpop").unwrap()).unwrap();
    assert_eq!(c["nonce"], "n-9");
    assert_eq!(c["htu"], "https://rs.example/r");
    let rec = checker(Backend::Portable)
        .check(&r, Some("at"), Some(k.thumbprint()), NOW)
        .unwrap();
    assert_eq!(rec.htm, "GET");
    let mut bad = HttpRequest::new("GET", "https://rs.example/r");
    assert!(k
        .sign_request(&mut bad, Some("a\r\nb"), &nonces, NOW, &mut entropy(2, 16))
        .is_err());
}
