//! A command-line agent on the authcore crate: device login, authenticated calls, a 0600
//! token file. Every rule is the core's ([`DeviceClient`], [`RequestDriver`]); this program
//! only moves bytes (a small blocking HTTP/1.1 client, [`http`]) and stores the token file.
//!
//! ```text
//! authcore-rust-cli [--server URL] [--tokens FILE] [--profile NAME] [--identity ID] login | call <path> [-X METHOD] | whoami | logout
//! ```
//!
//! The server is `--server` or `AUTHCORE_SERVER` (default `http://127.0.0.1:8000`); the token
//! file is `--tokens` (default `~/.authcore-agent/auth.json`). Exit codes: 0 done, 1 the API
//! answered with an error status, 2 an auth failure (sign in again), 64 usage.

mod http;
mod store;

use std::process::ExitCode;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use authcore::device::{DeviceAction, DeviceClient, DeviceClientConfig};
use authcore::http::HttpRequest;
use authcore::profile::{self, Component};
use authcore::tokens::{Action, ClientConfig, RequestDriver};
use serde_json::json;

use store::TokenFile;

const CLIENT_ID: &str = "authcore-agent";
const REFRESH_PATH: &str = "/api/auth/token/refresh/";
const USAGE: &str = "usage: authcore-rust-cli [--server URL] [--tokens FILE] [--profile NAME] [--identity ID] login | call <path> [-X METHOD] | whoami | logout";

/// The parsed command line.
struct Args {
    server: String,
    tokens: String,
    profile: String,
    identity: Option<String>,
    method: String,
    command: Vec<String>,
}

fn parse_args() -> Option<Args> {
    let mut args = Args {
        server: std::env::var("AUTHCORE_SERVER").unwrap_or_else(|_| "http://127.0.0.1:8000".into()),
        tokens: "~/.authcore-agent/auth.json".into(),
        profile: "ravi".into(),
        identity: None,
        method: "GET".into(),
        command: Vec::new(),
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--server" => args.server = it.next()?,
            "--tokens" => args.tokens = it.next()?,
            "--profile" => args.profile = it.next()?,
            "--identity" => args.identity = Some(it.next()?),
            "-X" | "--method" => args.method = it.next()?.to_ascii_uppercase(),
            _ if arg.starts_with('-') => return None,
            _ => args.command.push(arg),
        }
    }
    args.server = args.server.trim_end_matches('/').to_owned();
    Some(args)
}

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// A failure to report: the message and the exit code.
struct Exit(String, u8);

impl From<std::io::Error> for Exit {
    fn from(e: std::io::Error) -> Self {
        Exit(format!("token file: {e}"), 2)
    }
}

impl From<authcore::Error> for Exit {
    fn from(e: authcore::Error) -> Self {
        Exit(format!("{} ({})", e.detail(), e.code().as_str()), 2)
    }
}

/// Settings of `component` from the profile with `overrides` merged over it.
fn settings<T: serde::de::DeserializeOwned>(component: Component, overrides: serde_json::Value) -> Result<T, Exit> {
    Ok(profile::decode(component, profile::resolve(component, overrides)?)?)
}

fn login(args: &Args, file: &TokenFile) -> Result<(), Exit> {
    let previous = file.load()?.map_or(0, |s| s.generation);
    let config: DeviceClientConfig = settings(
        Component::DeviceClient,
        json!({"profile": args.profile, "base_url": args.server, "client_id": CLIENT_ID,
               "previous_generation": previous, "allow_insecure_http": args.server.starts_with("http://")}),
    )?;
    let mut client = DeviceClient::new(config)?;
    client.start(now())?;
    loop {
        let Some(action) = client.poll_action() else {
            return Err(Exit("The device client stopped.".into(), 2));
        };
        match action {
            DeviceAction::Send { transmit, request } => match http::send(&request) {
                Ok(response) => client.handle_response(transmit, response, now())?,
                Err(_) => client.handle_network_error(transmit, now())?,
            },
            DeviceAction::Prompt(p) => {
                let url = p.verification_uri_complete.as_deref().unwrap_or(&p.verification_uri);
                eprintln!("To sign in, open {url} and enter the code {}", p.user_code);
            }
            DeviceAction::Wait { until } => {
                let seconds = until.saturating_sub(now()).max(0) as u64;
                std::thread::sleep(Duration::from_secs(seconds));
                client.handle_timeout(now())?;
            }
            DeviceAction::SaveTokens {
                stored,
                expected_generation,
                ..
            } => {
                if !file.save(&stored, expected_generation)? {
                    return Err(Exit(
                        "The token file changed during the login; sign in again.".into(),
                        2,
                    ));
                }
            }
            DeviceAction::Done => return Ok(()),
            DeviceAction::Failed { error } => return Err(error.into()),
        }
    }
}

/// Sends one request through the request driver; prints the answer's body.
fn call(args: &Args, file: &TokenFile, method: &str, path: &str) -> Result<u8, Exit> {
    let config: ClientConfig = settings(
        Component::Client,
        json!({"profile": args.profile, "token_endpoint": format!("{}{REFRESH_PATH}", args.server),
               "client_id": CLIENT_ID, "api_origins": [args.server],
               "allow_insecure_http": args.server.starts_with("http://")}),
    )?;
    let mut driver = RequestDriver::with_config(config, file.load()?)?;
    if args.identity.is_some() {
        driver.set_identity(args.identity.clone())?;
    }
    driver.send(HttpRequest::new(method, format!("{}{path}", args.server)), now());
    loop {
        let Some(action) = driver.poll_action() else {
            return Err(Exit("The request driver stopped.".into(), 2));
        };
        match action {
            Action::Send { transmit, request, .. } => match http::send(&request) {
                Ok(response) => driver.handle_response(transmit, response, now())?,
                Err(_) => driver.handle_network_error(transmit, now())?,
            },
            Action::SaveTokens {
                stored,
                expected_generation,
                ..
            } => {
                if !file.save(&stored, expected_generation)? {
                    if let Some(current) = file.load()? {
                        driver.handle_save_conflict(current)?;
                    }
                }
            }
            Action::ClearTokens { expected_generation } => {
                if !file.clear(expected_generation)? {
                    if let Some(current) = file.load()? {
                        driver.handle_save_conflict(current)?;
                    }
                }
            }
            Action::LoadTokens => driver.handle_loaded(file.load()?, now())?,
            Action::Reauthenticate { .. } => eprintln!("These tokens cannot be renewed; sign in again soon: login"),
            Action::SignedOut {} => eprintln!("Signed out by the server."),
            Action::Complete { response, .. } => {
                println!("{}", response.body);
                return Ok(if response.is_success() { 0 } else { 1 });
            }
            Action::Failed { error, response, .. } => {
                // A refused refresh token has already cleared the token file (the core's rule).
                if error.code() == authcore::ErrorCode::RefreshFailed {
                    return Err(Exit(format!("{} Sign in again: login", error.detail()), 2));
                }
                if let Some(response) = response {
                    println!("{}", response.body);
                    return Ok(1);
                }
                return Err(error.into());
            }
        }
    }
}

fn run(args: &Args) -> Result<u8, Exit> {
    let file = TokenFile::new(&args.tokens);
    let command: Vec<&str> = args.command.iter().map(String::as_str).collect();
    match command[..] {
        ["login"] => {
            login(args, &file)?;
            println!("Signed in.");
            Ok(0)
        }
        ["logout"] => {
            let current = file.load()?.map_or(0, |s| s.generation);
            file.clear(current)?;
            println!("Signed out.");
            Ok(0)
        }
        ["whoami"] => call(args, &file, "GET", "/api/me"),
        ["call", path] => call(args, &file, &args.method, path),
        _ => Err(Exit(USAGE.into(), 64)),
    }
}

fn main() -> ExitCode {
    let Some(args) = parse_args() else {
        eprintln!("{USAGE}");
        return ExitCode::from(64);
    };
    match run(&args) {
        Ok(code) => ExitCode::from(code),
        Err(Exit(message, code)) => {
            eprintln!("{message}");
            ExitCode::from(code)
        }
    }
}
