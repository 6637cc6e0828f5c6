//! The one switch every page makes on the connection: asking the relay, relay unreachable (with
//! Try again), not connected, connected. Pages give the last two their own views.

use crate::api::ApiError;
use crate::data::session::{Disconnected, Forge, SessionState};
use forge_apify::wire::RelayMode;
use forge_apify::ErrorKind;
use leptos::prelude::*;

/// What the gate shows. Keyed on the mode only, so a session updated in place (a rotated token,
/// a refreshed expiry) keeps the page — and what is typed into it — mounted.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Stage {
    Loading,
    Unreachable(String),
    Disconnected(Disconnected),
    Connected(RelayMode),
}

/// `connected(mode)` once connected, `disconnected(why)` without a session, and the relay's
/// loading and unreachable states otherwise.
#[component]
pub fn SessionGate<D, DV, C, CV>(disconnected: D, connected: C) -> impl IntoView
where
    D: Fn(Disconnected) -> DV + Send + Sync + 'static,
    DV: IntoView + 'static,
    C: Fn(RelayMode) -> CV + Send + Sync + 'static,
    CV: IntoView + 'static,
{
    let forge = Forge::get();
    let stage = Memo::new(move |_| match forge.session.get() {
        SessionState::Loading => Stage::Loading,
        SessionState::Unreachable(m) => Stage::Unreachable(m),
        SessionState::Disconnected(why) => Stage::Disconnected(why),
        SessionState::Connected(info) => Stage::Connected(info.mode),
    });
    move || match stage.get() {
        Stage::Loading => view! {
            <p class="muted loading" role="status">"Connecting to the Forge relay…"</p>
        }
        .into_any(),
        Stage::Unreachable(message) => view! { <Unreachable message /> }.into_any(),
        Stage::Disconnected(why) => disconnected(why).into_any(),
        Stage::Connected(mode) => connected(mode).into_any(),
    }
}

/// "Connect your Apify token to see …" with the button to Settings.
#[component]
pub fn ConnectPrompt(what: &'static str) -> impl IntoView {
    view! {
        <section class="card">
            <p>{format!("Connect your Apify token to see {what}.")}</p>
            <a href="/settings" class="button primary">"Connect a token"</a>
        </section>
    }
}

#[component]
pub fn Unreachable(message: String) -> impl IntoView {
    let forge = Forge::get();
    view! {
        <section class="card" role="alert">
            <h2>"Cannot reach the Forge relay"</h2>
            <p>{message}</p>
            <p class="muted">
                "The relay is the small server that seals your token and talks to Apify. Relay address: "
                <code>{forge.client().config.relay_name()}</code>
                "."
            </p>
            <button type="button" class="button primary" on:click=move |_| forge.retry_session()>
                "Try again"
            </button>
        </section>
    }
}

/// A failed load, with a hint when Apify refused for lack of `grant`, and Try again (`retry`).
#[component]
pub fn LoadError(error: ApiError, grant: &'static str, retry: Callback<()>) -> impl IntoView {
    let hint = (error.kind() == Some(&ErrorKind::InsufficientPermissions)).then(|| {
        view! {
            <p>
                "This token lacks " <strong>{grant}</strong>
                ". The " <a href="/settings#scope-check">"scope check"</a> " shows what is missing."
            </p>
        }
    });
    view! {
        <div class="notice notice-error notice-action" role="alert">
            <div>
                <p>{error.message()}</p>
                {hint}
            </div>
            <TryAgain retry />
        </div>
    }
}

/// The way out of a failure: sends what failed again.
#[component]
pub fn TryAgain(retry: Callback<()>) -> impl IntoView {
    view! {
        <button type="button" class="button secondary small try-again" on:click=move |_| retry.run(())>
            "Try again"
        </button>
    }
}
