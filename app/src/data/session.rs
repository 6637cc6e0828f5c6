//! The connection and the scope check — the state every page reads — and the actions that
//! change them. Pages reach it through [`Forge`], which is `Copy` and provided as context by
//! the app root.

use crate::api::{clock, storage, Abort, ApiError, Client, SessionLookup};
use forge_apify::audit::{assess, AuditReport, ScopeCheck};
use forge_apify::wire::{DemoTokenInfo, RelayMode, SessionInfo};
use leptos::prelude::*;

/// Where the connection stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SessionState {
    /// Asking the relay.
    Loading,
    /// The relay did not answer (the message says what to check).
    Unreachable(String),
    /// A relay that seals pasted tokens, with no (valid) session.
    Disconnected(Disconnected),
    Connected(SessionInfo),
}

/// Why there is no session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Disconnected {
    /// No session cookie: a first visit.
    Never,
    /// The relay could not open the cookie: expired, or revoked by a key rotation.
    Ended,
    /// The user pressed Disconnect.
    ByUser,
}

impl SessionState {
    pub fn connected(&self) -> Option<&SessionInfo> {
        match self {
            SessionState::Connected(s) => Some(s),
            _ => None,
        }
    }
}

/// The scope check's data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuditState {
    Idle,
    Running,
    Done(AuditReport),
    Failed(String),
}

/// Handles to the shared state. Cheap to copy into closures.
#[derive(Debug, Clone, Copy)]
pub struct Forge {
    pub client: StoredValue<Client>,
    pub session: RwSignal<SessionState>,
    pub audit: RwSignal<AuditState>,
    /// What the first Run told about Actors: Run (`Some(true)` started, `Some(false)` 403),
    /// kept for the tab's session ([`Forge::learn_run`]).
    pub run_known: RwSignal<Option<bool>>,
    /// Unix ms, refreshed whenever the session is read.
    pub now_ms: RwSignal<i64>,
    /// Bumped after every successful connect, so views that load data refetch.
    pub generation: RwSignal<u32>,
    /// The relay answered the last request sent to it (any status): the header light turns
    /// red while it does not.
    pub relay_answering: RwSignal<bool>,
    /// Numbers scope checks, so an older one that finishes late cannot overwrite a newer one
    /// (e.g. the check of the previous token, still running when a new token is saved).
    audit_seq: StoredValue<u64>,
}

impl Forge {
    pub fn new(client: Client) -> Forge {
        let forge = Forge {
            client: StoredValue::new(client),
            session: RwSignal::new(SessionState::Loading),
            audit: RwSignal::new(AuditState::Idle),
            run_known: RwSignal::new(None),
            now_ms: RwSignal::new(clock::now_ms() as i64),
            generation: RwSignal::new(0),
            relay_answering: RwSignal::new(true),
            audit_seq: StoredValue::new(0),
        };
        crate::api::on_relay_answer(move |answered| {
            if forge.relay_answering.get_untracked() != answered {
                forge.relay_answering.set(answered);
            }
        });
        forge
    }

    /// From context (the app root provides it).
    pub fn get() -> Forge {
        expect_context::<Forge>()
    }

    pub fn client(&self) -> Client {
        self.client.get_value()
    }

    /// The scope check as the app shows it: `assess` over the last report, in WebAssembly.
    pub fn scope_check(&self) -> Option<ScopeCheck> {
        match self.audit.get() {
            AuditState::Done(report) => Some(assess(&report, self.run_known.get())),
            _ => None,
        }
    }

    /// What a Run just told about Actors: Run (`true`: it started; `false`: Apify refused it),
    /// remembered for this connection while the tab is open, so a reload does not forget it.
    pub fn learn_run(self, allowed: bool) {
        self.run_known.set(Some(allowed));
        if let Some(info) = self.session.with_untracked(|s| s.connected().cloned()) {
            storage::tab_set(
                RUN_KNOWN_KEY,
                &format!("{}={allowed}", connection_id(&info)),
            );
        }
    }

    /// Asks the relay who is connected; starts the scope check when someone is and it has not
    /// run yet in this page.
    pub async fn refresh_session(self) {
        let next = match self.client().session(&Abort::new()).await {
            Ok(SessionLookup::Connected(info)) => SessionState::Connected(info),
            Ok(SessionLookup::Missing) => SessionState::Disconnected(Disconnected::Never),
            Ok(SessionLookup::Invalid) => SessionState::Disconnected(Disconnected::Ended),
            Err(e) => SessionState::Unreachable(e.message()),
        };
        self.now_ms.set(clock::now_ms() as i64);
        let connected = matches!(next, SessionState::Connected(_));
        if let SessionState::Connected(info) = &next {
            self.run_known.set(learned_run(info));
        }
        self.session.set(next);
        if connected {
            if self.audit.get_untracked() == AuditState::Idle {
                self.run_audit().await;
            }
        } else {
            self.forget_audit();
        }
    }

    /// Asks again after "Cannot reach the relay" (the Try again button).
    pub fn retry_session(self) {
        self.session.set(SessionState::Loading);
        leptos::task::spawn_local(self.refresh_session());
    }

    /// `POST /api/session`, then (in the background) the scope check. The error is the message
    /// to show.
    pub async fn connect(self, token: String) -> Result<SessionInfo, String> {
        let result = self.client().connect(token, &Abort::new()).await;
        match result {
            Ok(info) => {
                self.now_ms.set(clock::now_ms() as i64);
                self.run_known.set(learned_run(&info));
                self.session.set(SessionState::Connected(info.clone()));
                self.generation.update(|g| *g += 1);
                // The scope check runs on its own; the form is free again at once.
                self.start_audit();
                Ok(info)
            }
            Err(e) => Err(e.connect_message()),
        }
    }

    /// `DELETE /api/session`. In demo mode that is "back to the default demo token".
    pub async fn disconnect(self) -> Result<(), String> {
        let mode = self.session.get_untracked().connected().map(|s| s.mode);
        self.client()
            .disconnect(&Abort::new())
            .await
            .map_err(|e| e.message())?;
        self.run_known.set(None);
        self.forget_audit();
        self.generation.update(|g| *g += 1);
        match mode {
            Some(RelayMode::Sealed) | None => {
                self.session
                    .set(SessionState::Disconnected(Disconnected::ByUser));
            }
            Some(RelayMode::Demo | RelayMode::Local) => self.refresh_session().await,
        }
        Ok(())
    }

    /// The simulated account's tokens to try (`GET /api/demo-tokens`, demo mode only).
    pub async fn demo_tokens(self, abort: &Abort) -> Result<Vec<DemoTokenInfo>, ApiError> {
        self.client().demo_tokens(abort).await
    }

    /// `GET /api/audit`.
    pub async fn run_audit(self) {
        let seq = self.next_audit_seq();
        self.audit.set(AuditState::Running);
        self.finish_audit(seq).await;
    }

    /// Starts `GET /api/audit` in the background; the check shows as running at once.
    pub fn start_audit(self) {
        let seq = self.next_audit_seq();
        self.audit.set(AuditState::Running);
        leptos::task::spawn_local(self.finish_audit(seq));
    }

    async fn finish_audit(self, seq: u64) {
        let next = match self.client().audit(&Abort::new()).await {
            Ok(report) => AuditState::Done(report),
            Err(e) => AuditState::Failed(e.message()),
        };
        if self.audit_seq.get_value() == seq {
            self.audit.set(next);
        }
    }

    fn next_audit_seq(&self) -> u64 {
        self.audit_seq.update_value(|s| *s += 1);
        self.audit_seq.get_value()
    }

    /// No check for the current connection (any check in flight is dropped when it ends).
    fn forget_audit(&self) {
        self.next_audit_seq();
        self.audit.set(AuditState::Idle);
    }
}

/// `sessionStorage` key of what a Run told about Actors: Run (`<connection>=true|false`).
const RUN_KNOWN_KEY: &str = "forge.actors-run";

/// One connection: the account and when its token was sealed (a new token is a new
/// connection; the relay's own token in `local` and `demo` mode is one per account).
fn connection_id(info: &SessionInfo) -> String {
    format!(
        "{}|{}",
        info.user_id,
        info.sealed_at.as_deref().unwrap_or("relay")
    )
}

/// What this tab learned about Actors: Run on the connection `info`, if anything.
fn learned_run(info: &SessionInfo) -> Option<bool> {
    let stored = storage::tab_get(RUN_KNOWN_KEY)?;
    let (connection, allowed) = stored.rsplit_once('=')?;
    (connection == connection_id(info)).then(|| allowed == "true")
}
