//! `/settings` — the Apify API token: connect, see its age, rotate, disconnect; the scope check.
//! What the page offers depends on the relay's mode: `sealed` (paste a token), `local` (the
//! relay's own token, nothing to paste) or `demo` (the simulated account's tokens to try).

use crate::components::abort_on_cleanup;
use crate::components::gate::SessionGate;
use crate::components::layout::set_title;
use crate::components::scope::ScopeCheckSection;
use crate::components::token_form::{Feedback, TokenForm};
use crate::data::session::{Disconnected, Forge};
use crate::view_model::connection::token_age;
use crate::view_model::time::{connected_text, date_of, TokenAge};
use forge_apify::wire::{RelayMode, SessionInfo};
use leptos::prelude::*;
use leptos::task::spawn_local;

const OFF_SWITCH: &str = "Revoking the token in Apify Console → Settings → API & Integrations is the definitive off switch: once revoked, it opens nothing, anywhere.";

/// The token form's state and its save action, shared by the connect and rotate steps.
#[derive(Clone, Copy)]
struct FormState {
    token: RwSignal<String>,
    busy: RwSignal<bool>,
    feedback: RwSignal<Option<Feedback>>,
}

impl FormState {
    fn new() -> FormState {
        FormState {
            token: RwSignal::new(String::new()),
            busy: RwSignal::new(false),
            feedback: RwSignal::new(None),
        }
    }

    /// `flash`, when given, receives the success message instead of the form (the connect step
    /// is replaced by the connected card as soon as the session changes).
    fn save(self, forge: Forge, flash: Option<RwSignal<Option<String>>>) -> Callback<String> {
        Callback::new(move |token: String| {
            self.busy.set(true);
            self.feedback.set(None);
            spawn_local(async move {
                match forge.connect(token).await {
                    Ok(info) => {
                        self.token.try_set(String::new());
                        let message = format!(
                            "Connected as {}. The token is sealed; this page no longer holds it.",
                            info.username
                        );
                        match flash {
                            Some(flash) => {
                                flash.try_set(Some(message));
                            }
                            None => {
                                self.feedback.try_set(Some(Feedback::Success(message)));
                            }
                        }
                    }
                    Err(message) => {
                        self.feedback.try_set(Some(Feedback::Error(message)));
                    }
                }
                // The form may be gone by now (the connect step is replaced once connected).
                self.busy.try_set(false);
            });
        })
    }

    fn view(
        self,
        forge: Forge,
        label: &'static str,
        flash: Option<RwSignal<Option<String>>>,
    ) -> impl IntoView {
        view! {
            <TokenForm
                value=self.token
                busy=self.busy
                feedback=self.feedback
                on_save=self.save(forge, flash)
                save_label=label
            />
        }
    }
}

#[component]
pub fn SettingsPage() -> impl IntoView {
    set_title("Settings");
    // "Connected as …" after the connect step, shown on the card that replaces it.
    let flash = RwSignal::new(None::<String>);
    // The gate keys on the mode only: the form (and what is typed into it) stays mounted
    // while the session is updated in place.
    view! {
        <div class="page narrow">
            <h1 class="page-title">"Settings"</h1>
            <SessionGate
                disconnected=move |why| view! { <ConnectStep why flash /> }
                connected=move |mode| match mode {
                    RelayMode::Sealed => view! {
                        <SealedCard flash />
                        <ScopeCheckSection />
                        <ReplaceCard />
                    }
                    .into_any(),
                    RelayMode::Local => view! {
                        <LocalCard />
                        <ScopeCheckSection />
                    }
                    .into_any(),
                    RelayMode::Demo => view! {
                        <DemoCard />
                        <ScopeCheckSection />
                    }
                    .into_any(),
                }
            />
        </div>
    }
}

#[component]
fn ConnectStep(why: Disconnected, flash: RwSignal<Option<String>>) -> impl IntoView {
    let forge = Forge::get();
    let form = FormState::new();
    let note = match why {
        Disconnected::Never => None,
        Disconnected::Ended => Some(view! {
            <p class="notice notice-warn" role="status">
                "Your session has ended — it expired, or the relay's key was rotated. Paste a token to reconnect."
            </p>
        }
        .into_any()),
        Disconnected::ByUser => Some(view! {
            <div class="notice notice-info" role="status" id="disconnected-note">
                <p><strong>"Disconnected."</strong> " This browser no longer holds a session, and the relay never kept a copy of your token."</p>
                <p>{OFF_SWITCH}</p>
            </div>
        }
        .into_any()),
    };
    view! {
        {note}
        <section class="card" id="connect-step" aria-labelledby="connect-title">
            <h2 id="connect-title">"Connect your Apify token"</h2>
            <p>
                "Use a " <strong>"scoped"</strong> " token with exactly Forge's five permissions — the "
                <a href="/guide">"set-up guide"</a> " shows how to create one in about two minutes."
            </p>
            {form.view(forge, "Save and connect", Some(flash))}
            <p class="muted small-print">
                "When you save, the relay asks Apify who the token belongs to, seals it with a server key, and gives this browser only the sealed value in a cookie page scripts cannot read. The relay stores nothing."
            </p>
        </section>
    }
}

/// Age, rotation reminder and expiry for a sealed session.
fn age_view(info: &SessionInfo, now_ms: i64) -> impl IntoView {
    let expires = info.expires_at.as_deref().map(date_of);
    let sealed = info.sealed_at.as_deref().map(date_of);
    let rotate_steps = || {
        view! {
            <ol class="compact">
                <li>"Create a new scoped token in Apify Console (" <a href="/guide">"how"</a> ")."</li>
                <li>"Paste it below — it replaces this one here."</li>
                <li>"Revoke the old token in Apify Console → Settings → API & Integrations."</li>
            </ol>
        }
    };
    match token_age(info, now_ms) {
        Some(TokenAge::Fresh { days }) => view! {
            <p class="token-age" id="token-age">
                <strong>{connected_text(days)}</strong>
                {sealed.map(|d| format!(" (on {d})"))}
                {expires.map(|d| format!(". The session ends on {d}."))}
            </p>
        }
        .into_any(),
        Some(TokenAge::RotateSoon { days, days_left }) => view! {
            <p class="token-age" id="token-age"><strong>{connected_text(days)}</strong></p>
            <div class="notice notice-warn" id="rotate-reminder" role="status">
                <p>
                    <strong>"Time to rotate this token."</strong>
                    " Replacing a token every 90 days limits how long a leaked copy could be used."
                    {days_left.map(|d| format!(" This session ends in {d} day{}.", if d == 1 { "" } else { "s" }))}
                </p>
                {rotate_steps()}
            </div>
        }
        .into_any(),
        Some(TokenAge::Expired) => view! {
            <div class="notice notice-error" id="reconnect-prompt" role="alert">
                <p>
                    <strong>"This session has expired."</strong>
                    " Paste a token below to reconnect — ideally a new one, then revoke the old one in Apify Console."
                </p>
            </div>
        }
        .into_any(),
        None => ().into_any(),
    }
}

#[component]
fn SealedCard(flash: RwSignal<Option<String>>) -> impl IntoView {
    let forge = Forge::get();
    let leaving = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let disconnect = move |_| {
        flash.set(None);
        leaving.set(true);
        error.set(None);
        spawn_local(async move {
            if let Err(m) = forge.disconnect().await {
                error.try_set(Some(m));
            }
            leaving.try_set(false);
        });
    };
    let details = move || {
        forge.session.get().connected().cloned().map(|info| {
            let now_ms = forge.now_ms.get();
            view! {
                <p class="connected-as">
                    "Connected to Apify as " <strong id="connected-user">{info.username.clone()}</strong>
                </p>
                {age_view(&info, now_ms)}
            }
        })
    };
    view! {
        <section class="card" id="token-card" aria-labelledby="token-title">
            <h2 id="token-title">"Apify API token"</h2>
            {move || flash.get().map(|m| view! { <p class="notice notice-ok" id="connected-flash" role="status">{m}</p> })}
            {details}
            <div class="actions">
                <button
                    type="button"
                    class="button danger"
                    id="disconnect"
                    disabled=move || leaving.get()
                    on:click=disconnect
                >
                    {move || if leaving.get() { "Disconnecting…" } else { "Disconnect" }}
                </button>
            </div>
            <p class="muted small-print">"Disconnect forgets the session in this browser. " {OFF_SWITCH}</p>
            {move || error.get().map(|m| view! { <p class="notice notice-error" role="alert">{m}</p> })}
        </section>

    }
}

/// Rotation: paste the new token; it replaces the current one once Apify accepts it.
#[component]
fn ReplaceCard() -> impl IntoView {
    let forge = Forge::get();
    let form = FormState::new();
    view! {
        <section class="card" aria-labelledby="rotate-title">
            <h2 id="rotate-title">"Replace the token"</h2>
            <p class="muted">"Rotating? Paste the new scoped token here; it replaces the current one as soon as Apify accepts it."</p>
            {form.view(forge, "Save new token", None)}
        </section>
    }
}

#[component]
fn LocalCard() -> impl IntoView {
    let forge = Forge::get();
    let user = move || forge.session.get().connected().map(|s| s.username.clone());
    view! {
        <section class="card" id="token-card" aria-labelledby="token-title">
            <h2 id="token-title">"Apify API token"</h2>
            <p class="connected-as">"Connected to Apify as " <strong id="connected-user">{user}</strong></p>
            <p class="notice notice-info" id="local-mode">
                "Local mode: the relay on this machine forwards with the token from its environment ("
                <code>"APIFY_TOKEN"</code>
                "). There is nothing to paste here; to change the token, restart the relay with a new one."
            </p>
            <p class="muted small-print">{OFF_SWITCH}</p>
        </section>
    }
}

#[component]
fn DemoCard() -> impl IntoView {
    let forge = Forge::get();
    let abort = abort_on_cleanup();
    let tokens = LocalResource::new(move || {
        let abort = abort.clone();
        async move { forge.demo_tokens(&abort).await }
    });
    // The demo token in use, as the relay names it for the session: however it was connected,
    // after a reload, and after a refused token (which changes nothing).
    let active = move || {
        forge
            .session
            .with(|s| s.connected().and_then(|i| i.demo_token.clone()))
    };
    let busy = RwSignal::new(None::<String>);
    let feedback = RwSignal::new(None::<Feedback>);
    let sealed = move || {
        forge
            .session
            .get()
            .connected()
            .is_some_and(SessionInfo::is_sealed)
    };
    let user = move || forge.session.get().connected().map(|s| s.username.clone());

    let try_token = move |label: String, token: String| {
        busy.set(Some(label.clone()));
        feedback.set(None);
        spawn_local(async move {
            match forge.connect(token).await {
                Ok(info) => {
                    feedback.try_set(Some(Feedback::Success(format!(
                        "Connected as {} with the “{label}” demo token. The scope check below shows what it can do.",
                        info.username
                    ))));
                }
                Err(m) => {
                    feedback.try_set(Some(Feedback::Error(m)));
                }
            }
            busy.try_set(None);
        });
    };
    let back = move |_| {
        busy.set(Some("default".into()));
        feedback.set(None);
        spawn_local(async move {
            match forge.disconnect().await {
                Ok(()) => {
                    feedback.try_set(Some(Feedback::Success(
                        "Back to the default, correctly scoped demo token.".into(),
                    )));
                }
                Err(m) => {
                    feedback.try_set(Some(Feedback::Error(m)));
                }
            }
            busy.try_set(None);
        });
    };

    let list = move || {
        match tokens.get() {
        None => view! { <p class="muted loading">"Loading the demo tokens…"</p> }.into_any(),
        Some(Err(e)) => view! { <p class="notice notice-error">{e.message()}</p> }.into_any(),
        Some(Ok(list)) => view! {
            <ul class="demo-tokens">
                {list.into_iter().map(|t| {
                    let label = t.label.clone();
                    let label_for_active = t.label.clone();
                    let label_for_busy = t.label.clone();
                    let label_for_click = t.label.clone();
                    let token = t.token.clone();
                    let in_use = move || active().as_deref() == Some(label_for_active.as_str());
                    let in_use_badge = in_use.clone();
                    let in_use_button = in_use.clone();
                    let in_use_text = in_use.clone();
                    view! {
                        <li class="demo-token" data-demo-token=label.clone() class:in-use=in_use>
                            <div class="demo-token-text">
                                <p class="demo-token-label">
                                    <strong>{label.clone()}</strong>
                                    {move || in_use_badge().then(|| view! { <span class="badge badge-ok">"in use"</span> })}
                                </p>
                                <p class="demo-token-description">{t.description.clone()}</p>
                                <code class="demo-token-value">{t.token.clone()}</code>
                            </div>
                            <button
                                type="button"
                                class="button secondary"
                                disabled=move || busy.get().is_some() || in_use_button()
                                aria-label=format!("Try the {label} demo token")
                                on:click=move |_| try_token(label_for_click.clone(), token.clone())
                            >
                                {move || if busy.get().as_deref() == Some(label_for_busy.as_str()) {
                                    "Connecting…"
                                } else if in_use_text() {
                                    "In use"
                                } else {
                                    "Try this token"
                                }}
                            </button>
                        </li>
                    }
                }).collect_view()}
            </ul>
        }
        .into_any(),
    }
    };

    view! {
        <section class="card" id="token-card" aria-labelledby="token-title">
            <h2 id="token-title">"Apify API token"</h2>
            <p class="connected-as">"Connected as " <strong id="connected-user">{user}</strong></p>
            <p class="notice notice-info" id="demo-mode">
                "Demo: this relay runs a simulated Apify account, so there is no token to paste and nothing touches a real account. Try the demo tokens below — one is scoped correctly, the others are wrong in the ways real tokens often are."
            </p>
            {list}
            <div id="demo-feedback" aria-live="polite">
                {move || feedback.get().map(|f| match f {
                    Feedback::Error(m) => view! { <p class="notice notice-error" role="alert">{m}</p> }.into_any(),
                    Feedback::Success(m) => view! { <p class="notice notice-ok">{m}</p> }.into_any(),
                })}
            </div>
            {move || sealed().then(|| view! {
                <div class="actions">
                    <button
                        type="button"
                        class="button secondary"
                        id="demo-default"
                        disabled=move || busy.get().is_some()
                        on:click=back
                    >
                        "Back to the default demo token"
                    </button>
                </div>
            })}
        </section>
    }
}
