//! The `challenge.*` and `mcp.*` operations: `WWW-Authenticate` parsing, the MCP discovery
//! rules and the MCP authorization client machine.

use authcore::challenge::{parse_challenges, ResourceChallenge};
use authcore::mcp::discovery::{
    as_metadata_urls, choose_scopes, prm_urls, resource_matches, union_scopes, ProtectedResourceMetadata,
};
use authcore::mcp::{choose_auth_method, McpAuth, McpAuthConfig, McpClient};
use serde_json::{json, Value};

use crate::{arg, entropy, opt, out, OpResult};

/// The case object these ops keep (`mcp_client`).
#[derive(Default)]
pub(crate) struct McpObjects {
    client: Option<McpAuth>,
}

fn actions_and_status(m: &mut McpAuth) -> Value {
    json!({ "actions": out(&m.actions()), "status": out(&m.status()) })
}

pub(crate) fn dispatch(objects: &mut McpObjects, op: &str, input: &Value) -> OpResult {
    let now = || arg::<i64>(input, "now");
    Ok(match op {
        "challenge.parse" => {
            let headers: Vec<String> = arg(input, "headers")?;
            let refs: Vec<&str> = headers.iter().map(String::as_str).collect();
            let challenges = parse_challenges(&refs);
            Ok(json!({
                "challenges": out(&challenges),
                "resource": out(&ResourceChallenge::find(&challenges)),
            }))
        }
        "mcp.prm_urls" => prm_urls(
            &arg::<String>(input, "server_url")?,
            opt::<String>(input, "resource_metadata")?.as_deref(),
        )
        .map(|urls| json!({ "urls": urls })),
        "mcp.as_metadata_urls" => {
            as_metadata_urls(&arg::<String>(input, "issuer")?).map(|urls| json!({ "urls": urls }))
        }
        "mcp.resource_matches" => Ok(json!({
            "matches": resource_matches(&arg::<String>(input, "resource")?, &arg::<String>(input, "server_url")?)
        })),
        "mcp.choose_scopes" => {
            let chosen = choose_scopes(
                opt::<String>(input, "challenge_scope")?.as_deref(),
                opt::<Vec<String>>(input, "scopes_supported")?.as_deref(),
            );
            let previous: Vec<String> = opt(input, "previous")?.unwrap_or_default();
            Ok(json!({ "scopes": union_scopes(&previous, &chosen) }))
        }
        "mcp.choose_auth_method" => choose_auth_method(
            &arg::<McpClient>(input, "client")?,
            opt::<Vec<String>>(input, "supported")?.as_deref(),
        )
        .map(|m| json!({ "method": out(&m) })),
        "mcp.prm_parse" => ProtectedResourceMetadata::parse(&arg(input, "response")?).map(|p| out(&p)),
        "mcp.client.new" => McpAuth::new(arg::<McpAuthConfig>(input, "config")?).map(|mut m| {
            let v = actions_and_status(&mut m);
            objects.client = Some(m);
            v
        }),
        "mcp.client.restore" => McpAuth::restore(&arg::<Value>(input, "snapshot")?).map(|m| {
            let v = json!({ "status": out(&m.status()) });
            objects.client = Some(m);
            v
        }),
        op if op.starts_with("mcp.client.") => {
            let m = objects
                .client
                .as_mut()
                .ok_or("no MCP client: call mcp.client.new first")?;
            let r = match op {
                "mcp.client.handle_unauthorized" => {
                    m.handle_unauthorized(&arg(input, "response")?, now()?, &mut entropy(input)?)
                }
                "mcp.client.handle_response" => {
                    m.handle_response(arg(input, "transmit")?, arg(input, "response")?, now()?)
                }
                "mcp.client.handle_network_error" => m.handle_network_error(arg(input, "transmit")?, now()?),
                "mcp.client.handle_callback" => m.handle_callback(&arg::<String>(input, "callback")?, now()?),
                "mcp.client.provide_client" => m.provide_client(arg(input, "client")?, now()?),
                "mcp.client.resume" => m.resume(now()?),
                "mcp.client.handle_success" => {
                    m.handle_success();
                    Ok(())
                }
                "mcp.client.add_client" => {
                    m.add_client(arg(input, "key")?, arg(input, "client")?);
                    Ok(())
                }
                "mcp.client.add_tokens" => {
                    m.add_tokens(arg(input, "key")?, arg(input, "tokens")?);
                    Ok(())
                }
                "mcp.client.authorize_request" => {
                    return Ok(m
                        .authorize_request(&arg(input, "request")?, now()?)
                        .map(|h| json!({ "headers": h })))
                }
                "mcp.client.status" => return Ok(Ok(out(&m.status()))),
                "mcp.client.snapshot" => return Ok(Ok(m.snapshot())),
                _ => return Err(format!("unknown operation `{op}`")),
            };
            r.map(|()| actions_and_status(m))
        }
        _ => return Err(format!("unknown operation `{op}`")),
    })
}
