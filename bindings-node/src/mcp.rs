//! `challenge` and `mcp`: the `WWW-Authenticate` parser and the MCP authorization client
//! machine, as in `js/NATIVE.md` (JSON text in and out). Conversions only; the rules are the
//! core's (`authcore::challenge`, `authcore::mcp`).

use authcore::challenge::{self, Challenge, ResourceChallenge};
use authcore::http::{HttpRequest, HttpResponse};
use authcore::mcp::discovery::{self, ProtectedResourceMetadata};
use authcore::mcp::{self as core_mcp, CredentialKey, McpAuth as CoreMcpAuth, McpAuthConfig, McpClient};
use authcore::tokens::TokenSet;
use napi::bindgen_prelude::Uint8Array;
use napi_derive::napi;
use serde_json::Value;

use super::{guard, out, parse, parse_opt, rng, transmit_id};

/// Every challenge in the `WWW-Authenticate` header values (JSON array of strings): JSON
/// array of Challenge.
#[napi]
pub fn parse_challenges(headers_json: String) -> napi::Result<String> {
    guard(|| {
        let headers: Vec<String> = parse(&headers_json, "headers")?;
        let refs: Vec<&str> = headers.iter().map(String::as_str).collect();
        out(&challenge::parse_challenges(&refs))
    })
}

/// The first `Bearer` (else `DPoP`) challenge of parsed challenges: JSON ResourceChallenge
/// or `null`.
#[napi]
pub fn resource_challenge(challenges_json: String) -> napi::Result<String> {
    guard(|| {
        let c: Vec<Challenge> = parse(&challenges_json, "challenges")?;
        out(&ResourceChallenge::find(&c))
    })
}

/// The protected resource metadata URLs to try, in order (JSON array).
#[napi]
pub fn mcp_prm_urls(server_url: String, resource_metadata: Option<String>) -> napi::Result<String> {
    guard(|| out(&discovery::prm_urls(&server_url, resource_metadata.as_deref())?))
}

/// The authorization-server metadata URLs to try for `issuer`, in order (JSON array).
#[napi]
pub fn mcp_as_metadata_urls(issuer: String) -> napi::Result<String> {
    guard(|| out(&discovery::as_metadata_urls(&issuer)?))
}

/// Whether a resource metadata document's `resource` fits the MCP server URL.
#[napi]
pub fn mcp_resource_matches(resource: String, server_url: String) -> napi::Result<bool> {
    guard(|| Ok(discovery::resource_matches(&resource, &server_url)))
}

/// The scopes to request (JSON array): the challenge's, else `scopes_supported` (JSON array
/// or absent), else none.
#[napi]
pub fn mcp_choose_scopes(
    challenge_scope: Option<String>,
    scopes_supported_json: Option<String>,
) -> napi::Result<String> {
    guard(|| {
        let s: Option<Vec<String>> = parse_opt(scopes_supported_json.as_deref(), "scopesSupported")?;
        out(&discovery::choose_scopes(challenge_scope.as_deref(), s.as_deref()))
    })
}

/// `previous` followed by the scopes of `chosen` not in it (JSON arrays).
#[napi]
pub fn mcp_union_scopes(previous_json: String, chosen_json: String) -> napi::Result<String> {
    guard(|| {
        let p: Vec<String> = parse(&previous_json, "previous")?;
        let c: Vec<String> = parse(&chosen_json, "chosen")?;
        out(&discovery::union_scopes(&p, &c))
    })
}

/// The token endpoint authentication method (JSON string) for a client (JSON McpClient).
#[napi]
pub fn mcp_choose_auth_method(client_json: String, supported_json: Option<String>) -> napi::Result<String> {
    guard(|| {
        let c: McpClient = parse(&client_json, "client")?;
        let s: Option<Vec<String>> = parse_opt(supported_json.as_deref(), "supported")?;
        out(&core_mcp::choose_auth_method(&c, s.as_deref())?)
    })
}

/// Reads a protected resource metadata response (JSON HttpResponse): JSON document.
#[napi]
pub fn mcp_parse_protected_resource_metadata(response_json: String) -> napi::Result<String> {
    guard(|| {
        let r: HttpResponse = parse(&response_json, "response")?;
        out(&ProtectedResourceMetadata::parse(&r)?)
    })
}

/// The Client ID Metadata Document a client hosts at its `client_id` URL (JSON).
#[napi]
pub fn mcp_client_metadata_document(
    client_id: String,
    client_name: String,
    redirect_uris_json: String,
) -> napi::Result<String> {
    guard(|| {
        let r: Vec<String> = parse(&redirect_uris_json, "redirectUris")?;
        out(&core_mcp::client_metadata_document(&client_id, &client_name, &r)?)
    })
}

/// Checks a Client ID Metadata Document (JSON) fetched from `client_id`.
#[napi]
pub fn mcp_validate_client_metadata_document(client_id: String, document_json: String) -> napi::Result<()> {
    guard(|| {
        let d: Value = parse(&document_json, "document")?;
        Ok(core_mcp::validate_client_metadata_document(&client_id, &d)?)
    })
}

/// The MCP authorization client machine.
#[napi]
pub struct McpAuth {
    inner: CoreMcpAuth,
}

#[napi]
impl McpAuth {
    /// A machine for McpAuthConfig (JSON).
    #[napi(constructor)]
    pub fn new(config_json: String) -> napi::Result<Self> {
        guard(|| {
            let c: McpAuthConfig = parse(&config_json, "config")?;
            Ok(Self {
                inner: CoreMcpAuth::new(c)?,
            })
        })
    }

    /// Rebuilds a machine from `snapshot()`.
    #[napi(factory)]
    pub fn restore(snapshot_json: String) -> napi::Result<Self> {
        guard(|| {
            let s: Value = parse(&snapshot_json, "snapshot")?;
            Ok(Self {
                inner: CoreMcpAuth::restore(&s)?,
            })
        })
    }

    /// The configuration (JSON).
    #[napi]
    pub fn config(&self) -> napi::Result<String> {
        guard(|| out(self.inner.config()))
    }

    /// A client stored in an earlier run (JSON CredentialKey, JSON McpClient).
    #[napi]
    pub fn add_client(&mut self, key_json: String, client_json: String) -> napi::Result<()> {
        guard(|| {
            let k: CredentialKey = parse(&key_json, "key")?;
            let c: McpClient = parse(&client_json, "client")?;
            self.inner.add_client(k, c);
            Ok(())
        })
    }

    /// Tokens stored in an earlier run (JSON CredentialKey, JSON TokenSet).
    #[napi]
    pub fn add_tokens(&mut self, key_json: String, tokens_json: String) -> napi::Result<()> {
        guard(|| {
            let k: CredentialKey = parse(&key_json, "key")?;
            let t: TokenSet = parse(&tokens_json, "tokens")?;
            self.inner.add_tokens(k, t);
            Ok(())
        })
    }

    /// The headers to add to an MCP request (JSON HttpRequest): JSON object.
    #[napi]
    pub fn authorize_request(&self, request_json: String, now: i64) -> napi::Result<String> {
        guard(|| {
            let r: HttpRequest = parse(&request_json, "request")?;
            out(&self.inner.authorize_request(&r, now)?)
        })
    }

    /// An MCP request succeeded.
    #[napi]
    pub fn handle_success(&mut self) -> napi::Result<()> {
        guard(|| {
            self.inner.handle_success();
            Ok(())
        })
    }

    /// The MCP server answered 401, or 403 `insufficient_scope` (JSON HttpResponse).
    #[napi]
    pub fn handle_unauthorized(
        &mut self,
        response_json: String,
        now: i64,
        entropy: Option<Uint8Array>,
    ) -> napi::Result<()> {
        guard(|| {
            let r: HttpResponse = parse(&response_json, "response")?;
            Ok(self.inner.handle_unauthorized(&r, now, &mut rng(entropy.as_deref()))?)
        })
    }

    /// Reports the response to a `send` action.
    #[napi]
    pub fn handle_response(&mut self, transmit: i64, response_json: String, now: i64) -> napi::Result<()> {
        guard(|| {
            let r: HttpResponse = parse(&response_json, "response")?;
            Ok(self.inner.handle_response(transmit_id(transmit)?, r, now)?)
        })
    }

    /// Reports a network failure of a `send` action.
    #[napi]
    pub fn handle_network_error(&mut self, transmit: i64, now: i64) -> napi::Result<()> {
        guard(|| Ok(self.inner.handle_network_error(transmit_id(transmit)?, now)?))
    }

    /// The browser came back to the redirect URI.
    #[napi]
    pub fn handle_callback(&mut self, callback: String, now: i64) -> napi::Result<()> {
        guard(|| Ok(self.inner.handle_callback(&callback, now)?))
    }

    /// The client the person gave after `needs_client` (JSON McpClient).
    #[napi]
    pub fn provide_client(&mut self, client_json: String, now: i64) -> napi::Result<()> {
        guard(|| {
            let c: McpClient = parse(&client_json, "client")?;
            Ok(self.inner.provide_client(c, now)?)
        })
    }

    /// Sends again the request a restored machine lost.
    #[napi]
    pub fn resume(&mut self, now: i64) -> napi::Result<()> {
        guard(|| Ok(self.inner.resume(now)?))
    }

    /// The next action (JSON), or `null`.
    #[napi]
    pub fn poll_action(&mut self) -> napi::Result<Option<String>> {
        guard(|| self.inner.poll_action().map(|a| out(&a)).transpose())
    }

    /// McpStatus (JSON).
    #[napi]
    pub fn status(&self) -> napi::Result<String> {
        guard(|| out(&self.inner.status()))
    }

    /// The versioned snapshot (JSON; holds secrets).
    #[napi]
    pub fn snapshot(&self) -> napi::Result<String> {
        guard(|| out(&self.inner.snapshot()))
    }
}
