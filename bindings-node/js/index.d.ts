// The public API of @authcore/node (and, identically, @authcore/wasm).
//
// Naming rule: options (constructor options and trailing option objects) are camelCase; data
// objects (claims, key specs, token sets, actions, records, HTTP records, errors) keep the
// exact JSON shape of conformance/README.md, imported from ./types.

import type {
  Action,
  AuthMethod,
  ExchangedToken,
  GrantRequest,
  TokenEndpoint,
  TokenEndpointAuth,
  ClientAuth,
  Introspection,
  ResourceMetadata,
  RevocationOutcome,
  RevocationPlan,
  JwksReport,
  SkippedKey,
  Algorithm,
  AuthorizationRequest,
  AuthorizationStart,
  CallbackOutcome,
  CatalogEntry,
  Classified,
  Connection,
  Consent,
  CorsDecision,
  Decision,
  DeviceAction,
  DeviceClientSnapshot,
  DeviceGrant,
  DeviceStatus,
  DriverSnapshot,
  DriverStatus,
  EntryLimiter,
  LoginAttempt,
  ResponseFields,
  EntryOutcome,
  ErrorBody,
  Freshness,
  HttpRequest,
  HttpResponse,
  IssuedGrant,
  IssuedRefresh,
  JsonObject,
  JwksAction,
  JwksCacheSnapshot,
  JwksCacheStatus,
  JwksLookup,
  JwksVerify,
  JsonValue,
  Jwks,
  KeyFile,
  KeySpec,
  Login,
  Lookup,
  NewAccount,
  NewSession,
  PendingAuthorization,
  Pkce,
  ProviderMetadata,
  PollOutcome,
  ProviderDefinition,
  ProviderSet,
  ProviderSummary,
  Readiness,
  RefreshRecord,
  RefreshRequest,
  Resolution,
  Rotation,
  Route,
  Session,
  SessionValid,
  SignIn,
  StoredChallenge,
  StoredCredentials,
  StoredTokens,
  TokenRequest,
  TokenSet,
  UserCodeCheck,
  VerifiedToken,
  DesktopAction,
  DesktopClientConfigOptions,
  DesktopClientSnapshot,
  DesktopCode,
  DesktopExchange,
  DesktopExchangeRequest,
  DesktopRedeem,
  DesktopSignInConfigOptions,
  DesktopStatus,
  IssuedDesktopCode,
  IssuedMagicLink,
  MagicLinkConfigOptions,
  MagicLinkRecord,
  MagicLinkRedeemed,
  MasterKeyInfo,
  SealedInfo,
  SealedRecord,
  AuthAction,
  AuthSessionConfigOptions,
  Challenge,
  CredentialKey,
  McpAction,
  McpAuthConfig,
  McpAuthConfigOptions,
  McpAuthSnapshot,
  McpClient,
  McpStatus,
  ProtectedResourceMetadata,
  ResourceChallenge,
  TokenEndpointAuthMethod,
  AuthSessionSnapshot,
  AuthSessionStatus,
  ClientMetadata,
  Provider,
  RegisteredClient,
  DecodedProof,
  ProofConfigOptions,
  ProofRecord,
  TokenScheme,
} from "./types";

export type * from "./types";
export * from "./adapters";

/** Unix seconds; omitted: `Math.floor(Date.now() / 1000)`. */
export type Now = number | null | undefined;
/** Random bytes to use instead of the OS generator (tests, vectors). */
export type Entropy = Uint8Array | null | undefined;
/** The crypto backend: `native` (aws-lc; Node only) or `portable` (pure Rust). */
export type Backend = "native" | "portable";

/** A key spec whose `secret` may also be raw bytes. */
export type KeyInput = Omit<KeySpec, "secret"> & { secret?: string | Uint8Array };

// ------------------------------------------------------------------------------ options

export interface BackendOption {
  backend?: Backend | null;
}

/** The names of the profiles shipped with the core. */
export type ProfileName = "rag-modulo" | "ravi" | "reeve";

/** A named profile whose section for the component is the base of these options (the options win; objects merge member by member, arrays are replaced). */
export interface ProfileOption {
  profile?: ProfileName | null;
}

/** A profile document: `name`, `version`, `description`, `seeds`, one section per component (snake_case settings), reference sections and `source`. */
export interface ProfileDocument {
  name: ProfileName;
  version: number;
  description: string;
  seeds: string[];
  source: Record<string, string>;
  [section: string]: unknown;
}

export interface VerifierOptions extends BackendOption {
  algorithms: Algorithm[];
  leeway?: number;
  issuer?: string | null;
  audience?: string | string[] | null;
  typ?: string | null;
  maxTokenBytes?: number;
  unnamedSingleKeyMatchesAnyKid?: boolean;
  keys?: KeyInput[];
  jwks?: Jwks | JsonObject;
  defaultAlg?: Algorithm | null;
}

/** The verification policy of a {@link JwksCache} (the `VerifierConfig` members, camelCase). */
export interface JwksVerifierOptions {
  algorithms: Algorithm[];
  leeway?: number;
  issuer?: string | null;
  audience?: string | string[] | null;
  typ?: string | null;
  maxTokenBytes?: number;
}

export interface JwksCacheOptions extends BackendOption {
  jwksUri: string;
  verifier: JwksVerifierOptions;
  defaultAlg?: Algorithm | null;
  defaultTtl?: number;
  minTtl?: number;
  maxTtl?: number;
  cooldown?: number;
  staleWhileError?: number;
  allowInsecureHttp?: boolean;
}

export interface IssuerOptions extends BackendOption, ProfileOption {
  lifetime?: number;
  issuer?: string | null;
  audience?: string | null;
  typ?: string | null;
  jti?: boolean;
}

export interface RequestDriverOptions extends ProfileOption {
  tokenEndpoint: string;
  clientId?: string | null;
  refreshMargin?: number;
  identityHeader?: string;
  defaultExpiresIn?: number;
  maxAccessTokenBytes?: number;
  sharedStore?: boolean;
  apiOrigins?: string[];
  allowInsecureHttp?: boolean;
  stored?: StoredTokens | null;
}

export interface DeviceClientOptions extends ProfileOption {
  baseUrl: string;
  clientId: string;
  authorizationPath?: string;
  tokenPath?: string;
  scope?: string | null;
  encoding?: "form" | "json";
  defaultInterval?: number;
  maxRetries?: number;
  maxBackoff?: number;
  defaultExpiresIn?: number;
  maxAccessTokenBytes?: number;
  previousGeneration?: number;
  allowInsecureHttp?: boolean;
}

export interface UserCodeOptions {
  alphabet?: string;
  length?: number;
  group?: number;
}

export interface DeviceAuthorityOptions extends ProfileOption {
  verificationUri: string;
  completeUri?: boolean;
  expiresIn?: number;
  interval?: number;
  deviceCodeBytes?: number;
  userCode?: UserCodeOptions;
  maxAttempts?: number;
  maxFailures?: number;
  globalPressureFailures?: number;
  failureWindow?: number;
  pollTolerance?: number;
}

export interface SessionOptions {
  idleTimeout?: number;
  absoluteLifetime?: number | null;
  touchInterval?: number;
}

export interface GateJwtOptions {
  config: Omit<VerifierOptions, "keys" | "jwks" | "defaultAlg" | "backend">;
  keys: KeyInput[];
}

export interface GateRouteOptions {
  method?: string;
  path: string;
  access?: "public" | "user" | "user_or_guest" | "service";
  scopes?: string[];
  identity?: "none" | "optional" | "required";
  entitlement?: string;
  /** The credential kinds this route accepts (default: the gate's `credentials`). */
  credentials?: GateCredentialKind[];
}

export type GateCredentialKind = "jwt" | "session" | "guest" | "service" | "gateway";

export interface GateGatewayOptions {
  /** 16 to 512 printable ASCII characters without spaces (see `generateGatewayToken`). */
  token: string;
  /** Default `Authorization` (as `Bearer <token>`). */
  header?: string | null;
}

export interface GateServiceEnvOptions {
  /** Default `services`. */
  name?: string;
  /** Default `AUTHCORE_SERVICES_TOKEN`. */
  variable?: string;
  /** Default `X-Services-Token`. */
  header?: string;
}

export interface GateCookieOptions {
  name: string;
  csrf?: {
    origins?: string[];
    sameOriginFetch?: boolean;
    referer?: boolean;
    doubleSubmit?: { cookie?: string; header?: string } | null;
  };
}

export interface GateServiceOptions {
  name: string;
  header: string;
  secret: string;
}

export interface GateOptions extends BackendOption, ProfileOption {
  realm?: string;
  jwt?: GateJwtOptions | null;
  session?: SessionOptions;
  guestHeader?: string | null;
  services?: GateServiceOptions[];
  identityHeader?: string;
  defaultIdentity?: boolean;
  routes?: GateRouteOptions[];
  defaultAccess?: "public" | "user" | "user_or_guest" | "service";
  normalizePath?: boolean;
  credentials?: GateCredentialKind[];
  gateway?: GateGatewayOptions | null;
  servicesEnv?: GateServiceEnvOptions[];
  guestFallback?: boolean;
  guestIdRule?: "prefixed" | "any";
  /** Per-code `detail` replacements, keyed by error code (`not_authenticated`, …). */
  details?: { [code: string]: string };
  cookie?: GateCookieOptions | null;
}

export interface SessionManagerOptions extends SessionOptions, ProfileOption {}

export interface AccountsOptions extends ProfileOption {
  minLength?: number;
  maxLength?: number;
  memoryKib?: number;
  iterations?: number;
  parallelism?: number;
  allowEmailUsernames?: boolean;
}

export interface RefreshTokensOptions {
  ttl?: number;
  familyLifetime?: number | null;
  tokenBytes?: number;
}

export interface CorsOptions extends ProfileOption {
  allowedOrigins?: string[];
  allowedMethods?: string[];
  allowedHeaders?: string[];
  exposedHeaders?: string[];
  allowCredentials?: boolean;
  maxAge?: number | null;
}

export interface AuthCodeClientOptions extends ProfileOption {
  authorizationEndpoint: string;
  tokenEndpoint: string;
  clientId: string;
  clientSecret?: string | null;
  redirectUri: string;
  scopes?: string[];
  stateTtl?: number;
  extraParams?: [string, string][];
  defaultExpiresIn?: number;
  maxAccessTokenBytes?: number;
  issuer?: string | null;
  authorizationResponseIssParameterSupported?: boolean;
  allowInsecureHttp?: boolean;
}

export interface BrokerOptions {
  custom?: ProviderDefinition[] | null;
  allowLoopbackHttp?: boolean;
}

export interface EnterUserCodeOptions {
  globalLimiter?: EntryLimiter | null;
}

// ------------------------------------------------------------------------------ errors

/** An error of the core, with its catalog fields. */
export class AuthError extends Error {
  constructor(code: string, detail?: string, field?: string);
  readonly name: "AuthError";
  /** The stable catalog code (`token_expired`, …). */
  readonly code: string;
  /** The HTTP status for this code. */
  readonly status: number;
  /** The text (never a secret). */
  readonly detail: string;
  /** The member at fault, when there is one. */
  readonly field: string | undefined;
  /** The code's family (`token`, `config`, …). */
  readonly family: string;
  /** The HTTP body: `{detail, code}`. */
  toJSON(): { detail: string; code: string };
  /** The error for one in the catalog shape, as a `failed` action carries it. */
  static fromJSON(error: ErrorBody): AuthError;
}

export const version: string;
export function catalog(): CatalogEntry[];
export function errorBody(code: string, detail?: string | null): string;
/** The document of a named profile; an unknown name throws `AuthError` `invalid_config`. */
export function profile(name: ProfileName | string): ProfileDocument;
/** The names of the profiles, sorted. */
export function profileNames(): ProfileName[];

// ------------------------------------------------------------------------------ jwt

export class Verifier {
  constructor(options: VerifierOptions);
  verify(token: string, now?: Now): VerifiedToken;
  verifyAsync(token: string, now?: Now): Promise<VerifiedToken>;
  jwks(): Jwks;
  skippedKeys(): SkippedKey[];
}

/** The remote key-set machine (sans-IO): see `RemoteJwks` for one that fetches with `fetch`. */
export class JwksCache {
  constructor(options: JwksCacheOptions);
  static restore(snapshot: JwksCacheSnapshot, options?: BackendOption): JwksCache;
  keyFor(kid: string | null, now?: Now): JwksLookup;
  verify(token: string, now?: Now): JwksVerify;
  handleTimeout(now?: Now): void;
  handleResponse(transmit: number, response: HttpResponse, now?: Now): void;
  handleNetworkError(transmit: number, now?: Now): void;
  pollAction(): JwksAction | null;
  actions(): JwksAction[];
  status(now?: Now): JwksCacheStatus;
  snapshot(): JwksCacheSnapshot;
}

export class Issuer {
  constructor(key: KeyInput, options?: IssuerOptions);
  issue(claims: JsonObject, now?: Now, entropy?: Entropy): string;
  issueAsync(claims: JsonObject, now?: Now, entropy?: Entropy): Promise<string>;
  jwks(): Jwks;
}

export function fromEnv(env: { [name: string]: string | number }, options?: BackendOption): [Issuer, Verifier];
export function verifySignature(
  key: KeyInput,
  signingInput: string | Uint8Array,
  signature: Uint8Array,
  options?: BackendOption,
): boolean;
export function parseJwks(jwks: Jwks | JsonObject, defaultAlg?: Algorithm | null, options?: BackendOption): JwksReport;
export function parseJwksAsync(jwks: Jwks | JsonObject, defaultAlg?: Algorithm | null, options?: BackendOption): Promise<JwksReport>;
export function decodeUnverified(token: string): [JsonObject, JsonObject];

// ------------------------------------------------------------------------------ tokens

/** Options of {@link tokenSetFromResponse}. */
export interface TokenSetFromResponseOptions {
  /** The server's names for the token response members (e.g. `{access_token: "access", refresh_token: "refresh"}`). */
  responseFields?: ResponseFields | null;
}
export function tokenSetFromResponse(body: string, now?: Now, defaultExpiresIn?: number | null, options?: TokenSetFromResponseOptions): TokenSet;
/** Where the Ravi CLI keeps its token file: `"~/.ravi/auth.json"` (the file store expands `~`). */
export const RAVI_TOKEN_FILE: string;
export function freshness(tokens: TokenSet, now?: Now, margin?: number | null): Freshness;
export function loadTokens(text: string): StoredTokens;
export function dumpTokens(stored: StoredTokens): string;

export class RequestDriver {
  constructor(options: RequestDriverOptions);
  static restore(snapshot: DriverSnapshot): RequestDriver;
  send(request: HttpRequest, now?: Now): number;
  handleResponse(transmit: number, response: HttpResponse, now?: Now): void;
  handleNetworkError(transmit: number, now?: Now): void;
  handleLoaded(stored: StoredTokens | null, now?: Now): void;
  handleSaveConflict(stored: StoredTokens): void;
  setIdentity(identity?: string | null): void;
  setTokens(tokens: TokenSet): void;
  pollAction(): Action | null;
  actions(): Action[];
  status(now?: Now): DriverStatus;
  stored(): StoredTokens | null;
  snapshot(): DriverSnapshot;
}

// ------------------------------------------------------------------------------ device

export class DeviceClient {
  constructor(options: DeviceClientOptions);
  static restore(snapshot: DeviceClientSnapshot): DeviceClient;
  start(now?: Now): void;
  handleTimeout(now?: Now): void;
  handleResponse(transmit: number, response: HttpResponse, now?: Now): void;
  handleNetworkError(transmit: number, now?: Now): void;
  cancel(): void;
  pollAction(): DeviceAction | null;
  actions(): DeviceAction[];
  status(now?: Now): DeviceStatus;
  snapshot(): DeviceClientSnapshot;
}

export class DeviceAuthority {
  constructor(options: DeviceAuthorityOptions);
  issue(clientId: string, scope?: string | null, now?: Now, entropy?: Entropy): IssuedGrant;
  normalizeUserCode(typed: string): string;
  checkUserCode(grant: DeviceGrant, typed: string, now?: Now): UserCodeCheck;
  approve(grant: DeviceGrant, userId: string, claims?: JsonObject | null, now?: Now): DeviceGrant;
  consent(grant: DeviceGrant, now?: Now): Consent;
  enterUserCode(
    limiter: EntryLimiter | null,
    grant: DeviceGrant | null,
    typed: string,
    now?: Now,
    options?: EnterUserCodeOptions,
  ): EntryOutcome;
  deny(grant: DeviceGrant, now?: Now): DeviceGrant;
  poll(grant: DeviceGrant | null, request: TokenRequest, now?: Now): PollOutcome;
}

export function parseTokenRequest(body: string, clientId?: string | null): TokenRequest;
export function parseAuthorizationRequest(body: string): AuthorizationRequest;
export function deviceCodeHash(deviceCode: string): string;
export function loadGrant(text: string): DeviceGrant;
export function oauthError(code: string, detail?: string | null): [number, { error: string; error_description: string }];
export function oauthErrorResponse(code: string, detail?: string | null): HttpResponse;

// ------------------------------------------------------------------------------ session

export class SessionManager {
  constructor(options?: SessionManagerOptions);
  create(userId: string, email?: string | null, isGuest?: boolean, now?: Now, entropy?: Entropy): NewSession;
  signIn(userId: string, email?: string | null, previous?: Session | null, now?: Now, entropy?: Entropy): SignIn;
  exchange(verifier: Verifier, token: string, previous?: Session | null, now?: Now, entropy?: Entropy): SignIn;
  validate(record: Session | null, token: string, now?: Now): SessionValid;
  revoke(record: Session, now?: Now): Session;
}

export function sessionTokenHash(token: string): string | null;
/** A new gateway token: 32 bytes of entropy as unpadded base64url (43 characters). */
export function generateGatewayToken(entropy?: Entropy): string;
export function loadSession(text: string): Session;

// ------------------------------------------------------------------------------ gate

export class Gate {
  constructor(options?: GateOptions);
  /** A gate whose `servicesEnv` secrets are read from `env` (default `process.env`). */
  static fromEnv(env?: { [name: string]: string | number | null | undefined } | null, config?: GateOptions | null, options?: BackendOption): Gate;
  classify(request: HttpRequest, now?: Now): Classified;
  decide(classified: Classified, lookup?: Lookup | null, now?: Now): Decision;
  /** The id of the user to load into `lookup.user`: the JWT's subject, or the owner of the session loaded under `needs.session` (given as `session`); `null` when none. */
  userToLoad(classified: Classified, session?: Session | null): string | null;
  authenticate(request: HttpRequest, lookup?: Lookup | null, now?: Now): Decision;
}

// ------------------------------------------------------------------------------ password

export class Accounts {
  constructor(options?: AccountsOptions);
  hashPassword(password: string, entropy?: Entropy): string;
  hashPasswordAsync(password: string, entropy?: Entropy): Promise<string>;
  verifyPassword(passwordHash: string, password: string): boolean;
  verifyPasswordAsync(passwordHash: string, password: string): Promise<boolean>;
  needsRehash(passwordHash: string): boolean;
  register(password: string, username?: string | null, email?: string | null, entropy?: Entropy): NewAccount;
  registerAsync(password: string, username?: string | null, email?: string | null, entropy?: Entropy): Promise<NewAccount>;
  login(account: StoredCredentials | null, password: string): Login;
  loginAsync(account: StoredCredentials | null, password: string): Promise<Login>;
  /** Login behind brute-force limits; store the returned limiter records. */
  loginLimited(
    account: StoredCredentials | null,
    password: string,
    accountLimiter?: EntryLimiter | null,
    requesterLimiter?: EntryLimiter | null,
    now?: Now,
  ): LoginAttempt;
  loginLimitedAsync(
    account: StoredCredentials | null,
    password: string,
    accountLimiter?: EntryLimiter | null,
    requesterLimiter?: EntryLimiter | null,
    now?: Now,
  ): Promise<LoginAttempt>;
}

export function normalizeUsername(username: string): string;
export function normalizeEmail(email: string): string;

// ------------------------------------------------------------------------------ refresh

export class RefreshTokens {
  constructor(options?: RefreshTokensOptions);
  issue(userId: string, clientId?: string | null, scope?: string | null, now?: Now, entropy?: Entropy): IssuedRefresh;
  rotate(record: RefreshRecord | null, token: string, clientId?: string | null, now?: Now, entropy?: Entropy): Rotation;
  revoke(record: RefreshRecord): RefreshRecord;
}

export function refreshTokenHash(token: string): string;
export function loadRefreshRecord(text: string): RefreshRecord;
export function parseRefreshRequest(body: string, clientId?: string | null): RefreshRequest;

// ------------------------------------------------------------------------------ oauth

export function pkce(
  verifier?: string | null,
  method?: "S256" | "plain",
  allowPlain?: boolean,
  bytes?: number,
  entropy?: Entropy,
): Pkce;
export interface DiscoveryOptions {
  allowInsecureHttp?: boolean;
}
export function wellKnownUrl(issuer: string, kind?: "openid" | "oauth" | null, options?: DiscoveryOptions): string;
export function parseProviderMetadata(response: HttpResponse, issuer: string, options?: DiscoveryOptions): ProviderMetadata;
export function checkPkce(challenge?: StoredChallenge | null, verifier?: string | null, allowPlain?: boolean): void;

export class AuthCodeClient {
  constructor(options: AuthCodeClientOptions);
  start(now?: Now, entropy?: Entropy): AuthorizationStart;
  callback(record: PendingAuthorization, callback: string, now?: Now): CallbackOutcome;
  tokenResponse(response: HttpResponse, now?: Now): TokenSet;
  checkIdToken(verified: VerifiedToken, record: PendingAuthorization, accessToken?: string | null): void;
}

// ------------------------------------------------------------------------------ broker

export class Broker {
  constructor(options?: BrokerOptions);
  readonly providers: ProviderSet;
  routingTable(): Route[];
  /** One line per provider (auth type, flow, source, hosts); no secret. */
  providerListing(): ProviderSummary[];
  /** A provider's definition, its `client_secret` `"[redacted]"` unless `reveal`. */
  showProvider(name: string, options?: { reveal?: boolean | null }): Provider;
  resolve(url: string, connections: Connection[], method?: string, now?: Now): Resolution;
  applyRefresh(connection: Connection, response: HttpResponse, now?: Now): Connection;
  /** RFC 7009: the revocation requests (refresh token, then access token) and the records to delete. */
  revoke(provider: string, connections: Connection[], options?: { client?: ClientAuth | null }): RevocationPlan;
  /** RFC 7662: the introspection request for `token`. */
  introspect(
    provider: string,
    token: string,
    tokenTypeHint?: "access_token" | "refresh_token" | null,
    options?: { client?: ClientAuth | null },
  ): HttpRequest;
}

export function redact(connections: Connection[]): JsonObject[];
export function exportEnv(connections: Connection[]): string;
export function checkConnection(connection: Connection): void;
export function exportJson(connections: Connection[]): Connection[];
export function readiness(
  custom?: ProviderDefinition[] | null,
  connections?: Connection[] | null,
  keyFiles?: KeyFile[] | null,
  now?: Now,
  /** `allowLoopbackHttp`: custom providers on loopback `http` load, as in a `Broker` built with it. */
  options?: { schemaVersion?: number | null; allowLoopbackHttp?: boolean },
): Readiness;
/** The connections with `connection` made `provider`'s one default. */
export function setDefault(connections: Connection[], provider: string, connection: string): Connection[];
/** Reads the answer to a revocation request (RFC 7009). */
export function revocationOutcome(response: HttpResponse): RevocationOutcome;
/** Reads an introspection answer (RFC 7662). */
export function introspectionOutcome(response: HttpResponse, now?: Now): Introspection;
/** The URL of `resource`'s Protected Resource Metadata document (RFC 9728 §3.1, path-inserted). */
export function resourceMetadataUrl(resource: string): string;
/** The path of `resource`'s metadata document, for a router. */
export function resourceMetadataPath(resource: string): string;
/** The metadata document checked, in its wire shape. */
export function checkResourceMetadata(metadata: ResourceMetadata): ResourceMetadata;
/** The response to `request` when it asks for the metadata document, else `null`. */
export function serveResourceMetadata(metadata: ResourceMetadata, request: HttpRequest): HttpResponse | null;
/** Whether the audience value `aud` names `resource` (the audience rule). */
export function audienceNamesResource(aud: string, resource: string): boolean;

// ------------------------------------------------------------------------------ cors

/** CORS decisions for one configuration (exact origins, methods, headers, credentials). */
export class Cors {
  constructor(options?: CorsOptions);
  decide(request: HttpRequest): CorsDecision;
}

// ------------------------------------------------------------------------------ signin

/** Desktop sign-in, server side: one-time codes bound to a PKCE S256 challenge and a redirect URI. */
export class DesktopSignIn {
  constructor(options: DesktopSignInConfigOptions & ProfileOption);
  issue(
    userId: string,
    email: string | null,
    codeChallenge: string,
    redirectUri: string,
    state?: string | null,
    now?: Now,
    entropy?: Entropy,
  ): IssuedDesktopCode;
  redirectAllowed(redirectUri: string): boolean;
  redeem(record: DesktopCode | null, code: string, codeVerifier: string, redirectUri: string, now?: Now): DesktopRedeem;
  exchange(
    sessions: SessionManager,
    record: DesktopCode | null,
    request: DesktopExchangeRequest,
    now?: Now,
    entropy?: Entropy,
  ): DesktopExchange;
}

export function parseDesktopExchange(request: HttpRequest): DesktopExchangeRequest;
export function desktopCodeHash(code: string): string;
export function loadDesktopCode(text: string): DesktopCode;

/** Desktop sign-in, the app's side: a sans-IO machine. */
export class DesktopClient {
  constructor(options: DesktopClientConfigOptions & ProfileOption);
  static restore(snapshot: DesktopClientSnapshot): DesktopClient;
  start(now?: Now, entropy?: Entropy): void;
  handleRedirect(redirect: string, now?: Now): void;
  handleResponse(transmit: number, response: HttpResponse, now?: Now): void;
  handleNetworkError(transmit: number, now?: Now): void;
  handleTimeout(now?: Now): void;
  cancel(): void;
  pollAction(): DesktopAction | null;
  actions(): DesktopAction[];
  status(now?: Now): DesktopStatus;
  snapshot(): DesktopClientSnapshot;
}

/** Magic links: one-time sign-in tokens mailed to an address, rate-limited per address. */
export class MagicLinks {
  constructor(options?: MagicLinkConfigOptions & ProfileOption);
  issue(email: string, limiter?: EntryLimiter | null, now?: Now, entropy?: Entropy): IssuedMagicLink;
  redeem(record: MagicLinkRecord | null, token: string, now?: Now): MagicLinkRedeemed;
}

export function magicLinkHash(token: string): string;
export function loadMagicLink(text: string): MagicLinkRecord;

/** Records sealed with a master key (XChaCha20-Poly1305); the first key seals, every key opens. */
export class Vault {
  /** `keys`: master key file contents, the current key first. */
  constructor(keys: string[]);
  readonly currentKid: string;
  readonly kids: string[];
  seal(record: Record<string, unknown>, context: string, now?: Now, entropy?: Entropy): SealedRecord;
  open(sealed: SealedRecord, context: string): Record<string, unknown>;
  reseal(sealed: SealedRecord, context: string, now?: Now, entropy?: Entropy): SealedRecord;
  needsReseal(sealed: SealedRecord): boolean;
  /** The record's key id, `sealed_at` and whether it needs a reseal (read without the key). */
  inspect(sealed: SealedRecord): SealedInfo;
}

/** A new master key file's content (`authcore-master-key:v1:<kid>:<base64url key>`). */
export function generateMasterKey(kid?: string | null, entropy?: Entropy): string;
export function parseMasterKey(text: string): MasterKeyInfo;
/** A master key file's content for 32 raw key bytes (e.g. from an OS keyring). */
export function masterKeyFromBytes(kid: string, key: Uint8Array): string;

/** The RFC 7591 dynamic client registration request for `metadata`. */
export function registrationRequest(
  endpoint: string,
  metadata: ClientMetadata,
  options?: { allowLoopbackHttp?: boolean },
): HttpRequest;
/** The registered client in the registration endpoint's answer. */
export function registrationResponse(response: HttpResponse, now?: Now): RegisteredClient;

/**
 * The token-endpoint request for `request` at `endpoint`, authenticated by `auth` (`none`,
 * `client_secret_basic`, `client_secret_post`, `private_key_jwt`): client credentials, JWT
 * bearer, token exchange, authorization code, refresh.
 */
export function grantRequest(
  endpoint: TokenEndpoint,
  auth: TokenEndpointAuth,
  request: GrantRequest,
  now?: Now,
  entropy?: Entropy,
  options?: BackendOption,
): HttpRequest;
/** A `private_key_jwt` client assertion (RFC 7523 §2.2): the JWT text. */
export function clientAssertion(
  endpoint: TokenEndpoint,
  clientId: string,
  key: KeySpec,
  now?: Now,
  entropy?: Entropy,
  options?: BackendOption & { lifetime?: number | null },
): string;
/** The answer to an access-token request; an error names the field it is about. */
export function grantResponse(request: GrantRequest, response: HttpResponse, now?: Now): TokenSet;
/** The answer to a token-exchange request (RFC 8693 §2.2.1). */
export function tokenExchangeResponse(request: GrantRequest, response: HttpResponse, now?: Now): ExchangedToken;
/** The token-endpoint authentication method for a client (registered method, else RFC 8414 metadata). */
export function chooseAuthMethod(
  registered: string | null | undefined,
  supported: string[] | null | undefined,
  hasSecret: boolean,
  hasKey: boolean,
): AuthMethod;
/** The enterprise-managed token exchange: ID token to ID-JAG at the enterprise IdP. */
export function idJagRequest(
  idToken: string,
  authorizationServer: string,
  resource: string,
  options?: { scope?: string | null },
): GrantRequest;

/** One attempt to connect a provider: a sans-IO machine (`AuthSession.start` / `AuthSession.restore`). */
export class AuthSession {
  private constructor();
  static start(
    provider: Provider,
    flow: "pkce" | "device_code" | "api_key" | "client_credentials",
    now?: Now,
    entropy?: Entropy,
    options?: AuthSessionConfigOptions,
  ): AuthSession;
  static restore(snapshot: AuthSessionSnapshot): AuthSession;
  readonly sessionId: string;
  provider(): Provider;
  handleResponse(transmit: number, response: HttpResponse, now?: Now): void;
  handleNetworkError(transmit: number, now?: Now): void;
  handleTimeout(now?: Now): void;
  handleCallback(callback: string, now?: Now): void;
  submitInput(values: Record<string, string>, now?: Now): void;
  resume(now?: Now): void;
  pollAction(): AuthAction | null;
  actions(): AuthAction[];
  status(now?: Now): AuthSessionStatus;
  snapshot(): AuthSessionSnapshot;
}

// ------------------------------------------------------------------------------ dpop

/** A DPoP key pair (RFC 9449) that signs one proof per request. */
export class DpopKey {
  private constructor();
  /** A fresh key: `"ES256"` (default) or `"EdDSA"`. */
  static generate(alg?: "ES256" | "EdDSA" | null, options?: { entropy?: Entropy } & BackendOption): DpopKey;
  /** A key from its private JWK (as `toJwk` writes it). */
  static fromJwk(jwk: Record<string, unknown>, options?: BackendOption): DpopKey;
  /** The private JWK (with `d`): a secret. */
  toJwk(): Record<string, unknown>;
  readonly publicJwk: Record<string, unknown>;
  /** The RFC 7638 thumbprint: `dpop_jkt`, and the `cnf.jkt` of a token bound to this key. */
  readonly thumbprint: string;
  readonly algorithm: "ES256" | "EdDSA";
  /** The `DPoP` header value for one request. */
  proof(method: string, url: string, options?: { accessToken?: string | null; nonce?: string | null; now?: Now; entropy?: Entropy }): string;
}
/** Checks DPoP proofs (RFC 9449 §4.3) against one policy; issues stateless nonces. */
export class ProofChecker {
  constructor(options?: ProofConfigOptions & BackendOption);
  /** Checks the request's `DPoP` header; `accessToken` and `jkt` (the token's `cnf.jkt`) together at a resource server. */
  check(request: HttpRequest, accessToken?: string | null, jkt?: string | null, now?: Now): ProofRecord;
  decode(proof: string): DecodedProof;
  issueNonce(now?: Now, entropy?: Entropy): string;
  challenge(error?: AuthError | { code: string; detail: string; field?: string } | null): string;
}
/** The nonces servers handed out (`DPoP-Nonce`), one per origin. */
export class DpopNonces {
  constructor(nonces?: Record<string, string> | null);
  nonceFor(url: string): string | null;
  handleResponse(url: string, response: HttpResponse, alreadyRetried?: boolean): boolean;
  readonly nonces: Record<string, string>;
}
export function jwkThumbprint(jwk: Record<string, unknown>): string;
export function dpopAccessTokenHash(accessToken: string): string;
export function normalizeHtu(url: string): string;
export function dpopCheckReplay(record: ProofRecord, seen: boolean): void;
export function dpopCheckTokenType(tokenType: string, dpopRequested: boolean, allowBearer?: boolean): TokenScheme;
export function dpopConfirmation(jkt: string): { cnf: { jkt: string } };
export function dpopCheckTokenBinding(claims: Record<string, unknown>, scheme: TokenScheme): string | null;
export function dpopTokenEndpointError(error: AuthError | { code: string; detail: string; field?: string }, nonce?: string | null): HttpResponse;
export function dpopIsNonceChallenge(response: HttpResponse): boolean;
/** Every challenge in the `WWW-Authenticate` header values (a malformed one is left out). */
export function parseChallenges(headers: string[]): Challenge[];
/** The first `Bearer` (else `DPoP`) challenge of parsed challenges, or `null`. */
export function resourceChallenge(challenges: Challenge[]): ResourceChallenge | null;
/** The protected resource metadata URLs to try, in order. */
export function prmUrls(serverUrl: string, resourceMetadata?: string | null): string[];
/** The authorization-server metadata URLs to try for `issuer`, in order. */
export function asMetadataUrls(issuer: string): string[];
/** Whether a resource metadata document's `resource` fits the MCP server URL. */
export function resourceMatches(resource: string, serverUrl: string): boolean;
/** The scopes to request: the challenge's, else `scopesSupported`, else none. */
export function chooseScopes(challengeScope?: string | null, scopesSupported?: string[] | null): string[];
/** `previous` followed by the scopes of `chosen` not in it. */
export function unionScopes(previous?: string[], chosen?: string[]): string[];
/** The token endpoint authentication method for `client`. */
export function mcpChooseAuthMethod(client: McpClient, supported?: string[] | null): TokenEndpointAuthMethod;
/** Reads a protected resource metadata response (RFC 9728). */
export function parseProtectedResourceMetadata(response: HttpResponse): ProtectedResourceMetadata;
/** The Client ID Metadata Document a client hosts at its `client_id` URL. */
export function clientMetadataDocument(clientId: string, clientName: string, redirectUris: string[]): Record<string, unknown>;
/** Checks a Client ID Metadata Document fetched from `clientId` (throws `AuthError` when unfit). */
export function validateClientMetadataDocument(clientId: string, document: Record<string, unknown>): void;

/** The MCP authorization client: a sans-IO machine from a 401 to a usable access token. */
export class McpAuth {
  constructor(options: McpAuthConfigOptions | McpAuthConfig);
  static restore(snapshot: McpAuthSnapshot): McpAuth;
  config(): McpAuthConfig;
  addClient(key: CredentialKey, client: McpClient): void;
  addTokens(key: CredentialKey, tokens: TokenSet): void;
  authorizeRequest(request: HttpRequest, now?: Now): Record<string, string>;
  handleSuccess(): void;
  handleUnauthorized(response: HttpResponse, now?: Now, entropy?: Entropy): void;
  handleResponse(transmit: number, response: HttpResponse, now?: Now): void;
  handleNetworkError(transmit: number, now?: Now): void;
  handleCallback(callback: string, now?: Now): void;
  provideClient(client: McpClient, now?: Now): void;
  resume(now?: Now): void;
  pollAction(): McpAction | null;
  actions(): McpAction[];
  status(): McpStatus;
  snapshot(): McpAuthSnapshot;
}

/** Test hook: a deliberate panic in the native layer; throws `AuthError` with code `internal`. */
export function _panicForTests(): never;

