//! The relay client: every HTTP call the app makes, in one small module so it can grow with the
//! dashboard. Each `/api` request is a `fetch` with `credentials: "include"` (the sealed session
//! lives in an `HttpOnly` cookie the app cannot read) and the header `X-Forge-Client: 1` (which
//! the relay demands, and which makes browsers preflight cross-origin calls).
//!
//! The wire types and the error wording are plain Rust, tested natively; only [`Client::send`]
//! touches the browser.

use crate::config::{AppConfig, CONFIG_PATH};
use forge_apify::audit::AuditReport;
use forge_apify::models::Data;
use forge_apify::ErrorEnvelope;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// Which relay the app talks to (`mode` of `GET /api/session`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RelayMode {
    /// Production: pasted tokens are sealed into the session cookie.
    Sealed,
    /// The relay forwards with `APIFY_TOKEN` from its environment.
    Local,
    /// A simulated Apify account.
    Demo,
}

/// `GET`/`POST /api/session`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionInfo {
    pub mode: RelayMode,
    pub user_id: String,
    pub username: String,
    /// Present for sealed sessions (not for the relay's own token in local/demo mode).
    #[serde(default)]
    pub sealed_at: Option<String>,
    #[serde(default)]
    pub expires_at: Option<String>,
}

impl SessionInfo {
    /// The session is a token the user pasted (sealed), not the relay's own.
    pub fn is_sealed(&self) -> bool {
        self.sealed_at.is_some()
    }
}

/// What `GET /api/session` found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SessionLookup {
    Connected(SessionInfo),
    /// No session cookie (`forge-session-missing`).
    Missing,
    /// A cookie the relay could not open: expired, revoked by a key rotation, damaged.
    Invalid,
}

/// One entry of `GET /api/demo-tokens`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct DemoTokenInfo {
    pub label: String,
    pub token: String,
    pub description: String,
}

/// A page of an Apify list endpoint (`{"data":{"total","items":[…]}}`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Page<T> {
    #[serde(default)]
    pub total: u64,
    #[serde(default = "Vec::new")]
    pub items: Vec<T>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ActorStats {
    #[serde(default)]
    pub total_runs: Option<u64>,
    #[serde(default)]
    pub total_builds: Option<u64>,
    #[serde(default)]
    pub last_run_started_at: Option<String>,
}

/// An item of `GET /v2/actors`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ActorSummary {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub username: Option<String>,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub modified_at: Option<String>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub stats: ActorStats,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RunOptions {
    #[serde(default)]
    pub build: Option<String>,
    #[serde(default)]
    pub timeout_secs: Option<u64>,
    #[serde(default)]
    pub memory_mbytes: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TaggedBuild {
    #[serde(default)]
    pub build_number: Option<String>,
    #[serde(default)]
    pub finished_at: Option<String>,
}

/// `GET /v2/actors/{id}` — the fields the Actor page shows.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ActorDetail {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub username: Option<String>,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub is_public: bool,
    #[serde(default, deserialize_with = "null_as_default")]
    pub is_deprecated: bool,
    #[serde(default)]
    pub created_at: Option<String>,
    #[serde(default)]
    pub modified_at: Option<String>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub stats: ActorStats,
    #[serde(default)]
    pub default_run_options: Option<RunOptions>,
    #[serde(default)]
    pub tagged_builds: Option<BTreeMap<String, Option<TaggedBuild>>>,
    #[serde(default)]
    pub categories: Option<Vec<String>>,
}

/// Apify sends `null` for absent objects and flags (`"stats": null`, `"isDeprecated": null`).
fn null_as_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// What went wrong with a call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApiError {
    /// `fetch` itself failed: the relay is down or unreachable, the network is off, or a
    /// cross-origin relay refused this site (browsers report all of these alike).
    Unreachable,
    /// The relay (or Apify, passed through) answered with an error status.
    Status {
        status: u16,
        /// The envelope's `type`, when the answer had one.
        kind: Option<String>,
        message: Option<String>,
    },
    /// A success status whose body did not parse.
    BadAnswer(String),
}

impl ApiError {
    /// Builds the error for a non-2xx answer, reading Apify's envelope when there is one.
    pub fn from_answer(status: u16, body: &str) -> ApiError {
        let envelope = serde_json::from_str::<ErrorEnvelope>(body).ok();
        ApiError::Status {
            status,
            kind: envelope.as_ref().map(|e| e.error.kind.clone()),
            message: envelope.map(|e| e.error.message),
        }
    }

    pub fn status(&self) -> Option<u16> {
        match self {
            ApiError::Status { status, .. } => Some(*status),
            _ => None,
        }
    }

    pub fn kind(&self) -> Option<&str> {
        match self {
            ApiError::Status { kind, .. } => kind.as_deref(),
            _ => None,
        }
    }

    fn relay_message(&self) -> Option<&str> {
        match self {
            ApiError::Status { message, .. } => message.as_deref(),
            _ => None,
        }
    }

    /// The message shown when saving a token (`POST /api/session`) failed.
    pub fn connect_message(&self) -> String {
        match (self, self.kind()) {
            (ApiError::Unreachable, _) => UNREACHABLE.to_string(),
            (_, Some("forge-token-rejected")) => {
                "Apify rejected this token — copy the whole token again from Apify Console → Settings → API & Integrations. If you revoked it, create a new scoped token.".to_string()
            }
            (_, Some("forge-bad-token")) => self
                .relay_message()
                .unwrap_or("The relay found a problem with the token's shape.")
                .to_string(),
            (ApiError::Status { status: 502 | 504, .. }, _) => UPSTREAM.to_string(),
            _ => self.message(),
        }
    }

    /// The message for any other call.
    pub fn message(&self) -> String {
        match self {
            ApiError::Unreachable => UNREACHABLE.to_string(),
            ApiError::BadAnswer(what) => {
                format!("The relay sent an answer Forge could not read ({what}).")
            }
            ApiError::Status {
                status,
                kind,
                message,
            } => match (status, kind.as_deref()) {
                (401, Some("forge-session-missing" | "forge-session-invalid")) => {
                    "Not connected: connect your Apify token in Settings.".to_string()
                }
                (403, Some("insufficient-permissions")) => format!(
                    "Apify refused: this token lacks the permission for this request.{}",
                    message
                        .as_deref()
                        .map(|m| format!(" ({m})"))
                        .unwrap_or_default()
                ),
                (502 | 504, _) => UPSTREAM.to_string(),
                (_, _) => match message {
                    Some(m) => m.clone(),
                    None => format!("The relay answered with status {status}."),
                },
            },
        }
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message())
    }
}

const UNREACHABLE: &str = "Cannot reach the Forge relay. Check that it is running and that your network is up (a relay on another site must also allow this one with --allowed-origin), then try again.";
const UPSTREAM: &str =
    "The relay could not reach Apify. Nothing was saved — try again in a moment.";

/// The answer to one request: status and body text.
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: u16,
    pub body: String,
}

impl Answer {
    fn ok(&self) -> bool {
        (200..300).contains(&self.status)
    }

    fn json<T: DeserializeOwned>(self) -> Result<T, ApiError> {
        if !self.ok() {
            return Err(ApiError::from_answer(self.status, &self.body));
        }
        serde_json::from_str(&self.body).map_err(|e| ApiError::BadAnswer(e.to_string()))
    }
}

#[derive(Serialize)]
struct ConnectBody<'a> {
    token: &'a str,
}

/// Interprets `GET /api/session`.
pub fn session_lookup(answer: Answer) -> Result<SessionLookup, ApiError> {
    if answer.status == 401 {
        return match ApiError::from_answer(401, &answer.body).kind() {
            Some("forge-session-missing") => Ok(SessionLookup::Missing),
            _ => Ok(SessionLookup::Invalid),
        };
    }
    answer.json().map(SessionLookup::Connected)
}

/// Only IDs and `username~name` reach the relay's Actor routes; anything else is refused here
/// rather than sent.
pub fn is_actor_id(id: &str) -> bool {
    !id.is_empty()
        && id != "."
        && id != ".."
        && id.len() <= 200
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'~' | b'-'))
}

/// Talks to the relay named by the app's [`AppConfig`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Client {
    pub config: AppConfig,
}

impl Client {
    pub fn new(config: AppConfig) -> Client {
        Client { config }
    }

    /// `GET /api/session`.
    pub async fn session(&self) -> Result<SessionLookup, ApiError> {
        session_lookup(self.send("GET", "/api/session", None).await?)
    }

    /// `POST /api/session {"token"}`: the relay checks the shape, asks Apify who it is, seals it
    /// and sets the session cookie.
    pub async fn connect(&self, token: &str) -> Result<SessionInfo, ApiError> {
        let body = serde_json::to_string(&ConnectBody { token })
            .map_err(|e| ApiError::BadAnswer(e.to_string()))?;
        self.send("POST", "/api/session", Some(body)).await?.json()
    }

    /// `DELETE /api/session`: the relay expires the cookie.
    pub async fn disconnect(&self) -> Result<(), ApiError> {
        let answer = self.send("DELETE", "/api/session", None).await?;
        if answer.ok() {
            Ok(())
        } else {
            Err(ApiError::from_answer(answer.status, &answer.body))
        }
    }

    /// `GET /api/audit`: the probe statuses of the session's token.
    pub async fn audit(&self) -> Result<AuditReport, ApiError> {
        self.send("GET", "/api/audit", None).await?.json()
    }

    /// `GET /api/demo-tokens` (demo mode only).
    pub async fn demo_tokens(&self) -> Result<Vec<DemoTokenInfo>, ApiError> {
        self.send("GET", "/api/demo-tokens", None).await?.json()
    }

    /// The account's own Actors.
    pub async fn actors(&self) -> Result<Page<ActorSummary>, ApiError> {
        let page: Data<Page<ActorSummary>> = self
            .send("GET", "/api/apify/v2/actors?my=1&limit=1000", None)
            .await?
            .json()?;
        Ok(page.data)
    }

    /// One Actor.
    pub async fn actor(&self, id: &str) -> Result<ActorDetail, ApiError> {
        if !is_actor_id(id) {
            return Err(ApiError::Status {
                status: 404,
                kind: Some("forge-bad-actor-id".into()),
                message: Some("That is not an Actor ID.".into()),
            });
        }
        let actor: Data<ActorDetail> = self
            .send("GET", &format!("/api/apify/v2/actors/{id}"), None)
            .await?
            .json()?;
        Ok(actor.data)
    }

    /// One `fetch` to the relay.
    pub async fn send(
        &self,
        method: &str,
        path: &str,
        json_body: Option<String>,
    ) -> Result<Answer, ApiError> {
        browser::fetch(&self.config.url(path), method, json_body, true).await
    }
}

/// Reads `/forge-config.json` from the site. Any failure means "same origin".
pub async fn load_config() -> Result<AppConfig, crate::config::ConfigProblem> {
    match browser::fetch(CONFIG_PATH, "GET", None, false).await {
        Ok(answer) if answer.status == 200 => AppConfig::parse(&answer.body),
        _ => Ok(AppConfig::default()),
    }
}

/// The only code that touches `window.fetch`.
mod browser {
    use super::{Answer, ApiError};
    use wasm_bindgen::{JsCast, JsValue};
    use wasm_bindgen_futures::JsFuture;
    use web_sys::{Headers, Request, RequestCache, RequestCredentials, RequestInit, Response};

    /// `api`: a relay call (credentials included, `X-Forge-Client: 1`); otherwise a plain
    /// same-origin read of a static file.
    pub async fn fetch(
        url: &str,
        method: &str,
        json_body: Option<String>,
        api: bool,
    ) -> Result<Answer, ApiError> {
        let broken = |_: JsValue| ApiError::Unreachable;
        let headers = Headers::new().map_err(broken)?;
        let init = RequestInit::new();
        init.set_method(method);
        init.set_cache(RequestCache::NoStore);
        if api {
            headers.set("X-Forge-Client", "1").map_err(broken)?;
            headers.set("Accept", "application/json").map_err(broken)?;
            init.set_credentials(RequestCredentials::Include);
        } else {
            init.set_credentials(RequestCredentials::SameOrigin);
        }
        if let Some(body) = json_body {
            headers
                .set("Content-Type", "application/json")
                .map_err(broken)?;
            init.set_body(&JsValue::from_str(&body));
        }
        init.set_headers(&headers);
        let request = Request::new_with_str_and_init(url, &init).map_err(broken)?;
        let window = web_sys::window().ok_or(ApiError::Unreachable)?;
        let response: Response = JsFuture::from(window.fetch_with_request(&request))
            .await
            .map_err(broken)?
            .dyn_into()
            .map_err(broken)?;
        let status = response.status();
        let text = JsFuture::from(response.text().map_err(broken)?)
            .await
            .map_err(broken)?;
        Ok(Answer {
            status,
            body: text.as_string().unwrap_or_default(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(status: u16, body: &str) -> Answer {
        Answer {
            status,
            body: body.to_string(),
        }
    }

    #[test]
    fn actors_with_null_stats_and_flags_decode() {
        let list: Data<Page<ActorSummary>> = serde_json::from_str(
            r#"{"data":{"total":2,"items":[{"id":"a","name":"x","stats":null},{"id":"b","name":"y","stats":{"totalRuns":3}}]}}"#,
        )
        .unwrap();
        assert_eq!(list.data.items[0].stats, ActorStats::default());
        assert_eq!(list.data.items[1].stats.total_runs, Some(3));
        let detail: ActorDetail = serde_json::from_str(
            r#"{"id":"a","name":"x","stats":null,"isDeprecated":null,"isPublic":null}"#,
        )
        .unwrap();
        assert!(!detail.is_deprecated && !detail.is_public);
    }

    #[test]
    fn session_answers() {
        let sealed = answer(
            200,
            r#"{"mode":"sealed","userId":"u1","username":"ana","sealedAt":"2026-01-01T00:00:00Z","expiresAt":"2026-04-01T00:00:00Z"}"#,
        );
        let SessionLookup::Connected(s) = session_lookup(sealed).unwrap() else {
            panic!("connected")
        };
        assert_eq!(
            (s.mode, s.username.as_str(), s.is_sealed()),
            (RelayMode::Sealed, "ana", true)
        );
        let local = session_lookup(answer(
            200,
            r#"{"mode":"local","userId":"u1","username":"ana"}"#,
        ));
        assert!(matches!(
            local,
            Ok(SessionLookup::Connected(SessionInfo {
                mode: RelayMode::Local,
                sealed_at: None,
                ..
            }))
        ));
        let missing = answer(
            401,
            r#"{"error":{"type":"forge-session-missing","message":"…"}}"#,
        );
        assert_eq!(session_lookup(missing), Ok(SessionLookup::Missing));
        let invalid = answer(
            401,
            r#"{"error":{"type":"forge-session-invalid","message":"…"}}"#,
        );
        assert_eq!(session_lookup(invalid), Ok(SessionLookup::Invalid));
        let odd = session_lookup(answer(500, "oops")).unwrap_err();
        assert_eq!(odd.status(), Some(500));
    }

    #[test]
    fn connect_errors_say_which_side_failed() {
        let rejected = ApiError::from_answer(
            401,
            r#"{"error":{"type":"forge-token-rejected","message":"x"}}"#,
        );
        assert!(rejected
            .connect_message()
            .starts_with("Apify rejected this token — copy the whole token again"));
        assert!(ApiError::Unreachable
            .connect_message()
            .starts_with("Cannot reach the Forge relay"));
        for status in [502, 504] {
            let e = ApiError::from_answer(
                status,
                r#"{"error":{"type":"forge-upstream-unreachable","message":"x"}}"#,
            );
            assert!(e
                .connect_message()
                .starts_with("The relay could not reach Apify"));
        }
        let bad = ApiError::from_answer(
            400,
            r#"{"error":{"type":"forge-bad-token","message":"Remove the trailing space — …"}}"#,
        );
        assert_eq!(bad.connect_message(), "Remove the trailing space — …");
        assert_eq!(
            ApiError::from_answer(418, "not json").connect_message(),
            "The relay answered with status 418."
        );
    }

    #[test]
    fn apify_lists_and_actors_parse() {
        let list = r#"{"data":{"total":2,"offset":0,"limit":1000,"count":2,"desc":false,"items":[
            {"id":"a1","name":"shop-scraper","username":"forge-demo","title":"Shop scraper","modifiedAt":"2026-01-01T00:00:00.000Z","stats":{"totalRuns":12,"lastRunStartedAt":"2026-01-02T00:00:00.000Z"}},
            {"id":"a2","name":"bare","createdAt":"x"}]}}"#;
        let page: Data<Page<ActorSummary>> = answer(200, list).json().unwrap();
        assert_eq!(page.data.total, 2);
        assert_eq!(page.data.items[0].stats.total_runs, Some(12));
        assert_eq!(page.data.items[1].title, None);
        let one = r#"{"data":{"id":"a1","name":"shop-scraper","isPublic":false,"stats":{"totalRuns":3},
            "defaultRunOptions":{"build":"latest","timeoutSecs":3600,"memoryMbytes":1024},
            "taggedBuilds":{"latest":{"buildId":"b","buildNumber":"0.1.5","finishedAt":"2026-01-01T00:00:00.000Z"}},
            "deploymentKey":"ssh-rsa …"}}"#;
        let actor: Data<ActorDetail> = answer(200, one).json().unwrap();
        let latest = actor.data.tagged_builds.unwrap()["latest"].clone().unwrap();
        assert_eq!(latest.build_number.as_deref(), Some("0.1.5"));
        let null_tags = r#"{"data":{"id":"a1","name":"n","taggedBuilds":null}}"#;
        assert!(answer(200, null_tags).json::<Data<ActorDetail>>().is_ok());
    }

    #[test]
    fn only_plausible_actor_ids_are_sent() {
        assert!(is_actor_id("moJRLRc85AitArpNN"));
        assert!(is_actor_id("forge-demo~shop-scraper"));
        for bad in ["", ".", "..", "a/b", "..%2f", "a b", "a?b", "a#b"] {
            assert!(!is_actor_id(bad), "{bad}");
        }
    }

    #[test]
    fn permission_errors_are_explained() {
        let e = ApiError::from_answer(
            403,
            r#"{"error":{"type":"insufficient-permissions","message":"Insufficient permissions for the Actor."}}"#,
        );
        assert!(e
            .message()
            .starts_with("Apify refused: this token lacks the permission"));
        let e = ApiError::from_answer(
            401,
            r#"{"error":{"type":"forge-session-invalid","message":"x"}}"#,
        );
        assert!(e.message().contains("Settings"));
    }
}
