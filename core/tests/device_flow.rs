//! The device-flow client driven against the device-flow authority in one process, with a
//! simulated clock and an in-memory compare-and-swap store.

use std::collections::BTreeMap;

use authcore::device::{
    device_code_hash, AuthorizationRequest, DeviceAction, DeviceAuthority, DeviceClient, DeviceClientConfig,
    DeviceGrant, DeviceServerConfig, PollResult, TokenRequest,
};
use authcore::entropy::OsEntropy;
use authcore::error::ErrorCode;
use authcore::http::{HttpRequest, HttpResponse};
use proptest::prelude::*;

/// A toy authorization server: grants keyed by device-code hash, stored with CAS.
struct Server {
    authority: DeviceAuthority,
    grants: BTreeMap<String, DeviceGrant>,
    tokens_issued: BTreeMap<String, u32>,
}

impl Server {
    fn new() -> Self {
        let config = DeviceServerConfig {
            verification_uri: "https://auth.example.com/device".into(),
            ..Default::default()
        };
        Self {
            authority: DeviceAuthority::new(config).unwrap(),
            grants: BTreeMap::new(),
            tokens_issued: BTreeMap::new(),
        }
    }

    /// Compare-and-swap: the stored revision must be one below the new record's.
    fn store(&mut self, record: DeviceGrant) -> bool {
        let current = self.grants.get(&record.device_code_hash).map(|g| g.revision);
        if current.map_or(record.revision == 1, |r| r + 1 == record.revision) {
            self.grants.insert(record.device_code_hash.clone(), record);
            true
        } else {
            false
        }
    }

    fn by_user_code(&self, typed: &str) -> Option<DeviceGrant> {
        let key = self.authority.normalize_user_code(typed).ok()?;
        self.grants.values().find(|g| g.user_code == key).cloned()
    }

    fn handle(&mut self, request: &HttpRequest, now: i64) -> HttpResponse {
        let body = request.body.clone().unwrap_or_default();
        if request.url.ends_with("/api/auth/device/") {
            let req = AuthorizationRequest::from_form(&body).unwrap();
            let issued = self.authority.issue(&req, now, &mut OsEntropy).unwrap();
            assert!(self.store(issued.record));
            return HttpResponse::new(200).with_body(serde_json::to_string(&issued.response).unwrap());
        }
        let req = match TokenRequest::from_form(&body, None) {
            Ok(r) => r,
            Err(e) => return HttpResponse::new(400).with_body(authcore::oauth::error_body(&e).to_string()),
        };
        let hash = device_code_hash(req.device_code.expose());
        let outcome = self.authority.poll(self.grants.get(&hash), &req, now);
        if let Some(record) = outcome.record.clone() {
            assert!(self.store(record), "no concurrent writer in this test");
        }
        match outcome.result {
            PollResult::Approved { user_id, .. } => {
                *self.tokens_issued.entry(hash).or_default() += 1;
                HttpResponse::new(200).with_body(format!(
                    r#"{{"access_token":"at-{user_id}","refresh_token":"rt-{user_id}","token_type":"Bearer","expires_in":3600}}"#
                ))
            }
            PollResult::Error { .. } => outcome.response.unwrap(),
        }
    }
}

enum Person {
    Approves { after: i64 },
    Denies { after: i64 },
    Mistypes { times: u32 },
}

/// Runs the whole flow; returns the client's final action and the prompts/times seen.
fn run(person: Person) -> (DeviceAction, Server, Vec<i64>) {
    let mut server = Server::new();
    let config = DeviceClientConfig::new("https://auth.example.com", "cli");
    let mut client = DeviceClient::new(config).unwrap();
    let start = 1_700_000_000;
    let mut now = start;
    let mut polls = Vec::new();
    let mut user_code = None;
    let mut acted = false;
    client.start(now).unwrap();
    loop {
        let Some(action) = client.poll_action() else {
            panic!("the client stalled")
        };
        match action {
            DeviceAction::Send { transmit, request } => {
                if request.url.ends_with("/token/") {
                    polls.push(now - start);
                }
                let response = server.handle(&request, now);
                client.handle_response(transmit, response, now).unwrap();
            }
            DeviceAction::Prompt(p) => user_code = Some(p.user_code),
            DeviceAction::Wait { until } => {
                // An early wake-up never produces a request.
                client.handle_timeout(until - 1).unwrap();
                assert!(matches!(client.poll_action(), Some(DeviceAction::Wait { .. })));
                now = until;
                let code = user_code.clone().unwrap();
                if !acted {
                    match person {
                        Person::Approves { after } | Person::Denies { after } if now - start >= after => {
                            acted = true;
                            let grant = server.by_user_code(&code.to_lowercase()).unwrap();
                            let next = if matches!(person, Person::Approves { .. }) {
                                server.authority.approve(&grant, "user-1", None, now).unwrap()
                            } else {
                                server.authority.deny(&grant, now).unwrap()
                            };
                            assert!(server.store(next));
                        }
                        Person::Mistypes { times } => {
                            acted = true;
                            let grant = server.by_user_code(&code).unwrap();
                            let mut g = grant;
                            for _ in 0..times {
                                let check = server.authority.check_user_code(&g, "ZZZZ-ZZZZ", now);
                                assert!(!check.ok);
                                g = check.record.unwrap();
                                assert!(server.store(g.clone()));
                            }
                        }
                        _ => {}
                    }
                }
                client.handle_timeout(now).unwrap();
            }
            DeviceAction::SaveTokens { stored, .. } => {
                assert_eq!(stored.tokens.access_token.expose(), "at-user-1");
            }
            end @ (DeviceAction::Done | DeviceAction::Failed { .. }) => return (end, server, polls),
        }
    }
}

#[test]
fn approval_yields_tokens_once() {
    let (end, server, polls) = run(Person::Approves { after: 12 });
    assert_eq!(end, DeviceAction::Done);
    // Polls at 5 and 10 are pending; the approval lands at 15 and that poll succeeds.
    assert_eq!(polls, vec![5, 10, 15]);
    assert_eq!(server.tokens_issued.values().copied().collect::<Vec<_>>(), vec![1]);
    // A replayed poll for the spent code gets invalid_grant.
    let grant = server.grants.values().next().unwrap();
    assert_eq!(grant.status, authcore::device::GrantStatus::Consumed);
}

#[test]
fn denial_fails_with_access_denied() {
    let (end, server, polls) = run(Person::Denies { after: 7 });
    let DeviceAction::Failed { error } = end else { panic!() };
    assert_eq!(error.code(), ErrorCode::AccessDenied);
    assert_eq!(polls, vec![5, 10]);
    assert!(server.tokens_issued.is_empty());
}

#[test]
fn lockout_after_wrong_codes_denies_the_device() {
    let (end, server, _) = run(Person::Mistypes { times: 5 });
    let DeviceAction::Failed { error } = end else { panic!() };
    assert_eq!(error.code(), ErrorCode::AccessDenied);
    assert_eq!(server.grants.values().next().unwrap().failed_attempts, 5);
}

#[test]
fn nobody_answers_and_the_code_expires_locally() {
    let (end, _, polls) = run(Person::Approves { after: i64::MAX });
    let DeviceAction::Failed { error } = end else { panic!() };
    assert_eq!(error.code(), ErrorCode::ExpiredToken);
    // 600 s at 5 s intervals: polls at 5, 10, …, 595, then the local deadline ends it.
    assert_eq!(polls.len(), 119);
    assert_eq!(polls.last(), Some(&595));
}

#[derive(Debug, Clone)]
enum Op {
    Poll {
        dt: u8,
        right_code: bool,
        right_client: bool,
    },
    Approve {
        dt: u8,
    },
    Deny {
        dt: u8,
    },
    Check {
        dt: u8,
        right: bool,
    },
    Replay,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (any::<u8>(), any::<bool>(), any::<bool>()).prop_map(|(dt, right_code, right_client)| Op::Poll { dt, right_code, right_client }),
        1 => any::<u8>().prop_map(|dt| Op::Approve { dt }),
        1 => any::<u8>().prop_map(|dt| Op::Deny { dt }),
        1 => (any::<u8>(), any::<bool>()).prop_map(|(dt, right)| Op::Check { dt, right }),
        1 => Just(Op::Replay),
    ]
}

proptest! {
    /// Whatever happens, a grant yields tokens at most once, and nothing panics. Two server
    /// processes race on every poll with stale copies; compare-and-swap settles it.
    #[test]
    fn server_never_issues_twice(ops in proptest::collection::vec(op(), 1..60)) {
        let mut server = Server::new();
        let mut now = 1_700_000_000i64;
        let issued = server.authority.issue(&AuthorizationRequest { client_id: "cli".into(), scope: None }, now, &mut OsEntropy).unwrap();
        let code = issued.response.device_code.expose().to_owned();
        let hash = issued.record.device_code_hash.clone();
        server.store(issued.record);
        let mut successes = 0;
        let mut stale: Option<DeviceGrant> = None;
        for op in ops {
            let current = server.grants.get(&hash).cloned().unwrap();
            match op {
                Op::Poll { dt, right_code, right_client } => {
                    now += i64::from(dt % 16);
                    let req = TokenRequest {
                        grant_type: authcore::device::DEVICE_CODE_GRANT_TYPE.into(),
                        device_code: authcore::secret::Secret::new(if right_code { code.clone() } else { "x".into() }),
                        client_id: if right_client { "cli".into() } else { "other".into() },
                    };
                    // Two processes read the same revision and both try.
                    for _ in 0..2 {
                        let out = server.authority.poll(Some(&current), &req, now);
                        let stored = out.record.map(|r| server.store(r)).unwrap_or(true);
                        if stored && matches!(out.result, PollResult::Approved { .. }) {
                            successes += 1;
                        }
                    }
                    stale = Some(current);
                }
                Op::Approve { dt } => {
                    now += i64::from(dt % 64);
                    if let Ok(next) = server.authority.approve(&current, "u", None, now) {
                        server.store(next);
                    }
                }
                Op::Deny { dt } => {
                    now += i64::from(dt % 64);
                    if let Ok(next) = server.authority.deny(&current, now) {
                        server.store(next);
                    }
                }
                Op::Check { dt, right } => {
                    now += i64::from(dt % 64);
                    let typed = if right { current.user_code.clone() } else { "BBBBBBBB".into() };
                    if let Some(next) = server.authority.check_user_code(&current, &typed, now).record {
                        server.store(next);
                    }
                }
                Op::Replay => {
                    // A process acting on an old copy can never store over a newer record.
                    if let Some(old) = stale.take() {
                        let req = TokenRequest {
                            grant_type: authcore::device::DEVICE_CODE_GRANT_TYPE.into(),
                            device_code: authcore::secret::Secret::new(code.clone()),
                            client_id: "cli".into(),
                        };
                        let out = server.authority.poll(Some(&old), &req, now);
                        let stored = out.record.map(|r| server.store(r)).unwrap_or(false);
                        if stored && matches!(out.result, PollResult::Approved { .. }) {
                            successes += 1;
                        }
                    }
                }
            }
        }
        prop_assert!(successes <= 1, "tokens issued {successes} times");
    }

    /// Any sequence of responses, timeouts and errors: no panic, and every call either
    /// succeeds or fails with a catalog error.
    #[test]
    fn client_survives_any_input(steps in proptest::collection::vec((0u8..6, any::<u16>(), ".{0,40}", 0i64..100), 1..40)) {
        let mut client = DeviceClient::new(DeviceClientConfig::new("https://a.example", "cli")).unwrap();
        let mut now = 0;
        let mut last = 1;
        for (kind, status, body, dt) in steps {
            now += dt;
            let bodies = [
                body.clone(),
                r#"{"error":"authorization_pending"}"#.to_owned(),
                r#"{"error":"slow_down"}"#.to_owned(),
                r#"{"device_code":"d","user_code":"u","verification_uri":"https://x","expires_in":30}"#.to_owned(),
                r#"{"access_token":"a","token_type":"Bearer"}"#.to_owned(),
            ];
            let r = match kind {
                0 => client.start(now),
                1 => client.handle_timeout(now),
                2 => client.handle_network_error(last, now),
                3 => { client.cancel(); Ok(()) }
                _ => client.handle_response(last, HttpResponse::new(status % 600).with_body(bodies[usize::from(status) % bodies.len()].clone()), now),
            };
            let _ = r;
            while let Some(a) = client.poll_action() {
                if let DeviceAction::Send { transmit, .. } = a {
                    last = transmit;
                }
            }
        }
    }
}

/// A cancel voids what was queued and not yet taken: no request goes out after it.
#[test]
fn cancel_drops_queued_sends() {
    let mut client = DeviceClient::new(DeviceClientConfig::new("https://auth.example.com", "cli")).unwrap();
    client.start(1_700_000_000).unwrap();
    client.cancel();
    let Some(DeviceAction::Failed { error }) = client.poll_action() else {
        panic!("a queued send survived the cancel")
    };
    assert_eq!(error.code(), ErrorCode::Cancelled);
    assert!(client.poll_action().is_none());
}
