//! An MCP client authorized by [`authcore::mcp::McpAuth`], for the MCP conformance suite.
//!
//! Usage: `authcore-mcp-client <server-url>` (the suite appends the URL). It reads
//! `MCP_CONFORMANCE_SCENARIO`, `MCP_CONFORMANCE_PROTOCOL_VERSION` and, when set,
//! `MCP_CONFORMANCE_CONTEXT` (a pre-registered `client_id`/`client_secret`). It speaks just
//! enough MCP over plain loopback http: for the 2026-07-28 stateless lifecycle every request
//! carries `MCP-Protocol-Version` and `_meta`; for the 2025 revisions it runs the `initialize`
//! handshake first. Then `tools/list` and `tools/call` on the first tool.
//!
//! The browser step is done the way the suite's reference client does it: `GET` the
//! authorization URL without following the redirect, and hand the `Location` to the machine.
//! Exit status 0 when the tool call succeeded, 1 otherwise (the reason on stderr).

mod http;

use std::process::ExitCode;
use std::time::{SystemTime, UNIX_EPOCH};

use authcore::entropy::OsEntropy;
use authcore::http::{HttpRequest, HttpResponse};
use authcore::mcp::{McpAction, McpAuth, McpAuthConfig, PreRegisteredClient};
use serde_json::{json, Value};

/// Where the suite's authorization servers send the browser back (never listened on).
const REDIRECT_URI: &str = "http://localhost:3000/callback";
/// The Client ID Metadata Document URL the suite expects.
const CLIENT_METADATA_URL: &str = "https://conformance-test.local/client-metadata.json";
/// Protocol revisions with the `initialize` handshake.
const STATEFUL: [&str; 4] = ["2024-11-05", "2025-03-26", "2025-06-18", "2025-11-25"];
/// Authorizations one MCP request may go through before the client gives up.
const MAX_ROUNDS: usize = 8;

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

struct Client {
    url: String,
    version: String,
    stateless: bool,
    session: Option<String>,
    auth: McpAuth,
    next_id: u64,
}

impl Client {
    /// Carries out the machine's actions until it is authorized or fails.
    fn drive(&mut self) -> Result<(), String> {
        while let Some(action) = self.auth.poll_action() {
            match action {
                McpAction::Send { transmit, request } => match http::send(&request) {
                    Ok(response) => self.auth.handle_response(transmit, response, now()),
                    Err(e) => {
                        eprintln!("network error for {}: {e}", request.url);
                        self.auth.handle_network_error(transmit, now())
                    }
                }
                .map_err(|e| e.to_json())?,
                McpAction::Authorize { url } => {
                    // The "browser": the suite's authorization endpoint redirects at once.
                    let response = http::send(&HttpRequest::new("GET", url)).map_err(|e| e.to_string())?;
                    let location = response
                        .header("location")
                        .ok_or_else(|| format!("authorization endpoint answered {} without Location", response.status))?
                        .to_owned();
                    self.auth.handle_callback(&location, now()).map_err(|e| e.to_json())?;
                }
                McpAction::NeedsClient { key } => return Err(format!("no client for {}", key.issuer)),
                McpAction::SaveClient { .. } | McpAction::SaveTokens { .. } => {}
                McpAction::Authorized { .. } => return Ok(()),
                McpAction::Failed { error } => return Err(error.to_json()),
            }
        }
        Err("the authorization stopped without a result".into())
    }

    fn post(&mut self, body: &Value) -> Result<HttpResponse, String> {
        for _ in 0..MAX_ROUNDS {
            let mut request = HttpRequest::new("POST", self.url.clone());
            request.set_header("Content-Type", "application/json");
            request.set_header("Accept", "application/json, text/event-stream");
            request.set_header("MCP-Protocol-Version", self.version.clone());
            if let Some(s) = &self.session {
                request.set_header("Mcp-Session-Id", s.clone());
            }
            request.body = Some(body.to_string());
            for (k, v) in self.auth.authorize_request(&request, now()).map_err(|e| e.to_json())? {
                request.set_header(&k, v);
            }
            let response = http::send(&request).map_err(|e| e.to_string())?;
            if response.status == 401 || response.status == 403 {
                self.auth
                    .handle_unauthorized(&response, now(), &mut OsEntropy)
                    .map_err(|e| e.to_json())?;
                self.drive()?;
                continue;
            }
            if response.is_success() {
                self.auth.handle_success();
            }
            return Ok(response);
        }
        Err("too many authorization rounds".into())
    }

    fn request(&mut self, method: &str, mut params: Value) -> Result<Value, String> {
        if self.stateless {
            params["_meta"] = json!({
                "io.modelcontextprotocol/protocolVersion": self.version,
                "io.modelcontextprotocol/clientInfo": {"name": "authcore-mcp-client", "version": "0.1.0"},
                "io.modelcontextprotocol/clientCapabilities": {},
            });
        }
        let id = self.next_id;
        self.next_id += 1;
        let response = self.post(&json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}))?;
        if let Some(s) = response.header("mcp-session-id") {
            self.session = Some(s.to_owned());
        }
        if !response.is_success() {
            return Err(format!("{method}: HTTP {} {}", response.status, response.body));
        }
        let message = read_message(&response).ok_or_else(|| format!("{method}: unreadable response"))?;
        if let Some(error) = message.get("error") {
            return Err(format!("{method}: {error}"));
        }
        Ok(message.get("result").cloned().unwrap_or(Value::Null))
    }

    fn notify(&mut self, method: &str) -> Result<(), String> {
        self.post(&json!({"jsonrpc": "2.0", "method": method}))?;
        Ok(())
    }
}

/// The JSON-RPC message of a JSON or SSE (`text/event-stream`) response.
fn read_message(response: &HttpResponse) -> Option<Value> {
    let body = response.body.trim();
    if let Ok(v) = serde_json::from_str::<Value>(body) {
        return Some(v);
    }
    body.lines()
        .filter_map(|l| l.strip_prefix("data:"))
        .filter_map(|d| serde_json::from_str::<Value>(d.trim()).ok())
        .find(|v| v.get("result").is_some() || v.get("error").is_some())
}

fn run() -> Result<(), String> {
    let url = std::env::args()
        .next_back()
        .filter(|u| u.starts_with("http"))
        .ok_or("usage: authcore-mcp-client <server-url>")?;
    let version = std::env::var("MCP_CONFORMANCE_PROTOCOL_VERSION").unwrap_or_else(|_| "2026-07-28".into());
    let context: Value = std::env::var("MCP_CONFORMANCE_CONTEXT")
        .ok()
        .and_then(|c| serde_json::from_str(&c).ok())
        .unwrap_or(Value::Null);
    let client = context
        .get("client_id")
        .and_then(Value::as_str)
        .map(|id| PreRegisteredClient {
            client_id: id.to_owned(),
            client_secret: context
                .get("client_secret")
                .and_then(Value::as_str)
                .map(authcore::secret::Secret::new),
            token_endpoint_auth_method: None,
            issuer: None,
        });
    let auth = McpAuth::new(McpAuthConfig {
        server_url: url.clone(),
        redirect_uri: REDIRECT_URI.into(),
        client_name: "authcore-mcp-client".into(),
        client,
        client_metadata_url: Some(CLIENT_METADATA_URL.into()),
        ..McpAuthConfig::default()
    })
    .map_err(|e| e.to_json())?;
    let stateless = !STATEFUL.contains(&version.as_str());
    let mut c = Client {
        url,
        version: version.clone(),
        stateless,
        session: None,
        auth,
        next_id: 1,
    };
    if !stateless {
        let result = c.request(
            "initialize",
            json!({
                "protocolVersion": version,
                "capabilities": {},
                "clientInfo": {"name": "authcore-mcp-client", "version": "0.1.0"},
            }),
        )?;
        if let Some(v) = result.get("protocolVersion").and_then(Value::as_str) {
            c.version = v.to_owned();
        }
        c.notify("notifications/initialized")?;
    }
    let tools = c.request("tools/list", json!({}))?;
    let name = tools
        .get("tools")
        .and_then(|t| t.get(0))
        .and_then(|t| t.get("name"))
        .and_then(Value::as_str)
        .map(str::to_owned);
    if let Some(name) = name {
        c.request("tools/call", json!({"name": name, "arguments": {}}))?;
    }
    Ok(())
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("authcore-mcp-client: {e}");
            ExitCode::FAILURE
        }
    }
}
