//! MCP authorization, client side: a sans-IO machine that gets an MCP client from a 401 to a
//! usable access token, following the MCP authorization spec (revision 2026-07-28).
//!
//! [`McpAuth`] is driven like the other machines (see `conformance/README.md`, "State
//! machines"): the host feeds inputs, drains [`McpAction`]s with [`McpAuth::poll_action`] and
//! carries them out. `now` and entropy are inputs; nothing here does I/O.
//!
//! ## Inputs
//!
//! | input | when |
//! |---|---|
//! | [`McpAuth::authorize_request`]`(request, now)` | before every MCP request: the headers to add (`Authorization: Bearer …` once authorized) |
//! | [`McpAuth::handle_unauthorized`]`(response, now, entropy)` | the MCP server answered 401, or 403 `insufficient_scope` |
//! | [`McpAuth::handle_response`]`(transmit, response, now)` / [`McpAuth::handle_network_error`] | the result of a `send` action |
//! | [`McpAuth::handle_callback`]`(url, now)` | the browser came back to the redirect URI |
//! | [`McpAuth::provide_client`]`(client, now)` | after `needs_client` |
//! | [`McpAuth::handle_success`]`()` | an MCP request succeeded (resets the step-up cap) |
//! | [`McpAuth::add_client`] / [`McpAuth::add_tokens`] | credentials the host stored in an earlier run |
//!
//! ## Actions (JSON, tagged by `type`)
//!
//! ```text
//! {"type": "send", "transmit": 1, "request": {"method": "GET", "url": "...", "headers": {...}, "body": "..."}}
//! {"type": "authorize", "url": "https://as.example/authorize?response_type=code&..."}
//! {"type": "needs_client", "key": {"resource": "...", "issuer": "..."}}
//! {"type": "save_client", "key": {...}, "client": {"client_id": "...", "client_secret": "...", "client_secret_expires_at": 0, "token_endpoint_auth_method": "client_secret_basic", "source": "dynamic"}}
//! {"type": "save_tokens", "key": {...}, "tokens": {"access_token": "...", "token_type": "Bearer", "expires_at": 1700003600, "refresh_token": "...", "scope": "..."}}
//! {"type": "authorized", "key": {...}}
//! {"type": "failed", "error": {"code": "...", "detail": "...", "field": "..."}}
//! ```
//!
//! [`McpAuth::status`] gives `{"state": "idle"|"pending"|"waiting_for_user"|"paused"|"authorized"|"failed", "key", "scopes", "authorizations", "error"}`.
//! The configuration is [`McpAuthConfig`] (`server_url` and `redirect_uri` required).
//!
//! ## What one attempt does
//!
//! 1. **Challenge**: the `Bearer` (or `DPoP`) challenge of the 401/403
//!    ([`crate::challenge`]). A 403 without `insufficient_scope` fails (`forbidden`). After
//!    [`McpAuthConfig::max_authorizations`] authorizations or refreshes without a success, the next
//!    challenge fails (`insufficient_scope` / `not_authenticated`): the step-up retry cap.
//! 2. **Resource metadata** (RFC 9728): from the challenge's `resource_metadata` alone when
//!    given; else the path-inserted well-known URL, then the root one
//!    ([`discovery::prm_urls`]); a non-200 answer moves to the next URL. The document's
//!    `resource` must match the server URL ([`discovery::resource_matches`]; else
//!    `invalid_response` naming `resource`) and becomes the RFC 8707 `resource` of every
//!    request.
//! 3. **Authorization-server metadata**: for each of `authorization_servers` in order, the
//!    URLs of [`discovery::as_metadata_urls`] in order; the first 200 is read by
//!    [`crate::discovery::ProviderMetadata::parse`], whose `issuer` must equal the issuer
//!    exactly (else the attempt fails: `invalid_response` naming `issuer`, no other URL is
//!    tried). PKCE: the metadata must list `S256` in `code_challenge_methods_supported`
//!    unless [`McpAuthConfig::allow_unadvertised_pkce`] (`invalid_response` naming it).
//! 4. **2025-03-26 fallbacks** (with [`McpAuthConfig::legacy_fallbacks`], only when no
//!    resource metadata exists at the well-known URLs): the MCP server's origin is the
//!    issuer; its metadata URLs are tried, then the default endpoints `/authorize`, `/token`,
//!    `/register` on that origin (no `iss` check then, as no issuer was published).
//! 5. **Scopes**: the challenge's `scope`, else the resource metadata's `scopes_supported`,
//!    else none (omitted); joined with the scopes requested before for the same key
//!    (step-up union); plus `offline_access` when the authorization server lists it and
//!    [`McpAuthConfig::request_offline_access`].
//! 6. **Refresh**: on a 401 whose challenge `scope` (if any) the held grant covers, with a refresh token and a
//!    client for the key, a refresh request (`resource`, and `scope` when scopes were
//!    requested) goes first; if it fails, the machine authorizes again.
//! 7. **Client** for the key (resource, issuer): a held one (from [`McpAuth::add_client`] or
//!    earlier; a registered client whose secret expired registers again); else the pre-registered [`McpAuthConfig::client`] (when its `issuer` fits);
//!    else the Client ID Metadata Document URL when the server advertises
//!    `client_id_metadata_document_supported`; else RFC 7591 registration
//!    ([`crate::registration`], `application_type` from the redirect URI; `save_client`);
//!    else `needs_client`. An authorization server that changed (the metadata now lists
//!    another issuer) is a new key: its client is registered anew, nothing of the old one is
//!    sent to it.
//! 8. **Authorization** ([`crate::oauth::AuthCodeClient::start`] with the 64 bytes drawn in
//!    step 1: `state`, PKCE S256, `resource`; an endpoint that has a query gets `&`), then
//!    [`McpAuth::handle_callback`] (state, RFC 9207 `iss`, error, code), then the token
//!    request with the client's authentication ([`choose_auth_method`]) → `save_tokens`,
//!    `authorized`.
//!
//! ## URLs
//!
//! Every URL the machine fetches or sends to (metadata, endpoints, the MCP server) is `https`,
//! or `http` to a loopback host (`localhost`, `127.0.0.0/8`, `[::1]`) for servers on the same
//! machine, as elsewhere in the core. [`McpAuth::authorize_request`] adds the token only to
//! requests for the configured server's origin.
//!
//! ## Client ID Metadata Documents
//!
//! [`client_metadata_document`] builds the document a client hosts at its `client_id` URL;
//! [`validate_client_metadata_document`] checks one (the `client_id` is the URL, a name and
//! redirect URIs are present, no shared-secret authentication).
//!
//! ## Token endpoint authentication
//!
//! [`TokenEndpointAuthMethod`]: `none`, `client_secret_basic`, `client_secret_post`;
//! `private_key_jwt` is named but refused (`invalid_config`) until the grants module
//! provides client assertions.
//!
//! ```
//! use authcore::entropy::FixedEntropy;
//! use authcore::http::HttpResponse;
//! use authcore::mcp::{McpAction, McpAuth, McpAuthConfig};
//!
//! let mut auth = McpAuth::new(McpAuthConfig {
//!     server_url: "https://mcp.example.com/mcp".into(),
//!     redirect_uri: "http://127.0.0.1:3000/callback".into(),
//!     ..McpAuthConfig::default()
//! })?;
//! let challenge = HttpResponse::new(401).with_header("WWW-Authenticate", "Bearer scope=\"files:read\"");
//! auth.handle_unauthorized(&challenge, 1_700_000_000, &mut FixedEntropy::new(vec![7; 64]))?;
//! let Some(McpAction::Send { request, .. }) = auth.poll_action() else { unreachable!() };
//! assert_eq!(request.url, "https://mcp.example.com/.well-known/oauth-protected-resource/mcp");
//! # Ok::<(), authcore::Error>(())
//! ```

mod client;
pub mod discovery;

#[cfg(feature = "schema")]
pub(crate) use client::McpAuthSnapshot;
pub use client::{
    choose_auth_method, client_metadata_document, validate_client_metadata_document, ClientSource, CredentialKey,
    McpAction, McpAuth, McpAuthConfig, McpClient, McpState, McpStatus, PreRegisteredClient, TokenEndpointAuthMethod,
};
