"""Type stubs for the compiled ``authcore._authcore`` module."""

from typing import Any, Dict, List, Literal, Mapping, Optional, Sequence, Tuple, Union, final

from .types import (
    Challenge,
    CredentialKey,
    McpAction,
    McpAuthConfig,
    McpAuthSnapshot,
    McpClient,
    McpStatus,
    ProtectedResourceMetadata,
    ResourceChallenge,
    TokenEndpointAuthMethod,
    Action,
    ExchangedToken,
    GrantRequest,
    AuthAction,
    AuthSessionSnapshot,
    AuthSessionStatus,
    HttpRequest,
    Provider,
    RegisteredClient,
    CorsDecision,
    AuthorizationRequest,
    AuthorizationStart,
    CallbackOutcome,
    Classified,
    Connection,
    Consent,
    Decision,
    DeviceAction,
    DeviceClientSnapshot,
    DeviceGrant,
    DeviceStatus,
    DriverSnapshot,
    DriverStatus,
    EntryOutcome,
    Freshness,
    HttpRequest,
    HttpResponse,
    Introspection,
    IssuedGrant,
    IssuedRefresh,
    JwksAction,
    JwksCacheSnapshot,
    JwksCacheStatus,
    JwksLookup,
    JwksVerify,
    Login,
    LoginAttempt,
    NewAccount,
    NewSession,
    Pkce,
    ProviderMetadata,
    PollOutcome,
    ProviderSet,
    ProviderSummary,
    Readiness,
    RefreshRecord,
    RefreshRequest,
    SealedInfo,
    SealedRecord,
    RevocationOutcome,
    RevocationPlan,
    Resolution,
    ResourceMetadata,
    Rotation,
    Route,
    Session,
    SessionValid,
    SignIn,
    StoredTokens,
    TokenRequest,
    TokenSet,
    UserCodeCheck,
    VerifiedToken,
    JwksReport,
    SkippedKey,
    DesktopAction,
    DesktopClientSnapshot,
    DesktopCode,
    DesktopExchange,
    DesktopExchangeRequest,
    DesktopRedeem,
    DesktopStatus,
    IssuedDesktopCode,
    IssuedMagicLink,
    MagicLinkRecord,
    MasterKeyInfo,
    MagicLinkRedeemed,
    DecodedProof,
    ProofRecord,
)

_JSON = Dict[str, Any]
_Alg = Literal["HS256", "HS384", "HS512", "EdDSA", "Ed25519", "ES256", "ES256K", "RS256", "PS256"]
_Backend = Literal["native", "portable"]
# A key spec: {"alg", "kid"?, and one of "secret" (str or bytes), "secret_b64", "pem", "jwk", "raw_b64"}.
_Key = Mapping[str, Any]

# Outputs are the generated TypedDicts of `authcore.types`; inputs that are records the core
# returned (grants, sessions, snapshots...) are typed `Mapping[str, Any]` so that a record read
# back from storage as a plain dict is accepted.
# Every settings keyword below is optional and maps to the member of the same name of the
# core's settings struct; a misspelt keyword is a type error here and `ValueError` at run time.

__version__: str
RAVI_TOKEN_FILE: str

def catalog() -> List[_JSON]: ...
def error_body(code: str, detail: Optional[str] = None) -> str: ...
def _panic_for_tests() -> None: ...  # panics on purpose; raises authcore.Internal (tests only)

# --- jwt -----------------------------------------------------------------------------------

@final
class Verifier:
    def __new__(
        cls,
        config: Optional[Mapping[str, Any]] = None,
        *,
        keys: Optional[Sequence[_Key]] = None,
        jwks: Optional[Mapping[str, Any]] = None,
        default_alg: Optional[str] = None,
        backend: Optional[_Backend] = None,
        algorithms: Sequence[_Alg] = ...,
        leeway: int = 60,
        issuer: Optional[str] = None,
        audience: Union[str, Sequence[str], None] = None,
        typ: Optional[str] = None,
        max_token_bytes: int = 8192,
        unnamed_single_key_matches_any_kid: bool = False,
    ) -> "Verifier": ...
    def verify(self, token: str, now: Optional[int] = None) -> VerifiedToken: ...
    def jwks(self) -> _JSON: ...
    def skipped_keys(self) -> List[SkippedKey]: ...

@final
class JwksCache:
    def __new__(
        cls,
        config: Optional[Mapping[str, Any]] = None,
        *,
        backend: Optional[_Backend] = None,
        jwks_uri: str = ...,
        verifier: Mapping[str, Any] = ...,
        default_alg: Optional[_Alg] = None,
        default_ttl: int = 600,
        min_ttl: int = 60,
        max_ttl: int = 86400,
        cooldown: int = 300,
        stale_while_error: int = 3600,
        allow_insecure_http: bool = False,
    ) -> "JwksCache": ...
    def key_for(self, kid: Optional[str], now: Optional[int] = None) -> JwksLookup: ...
    def verify(self, token: str, now: Optional[int] = None) -> JwksVerify: ...
    def handle_timeout(self, now: Optional[int] = None) -> None: ...
    def handle_response(self, transmit: int, response: Mapping[str, Any], now: Optional[int] = None) -> None: ...
    def handle_network_error(self, transmit: int, now: Optional[int] = None) -> None: ...
    def poll_action(self) -> Optional[JwksAction]: ...
    def actions(self) -> List[JwksAction]: ...
    def status(self, now: Optional[int] = None) -> JwksCacheStatus: ...
    def snapshot(self) -> JwksCacheSnapshot: ...
    @staticmethod
    def restore(snapshot: Mapping[str, Any], *, backend: Optional[_Backend] = None) -> "JwksCache": ...
    def __reduce__(self) -> Tuple[Any, Tuple[_JSON]]: ...

@final
class Issuer:
    def __new__(
        cls,
        key: _Key,
        config: Optional[Mapping[str, Any]] = None,
        *,
        profile: Optional[str] = None,
        backend: Optional[_Backend] = None,
        lifetime: int = 3600,
        issuer: Optional[str] = None,
        audience: Optional[str] = None,
        typ: Optional[str] = None,
        jti: bool = False,
    ) -> "Issuer": ...
    def issue(self, claims: Mapping[str, Any], now: Optional[int] = None, entropy: Optional[bytes] = None) -> str: ...
    def jwks(self) -> _JSON: ...

def from_env(env: Mapping[str, str], *, backend: Optional[str] = None) -> Tuple[Issuer, Verifier]: ...
def verify_signature(
    key: _Key, signing_input: bytes, signature: bytes, *, backend: Optional[_Backend] = None
) -> bool: ...
def parse_jwks(jwks: Mapping[str, Any], default_alg: Optional[str] = None, *, backend: Optional[str] = None) -> JwksReport: ...
def decode_unverified(token: str) -> Tuple[_JSON, _JSON]: ...

# --- tokens --------------------------------------------------------------------------------

def token_set_from_response(
    body: str,
    now: Optional[int] = None,
    default_expires_in: Optional[int] = None,
    *,
    response_fields: Optional[Mapping[str, Any]] = None,
) -> TokenSet: ...
def freshness(tokens: Mapping[str, Any], now: Optional[int] = None, margin: Optional[int] = None) -> Freshness: ...
def load_tokens(text: str) -> StoredTokens: ...
def dump_tokens(stored: Mapping[str, Any]) -> str: ...

@final
class RequestDriver:
    def __new__(
        cls,
        config: Optional[Mapping[str, Any]] = None,
        *,
        profile: Optional[str] = None,
        stored: Optional[Mapping[str, Any]] = None,
        token_endpoint: str = ...,
        client_id: Optional[str] = None,
        refresh_margin: int = ...,
        identity_header: str = ...,
        default_expires_in: int = ...,
        max_access_token_bytes: int = 16384,
        shared_store: bool = ...,
        api_origins: Sequence[str] = ...,
        allow_insecure_http: bool = False,
        response_fields: Mapping[str, Any] = ...,
        refresh_body: Mapping[str, Any] = ...,
    ) -> "RequestDriver": ...
    def send(self, request: Mapping[str, Any], now: Optional[int] = None) -> int: ...
    def handle_response(self, transmit: int, response: Mapping[str, Any], now: Optional[int] = None) -> None: ...
    def handle_network_error(self, transmit: int, now: Optional[int] = None) -> None: ...
    def handle_loaded(self, stored: Optional[Mapping[str, Any]], now: Optional[int] = None) -> None: ...
    def handle_save_conflict(self, stored: Mapping[str, Any]) -> None: ...
    def set_identity(self, identity: Optional[str] = None) -> None: ...
    def set_tokens(self, tokens: Mapping[str, Any]) -> None: ...
    def poll_action(self) -> Optional[Action]: ...
    def actions(self) -> List[Action]: ...
    def status(self, now: Optional[int] = None) -> DriverStatus: ...
    def stored(self) -> Optional[StoredTokens]: ...
    def snapshot(self) -> DriverSnapshot: ...
    @staticmethod
    def restore(snapshot: Mapping[str, Any]) -> "RequestDriver": ...
    def __reduce__(self) -> Tuple[Any, Tuple[_JSON]]: ...

# --- device --------------------------------------------------------------------------------

@final
class DeviceClient:
    def __new__(
        cls,
        config: Optional[Mapping[str, Any]] = None,
        *,
        profile: Optional[str] = None,
        base_url: str = ...,
        authorization_path: str = ...,
        token_path: str = ...,
        client_id: str = ...,
        scope: Optional[str] = None,
        encoding: Literal["form", "json"] = "form",
        default_interval: int = ...,
        max_retries: int = ...,
        max_backoff: int = ...,
        default_expires_in: int = ...,
        max_access_token_bytes: int = 16384,
        previous_generation: int = ...,
        allow_insecure_http: bool = False,
    ) -> "DeviceClient": ...
    def start(self, now: Optional[int] = None) -> None: ...
    def handle_timeout(self, now: Optional[int] = None) -> None: ...
    def handle_response(self, transmit: int, response: Mapping[str, Any], now: Optional[int] = None) -> None: ...
    def handle_network_error(self, transmit: int, now: Optional[int] = None) -> None: ...
    def cancel(self) -> None: ...
    def poll_action(self) -> Optional[DeviceAction]: ...
    def actions(self) -> List[DeviceAction]: ...
    def status(self, now: Optional[int] = None) -> DeviceStatus: ...
    def snapshot(self) -> DeviceClientSnapshot: ...
    @staticmethod
    def restore(snapshot: Mapping[str, Any]) -> "DeviceClient": ...
    def __reduce__(self) -> Tuple[Any, Tuple[_JSON]]: ...

@final
class DeviceAuthority:
    def __new__(
        cls,
        config: Optional[Mapping[str, Any]] = None,
        *,
        profile: Optional[str] = None,
        verification_uri: str = ...,
        complete_uri: bool = ...,
        expires_in: int = ...,
        interval: int = ...,
        device_code_bytes: int = ...,
        user_code: Mapping[str, Any] = ...,
        max_attempts: int = ...,
        max_failures: int = ...,
        global_pressure_failures: int = ...,
        failure_window: int = ...,
        poll_tolerance: int = ...,
    ) -> "DeviceAuthority": ...
    def issue(
        self, client_id: str, scope: Optional[str] = None, now: Optional[int] = None, entropy: Optional[bytes] = None
    ) -> IssuedGrant: ...
    def normalize_user_code(self, typed: str) -> str: ...
    def check_user_code(self, grant: Mapping[str, Any], typed: str, now: Optional[int] = None) -> UserCodeCheck: ...
    def approve(
        self,
        grant: Mapping[str, Any],
        user_id: str,
        claims: Optional[Mapping[str, Any]] = None,
        now: Optional[int] = None,
    ) -> DeviceGrant: ...
    def consent(self, grant: Mapping[str, Any], now: Optional[int] = None) -> Consent: ...
    def enter_user_code(
        self,
        limiter: Optional[Mapping[str, Any]],
        grant: Optional[Mapping[str, Any]],
        typed: str,
        now: Optional[int] = None,
        *,
        global_limiter: Optional[Mapping[str, Any]] = None,
    ) -> EntryOutcome: ...
    def deny(self, grant: Mapping[str, Any], now: Optional[int] = None) -> DeviceGrant: ...
    def poll(self, grant: Optional[Mapping[str, Any]], request: Mapping[str, Any], now: Optional[int] = None) -> PollOutcome: ...

def parse_token_request(body: str, client_id: Optional[str] = None) -> TokenRequest: ...
def parse_authorization_request(body: str) -> AuthorizationRequest: ...
def device_code_hash(device_code: str) -> str: ...
def load_grant(text: str) -> DeviceGrant: ...
def oauth_error(code: str, detail: Optional[str] = None) -> Tuple[int, _JSON]: ...
def oauth_error_response(code: str, detail: Optional[str] = None) -> HttpResponse: ...

# --- session -------------------------------------------------------------------------------

@final
class SessionManager:
    def __new__(
        cls,
        config: Optional[Mapping[str, Any]] = None,
        *,
        profile: Optional[str] = None,
        idle_timeout: int = ...,
        absolute_lifetime: Optional[int] = ...,
        touch_interval: int = ...,
    ) -> "SessionManager": ...
    def create(
        self,
        user_id: str,
        email: Optional[str] = None,
        is_guest: bool = False,
        now: Optional[int] = None,
        entropy: Optional[bytes] = None,
    ) -> NewSession: ...
    def sign_in(
        self,
        user_id: str,
        email: Optional[str] = None,
        previous: Optional[Mapping[str, Any]] = None,
        now: Optional[int] = None,
        entropy: Optional[bytes] = None,
    ) -> SignIn: ...
    def exchange(
        self,
        verifier: Verifier,
        token: str,
        previous: Optional[Mapping[str, Any]] = None,
        now: Optional[int] = None,
        entropy: Optional[bytes] = None,
    ) -> SignIn: ...
    def validate(self, record: Optional[Mapping[str, Any]], token: str, now: Optional[int] = None) -> SessionValid: ...
    def revoke(self, record: Mapping[str, Any], now: Optional[int] = None) -> Session: ...

def session_token_hash(token: str) -> Optional[str]: ...
def load_session(text: str) -> Session: ...

# --- gate ----------------------------------------------------------------------------------

@final
class Gate:
    def __new__(
        cls,
        config: Optional[Mapping[str, Any]] = None,
        *,
        profile: Optional[str] = None,
        backend: Optional[_Backend] = None,
        realm: str = "api",
        jwt: Optional[Mapping[str, Any]] = None,
        session: Mapping[str, Any] = ...,
        guest_header: Optional[str] = "X-Guest-ID",
        services: Sequence[Mapping[str, Any]] = ...,
        identity_header: str = "X-Identity",
        default_identity: bool = True,
        routes: Sequence[Mapping[str, Any]] = ...,
        default_access: Literal["public", "user", "user_or_guest", "service"] = "user",
        normalize_path: bool = False,
        credentials: Sequence[Literal["jwt", "session", "guest", "service", "gateway"]] = ...,
        gateway: Optional[Mapping[str, Any]] = None,
        services_env: Sequence[Mapping[str, Any]] = ...,
        guest_fallback: bool = False,
        guest_id_rule: Literal["prefixed", "any"] = "prefixed",
        details: Mapping[str, str] = ...,
        cookie: Optional[Mapping[str, Any]] = None,
    ) -> "Gate": ...
    @staticmethod
    def from_env(
        env: Optional[Mapping[str, Any]] = None,
        config: Optional[Mapping[str, Any]] = None,
        *,
        profile: Optional[str] = None,
        backend: Optional[_Backend] = None,
        realm: str = "api",
        jwt: Optional[Mapping[str, Any]] = None,
        session: Mapping[str, Any] = ...,
        guest_header: Optional[str] = "X-Guest-ID",
        services: Sequence[Mapping[str, Any]] = ...,
        identity_header: str = "X-Identity",
        default_identity: bool = True,
        routes: Sequence[Mapping[str, Any]] = ...,
        default_access: Literal["public", "user", "user_or_guest", "service"] = "user",
        normalize_path: bool = False,
        credentials: Sequence[Literal["jwt", "session", "guest", "service", "gateway"]] = ...,
        gateway: Optional[Mapping[str, Any]] = None,
        services_env: Sequence[Mapping[str, Any]] = ...,
        guest_fallback: bool = False,
        guest_id_rule: Literal["prefixed", "any"] = "prefixed",
        details: Mapping[str, str] = ...,
        cookie: Optional[Mapping[str, Any]] = None,
    ) -> "Gate": ...
    def classify(self, request: Mapping[str, Any], now: Optional[int] = None) -> Classified: ...
    def decide(
        self, classified: Mapping[str, Any], lookup: Optional[Mapping[str, Any]] = None, now: Optional[int] = None
    ) -> Decision: ...
    def user_to_load(self, classified: Mapping[str, Any], session: Optional[Mapping[str, Any]] = None) -> Optional[str]: ...
    def authenticate(
        self, request: Mapping[str, Any], lookup: Optional[Mapping[str, Any]] = None, now: Optional[int] = None
    ) -> Decision: ...

def generate_gateway_token(entropy: Optional[bytes] = None) -> str: ...

# --- password ------------------------------------------------------------------------------

@final
class Accounts:
    def __new__(
        cls,
        policy: Optional[Mapping[str, Any]] = None,
        *,
        profile: Optional[str] = None,
        min_length: int = ...,
        max_length: int = ...,
        memory_kib: int = ...,
        iterations: int = ...,
        parallelism: int = ...,
        allow_email_usernames: bool = ...,
        login_limits: Mapping[str, Any] = ...,
    ) -> "Accounts": ...
    def hash_password(self, password: str, entropy: Optional[bytes] = None) -> str: ...
    def verify_password(self, password_hash: str, password: str) -> bool: ...
    def needs_rehash(self, password_hash: str) -> bool: ...
    def register(
        self,
        password: str,
        username: Optional[str] = None,
        email: Optional[str] = None,
        entropy: Optional[bytes] = None,
    ) -> NewAccount: ...
    def login(self, account: Optional[Mapping[str, Any]], password: str) -> Login: ...
    def login_limited(
        self,
        account: Optional[Mapping[str, Any]],
        password: str,
        account_limiter: Optional[Mapping[str, Any]] = None,
        requester_limiter: Optional[Mapping[str, Any]] = None,
        now: Optional[int] = None,
    ) -> LoginAttempt: ...

def normalize_username(username: str) -> str: ...
def normalize_email(email: str) -> str: ...

# --- refresh -------------------------------------------------------------------------------

@final
class RefreshTokens:
    def __new__(
        cls,
        config: Optional[Mapping[str, Any]] = None,
        *,
        ttl: int = ...,
        family_lifetime: Optional[int] = ...,
        token_bytes: int = ...,
    ) -> "RefreshTokens": ...
    def issue(
        self,
        user_id: str,
        client_id: Optional[str] = None,
        scope: Optional[str] = None,
        now: Optional[int] = None,
        entropy: Optional[bytes] = None,
    ) -> IssuedRefresh: ...
    def rotate(
        self,
        record: Optional[Mapping[str, Any]],
        token: str,
        client_id: Optional[str] = None,
        now: Optional[int] = None,
        entropy: Optional[bytes] = None,
    ) -> Rotation: ...
    def revoke(self, record: Mapping[str, Any]) -> RefreshRecord: ...

def refresh_token_hash(token: str) -> str: ...
def load_refresh_record(text: str) -> RefreshRecord: ...
def parse_refresh_request(body: str, client_id: Optional[str] = None) -> RefreshRequest: ...

# --- oauth ---------------------------------------------------------------------------------

def pkce(
    verifier: Optional[str] = None,
    method: Optional[str] = None,
    allow_plain: bool = False,
    bytes: Optional[int] = None,
    entropy: Optional[bytes] = None,
) -> Pkce: ...
def well_known_url(
    issuer: str, kind: Optional[Literal["openid", "oauth"]] = None, *, allow_insecure_http: bool = False
) -> str: ...
def parse_provider_metadata(
    response: Mapping[str, Any], issuer: str, *, allow_insecure_http: bool = False
) -> ProviderMetadata: ...
def resource_metadata_url(resource: str) -> str: ...
def resource_metadata_path(resource: str) -> str: ...
def check_resource_metadata(metadata: Mapping[str, Any]) -> ResourceMetadata: ...
def serve_resource_metadata(metadata: Mapping[str, Any], request: Mapping[str, Any]) -> Optional[HttpResponse]: ...
def audience_names_resource(aud: str, resource: str) -> bool: ...
def check_pkce(
    challenge: Optional[Mapping[str, Any]] = None, verifier: Optional[str] = None, allow_plain: bool = False
) -> None: ...

@final
class AuthCodeClient:
    def __new__(
        cls,
        config: Optional[Mapping[str, Any]] = None,
        *,
        profile: Optional[str] = None,
        authorization_endpoint: str = ...,
        token_endpoint: str = ...,
        client_id: str = ...,
        client_secret: Optional[str] = None,
        redirect_uri: str = ...,
        scopes: Sequence[str] = ...,
        state_ttl: int = ...,
        extra_params: Sequence[Tuple[str, str]] = ...,
        default_expires_in: int = ...,
        max_access_token_bytes: int = 16384,
        issuer: Optional[str] = None,
        authorization_response_iss_parameter_supported: bool = False,
        allow_insecure_http: bool = False,
    ) -> "AuthCodeClient": ...
    def start(self, now: Optional[int] = None, entropy: Optional[bytes] = None) -> AuthorizationStart: ...
    def callback(self, record: Mapping[str, Any], callback: str, now: Optional[int] = None) -> CallbackOutcome: ...
    def token_response(self, response: Mapping[str, Any], now: Optional[int] = None) -> TokenSet: ...
    def check_id_token(
        self, verified: Mapping[str, Any], record: Mapping[str, Any], access_token: Optional[str] = None
    ) -> None: ...

# --- broker --------------------------------------------------------------------------------

@final
class Broker:
    def __new__(
        cls, custom: Optional[Sequence[Mapping[str, Any]]] = None, allow_loopback_http: bool = False
    ) -> "Broker": ...
    @property
    def providers(self) -> ProviderSet: ...
    def routing_table(self) -> List[Route]: ...
    def provider_listing(self) -> List[ProviderSummary]: ...
    def show_provider(self, name: str, *, reveal: bool = False) -> Provider: ...
    def resolve(
        self, url: str, connections: Sequence[Mapping[str, Any]], method: Optional[str] = None, now: Optional[int] = None
    ) -> Resolution: ...
    def apply_refresh(
        self, connection: Mapping[str, Any], response: Mapping[str, Any], now: Optional[int] = None
    ) -> Connection: ...
    def revoke(
        self, provider: str, connections: Sequence[Mapping[str, Any]], *, client: Optional[Mapping[str, Any]] = None
    ) -> RevocationPlan: ...
    def introspect(
        self, provider: str, token: str, token_type_hint: Optional[str] = None, *, client: Optional[Mapping[str, Any]] = None
    ) -> HttpRequest: ...

def redact(connections: Sequence[Mapping[str, Any]]) -> List[_JSON]: ...
def export_env(connections: Sequence[Mapping[str, Any]]) -> str: ...
def check_connection(connection: Mapping[str, Any]) -> None: ...
def export_json(connections: Sequence[Mapping[str, Any]]) -> List[Connection]: ...
def readiness(
    custom: Optional[Sequence[Mapping[str, Any]]] = None,
    connections: Optional[Sequence[Mapping[str, Any]]] = None,
    key_files: Optional[Sequence[Mapping[str, Any]]] = None,
    now: Optional[int] = None,
    *,
    schema_version: Optional[int] = None,
    allow_loopback_http: bool = False,
) -> Readiness: ...
def set_default(connections: Sequence[Mapping[str, Any]], provider: str, connection: str) -> List[Connection]: ...
def revocation_outcome(response: Mapping[str, Any]) -> RevocationOutcome: ...
def introspection_outcome(response: Mapping[str, Any], now: Optional[int] = None) -> Introspection: ...

# --- profiles ------------------------------------------------------------------------------

def profile(name: str) -> Dict[str, Any]: ...
def profile_names() -> List[str]: ...

# --- cors ----------------------------------------------------------------------------------

@final
class Cors:
    def __new__(
        cls,
        config: Optional[Mapping[str, Any]] = None,
        *,
        profile: Optional[str] = None,
        allowed_origins: Sequence[str] = ...,
        allowed_methods: Sequence[str] = ...,
        allowed_headers: Sequence[str] = ...,
        exposed_headers: Sequence[str] = ...,
        allow_credentials: bool = ...,
        max_age: Optional[int] = ...,
    ) -> "Cors": ...
    def decide(self, request: Mapping[str, Any]) -> CorsDecision: ...

# --- signin --------------------------------------------------------------------------------

@final
class DesktopSignIn:
    def __new__(
        cls,
        config: Optional[Mapping[str, Any]] = None,
        *,
        profile: Optional[str] = None,
        redirect_uris: Sequence[str] = ...,
        code_ttl: int = ...,
        code_bytes: int = ...,
    ) -> "DesktopSignIn": ...
    def issue(
        self,
        user_id: str,
        email: Optional[str],
        code_challenge: str,
        redirect_uri: str,
        state: Optional[str] = None,
        now: Optional[int] = None,
        entropy: Optional[bytes] = None,
    ) -> IssuedDesktopCode: ...
    def redirect_allowed(self, redirect_uri: str) -> bool: ...
    def redeem(
        self,
        record: Optional[Mapping[str, Any]],
        code: str,
        code_verifier: str,
        redirect_uri: str,
        now: Optional[int] = None,
    ) -> DesktopRedeem: ...
    def exchange(
        self,
        sessions: SessionManager,
        record: Optional[Mapping[str, Any]],
        request: Mapping[str, Any],
        now: Optional[int] = None,
        entropy: Optional[bytes] = None,
    ) -> DesktopExchange: ...

def parse_desktop_exchange(request: Mapping[str, Any]) -> DesktopExchangeRequest: ...
def desktop_code_hash(code: str) -> str: ...
def load_desktop_code(text: str) -> DesktopCode: ...

@final
class DesktopClient:
    def __new__(
        cls,
        config: Optional[Mapping[str, Any]] = None,
        *,
        profile: Optional[str] = None,
        sign_in_url: str = ...,
        exchange_url: str = ...,
        redirect_uri: str = ...,
        timeout: int = ...,
        allow_insecure_http: bool = False,
    ) -> "DesktopClient": ...
    def start(self, now: Optional[int] = None, entropy: Optional[bytes] = None) -> None: ...
    def handle_redirect(self, redirect: str, now: Optional[int] = None) -> None: ...
    def handle_response(self, transmit: int, response: Mapping[str, Any], now: Optional[int] = None) -> None: ...
    def handle_network_error(self, transmit: int, now: Optional[int] = None) -> None: ...
    def handle_timeout(self, now: Optional[int] = None) -> None: ...
    def cancel(self) -> None: ...
    def poll_action(self) -> Optional[DesktopAction]: ...
    def actions(self) -> List[DesktopAction]: ...
    def status(self, now: Optional[int] = None) -> DesktopStatus: ...
    def snapshot(self) -> DesktopClientSnapshot: ...
    @staticmethod
    def restore(snapshot: Mapping[str, Any]) -> "DesktopClient": ...
    def __reduce__(self) -> Tuple[Any, Tuple[_JSON]]: ...

@final
class MagicLinks:
    def __new__(
        cls,
        config: Optional[Mapping[str, Any]] = None,
        *,
        profile: Optional[str] = None,
        ttl: int = ...,
        token_bytes: int = ...,
        max_per_window: int = ...,
        window: int = ...,
        link_url: Optional[str] = None,
    ) -> "MagicLinks": ...
    def issue(
        self,
        email: str,
        limiter: Optional[Mapping[str, Any]] = None,
        now: Optional[int] = None,
        entropy: Optional[bytes] = None,
    ) -> IssuedMagicLink: ...
    def redeem(
        self, record: Optional[Mapping[str, Any]], token: str, now: Optional[int] = None
    ) -> MagicLinkRedeemed: ...

def magic_link_hash(token: str) -> str: ...
def load_magic_link(text: str) -> MagicLinkRecord: ...

# --- vault ---------------------------------------------------------------------------------

@final
class Vault:
    def __new__(cls, keys: Sequence[str]) -> "Vault": ...
    @property
    def current_kid(self) -> str: ...
    @property
    def kids(self) -> List[str]: ...
    def seal(
        self, record: Mapping[str, Any], context: str, now: Optional[int] = None, entropy: Optional[bytes] = None
    ) -> SealedRecord: ...
    def open(self, sealed: Mapping[str, Any], context: str) -> Dict[str, Any]: ...
    def reseal(
        self, sealed: Mapping[str, Any], context: str, now: Optional[int] = None, entropy: Optional[bytes] = None
    ) -> SealedRecord: ...
    def needs_reseal(self, sealed: Mapping[str, Any]) -> bool: ...
    def inspect(self, sealed: Mapping[str, Any]) -> SealedInfo: ...

def generate_master_key(kid: Optional[str] = None, entropy: Optional[bytes] = None) -> str: ...
def parse_master_key(text: str) -> MasterKeyInfo: ...
def master_key_from_bytes(kid: str, key: bytes) -> str: ...
def registration_request(
    endpoint: str, metadata: Mapping[str, Any], *, allow_loopback_http: bool = False
) -> HttpRequest: ...
def registration_response(response: Mapping[str, Any], now: Optional[int] = None) -> RegisteredClient: ...

# authcore.grants
def grant_request(
    endpoint: Mapping[str, Any],
    auth: Mapping[str, Any],
    request: Mapping[str, Any],
    now: Optional[int] = None,
    entropy: Optional[bytes] = None,
    *,
    backend: Optional[str] = None,
) -> HttpRequest: ...
def client_assertion(
    endpoint: Mapping[str, Any],
    client_id: str,
    key: Mapping[str, Any],
    now: Optional[int] = None,
    entropy: Optional[bytes] = None,
    *,
    lifetime: Optional[int] = None,
    backend: Optional[str] = None,
) -> str: ...
def grant_response(request: Mapping[str, Any], response: Mapping[str, Any], now: Optional[int] = None) -> TokenSet: ...
def token_exchange_response(
    request: Mapping[str, Any], response: Mapping[str, Any], now: Optional[int] = None
) -> ExchangedToken: ...
def choose_auth_method(
    registered: Optional[str] = None,
    supported: Optional[Sequence[str]] = None,
    has_secret: bool = False,
    has_key: bool = False,
) -> Literal["none", "client_secret_basic", "client_secret_post", "private_key_jwt"]: ...
def id_jag_request(id_token: str, authorization_server: str, resource: str, *, scope: Optional[str] = None) -> GrantRequest: ...
@final
class AuthSession:
    @staticmethod
    def start(
        provider: Mapping[str, Any],
        flow: Literal["pkce", "device_code", "api_key", "client_credentials"],
        now: Optional[int] = None,
        entropy: Optional[bytes] = None,
        *,
        redirect_uri: Optional[str] = None,
        connection_name: Optional[str] = None,
        client_name: Optional[str] = None,
        ttl: Optional[int] = None,
        allow_loopback_http: bool = False,
    ) -> "AuthSession": ...
    @staticmethod
    def restore(snapshot: Mapping[str, Any]) -> "AuthSession": ...
    @property
    def session_id(self) -> str: ...
    def provider(self) -> Provider: ...
    def handle_response(self, transmit: int, response: Mapping[str, Any], now: Optional[int] = None) -> None: ...
    def handle_network_error(self, transmit: int, now: Optional[int] = None) -> None: ...
    def handle_timeout(self, now: Optional[int] = None) -> None: ...
    def handle_callback(self, callback: str, now: Optional[int] = None) -> None: ...
    def submit_input(self, values: Mapping[str, str], now: Optional[int] = None) -> None: ...
    def resume(self, now: Optional[int] = None) -> None: ...
    def poll_action(self) -> Optional[AuthAction]: ...
    def actions(self) -> List[AuthAction]: ...
    def status(self, now: Optional[int] = None) -> AuthSessionStatus: ...
    def snapshot(self) -> AuthSessionSnapshot: ...
    def __reduce__(self) -> Tuple[Any, Tuple[_JSON]]: ...

# --- dpop ----------------------------------------------------------------------------------

@final
class DpopKey:
    @staticmethod
    def generate(
        alg: Optional[Literal["ES256", "EdDSA"]] = None, *, entropy: Optional[bytes] = None, backend: Optional[_Backend] = None
    ) -> "DpopKey": ...
    @staticmethod
    def from_jwk(jwk: Mapping[str, Any], *, backend: Optional[_Backend] = None) -> "DpopKey": ...
    def to_jwk(self) -> Dict[str, Any]: ...
    @property
    def public_jwk(self) -> Dict[str, Any]: ...
    @property
    def thumbprint(self) -> str: ...
    @property
    def algorithm(self) -> str: ...
    def proof(
        self,
        method: str,
        url: str,
        *,
        access_token: Optional[str] = None,
        nonce: Optional[str] = None,
        now: Optional[int] = None,
        entropy: Optional[bytes] = None,
    ) -> str: ...

@final
class ProofChecker:
    def __new__(
        cls,
        config: Optional[Mapping[str, Any]] = None,
        *,
        backend: Optional[_Backend] = None,
        algorithms: Sequence[_Alg] = ...,
        max_age: int = 300,
        leeway: int = 60,
        require_nonce: bool = False,
        nonce_key: Optional[str] = None,
        nonce_lifetime: int = 300,
        max_proof_bytes: int = 8192,
    ) -> "ProofChecker": ...
    def check(
        self,
        request: Mapping[str, Any],
        access_token: Optional[str] = None,
        jkt: Optional[str] = None,
        now: Optional[int] = None,
    ) -> ProofRecord: ...
    def decode(self, proof: str) -> DecodedProof: ...
    def issue_nonce(self, now: Optional[int] = None, entropy: Optional[bytes] = None) -> str: ...
    def challenge(self, error: Optional[Mapping[str, Any]] = None) -> str: ...

@final
class DpopNonces:
    def __new__(cls, nonces: Optional[Mapping[str, str]] = None) -> "DpopNonces": ...
    def nonce_for(self, url: str) -> Optional[str]: ...
    def handle_response(self, url: str, response: Mapping[str, Any], already_retried: bool = False) -> bool: ...
    @property
    def nonces(self) -> Dict[str, str]: ...

def jwk_thumbprint(jwk: Mapping[str, Any]) -> str: ...
def dpop_access_token_hash(access_token: str) -> str: ...
def normalize_htu(url: str) -> str: ...
def dpop_check_replay(record: Mapping[str, Any], seen: bool) -> None: ...
def dpop_check_token_type(token_type: str, dpop_requested: bool, allow_bearer: bool = False) -> Literal["DPoP", "Bearer"]: ...
def dpop_confirmation(jkt: str) -> Dict[str, Any]: ...
def dpop_check_token_binding(claims: Mapping[str, Any], scheme: Literal["DPoP", "Bearer"]) -> Optional[str]: ...
def dpop_token_endpoint_error(error: Mapping[str, Any], nonce: Optional[str] = None) -> HttpResponse: ...
def dpop_is_nonce_challenge(response: Mapping[str, Any]) -> bool: ...
# mcp: the WWW-Authenticate parser and the MCP authorization client machine
def parse_challenges(headers: Sequence[str]) -> List[Challenge]: ...
def resource_challenge(challenges: Sequence[Mapping[str, Any]]) -> Optional[ResourceChallenge]: ...
def prm_urls(server_url: str, resource_metadata: Optional[str]) -> List[str]: ...
def as_metadata_urls(issuer: str) -> List[str]: ...
def resource_matches(resource: str, server_url: str) -> bool: ...
def choose_scopes(challenge_scope: Optional[str], scopes_supported: Optional[Sequence[str]]) -> List[str]: ...
def union_scopes(previous: Optional[Sequence[str]] = None, chosen: Optional[Sequence[str]] = None) -> List[str]: ...
def mcp_choose_auth_method(client: Mapping[str, Any], supported: Optional[Sequence[str]]) -> TokenEndpointAuthMethod: ...
def parse_protected_resource_metadata(response: Mapping[str, Any]) -> ProtectedResourceMetadata: ...
def client_metadata_document(client_id: str, client_name: str, redirect_uris: Sequence[str]) -> Dict[str, Any]: ...
def validate_client_metadata_document(client_id: str, document: Mapping[str, Any]) -> None: ...
@final
class McpAuth:
    def __new__(cls, config: Union[McpAuthConfig, Mapping[str, Any]]) -> "McpAuth": ...
    @staticmethod
    def restore(snapshot: Mapping[str, Any]) -> "McpAuth": ...
    def config(self) -> McpAuthConfig: ...
    def add_client(self, key: Union[CredentialKey, Mapping[str, Any]], client: Union[McpClient, Mapping[str, Any]]) -> None: ...
    def add_tokens(self, key: Union[CredentialKey, Mapping[str, Any]], tokens: Mapping[str, Any]) -> None: ...
    def authorize_request(self, request: Mapping[str, Any], now: Optional[int] = None) -> Dict[str, str]: ...
    def handle_success(self) -> None: ...
    def handle_unauthorized(self, response: Mapping[str, Any], now: Optional[int] = None, entropy: Optional[bytes] = None) -> None: ...
    def handle_response(self, transmit: int, response: Mapping[str, Any], now: Optional[int] = None) -> None: ...
    def handle_network_error(self, transmit: int, now: Optional[int] = None) -> None: ...
    def handle_callback(self, callback: str, now: Optional[int] = None) -> None: ...
    def provide_client(self, client: Union[McpClient, Mapping[str, Any]], now: Optional[int] = None) -> None: ...
    def resume(self, now: Optional[int] = None) -> None: ...
    def poll_action(self) -> Optional[McpAction]: ...
    def actions(self) -> List[McpAction]: ...
    def status(self) -> McpStatus: ...
    def snapshot(self) -> McpAuthSnapshot: ...
    def __reduce__(self) -> Tuple[Any, Tuple[_JSON]]: ...
