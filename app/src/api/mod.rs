//! The app's edge: every call to the relay, and the browser's clock, timers and storage. Nothing
//! above this layer touches `fetch`, `setTimeout` or `localStorage`.
//!
//! Each relay request is a `fetch` (sent by gloo-net) with `credentials: "include"` (the sealed session
//! lives in an `HttpOnly` cookie the app cannot read) and `X-Forge-Client: 1` (which the relay
//! demands, and which makes browsers preflight cross-origin calls). Every request carries an
//! [`Abort`]: a view that goes away aborts what it started, and a request future that is
//! dropped aborts its own `fetch`.
//!
//! The wire types are `forge_apify`'s ([`forge_apify::wire`], [`forge_apify::models`]) — the
//! relay serialises the same types — and the paths come from [`forge_apify::paths`], so the app
//! can only ask for what the allow-list forwards. Error wording is plain Rust, tested natively.

pub mod clock;
pub mod config;
pub mod focus;
pub mod history;
pub mod idb;
pub mod storage;

use crate::api::config::{AppConfig, CONFIG_PATH};
use forge_apify::audit::AuditReport;
use forge_apify::paths::ApifyPath;
use forge_apify::wire::{
    ConnectRequest, DemoTokenInfo, SessionInfo, AUDIT_PATH, CLIENT_HEADER, CLIENT_HEADER_VALUE,
    DEMO_TOKENS_PATH, SESSION_PATH,
};
use forge_apify::ErrorKind;
use forge_load::Transport;
use std::cell::{Cell, RefCell};
use std::rc::Rc;

/// What `GET /api/session` found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SessionLookup {
    Connected(SessionInfo),
    /// No session cookie (`forge-session-missing`).
    Missing,
    /// A cookie the relay could not open: expired, revoked by a key rotation, damaged.
    Invalid,
}

pub use forge_load::answer::{Answer, ApiError};

/// Interprets `GET /api/session`.
pub fn session_lookup(answer: Answer) -> Result<SessionLookup, ApiError> {
    if answer.status == 401 {
        return match answer.error().kind() {
            Some(ErrorKind::ForgeSessionMissing) => Ok(SessionLookup::Missing),
            _ => Ok(SessionLookup::Invalid),
        };
    }
    answer.json().map(SessionLookup::Connected)
}

/// Cancels requests: everything sent with one `Abort` is aborted by [`Abort::abort`] (a view
/// calls it from `on_cleanup`), and a request that has not been sent yet is not sent.
#[derive(Debug, Clone, Default)]
pub struct Abort(Rc<AbortInner>);

#[derive(Debug, Default)]
struct AbortInner {
    aborted: Cell<bool>,
    in_flight: RefCell<Vec<browser::Controller>>,
}

impl Abort {
    pub fn new() -> Abort {
        Abort::default()
    }

    pub fn abort(&self) {
        self.0.aborted.set(true);
        for c in self.0.in_flight.take() {
            c.abort();
        }
    }

    pub fn is_aborted(&self) -> bool {
        self.0.aborted.get()
    }
}

/// One method and path of the relay's own API, or of the forwarding route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
    Put,
    Delete,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Delete => "DELETE",
        }
    }
}

/// Told after each relay call whether the relay answered it (the header light).
type RelayAnswerListener = Rc<dyn Fn(bool)>;

thread_local! {
    static ON_RELAY_ANSWER: RefCell<Option<RelayAnswerListener>> = const { RefCell::new(None) };
}

/// Calls `f` after every relay call: `true` when the relay answered (any status), `false` when
/// it did not ([`ApiError::Unreachable`], [`ApiError::TimedOut`]). Aborted calls tell nothing.
pub fn on_relay_answer(f: impl Fn(bool) + 'static) {
    ON_RELAY_ANSWER.with(|l| *l.borrow_mut() = Some(Rc::new(f)));
}

fn tell_relay_answer(result: &Result<Answer, ApiError>) {
    let answered = match result {
        Ok(_) => true,
        Err(ApiError::Unreachable | ApiError::TimedOut) => false,
        Err(_) => return,
    };
    // Cloned out first: the listener sets signals, whose effects may send requests.
    if let Some(f) = ON_RELAY_ANSWER.with(|l| l.borrow().clone()) {
        f(answered);
    }
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
    pub async fn session(&self, abort: &Abort) -> Result<SessionLookup, ApiError> {
        session_lookup(self.relay(Method::Get, SESSION_PATH, None, abort).await?)
    }

    /// `POST /api/session {"token"}`: the relay checks the shape, asks Apify who it is, seals it
    /// and sets the session cookie.
    pub async fn connect(&self, token: String, abort: &Abort) -> Result<SessionInfo, ApiError> {
        let body = serde_json::to_string(&ConnectRequest::new(token))
            .map_err(|e| ApiError::BadAnswer(e.to_string()))?;
        self.relay(Method::Post, SESSION_PATH, Some(body), abort)
            .await?
            .json()
    }

    /// `DELETE /api/session`: the relay expires the cookie.
    pub async fn disconnect(&self, abort: &Abort) -> Result<(), ApiError> {
        let answer = self
            .relay(Method::Delete, SESSION_PATH, None, abort)
            .await?;
        if answer.ok() {
            Ok(())
        } else {
            Err(answer.error())
        }
    }

    /// `GET /api/audit`: the probe statuses of the session's token.
    pub async fn audit(&self, abort: &Abort) -> Result<AuditReport, ApiError> {
        self.relay(Method::Get, AUDIT_PATH, None, abort)
            .await?
            .json()
    }

    /// `GET /api/demo-tokens` (demo mode only).
    pub async fn demo_tokens(&self, abort: &Abort) -> Result<Vec<DemoTokenInfo>, ApiError> {
        self.relay(Method::Get, DEMO_TOKENS_PATH, None, abort)
            .await?
            .json()
    }

    /// One allow-listed Apify request through `/api/apify`, once (no pacing, no retry: see
    /// [`forge_load::Fetcher`] for those).
    pub async fn apify(
        &self,
        request: &ApifyPath,
        body: Option<String>,
        abort: &Abort,
    ) -> Result<Answer, ApiError> {
        let method = match request.method() {
            forge_apify::allow::Method::Get => Method::Get,
            forge_apify::allow::Method::Post => Method::Post,
            forge_apify::allow::Method::Put => Method::Put,
        };
        self.relay(method, &request.relay_path(), body, abort).await
    }

    /// One `fetch` to the relay's `path`.
    async fn relay(
        &self,
        method: Method,
        path: &str,
        json_body: Option<String>,
        abort: &Abort,
    ) -> Result<Answer, ApiError> {
        if abort.is_aborted() {
            return Err(ApiError::Aborted);
        }
        let result = browser::fetch(&self.config.url(path), method, json_body, true, abort).await;
        tell_relay_answer(&result);
        result
    }
}

/// The loader's transport in the browser: allow-listed requests through the relay, aborted with
/// `abort`, and the browser's clock and timers.
#[derive(Debug, Clone)]
pub struct Relay {
    pub client: Client,
    pub abort: Abort,
}

impl Transport for Relay {
    async fn send(&self, request: &ApifyPath, body: Option<String>) -> Result<Answer, ApiError> {
        self.client.apify(request, body, &self.abort).await
    }

    fn cancelled(&self) -> bool {
        self.abort.is_aborted()
    }

    fn now_ms(&self) -> f64 {
        clock::now_ms()
    }

    async fn sleep(&self, ms: f64) {
        clock::sleep_ms(ms).await;
    }

    fn random(&self) -> f64 {
        clock::random()
    }
}

/// Reads `/forge-config.json` from the site. Any failure means "same origin".
pub async fn load_config() -> Result<AppConfig, crate::api::config::ConfigProblem> {
    match browser::fetch(CONFIG_PATH, Method::Get, None, false, &Abort::new()).await {
        Ok(answer) if answer.status == 200 => AppConfig::parse(&answer.body),
        _ => Ok(AppConfig::default()),
    }
}

/// The only code that calls `fetch` (through gloo-net).
mod browser {
    use super::{Abort, Answer, ApiError, Method, CLIENT_HEADER, CLIENT_HEADER_VALUE};
    use forge_load::answer::REQUEST_TIMEOUT_MS;
    use std::cell::Cell;
    use std::rc::Rc;
    use wasm_bindgen::closure::Closure;
    use wasm_bindgen::{JsCast, JsValue};
    use web_sys::{AbortController, Headers, RequestCache, RequestCredentials, RequestInit};

    /// One request's `AbortController`. Dropped before the answer is read (its future was
    /// dropped), it aborts the `fetch`.
    #[derive(Debug, Clone)]
    pub struct Controller(AbortController);

    impl Controller {
        pub fn abort(&self) {
            self.0.abort();
        }
    }

    struct AbortOnDrop<'a> {
        controller: Controller,
        owner: &'a Abort,
        done: bool,
        /// The `setTimeout` that aborts the request after [`REQUEST_TIMEOUT_MS`], and the
        /// closure it calls (kept alive until the timer is cleared).
        deadline: Option<(i32, Closure<dyn FnMut()>)>,
    }

    impl Drop for AbortOnDrop<'_> {
        fn drop(&mut self) {
            if let (Some((handle, _)), Some(w)) = (self.deadline.take(), web_sys::window()) {
                w.clear_timeout_with_handle(handle);
            }
            if !self.done {
                self.controller.abort();
            }
            self.owner
                .0
                .in_flight
                .borrow_mut()
                .retain(|c| c.0 != self.controller.0);
        }
    }

    /// `api`: a relay call (credentials included, `X-Forge-Client: 1`); otherwise a plain
    /// same-origin read of a static file.
    ///
    /// The request is put together with `web_sys` and sent by gloo-net: gloo-net 0.6's
    /// `RequestBuilder` re-serialises a URL that already has a query with a stray `&` at the
    /// end (`?my=1&limit=1000&`), and the relay rightly refuses the empty pair. The paths come
    /// canonical from `forge_apify::paths` and are sent exactly as built.
    pub async fn fetch(
        url: &str,
        method: Method,
        json_body: Option<String>,
        api: bool,
        abort: &Abort,
    ) -> Result<Answer, ApiError> {
        let broken = |_| ApiError::Unreachable;
        let controller = Controller(AbortController::new().map_err(broken)?);
        abort.0.in_flight.borrow_mut().push(controller.clone());
        let timed_out = Rc::new(Cell::new(false));
        let deadline = {
            let (controller, timed_out) = (controller.clone(), timed_out.clone());
            let on_deadline = Closure::<dyn FnMut()>::new(move || {
                timed_out.set(true);
                controller.abort();
            });
            web_sys::window()
                .and_then(|w| {
                    w.set_timeout_with_callback_and_timeout_and_arguments_0(
                        on_deadline.as_ref().unchecked_ref(),
                        REQUEST_TIMEOUT_MS as i32,
                    )
                    .ok()
                })
                .map(|handle| (handle, on_deadline))
        };
        let mut guard = AbortOnDrop {
            controller,
            owner: abort,
            done: false,
            deadline,
        };
        let headers = Headers::new().map_err(broken)?;
        let init = RequestInit::new();
        init.set_method(method.as_str());
        init.set_cache(RequestCache::NoStore);
        init.set_signal(Some(&guard.controller.0.signal()));
        if api {
            headers
                .set(CLIENT_HEADER, CLIENT_HEADER_VALUE)
                .map_err(broken)?;
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
        let request = web_sys::Request::new_with_str_and_init(url, &init).map_err(broken)?;
        let failed = |abort: &Abort| {
            if timed_out.get() {
                ApiError::TimedOut
            } else if abort.is_aborted() {
                ApiError::Aborted
            } else {
                ApiError::Unreachable
            }
        };
        let response = gloo_net::http::Request::from(request)
            .send()
            .await
            .map_err(|_| failed(abort))?;
        let status = response.status();
        let body = response.text().await.map_err(|_| failed(abort))?;
        guard.done = true;
        Ok(Answer { status, body })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use forge_apify::wire::RelayMode;

    fn answer(status: u16, body: &str) -> Answer {
        Answer {
            status,
            body: body.to_string(),
        }
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
    fn apify_pages_decode_into_the_shared_models() {
        use forge_apify::models::{Actor, ActorShort, PaginationList};
        // Apify sends `null` for absent objects and flags; the shared models take both.
        let list = r#"{"data":{"total":2,"offset":0,"limit":1000,"count":2,"desc":false,"items":[
            {"id":"a1","name":"shop-scraper","username":"forge-demo","title":"Shop scraper","stats":{"totalRuns":12}},
            {"id":"a2","name":"bare","username":"forge-demo","stats":null}]}}"#;
        let page: PaginationList<ActorShort> = answer(200, list).data().unwrap();
        assert_eq!(page.total, 2);
        assert_eq!(page.items[1].title, None);
        let one = r#"{"data":{"id":"a1","name":"shop-scraper","username":"u","isPublic":null,"isDeprecated":null,"stats":null,
            "defaultRunOptions":{"build":"latest","timeoutSecs":3600,"memoryMbytes":1024},
            "taggedBuilds":{"latest":{"buildId":"b","buildNumber":"0.1.5","finishedAt":"2026-01-01T00:00:00.000Z"}}}}"#;
        let actor: Actor = answer(200, one).data().unwrap();
        assert_eq!(actor.latest_build_number(), Some("0.1.5"));
        let null_tags = r#"{"data":{"id":"a1","name":"n","username":"u","taggedBuilds":null}}"#;
        assert!(answer(200, null_tags).data::<Actor>().is_ok());
    }

    #[test]
    fn permission_errors_are_explained() {
        let e = ApiError::from_answer(
            403,
            r#"{"error":{"type":"insufficient-permissions","message":"Insufficient permissions for the Actor."}}"#,
        );
        assert!(e.is_permission_denied());
        assert!(e
            .message()
            .starts_with("Apify refused: this token lacks the permission"));
        let refused = ApiError::from_answer(
            403,
            r#"{"error":{"type":"forge-not-allowed","message":"x"}}"#,
        );
        assert!(!refused.is_permission_denied());
        let e = ApiError::from_answer(
            401,
            r#"{"error":{"type":"forge-session-invalid","message":"x"}}"#,
        );
        assert!(e.message().contains("Settings"));
    }

    #[test]
    fn transient_errors_are_retried_others_not() {
        let e = |status, kind: &str| {
            ApiError::from_answer(
                status,
                &format!(r#"{{"error":{{"type":"{kind}","message":"x"}}}}"#),
            )
        };
        assert!(e(429, "rate-limit-exceeded").is_transient());
        assert!(e(503, "x").is_transient());
        assert!(ApiError::Unreachable.is_transient());
        // A stalled exchange is not repeated: another try would stall as long.
        assert!(!ApiError::TimedOut.is_transient());
        assert!(!e(403, "insufficient-permissions").is_transient());
        assert!(!e(404, "record-not-found").is_transient());
        assert!(!ApiError::Aborted.is_transient());
    }

    #[test]
    fn an_away_relay_stops_a_load_and_a_refusal_does_not() {
        let e = |status| ApiError::from_answer(status, "");
        for stops in [
            ApiError::Unreachable,
            ApiError::TimedOut,
            e(502),
            e(503),
            e(504),
        ] {
            assert!(stops.stops_load(), "{stops:?}");
        }
        for goes_on in [e(403), e(404), e(429), e(500), ApiError::Aborted] {
            assert!(!goes_on.stops_load(), "{goes_on:?}");
        }
        assert!(ApiError::TimedOut.message().contains("40 seconds"));
    }
}
