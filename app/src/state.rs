//! The app's shared state — the connection and the scope check — and the actions that change
//! it. Pages read it through [`Forge`], which is `Copy` and provided as context by the app root.
//! [`indicator`] (what the header shows) is pure and tested natively.

use crate::client::{ApiError, Client, RelayMode, SessionInfo, SessionLookup};
use crate::time::{self, TokenAge};
use forge_apify::audit::{assess, AuditReport, ScopeCheck};
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
    /// What the first Run told about Actors: Run (`Some(true)` started, `Some(false)` 403).
    pub run_known: RwSignal<Option<bool>>,
    /// Unix seconds, refreshed whenever the session is read.
    pub now: RwSignal<i64>,
    /// Bumped after every successful connect, so views that load data refetch.
    pub generation: RwSignal<u32>,
    /// Numbers scope checks, so an older one that finishes late cannot overwrite a newer one
    /// (e.g. the check of the previous token, still running when a new token is saved).
    audit_seq: StoredValue<u64>,
}

impl Forge {
    pub fn new(client: Client) -> Forge {
        Forge {
            client: StoredValue::new(client),
            session: RwSignal::new(SessionState::Loading),
            audit: RwSignal::new(AuditState::Idle),
            run_known: RwSignal::new(None),
            now: RwSignal::new(time::now_unix()),
            generation: RwSignal::new(0),
            audit_seq: StoredValue::new(0),
        }
    }

    /// From context (the app root provides it).
    pub fn get() -> Forge {
        expect_context::<Forge>()
    }

    fn client(&self) -> Client {
        self.client.get_value()
    }

    /// The scope check as the app shows it: `assess` over the last report, in WebAssembly.
    pub fn scope_check(&self) -> Option<ScopeCheck> {
        match self.audit.get() {
            AuditState::Done(report) => Some(assess(&report, self.run_known.get())),
            _ => None,
        }
    }

    /// Asks the relay who is connected; starts the scope check when someone is and it has not
    /// run yet in this page.
    pub async fn refresh_session(self) {
        let next = match self.client().session().await {
            Ok(SessionLookup::Connected(info)) => SessionState::Connected(info),
            Ok(SessionLookup::Missing) => SessionState::Disconnected(Disconnected::Never),
            Ok(SessionLookup::Invalid) => SessionState::Disconnected(Disconnected::Ended),
            Err(e) => SessionState::Unreachable(e.message()),
        };
        self.now.set(time::now_unix());
        let connected = matches!(next, SessionState::Connected(_));
        self.session.set(next);
        if connected {
            if self.audit.get_untracked() == AuditState::Idle {
                self.run_audit().await;
            }
        } else {
            self.forget_audit();
        }
    }

    /// `POST /api/session`, then (in the background) the scope check. The error is the message
    /// to show.
    pub async fn connect(self, token: String) -> Result<SessionInfo, String> {
        let result = self.client().connect(&token).await;
        drop(token);
        match result {
            Ok(info) => {
                self.now.set(time::now_unix());
                self.run_known.set(None);
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
            .disconnect()
            .await
            .map_err(|e: ApiError| e.message())?;
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
        let next = match self.client().audit().await {
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

/// The header's connection light.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Light {
    Green,
    Grey,
    Amber,
}

impl Light {
    pub fn class(self) -> &'static str {
        match self {
            Light::Green => "light light-green",
            Light::Grey => "light light-grey",
            Light::Amber => "light light-amber",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Indicator {
    pub light: Light,
    /// Short text next to the light.
    pub text: String,
    /// A longer explanation (tooltip and screen readers).
    pub detail: String,
}

/// The token's age, for a sealed session.
pub fn token_age(info: &SessionInfo, now: i64) -> Option<TokenAge> {
    let sealed = info.sealed_at.as_deref().and_then(time::parse_rfc3339);
    let expires = info.expires_at.as_deref().and_then(time::parse_rfc3339);
    TokenAge::of(sealed, expires, now)
}

/// What the header shows: green "connected as <username>", grey "not connected", amber "token
/// needs attention" (expiring within ten days, past day 80, or a scope check that found missing
/// or extra permissions).
pub fn indicator(session: &SessionState, check: Option<&ScopeCheck>, now: i64) -> Indicator {
    let grey = |text: &str, detail: &str| Indicator {
        light: Light::Grey,
        text: text.to_string(),
        detail: detail.to_string(),
    };
    let info = match session {
        SessionState::Loading => return grey("checking connection…", "Asking the relay."),
        SessionState::Unreachable(why) => return grey("relay unreachable", why),
        SessionState::Disconnected(_) => {
            return grey("not connected", "Connect an Apify token in Settings.")
        }
        SessionState::Connected(info) => info,
    };
    let mut problems = Vec::new();
    match token_age(info, now) {
        Some(TokenAge::Expired) => problems.push("the session has expired".to_string()),
        Some(TokenAge::RotateSoon { days_left, .. }) => problems.push(match days_left {
            Some(d) => format!("the session ends in {d} days: time to rotate the token"),
            None => "time to rotate the token".to_string(),
        }),
        _ => {}
    }
    if let Some(c) = check {
        if c.rejected {
            problems.push("Apify rejects the token".to_string());
        }
        let missing = c.missing().count();
        if missing > 0 {
            problems.push(format!(
                "{missing} permission{} missing",
                if missing == 1 { "" } else { "s" }
            ));
        }
        if c.full_access {
            problems.push("the token has full access".to_string());
        } else if !c.extra.is_empty() {
            problems.push("the token is broader than the five permissions".to_string());
        }
    }
    if problems.is_empty() {
        Indicator {
            light: Light::Green,
            text: format!("connected as {}", info.username),
            detail: format!("Connected to Apify as {}.", info.username),
        }
    } else {
        Indicator {
            light: Light::Amber,
            text: "token needs attention".to_string(),
            detail: format!(
                "Connected as {}, but {}.",
                info.username,
                problems.join("; ")
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use forge_apify::audit::{ProbeId, ProbeStatus};

    fn info(sealed_at: Option<&str>, expires_at: Option<&str>) -> SessionState {
        SessionState::Connected(SessionInfo {
            mode: RelayMode::Sealed,
            user_id: "u1".into(),
            username: "ana".into(),
            sealed_at: sealed_at.map(str::to_string),
            expires_at: expires_at.map(str::to_string),
        })
    }

    fn report(statuses: &[(ProbeId, u16)], full_access: bool) -> AuditReport {
        AuditReport {
            probes: statuses
                .iter()
                .map(|&(probe, status)| ProbeStatus { probe, status })
                .collect(),
            full_access,
        }
    }

    const SCOPED: &[(ProbeId, u16)] = &[
        (ProbeId::ActorsRead, 200),
        (ProbeId::RunsRead, 200),
        (ProbeId::BuildsRead, 200),
        (ProbeId::DatasetsRead, 200),
        (ProbeId::KvRead, 200),
        (ProbeId::KvWrite, 201),
        (ProbeId::Schedules, 403),
        (ProbeId::Tasks, 403),
        (ProbeId::Webhooks, 403),
        (ProbeId::RequestQueues, 403),
    ];

    // 2026-01-01T00:00:00Z
    const JAN1: i64 = 1_767_225_600;

    #[test]
    fn grey_when_not_connected() {
        for s in [
            SessionState::Loading,
            SessionState::Unreachable("x".into()),
            SessionState::Disconnected(Disconnected::Never),
        ] {
            assert_eq!(indicator(&s, None, JAN1).light, Light::Grey);
        }
        assert_eq!(
            indicator(
                &SessionState::Disconnected(Disconnected::ByUser),
                None,
                JAN1
            )
            .text,
            "not connected"
        );
    }

    #[test]
    fn green_for_a_fresh_exact_token() {
        let s = info(Some("2026-01-01T00:00:00Z"), Some("2026-04-01T00:00:00Z"));
        let check = assess(&report(SCOPED, false), None);
        let i = indicator(&s, Some(&check), JAN1 + 12 * 86_400);
        assert_eq!(
            (i.light, i.text.as_str()),
            (Light::Green, "connected as ana")
        );
        // Local mode: no dates, still green.
        let local = info(None, None);
        assert_eq!(indicator(&local, None, JAN1).light, Light::Green);
    }

    #[test]
    fn amber_for_age_and_scope_problems() {
        let s = info(Some("2026-01-01T00:00:00Z"), Some("2026-04-01T00:00:00Z"));
        let day = |d: i64| JAN1 + d * 86_400;
        let i = indicator(&s, None, day(82));
        assert_eq!(
            (i.light, i.text.as_str()),
            (Light::Amber, "token needs attention")
        );
        assert!(i.detail.contains("rotate"), "{}", i.detail);
        assert_eq!(indicator(&s, None, day(91)).light, Light::Amber);

        let missing = SCOPED
            .iter()
            .map(|&(p, st)| (p, if p == ProbeId::KvWrite { 403 } else { st }))
            .collect::<Vec<_>>();
        let check = assess(&report(&missing, false), None);
        let i = indicator(&s, Some(&check), day(1));
        assert_eq!(i.light, Light::Amber);
        assert!(i.detail.contains("1 permission missing"), "{}", i.detail);

        let broad = SCOPED
            .iter()
            .map(|&(p, st)| (p, if p == ProbeId::Webhooks { 200 } else { st }))
            .collect::<Vec<_>>();
        let check = assess(&report(&broad, false), None);
        assert!(indicator(&s, Some(&check), day(1))
            .detail
            .contains("broader"));
        let check = assess(&report(&broad, true), None);
        assert!(indicator(&s, Some(&check), day(1))
            .detail
            .contains("full access"));
    }
}
