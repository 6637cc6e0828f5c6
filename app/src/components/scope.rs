//! The scope check, as the user sees it: the five resources × their grants with ✓ / ✗ / ⚠ / ?,
//! what stops working without each missing grant, and what an over-broad token should become.
//! The verdicts come from [`forge_apify::audit::assess`], run in WebAssembly over the probe
//! statuses the relay returns.

use crate::data::session::{AuditState, Forge};
use crate::view_model::scope::{summary, verdict_code, verdict_note, verdict_parts};
use forge_apify::audit::{ScopeCheck, TOO_BROAD_ADVICE};
use forge_apify::Resource;
use leptos::prelude::*;

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
