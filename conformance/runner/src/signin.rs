//! The `signin.*` operations: desktop sign-in codes, the desktop app's machine, magic links.

use authcore::device::EntryLimiter;
use authcore::http::HttpRequest;
use authcore::session::SessionManager;
use authcore::signin::{
    desktop_code_hash, magic_link_hash, DesktopClient, DesktopClientConfig, DesktopCode, DesktopExchangeRequest,
    DesktopSignIn, DesktopSignInConfig, MagicLinkConfig, MagicLinkRecord, MagicLinks,
};
use serde_json::{json, Value};

use authcore::profile::Component;
use serde::de::DeserializeOwned;

use crate::{arg, entropy, opt, out, OpResult};

/// A component's settings from the step's `config` (absent: defaults) and `profile`.
fn profiled<T: DeserializeOwned>(input: &Value, component: Component) -> Result<authcore::Result<T>, String> {
    let mut input = input.clone();
    if input.get("config").map_or(true, Value::is_null) {
        input["config"] = json!({});
    }
    crate::settings(&input, "config", component)
}

/// The case objects these ops keep.
#[derive(Default)]
pub(crate) struct SigninObjects {
    desktop: Option<DesktopSignIn>,
    client: Option<DesktopClient>,
    magic: Option<MagicLinks>,
}

pub(crate) fn dispatch(objects: &mut SigninObjects, op: &str, input: &Value) -> OpResult {
    let now = || arg::<i64>(input, "now");
    Ok(match op {
        "signin.desktop.new" => profiled::<DesktopSignInConfig>(input, Component::DesktopSignIn)?
            .and_then(DesktopSignIn::new)
            .map(|d| {
                objects.desktop = Some(d);
                json!({})
            }),
        "signin.desktop.hash" => Ok(json!({"hash": desktop_code_hash(&arg::<String>(input, "code")?)})),
        "signin.desktop.load" => DesktopCode::from_json(&arg::<String>(input, "text")?).map(|r| out(&r)),
        "signin.desktop.parse_exchange" => {
            DesktopExchangeRequest::from_request(&arg::<HttpRequest>(input, "request")?).map(|r| out(&r))
        }
        op if op.starts_with("signin.desktop.") => {
            let d = objects
                .desktop
                .as_ref()
                .ok_or("no desktop sign-in: call signin.desktop.new first")?;
            let record: Option<DesktopCode> = opt(input, "record")?;
            match op {
                "signin.desktop.issue" => {
                    let email: Option<String> = opt(input, "email")?;
                    let state: Option<String> = opt(input, "state")?;
                    d.issue(
                        &arg::<String>(input, "user_id")?,
                        email.as_deref(),
                        &arg::<String>(input, "code_challenge")?,
                        &arg::<String>(input, "redirect_uri")?,
                        state.as_deref(),
                        now()?,
                        &mut entropy(input)?,
                    )
                    .map(|i| out(&i))
                }
                "signin.desktop.redirect_allowed" => {
                    Ok(json!({"allowed": d.redirect_allowed(&arg::<String>(input, "redirect_uri")?)}))
                }
                "signin.desktop.redeem" => d
                    .redeem(
                        record.as_ref(),
                        &arg::<String>(input, "code")?,
                        &arg::<String>(input, "code_verifier")?,
                        &arg::<String>(input, "redirect_uri")?,
                        now()?,
                    )
                    .map(|r| out(&r)),
                "signin.desktop.exchange" => {
                    let sessions = match SessionManager::new(opt(input, "session_config")?.unwrap_or_default()) {
                        Ok(s) => s,
                        Err(e) => return Ok(Err(e)),
                    };
                    let request: DesktopExchangeRequest = arg(input, "request")?;
                    Ok(out(&d.exchange(
                        &sessions,
                        record.as_ref(),
                        &request,
                        now()?,
                        &mut entropy(input)?,
                    )))
                }
                _ => return Err(format!("unknown operation `{op}`")),
            }
        }
        "signin.client.new" => profiled::<DesktopClientConfig>(input, Component::DesktopClient)?
            .and_then(DesktopClient::new)
            .map(|c| {
                objects.client = Some(c);
                json!({})
            }),
        "signin.client.restore" => DesktopClient::restore(&arg::<Value>(input, "snapshot")?).map(|mut c| {
            let actions = out(&c.actions());
            objects.client = Some(c);
            json!({ "actions": actions })
        }),
        op if op.starts_with("signin.client.") => {
            let c = objects
                .client
                .as_mut()
                .ok_or("no desktop client: call signin.client.new first")?;
            let r = match op {
                "signin.client.start" => c.start(now()?, &mut entropy(input)?),
                "signin.client.handle_redirect" => c.handle_redirect(&arg::<String>(input, "redirect")?, now()?),
                "signin.client.handle_response" => {
                    c.handle_response(arg(input, "transmit")?, arg(input, "response")?, now()?)
                }
                "signin.client.handle_network_error" => c.handle_network_error(arg(input, "transmit")?, now()?),
                "signin.client.handle_timeout" => c.handle_timeout(now()?),
                "signin.client.cancel" => {
                    c.cancel();
                    Ok(())
                }
                "signin.client.status" => return Ok(Ok(out(&c.status(now()?)))),
                "signin.client.snapshot" => return Ok(Ok(c.snapshot())),
                _ => return Err(format!("unknown operation `{op}`")),
            };
            r.map(|()| json!({ "actions": out(&c.actions()) }))
        }
        "signin.magic.new" => profiled::<MagicLinkConfig>(input, Component::MagicLinks)?
            .and_then(MagicLinks::new)
            .map(|m| {
                objects.magic = Some(m);
                json!({})
            }),
        "signin.magic.hash" => Ok(json!({"hash": magic_link_hash(&arg::<String>(input, "token")?)})),
        "signin.magic.load" => MagicLinkRecord::from_json(&arg::<String>(input, "text")?).map(|r| out(&r)),
        op if op.starts_with("signin.magic.") => {
            let m = objects
                .magic
                .as_ref()
                .ok_or("no magic links: call signin.magic.new first")?;
            match op {
                "signin.magic.issue" => {
                    let limiter: Option<EntryLimiter> = opt(input, "limiter")?;
                    m.issue(
                        &arg::<String>(input, "email")?,
                        limiter.as_ref(),
                        now()?,
                        &mut entropy(input)?,
                    )
                    .map(|i| out(&i))
                }
                "signin.magic.redeem" => {
                    let record: Option<MagicLinkRecord> = opt(input, "record")?;
                    m.redeem(record.as_ref(), &arg::<String>(input, "token")?, now()?)
                        .map(|r| out(&r))
                }
                _ => return Err(format!("unknown operation `{op}`")),
            }
        }
        _ => return Err(format!("unknown operation `{op}`")),
    })
}
