//! The scope check and the five permissions in words: verdict marks, notes, the summary line,
//! and the two namings of the five (Forge's and today's Apify Console's).

use forge_apify::audit::{consequence, ScopeCheck, Verdict};
use forge_apify::{Grant, Resource};

/// Mark, CSS class and word for a verdict.
pub fn verdict_parts(v: Verdict) -> (&'static str, &'static str, &'static str) {
    match v {
        Verdict::Granted => ("✓", "ok", "Granted"),
        Verdict::Missing => ("✗", "missing", "Missing"),
        Verdict::Untestable => ("…", "untestable", "Not yet verified"),
        Verdict::Unknown => ("?", "unknown", "Unknown"),
    }
}

/// The explanation next to a verdict.
pub fn verdict_note(grant: Grant, v: Verdict) -> String {
    match v {
        Verdict::Granted => sentence(grant.why()),
        Verdict::Missing => consequence(grant).to_string(),
        Verdict::Untestable => "Testing it would start a run, so Forge does not: the first Run you start from Forge verifies it, and Forge remembers the answer for this session.".to_string(),
        Verdict::Unknown => "Apify did not answer clearly (rate limit or a temporary error). Check again in a moment.".to_string(),
    }
}

/// "list the Actors in your fleet" → "List the Actors in your fleet." (The phrases are
/// Forge's own English, so an ASCII capital is enough.)
pub fn sentence(phrase: &str) -> String {
    let mut out = phrase.to_string();
    if let Some(first) = out.get_mut(..1) {
        first.make_ascii_uppercase();
    }
    if !out.ends_with('.') {
        out.push('.');
    }
    out
}

/// A stable name for a verdict, for `data-verdict` (tests read it).
pub fn verdict_code(v: Verdict) -> &'static str {
    match v {
        Verdict::Granted => "granted",
        Verdict::Missing => "missing",
        Verdict::Untestable => "untestable",
        Verdict::Unknown => "unknown",
    }
}

/// The summary line above the matrix.
pub fn summary(check: &ScopeCheck) -> (&'static str, String) {
    let missing = check.missing().count();
    if check.rejected {
        (
            "error",
            "Apify rejected this token: it is revoked, expired or mistyped. Connect a new scoped token.".to_string(),
        )
    } else if check.full_access {
        (
            "warn",
            "⚠ This is a full-access token: it can do anything in your Apify account, including deleting Actors and storages. Forge needs only five permissions.".to_string(),
        )
    } else if !check.extra.is_empty() && missing > 0 {
        (
            "warn",
            format!(
                "⚠ This token is broader than Forge needs (it can also use {}) and {missing} of the five are missing.",
                check.extra.join(", ")
            ),
        )
    } else if !check.extra.is_empty() {
        (
            "warn",
            format!(
                "⚠ This token is broader than Forge needs: it can also use {}.",
                check.extra.join(", ")
            ),
        )
    } else if missing > 0 {
        // Each missing permission by name, with what stops working without it.
        let each: Vec<String> = check
            .missing()
            .map(|g| format!("{} — {}", g.label(), consequence(g)))
            .collect();
        (
            "error",
            format!(
                "✗ {} missing: {} Apify cannot add permissions to a token — create a new scoped token with all five and paste it in Settings.",
                if missing == 1 { "1 permission is".to_string() } else { format!("{missing} permissions are") },
                each.join(" ")
            ),
        )
    } else if check.is_exact() && check.verdict(Grant::ActorsRun) == Verdict::Untestable {
        (
            "ok",
            "✓ Exactly the permissions Forge needs, as far as Forge can check without starting a run: Actors: Run is verified by your first Run.".to_string(),
        )
    } else if check.is_exact() {
        (
            "ok",
            "✓ Exactly the permissions Forge needs, and nothing more.".to_string(),
        )
    } else {
        (
            "info",
            "Some permissions could not be checked just now. Check again in a moment.".to_string(),
        )
    }
}

/// Today's Console names of the five, grouped as the Console shows them:
/// `Actors: Read, Run, List runs` and `Storages: Read, Write`.
pub fn console_summary() -> Vec<(String, Vec<String>)> {
    let mut groups: Vec<(String, Vec<String>)> = Vec::new();
    for grant in Grant::ALL {
        let (group, verb) = grant
            .console_label()
            .split_once(": ")
            .unwrap_or((grant.console_label(), ""));
        match groups.iter_mut().find(|(g, _)| g == group) {
            Some((_, verbs)) => {
                if !verbs.iter().any(|v| v == verb) {
                    verbs.push(verb.to_string());
                }
            }
            None => groups.push((group.to_string(), vec![verb.to_string()])),
        }
    }
    groups
}

/// Forge's five, as `Actors: Read, Run`.
pub fn forge_summary() -> Vec<String> {
    Resource::ALL
        .into_iter()
        .map(|r| {
            let verbs: Vec<&str> = r.grants().map(Grant::verb).collect();
            format!("{}: {}", r.label(), verbs.join(", "))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use forge_apify::audit::{assess, AuditReport, ProbeId, EXACT_TOKEN_STATUSES};

    fn check(changes: &[(ProbeId, u16)], full: bool) -> ScopeCheck {
        let statuses: Vec<(ProbeId, u16)> = EXACT_TOKEN_STATUSES
            .iter()
            .map(|&(probe, status)| {
                let changed = changes.iter().find(|(p, _)| *p == probe);
                (probe, changed.map_or(status, |&(_, s)| s))
            })
            .collect();
        assess(&AuditReport::from_statuses(&statuses, full), None)
    }

    #[test]
    fn summaries() {
        // The five, Actors: Run not yet proven by a run: exact, and it says what is unverified.
        let (tone, line) = summary(&check(&[], false));
        assert_eq!(tone, "ok");
        assert!(
            line.contains("Actors: Run is verified by your first Run"),
            "{line}"
        );
        // Once a run started, plainly exact.
        let statuses = EXACT_TOKEN_STATUSES.to_vec();
        let proven = assess(&AuditReport::from_statuses(&statuses, false), Some(true));
        assert_eq!(
            summary(&proven).1,
            "✓ Exactly the permissions Forge needs, and nothing more."
        );
        // A refused run names the permission.
        let refused = assess(&AuditReport::from_statuses(&statuses, false), Some(false));
        assert!(summary(&refused)
            .1
            .contains("Actors: Run — Run buttons fail"));
        let (tone, line) = summary(&check(&[(ProbeId::KvWrite, 403)], false));
        assert_eq!(tone, "error");
        assert!(line.contains("1 permission is missing"), "{line}");
        // It names the permission and what stops working without it.
        assert!(
            line.contains("Key-value stores: Write — Trend tracking is off"),
            "{line}"
        );
        assert!(summary(&check(&[(ProbeId::Schedules, 200)], false))
            .1
            .contains("broader"));
        assert!(summary(&check(&[], true)).1.contains("full-access"));
        let all401: Vec<_> = [
            ProbeId::ActorsRead,
            ProbeId::RunsRead,
            ProbeId::BuildsRead,
            ProbeId::DatasetsRead,
            ProbeId::KvRead,
            ProbeId::KvWrite,
            ProbeId::Schedules,
            ProbeId::Tasks,
            ProbeId::Webhooks,
            ProbeId::RequestQueues,
        ]
        .into_iter()
        .map(|p| (p, 401))
        .collect();
        assert!(summary(&check(&all401, false))
            .1
            .starts_with("Apify rejected"));
        assert_eq!(
            summary(&check(&[(ProbeId::RunsRead, 429)], false)).0,
            "info"
        );
    }

    #[test]
    fn notes() {
        assert!(verdict_note(Grant::KeyValueStoresWrite, Verdict::Missing)
            .starts_with("Trend tracking is off"));
        assert!(verdict_note(Grant::ActorsRun, Verdict::Untestable)
            .contains("the first Run you start from Forge verifies it"));
        assert_eq!(verdict_parts(Verdict::Untestable).2, "Not yet verified");
        assert_eq!(sentence("list the Actors"), "List the Actors.");
        assert_eq!(sentence(""), ".");
    }

    #[test]
    fn both_namings_of_the_five() {
        assert_eq!(
            forge_summary(),
            [
                "Actors: Read, Run",
                "Actor runs: Read",
                "Actor builds: Read",
                "Datasets: Read",
                "Key-value stores: Read, Write"
            ]
        );
        let console: Vec<String> = console_summary()
            .into_iter()
            .map(|(g, v)| format!("{g}: {}", v.join(", ")))
            .collect();
        assert_eq!(
            console,
            ["Actors: Read, Run, List runs", "Storages: Read, Write"]
        );
    }
}
