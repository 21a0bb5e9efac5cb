//! `challenge` and `mcp`: the `WWW-Authenticate` parser and the MCP authorization client
//! machine, as in `bindings-node/js/NATIVE.md` (JSON text in and out). Conversions only; the
//! rules are the core's (`authcore::challenge`, `authcore::mcp`).

use authcore::challenge::{self, Challenge, ResourceChallenge};
use authcore::http::{HttpRequest, HttpResponse};
use authcore::mcp::discovery::{self, ProtectedResourceMetadata};
use authcore::mcp::{self as core_mcp, CredentialKey, McpAuth as CoreMcpAuth, McpAuthConfig, McpClient};
use authcore::tokens::TokenSet;
use serde_json::Value;
use wasm_bindgen::prelude::*;

use super::{from_json, int, json_or_null, opt_json, parse_value, rng, to_json, uint, Core, R};

/// Every challenge in the `WWW-Authenticate` header values (JSON array): JSON array.
#[wasm_bindgen(js_name = parseChallenges)]
pub fn parse_challenges(headers_json: &str) -> R<String> {
    let headers: Vec<String> = from_json(headers_json, "headers")?;
    let refs: Vec<&str> = headers.iter().map(String::as_str).collect();
    to_json(&challenge::parse_challenges(&refs))
}

/// The first `Bearer` (else `DPoP`) challenge of parsed challenges: JSON or `null`.
#[wasm_bindgen(js_name = resourceChallenge)]
pub fn resource_challenge(challenges_json: &str) -> R<String> {
    let c: Vec<Challenge> = from_json(challenges_json, "challenges")?;
    to_json(&ResourceChallenge::find(&c))
}

/// The protected resource metadata URLs to try, in order (JSON array).
#[wasm_bindgen(js_name = mcpPrmUrls)]
pub fn mcp_prm_urls(server_url: &str, resource_metadata: Option<String>) -> R<String> {
    to_json(&discovery::prm_urls(server_url, resource_metadata.as_deref()).js()?)
}

/// The authorization-server metadata URLs to try for `issuer`, in order (JSON array).
#[wasm_bindgen(js_name = mcpAsMetadataUrls)]
pub fn mcp_as_metadata_urls(issuer: &str) -> R<String> {
    to_json(&discovery::as_metadata_urls(issuer).js()?)
}

/// Whether a resource metadata document's `resource` fits the MCP server URL.
#[wasm_bindgen(js_name = mcpResourceMatches)]
pub fn mcp_resource_matches(resource: &str, server_url: &str) -> bool {
    discovery::resource_matches(resource, server_url)
}

/// The scopes to request (JSON array).
#[wasm_bindgen(js_name = mcpChooseScopes)]
pub fn mcp_choose_scopes(challenge_scope: Option<String>, scopes_supported_json: Option<String>) -> R<String> {
    let s: Option<Vec<String>> = opt_json(scopes_supported_json, "scopesSupported")?;
    to_json(&discovery::choose_scopes(challenge_scope.as_deref(), s.as_deref()))
}

/// `previous` followed by the scopes of `chosen` not in it (JSON arrays).
#[wasm_bindgen(js_name = mcpUnionScopes)]
pub fn mcp_union_scopes(previous_json: &str, chosen_json: &str) -> R<String> {
    let p: Vec<String> = from_json(previous_json, "previous")?;
    let c: Vec<String> = from_json(chosen_json, "chosen")?;
    to_json(&discovery::union_scopes(&p, &c))
}

/// The token endpoint authentication method (JSON string) for a client (JSON McpClient).
#[wasm_bindgen(js_name = mcpChooseAuthMethod)]
pub fn mcp_choose_auth_method(client_json: &str, supported_json: Option<String>) -> R<String> {
    let c: McpClient = from_json(client_json, "client")?;
    let s: Option<Vec<String>> = opt_json(supported_json, "supported")?;
    to_json(&core_mcp::choose_auth_method(&c, s.as_deref()).js()?)
}

/// Reads a protected resource metadata response (JSON HttpResponse): JSON document.
#[wasm_bindgen(js_name = mcpParseProtectedResourceMetadata)]
pub fn mcp_parse_protected_resource_metadata(response_json: &str) -> R<String> {
    let r: HttpResponse = from_json(response_json, "response")?;
    to_json(&ProtectedResourceMetadata::parse(&r).js()?)
}

/// The Client ID Metadata Document a client hosts at its `client_id` URL (JSON).
#[wasm_bindgen(js_name = mcpClientMetadataDocument)]
pub fn mcp_client_metadata_document(client_id: &str, client_name: &str, redirect_uris_json: &str) -> R<String> {
    let r: Vec<String> = from_json(redirect_uris_json, "redirectUris")?;
    to_json(&core_mcp::client_metadata_document(client_id, client_name, &r).js()?)
}

/// Checks a Client ID Metadata Document (JSON) fetched from `client_id`.
#[wasm_bindgen(js_name = mcpValidateClientMetadataDocument)]
pub fn mcp_validate_client_metadata_document(client_id: &str, document_json: &str) -> R<()> {
    let d: Value = parse_value(document_json, "document")?;
    core_mcp::validate_client_metadata_document(client_id, &d).js()
}

/// The MCP authorization client machine.
#[wasm_bindgen]
pub struct McpAuth {
    inner: CoreMcpAuth,
}

#[wasm_bindgen]
impl McpAuth {
    /// A machine for McpAuthConfig (JSON).
    #[wasm_bindgen(constructor)]
    pub fn new(config_json: &str) -> R<McpAuth> {
        let c: McpAuthConfig = from_json(config_json, "config")?;
        Ok(Self {
            inner: CoreMcpAuth::new(c).js()?,
        })
    }

    /// Rebuilds a machine from `snapshot()`.
    pub fn restore(snapshot_json: &str) -> R<McpAuth> {
        let s: Value = parse_value(snapshot_json, "snapshot")?;
        Ok(Self {
            inner: CoreMcpAuth::restore(&s).js()?,
        })
    }

    /// The configuration (JSON).
    pub fn config(&self) -> R<String> {
        to_json(self.inner.config())
    }

    /// A client stored in an earlier run (JSON CredentialKey, JSON McpClient).
    #[wasm_bindgen(js_name = addClient)]
    pub fn add_client(&mut self, key_json: &str, client_json: &str) -> R<()> {
        let k: CredentialKey = from_json(key_json, "key")?;
        let c: McpClient = from_json(client_json, "client")?;
        self.inner.add_client(k, c);
        Ok(())
    }

    /// Tokens stored in an earlier run (JSON CredentialKey, JSON TokenSet).
    #[wasm_bindgen(js_name = addTokens)]
    pub fn add_tokens(&mut self, key_json: &str, tokens_json: &str) -> R<()> {
        let k: CredentialKey = from_json(key_json, "key")?;
        let t: TokenSet = from_json(tokens_json, "tokens")?;
        self.inner.add_tokens(k, t);
        Ok(())
    }

    /// The headers to add to an MCP request (JSON HttpRequest): JSON object.
    #[wasm_bindgen(js_name = authorizeRequest)]
    pub fn authorize_request(&self, request_json: &str, now: f64) -> R<String> {
        let r: HttpRequest = from_json(request_json, "request")?;
        to_json(&self.inner.authorize_request(&r, int(now, "now")?).js()?)
    }

    /// An MCP request succeeded.
    #[wasm_bindgen(js_name = handleSuccess)]
    pub fn handle_success(&mut self) {
        self.inner.handle_success();
    }

    /// The MCP server answered 401, or 403 `insufficient_scope` (JSON HttpResponse).
    #[wasm_bindgen(js_name = handleUnauthorized)]
    pub fn handle_unauthorized(&mut self, response_json: &str, now: f64, entropy: Option<Vec<u8>>) -> R<()> {
        let r: HttpResponse = from_json(response_json, "response")?;
        self.inner
            .handle_unauthorized(&r, int(now, "now")?, &mut rng(entropy))
            .js()
    }

    /// Reports the response to a `send` action.
    #[wasm_bindgen(js_name = handleResponse)]
    pub fn handle_response(&mut self, transmit: f64, response_json: &str, now: f64) -> R<()> {
        let transmit = uint(transmit, "transmit")?;
        let r: HttpResponse = from_json(response_json, "response")?;
        self.inner.handle_response(transmit, r, int(now, "now")?).js()
    }

    /// Reports a network failure of a `send` action.
    #[wasm_bindgen(js_name = handleNetworkError)]
    pub fn handle_network_error(&mut self, transmit: f64, now: f64) -> R<()> {
        let transmit = uint(transmit, "transmit")?;
        self.inner.handle_network_error(transmit, int(now, "now")?).js()
    }

    /// The browser came back to the redirect URI.
    #[wasm_bindgen(js_name = handleCallback)]
    pub fn handle_callback(&mut self, callback: &str, now: f64) -> R<()> {
        self.inner.handle_callback(callback, int(now, "now")?).js()
    }

    /// The client the person gave after `needs_client` (JSON McpClient).
    #[wasm_bindgen(js_name = provideClient)]
    pub fn provide_client(&mut self, client_json: &str, now: f64) -> R<()> {
        let c: McpClient = from_json(client_json, "client")?;
        self.inner.provide_client(c, int(now, "now")?).js()
    }

    /// Sends again the request a restored machine lost.
    pub fn resume(&mut self, now: f64) -> R<()> {
        self.inner.resume(int(now, "now")?).js()
    }

    /// The next action (JSON), or `null`.
    #[wasm_bindgen(js_name = pollAction)]
    pub fn poll_action(&mut self) -> R<JsValue> {
        json_or_null(self.inner.poll_action())
    }

    /// McpStatus: JSON.
    pub fn status(&self) -> R<String> {
        to_json(&self.inner.status())
    }

    /// The versioned snapshot: JSON (holds secrets).
    pub fn snapshot(&self) -> R<String> {
        to_json(&self.inner.snapshot())
    }
}
