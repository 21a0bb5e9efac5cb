// PLACEHOLDER data shapes of authcore (the JSON shapes of conformance/README.md, snake_case
// wire names). The generated declarations (from the Rust types' JSON Schema) replace this
// file; until then the main shapes are written out and the rest are loose objects.

/** Any JSON value. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
/** A JSON object. */
export type JsonObject = { [key: string]: JsonValue };

export type Algorithm = "HS256" | "HS384" | "HS512" | "EdDSA" | "ES256" | "RS256" | "PS256";

/** A key: `alg`/`kid` and exactly one material. */
export interface KeySpec {
  alg?: Algorithm;
  kid?: string;
  secret?: string;
  secret_b64?: string;
  pem?: string;
  jwk?: JsonObject;
  raw_b64?: string;
}

/** `{"keys": [JWK]}` */
export interface Jwks {
  keys: JsonObject[];
}

export interface VerifiedToken {
  alg: Algorithm;
  kid?: string;
  typ?: string;
  claims: JsonObject;
}

/** The catalog shape of an error: `{detail, code, field?}`. */
export interface ErrorBody {
  detail: string;
  code: string;
  field?: string;
}

/** `{code, status, family, detail}` */
export interface CatalogEntry {
  code: string;
  status: number;
  family: string;
  detail: string;
}

export interface TokenSet {
  access_token: string;
  refresh_token?: string;
  token_type: "Bearer";
  scope?: string;
  expires_at: number;
  refresh_expires_at?: number;
}

export type Freshness = "fresh" | "refresh_due" | "expired" | "refresh_expired";

export interface StoredTokens {
  version: 1;
  generation: number;
  clock_offset: number;
  tokens: TokenSet;
}

export interface HttpRequest {
  method: string;
  url: string;
  headers?: { [name: string]: string };
  body?: string;
}

export interface HttpResponse {
  status: number;
  headers?: { [name: string]: string };
  body?: string;
}

export interface ClientConfig {
  token_endpoint: string;
  client_id?: string;
  refresh_margin?: number;
  identity_header?: string;
  default_expires_in?: number;
  shared_store?: boolean;
  api_origins?: string[];
  allow_insecure_http?: boolean;
}

export interface DriverSnapshot {
  version: 1;
  config: ClientConfig;
  stored: StoredTokens | null;
}

export interface DriverStatus {
  generation: number;
  clock_offset: number;
  freshness: Freshness | null;
}

export type Action =
  | { type: "send"; transmit: number; request_id?: number; request: HttpRequest }
  | { type: "load_tokens" }
  | { type: "save_tokens"; stored: StoredTokens; generation: number; expected_generation: number }
  | { type: "complete"; request_id: number; response: HttpResponse }
  | { type: "failed"; request_id: number; error: ErrorBody; response?: HttpResponse };

export type DeviceAction =
  | { type: "send"; transmit: number; request: HttpRequest }
  | { type: "prompt"; user_code: string; verification_uri: string; verification_uri_complete?: string; expires_at: number }
  | { type: "wait"; until: number }
  | { type: "save_tokens"; stored: StoredTokens; generation: number; expected_generation: number }
  | { type: "done" }
  | { type: "failed"; error: ErrorBody };

export interface DeviceStatus {
  interval?: number | null;
  finished: boolean;
}

export type DeviceClientSnapshot = JsonObject & { version: 1 };

export interface DeviceGrant {
  version: 1;
  revision: number;
  device_code_hash: string;
  user_code: string;
  client_id: string;
  scope?: string;
  created_at: number;
  expires_at: number;
  interval: number;
  last_poll_at?: number;
  status: "pending" | "approved" | "denied" | "locked" | "consumed";
  failed_attempts: number;
  user_id?: string;
  claims?: JsonObject;
}

export interface IssuedGrant {
  response: JsonObject;
  record: DeviceGrant;
}

export interface TokenRequest {
  grant_type: string;
  device_code: string;
  client_id: string;
}

export interface AuthorizationRequest {
  client_id: string;
  scope?: string;
}

export type PollOutcome =
  | { type: "approved"; user_id: string; client_id: string; scope?: string; claims?: JsonObject; record: DeviceGrant }
  | { type: "error"; error: ErrorBody; record?: DeviceGrant; response: HttpResponse };

export interface UserCodeCheck {
  ok: boolean;
  error?: ErrorBody;
  record?: DeviceGrant;
}

export interface EntryLimiter {
  revision: number;
  window_start: number;
  failures: number;
}

export interface Consent {
  client_id: string;
  scopes: string[];
  user_code: string;
  expires_in: number;
}

export interface EntryOutcome {
  consent?: Consent;
  error?: ErrorBody;
  limiter?: EntryLimiter;
  global_limiter?: EntryLimiter;
  global_pressure: boolean;
}

export type Session = JsonObject;

export interface NewSession {
  token: string;
  record: Session;
}

export interface SignIn {
  session: NewSession;
  revoked?: Session;
  response: JsonObject;
}

export interface SessionValid {
  session: Session;
  touch?: Session;
}

export type Credential =
  | { type: "none" }
  | { type: "jwt"; user_id: string; email?: string; scopes: string[] }
  | { type: "session"; token_hash: string }
  | { type: "guest"; guest_id: string }
  | { type: "service"; name: string }
  | { type: "invalid"; error: ErrorBody };

export interface Classified {
  method: string;
  path?: string;
  route?: JsonObject;
  refused?: ErrorBody;
  allow?: string[];
  credential: Credential;
  identity?: string;
  needs: JsonObject;
}

export interface Lookup {
  session?: Session;
  user?: JsonObject;
}

export interface AuthContext {
  credential: string;
  user_id?: string;
  guest_id?: string;
  email?: string;
  is_guest: boolean;
  identity?: string;
  scopes?: string[];
  service?: string;
}

export type Decision =
  | { type: "allow"; context: AuthContext; touch?: Session }
  | { type: "deny"; error: ErrorBody; response: HttpResponse };

export interface NewAccount {
  username?: string;
  email?: string;
  password_hash: string;
}

export interface StoredCredentials {
  user_id: string;
  password_hash: string;
  email?: string;
}

export interface Login {
  user_id: string;
  email?: string;
}

export type RefreshRecord = JsonObject;

export interface IssuedRefresh {
  refresh_token: string;
  record: RefreshRecord;
}

export type Rotation =
  | { type: "rotated"; previous: RefreshRecord; issued: IssuedRefresh }
  | { type: "reuse"; family_id: string; error: ErrorBody };

export interface Pkce {
  verifier: string;
  challenge: string;
  method: "S256" | "plain";
}

export interface StoredChallenge {
  challenge: string;
  method?: "S256" | "plain";
}

export interface PendingAuthorization {
  state: string;
  code_verifier: string;
  redirect_uri: string;
  created_at: number;
  expires_at: number;
  used: boolean;
}

export interface AuthorizationStart {
  url: string;
  record: PendingAuthorization;
}

export interface CallbackOutcome {
  request: HttpRequest;
  record: PendingAuthorization;
}

export type ConnectionCredential = { type: "api_key"; key: string } | { type: "oauth"; tokens: TokenSet };

export interface Connection {
  provider: string;
  name: string;
  credential: ConnectionCredential;
  expires_at?: number;
  scopes?: string[];
  is_default: boolean;
  created_at: number;
}

/** A provider definition (the broker's provider schema). */
export type ProviderDefinition = JsonObject;

export interface ProviderSet {
  providers: { [name: string]: JsonObject };
  sources: { [name: string]: string };
  overrides: JsonValue[];
}

export interface Route {
  pattern: string;
  provider: string;
  kind: string;
  header: string;
}

export type Resolution =
  | { type: "inject"; provider: string; connection: string; header: string; value: string }
  | { type: "refresh"; provider: string; connection: string; request: HttpRequest };

export interface KeyFile {
  path: string;
  mode: number;
}

export interface Readiness {
  status: string;
  components: { [name: string]: { status: string; detail: string } };
  warnings: JsonValue[];
  errors: JsonValue[];
}
