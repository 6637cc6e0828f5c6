//! `/` — the connection at a glance and, once connected, the fleet.

use crate::components::fleet::FleetDashboard;
use crate::components::gate::{SessionGate, TryAgain};
use crate::components::layout::set_title;
use crate::data::session::{AuditState, Disconnected, Forge};
use crate::view_model::scope::{forge_summary, summary};
use forge_apify::wire::RelayMode;
use leptos::prelude::*;

#[component]
pub fn Dashboard() -> impl IntoView {
    set_title("Dashboard");
    view! {
        <div class="page">
            <h1 class="page-title">"Dashboard"</h1>
            <SessionGate
                disconnected=|why| view! { <Welcome why /> }
                connected=|mode| {
                    let mode_note = match mode {
                        RelayMode::Demo => Some(
                            "Demo: a simulated Apify account. Nothing here touches a real account.",
                        ),
                        RelayMode::Local => Some(
                            "Local mode: the relay on this machine uses the token from its environment.",
                        ),
                        RelayMode::Sealed => None,
                    };
                    view! {
                        {mode_note.map(|n| view! { <p class="notice notice-info">{n}</p> })}
                        <ScopeGlance />
                        <FleetDashboard />
                    }
                }
            />
        </div>
    }
}

/// One line about the scope check, linking to the details in Settings.
#[component]
fn ScopeGlance() -> impl IntoView {
    let forge = Forge::get();
    move || match forge.audit.get() {
        AuditState::Running => view! {
            <p class="notice notice-info" role="status">"Checking the token's permissions…"</p>
        }
        .into_any(),
        AuditState::Failed(m) => view! {
            <div class="notice notice-error notice-action">
                <p>"The permission check failed: " {m} " " <a href="/settings">"Details"</a></p>
                <TryAgain retry=Callback::new(move |_| forge.start_audit()) />
            </div>
        }
        .into_any(),
        AuditState::Done(_) => match forge.scope_check() {
            Some(check) => {
                let (tone, line) = summary(&check);
                view! {
                    <p class=format!("notice notice-{tone}") id="scope-glance">
                        {line} " " <a href="/settings#scope-check">"See the scope check"</a>
                    </p>
                }
                .into_any()
            }
            None => ().into_any(),
        },
        AuditState::Idle => ().into_any(),
    }
}

#[component]
fn Welcome(why: Disconnected) -> impl IntoView {
    let ended = (why == Disconnected::Ended).then(|| {
        view! {
            <p class="notice notice-warn">
                "Your previous session has ended (sessions last 90 days, and end early when the relay's key is rotated). Connect again to continue."
            </p>
        }
    });
    view! {
        {ended}
        <section class="card hero" aria-labelledby="welcome-title">
            <div class="hero-main">
                <h2 id="welcome-title">"Connect Forge to your Apify account"</h2>
                <p class="lead">
                    "Forge shows the health, reliability, cost and trends of every Actor you run — using a token that can do only five narrow things."
                </p>
                <ol class="steps">
                    <li>
                        <strong>"Create a scoped token"</strong>
                        " in Apify Console with exactly five permissions. The "
                        <a href="/guide">"set-up guide"</a>
                        " walks you through it in about two minutes."
                    </li>
                    <li>
                        <strong>"Paste it in Settings."</strong>
                        " Forge checks its shape as you type, seals it, and shows which permissions it has."
                    </li>
                    <li><strong>"See your fleet."</strong> " Your Actors appear here."</li>
                </ol>
                <div class="actions">
                    <a href="/settings" class="button primary">"Connect a token"</a>
                    <a href="/guide" class="button secondary">"Read the set-up guide"</a>
                </div>
            </div>
            <aside class="hero-aside" aria-labelledby="five-title">
                <h3 id="five-title">"The token Forge asks for"</h3>
                <ul class="check-list">
                    {forge_summary().into_iter().map(|p| view! { <li>{p}</li> }).collect_view()}
                </ul>
                <h3>"What it can never do"</h3>
                <ul class="cross-list">
                    <li>"Change or delete your Actors"</li>
                    <li>"Delete any storage or record"</li>
                    <li>"Read your dataset items"</li>
                </ul>
            </aside>
        </section>
    }
}
