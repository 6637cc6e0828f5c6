//! The header's connection light: green "connected as <username>", grey "not connected",
//! amber "token needs attention", red "relay not answering" — from the session, the scope
//! check, the token's age, and whether the relay answered the last request.

use crate::data::session::SessionState;
use crate::view_model::time::TokenAge;
use forge_apify::audit::ScopeCheck;
use forge_apify::time::parse_iso_millis;
use forge_apify::wire::SessionInfo;

/// The header's connection light.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Light {
    Green,
    Grey,
    Amber,
    Red,
}

impl Light {
    pub fn class(self) -> &'static str {
        match self {
            Light::Green => "light light-green",
            Light::Grey => "light light-grey",
            Light::Amber => "light light-amber",
            Light::Red => "light light-red",
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
pub fn token_age(info: &SessionInfo, now_ms: i64) -> Option<TokenAge> {
    let sealed = info.sealed_at.as_deref().and_then(parse_iso_millis);
    let expires = info.expires_at.as_deref().and_then(parse_iso_millis);
    TokenAge::of(sealed, expires, now_ms)
}

/// What the header shows: green "connected as <username>", grey "not connected", amber "token
/// needs attention" (expiring within ten days, past day 80, or a scope check that found missing
/// or extra permissions), red "relay not answering" while the session's last relay request got
/// no answer (`relay_answering` false) — whatever the session said before.
pub fn indicator(
    session: &SessionState,
    check: Option<&ScopeCheck>,
    now_ms: i64,
    relay_answering: bool,
) -> Indicator {
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
    if !relay_answering {
        return Indicator {
            light: Light::Red,
            text: "relay not answering".to_string(),
            detail: format!(
                "Connected as {}, but the Forge relay did not answer the last request. Check that it is running; the light turns green with its next answer.",
                info.username
            ),
        };
    }
    let mut problems = Vec::new();
    match token_age(info, now_ms) {
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
    use crate::data::session::Disconnected;
    use forge_apify::audit::{assess, AuditReport};
    use forge_apify::audit::{ProbeId, EXACT_TOKEN_STATUSES};
    use forge_apify::wire::RelayMode;

    fn info(sealed_at: Option<&str>, expires_at: Option<&str>) -> SessionState {
        SessionState::Connected(SessionInfo {
            mode: RelayMode::Sealed,
            user_id: "u1".into(),
            username: "ana".into(),
            sealed_at: sealed_at.map(str::to_string),
            expires_at: expires_at.map(str::to_string),
            retention_days: None,
            demo_token: None,
        })
    }

    fn report(statuses: &[(ProbeId, u16)], full_access: bool) -> AuditReport {
        AuditReport::from_statuses(statuses, full_access)
    }

    const SCOPED: &[(ProbeId, u16)] = EXACT_TOKEN_STATUSES;

    // 2026-01-01T00:00:00Z
    const JAN1: i64 = 1_767_225_600_000;
    const DAY: i64 = 86_400_000;

    #[test]
    fn grey_when_not_connected() {
        for s in [
            SessionState::Loading,
            SessionState::Unreachable("x".into()),
            SessionState::Disconnected(Disconnected::Never),
        ] {
            assert_eq!(indicator(&s, None, JAN1, true).light, Light::Grey);
        }
        assert_eq!(
            indicator(
                &SessionState::Disconnected(Disconnected::ByUser),
                None,
                JAN1,
                true
            )
            .text,
            "not connected"
        );
    }

    #[test]
    fn green_for_a_fresh_exact_token() {
        let s = info(Some("2026-01-01T00:00:00Z"), Some("2026-04-01T00:00:00Z"));
        let check = assess(&report(SCOPED, false), None);
        let i = indicator(&s, Some(&check), JAN1 + 12 * DAY, true);
        assert_eq!(
            (i.light, i.text.as_str()),
            (Light::Green, "connected as ana")
        );
        // Local mode: no dates, still green.
        let local = info(None, None);
        assert_eq!(indicator(&local, None, JAN1, true).light, Light::Green);
    }

    #[test]
    fn red_while_the_relay_does_not_answer_and_green_again_after() {
        let s = info(Some("2026-01-01T00:00:00Z"), Some("2026-04-01T00:00:00Z"));
        let check = assess(&report(SCOPED, false), None);
        let down = indicator(&s, Some(&check), JAN1, false);
        assert_eq!(
            (down.light, down.text.as_str()),
            (Light::Red, "relay not answering")
        );
        assert!(down.detail.contains("ana"), "{}", down.detail);
        assert_eq!(indicator(&s, Some(&check), JAN1, true).light, Light::Green);
        // Not connected stays grey: that state already says the relay is away or empty.
        let unreachable = SessionState::Unreachable("x".into());
        assert_eq!(
            indicator(&unreachable, None, JAN1, false).light,
            Light::Grey
        );
    }

    #[test]
    fn amber_for_age_and_scope_problems() {
        let s = info(Some("2026-01-01T00:00:00Z"), Some("2026-04-01T00:00:00Z"));
        let day = |d: i64| JAN1 + d * DAY;
        let i = indicator(&s, None, day(82), true);
        assert_eq!(
            (i.light, i.text.as_str()),
            (Light::Amber, "token needs attention")
        );
        assert!(i.detail.contains("rotate"), "{}", i.detail);
        assert_eq!(indicator(&s, None, day(91), true).light, Light::Amber);

        let missing = SCOPED
            .iter()
            .map(|&(p, st)| (p, if p == ProbeId::KvWrite { 403 } else { st }))
            .collect::<Vec<_>>();
        let check = assess(&report(&missing, false), None);
        let i = indicator(&s, Some(&check), day(1), true);
        assert_eq!(i.light, Light::Amber);
        assert!(i.detail.contains("1 permission missing"), "{}", i.detail);

        let broad = SCOPED
            .iter()
            .map(|&(p, st)| (p, if p == ProbeId::Webhooks { 200 } else { st }))
            .collect::<Vec<_>>();
        let check = assess(&report(&broad, false), None);
        assert!(indicator(&s, Some(&check), day(1), true)
            .detail
            .contains("broader"));
        let check = assess(&report(&broad, true), None);
        assert!(indicator(&s, Some(&check), day(1), true)
            .detail
            .contains("full access"));
    }
}
