//! The scope check, as the user sees it: the five resources × their grants with ✓ / ✗ / ⚠ / ?,
//! what stops working without each missing grant, and what an over-broad token should become.
//! The verdicts come from [`forge_apify::audit::assess`], run in WebAssembly over the probe
//! statuses the relay returns.

use crate::state::{AuditState, Forge};
use forge_apify::audit::{consequence, ScopeCheck, Verdict, TOO_BROAD_ADVICE};
use forge_apify::{Grant, Resource};
use leptos::prelude::*;

/// Mark, CSS class and word for a verdict.
pub fn verdict_parts(v: Verdict) -> (&'static str, &'static str, &'static str) {
    match v {
        Verdict::Granted => ("✓", "ok", "Granted"),
        Verdict::Missing => ("✗", "missing", "Missing"),
        Verdict::Untestable => ("…", "untestable", "Checked on the first Run"),
        Verdict::Unknown => ("?", "unknown", "Unknown"),
    }
}

/// The explanation next to a verdict.
pub fn verdict_note(grant: Grant, v: Verdict) -> String {
    match v {
        Verdict::Granted => sentence(grant.why()),
        Verdict::Missing => consequence(grant).to_string(),
        Verdict::Untestable => "Testing it would start a run, so Forge does not: it is checked on the first Run you start from Forge.".to_string(),
        Verdict::Unknown => "Apify did not answer clearly (rate limit or a temporary error). Check again in a moment.".to_string(),
    }
}

/// "list the Actors in your fleet" → "List the Actors in your fleet."
pub fn sentence(phrase: &str) -> String {
    let mut chars = phrase.chars();
    let mut out: String = chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default();
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
        (
            "error",
            format!(
                "✗ {missing} permission{} missing: parts of Forge will not work. Apify cannot add permissions to a token — create a new scoped token with all five and paste it in Settings.",
                if missing == 1 { " is" } else { "s are" }
            ),
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

/// The matrix for one check. Static: the caller re-renders it when the check changes.
#[component]
pub fn ScopeMatrix(check: ScopeCheck) -> impl IntoView {
    let (tone, line) = summary(&check);
    let extra = check.extra.clone();
    let too_broad = check.too_broad();
    let full_access = check.full_access;
    let groups = Resource::ALL
        .into_iter()
        .map(|resource| {
            let rows = resource
                .grants()
                .map(|grant| {
                    let verdict = check.verdict(grant);
                    let (mark, class, word) = verdict_parts(verdict);
                    view! {
                        <tr data-grant=format!("{grant:?}") data-verdict=verdict_code(verdict)>
                            <th scope="row" class="grant-name">{grant.label()}</th>
                            <td class="console-name">{grant.console_label()}</td>
                            <td class=format!("verdict verdict-{class}")>
                                <span class="mark" aria-hidden="true">{mark}</span>
                                " "
                                <span class="verdict-word">{word}</span>
                            </td>
                            <td class=format!("note note-{class}")>{verdict_note(grant, verdict)}</td>
                        </tr>
                    }
                })
                .collect_view();
            view! { <tbody data-resource=resource.label()>{rows}</tbody> }
        })
        .collect_view();

    view! {
        <div class="scope-check" data-exact=check.is_exact().to_string()>
            <p class=format!("notice notice-{tone} scope-summary")>{line}</p>
            <div class="table-wrap">
                <table class="scope-table">
                    <caption class="visually-hidden">
                        "The five permissions Forge needs and whether this token has them"
                    </caption>
                    <thead>
                        <tr>
                            <th scope="col">"Permission (Forge)"</th>
                            <th scope="col">"In today's Apify Console"</th>
                            <th scope="col">"This token"</th>
                            <th scope="col">"What it means"</th>
                        </tr>
                    </thead>
                    {groups}
                </table>
            </div>
            {too_broad.then(|| view! {
                <section class="too-broad" aria-labelledby="too-broad-title">
                    <h3 id="too-broad-title">
                        {if full_access { "⚠ Full access" } else { "⚠ More than Forge needs" }}
                    </h3>
                    {(!extra.is_empty()).then(|| view! {
                        <p>"This token can also use:"</p>
                        <ul class="extra-list">
                            {extra.iter().map(|name| view! {
                                <li data-extra=*name><span class="mark" aria-hidden="true">"⚠"</span>" "{*name}</li>
                            }).collect_view()}
                        </ul>
                    })}
                    {full_access.then(|| view! {
                        <p class="full-access">
                            "Apify shows this token your account's e-mail address and proxy password — only a full-access token can see them. Whoever holds it can change or delete anything in the account."
                        </p>
                    })}
                    <p class="advice"><strong>{TOO_BROAD_ADVICE}</strong></p>
                </section>
            })}
        </div>
    }
}

/// The scope-check section with its loading and error states and a "Check again" button.
#[component]
pub fn ScopeCheckSection() -> impl IntoView {
    let forge = Forge::get();
    let body = move || {
        match forge.audit.get() {
        AuditState::Idle => view! {
            <p class="muted">"The permissions are checked once you are connected."</p>
        }
        .into_any(),
        AuditState::Running => view! {
            <p class="muted loading" role="status">"Checking the token's permissions with Apify…"</p>
        }
        .into_any(),
        AuditState::Failed(message) => view! {
            <p class="notice notice-error" role="alert">
                "The permission check failed: " {message}
            </p>
        }
        .into_any(),
        AuditState::Done(_) => match forge.scope_check() {
            Some(check) => view! { <ScopeMatrix check=check /> }.into_any(),
            None => ().into_any(),
        },
    }
    };
    let running = move || forge.audit.get() == AuditState::Running;
    let connected = move || forge.session.get().connected().is_some();
    view! {
        <section class="card" id="scope-check" aria-labelledby="scope-check-title">
            <div class="card-head">
                <h2 id="scope-check-title">"Scope check"</h2>
                <button
                    type="button"
                    class="button secondary small"
                    id="check-again"
                    disabled=move || running() || !connected()
                    on:click=move |_| forge.start_audit()
                >
                    "Check again"
                </button>
            </div>
            <p class="muted">
                "Forge asks Apify for one item of each kind with this token and reads back only whether Apify said yes. Nothing is changed except a tiny "
                <code>"forge-connection-check"</code>
                " record in your own "
                <code>"forge-trends"</code>
                " store."
            </p>
            <div aria-live="polite">{body}</div>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use forge_apify::audit::{assess, AuditReport, ProbeId, ProbeStatus};

    fn check(changes: &[(ProbeId, u16)], full: bool) -> ScopeCheck {
        let base = [
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
        let probes = base
            .iter()
            .map(|&(probe, status)| ProbeStatus {
                probe,
                status: changes
                    .iter()
                    .find(|(p, _)| *p == probe)
                    .map_or(status, |&(_, s)| s),
            })
            .collect();
        assess(
            &AuditReport {
                probes,
                full_access: full,
            },
            None,
        )
    }

    #[test]
    fn summaries() {
        assert_eq!(summary(&check(&[], false)).0, "ok");
        let (tone, line) = summary(&check(&[(ProbeId::KvWrite, 403)], false));
        assert_eq!(tone, "error");
        assert!(line.contains("1 permission is missing"), "{line}");
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
            .contains("checked on the first Run"));
        assert_eq!(
            verdict_parts(Verdict::Untestable).2,
            "Checked on the first Run"
        );
        assert_eq!(sentence("list the Actors"), "List the Actors.");
        assert_eq!(sentence(""), ".");
    }
}
