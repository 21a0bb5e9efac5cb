//! The `registration.*` and `authflow.*` operations: dynamic client registration and auth
//! sessions.

use std::collections::BTreeMap;

use authcore::authflow::{AuthSession, AuthSessionConfig, Flow};
use authcore::broker::Provider;
use authcore::registration::{registration_request, registration_response, ClientMetadata};
use serde_json::{json, Value};

use crate::{arg, entropy, opt, out, OpResult};

/// The case object these ops keep.
#[derive(Default)]
pub(crate) struct AuthflowObjects {
    session: Option<AuthSession>,
}

fn actions_and_status(s: &mut AuthSession, now: i64) -> Value {
    json!({ "actions": out(&s.actions()), "status": out(&s.status(now)) })
}

pub(crate) fn dispatch(objects: &mut AuthflowObjects, op: &str, input: &Value) -> OpResult {
    let now = || arg::<i64>(input, "now");
    Ok(match op {
        "registration.request" => registration_request(
            &arg::<String>(input, "endpoint")?,
            &arg::<ClientMetadata>(input, "metadata")?,
            opt::<bool>(input, "allow_loopback_http")?.unwrap_or(false),
        )
        .map(|r| out(&r)),
        "registration.response" => registration_response(&arg(input, "response")?, now()?).map(|c| out(&c)),
        "authflow.start" => {
            let provider: Provider = arg(input, "provider")?;
            let flow: Flow = arg(input, "flow")?;
            let d = AuthSessionConfig::default();
            let config = AuthSessionConfig {
                redirect_uri: opt(input, "redirect_uri")?.or(d.redirect_uri),
                connection_name: opt(input, "connection_name")?.unwrap_or(d.connection_name),
                client_name: opt(input, "client_name")?.unwrap_or(d.client_name),
                ttl: opt(input, "ttl")?.unwrap_or(d.ttl),
                allow_loopback_http: opt(input, "allow_loopback_http")?.unwrap_or(false),
            };
            let at = now()?;
            AuthSession::start(&provider, flow, config, at, &mut entropy(input)?).map(|mut s| {
                let v = actions_and_status(&mut s, at);
                objects.session = Some(s);
                v
            })
        }
        "authflow.restore" => {
            let at = now()?;
            AuthSession::restore(&arg::<Value>(input, "snapshot")?).map(|s| {
                let v = json!({ "status": out(&s.status(at)) });
                objects.session = Some(s);
                v
            })
        }
        op if op.starts_with("authflow.") => {
            let s = objects
                .session
                .as_mut()
                .ok_or("no auth session: call authflow.start first")?;
            let at = now();
            let r = match op {
                "authflow.handle_response" => s.handle_response(arg(input, "transmit")?, arg(input, "response")?, at?),
                "authflow.handle_network_error" => s.handle_network_error(arg(input, "transmit")?, at?),
                "authflow.handle_timeout" => s.handle_timeout(at?),
                "authflow.handle_callback" => s.handle_callback(&arg::<String>(input, "callback")?, at?),
                "authflow.submit_input" => s.submit_input(&arg::<BTreeMap<String, String>>(input, "values")?, at?),
                "authflow.resume" => s.resume(at?),
                "authflow.status" => return Ok(Ok(out(&s.status(at?)))),
                "authflow.snapshot" => return Ok(Ok(s.snapshot())),
                _ => return Err(format!("unknown operation `{op}`")),
            };
            let at = now()?;
            r.map(|()| actions_and_status(s, at))
        }
        _ => return Err(format!("unknown operation `{op}`")),
    })
}
