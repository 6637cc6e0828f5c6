//! The token input: a password field with a show toggle, checked as you type with
//! [`forge_apify::check_token_shape`]. Save stays disabled until the shape is right, and the form
//! never calls `on_save` with a malformed token, so nothing is sent before.

use crate::view_model::token::live_message;
use forge_apify::check_token_shape;
use leptos::ev::SubmitEvent;
use leptos::prelude::*;

/// Element ids, shared with the tests.
pub const INPUT_ID: &str = "apify-token";
pub const PROBLEM_ID: &str = "apify-token-problem";
pub const SAVE_ID: &str = "save-token";
pub const TOGGLE_ID: &str = "show-token";
pub const FEEDBACK_ID: &str = "token-feedback";

/// The outcome of the last save, shown under the button.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Feedback {
    Error(String),
    Success(String),
}

#[component]
pub fn TokenForm(
    /// The token being typed. The parent clears it after a successful save.
    value: RwSignal<String>,
    /// A save is in flight.
    #[prop(into)]
    busy: Signal<bool>,
    /// The last save's outcome.
    #[prop(into)]
    feedback: Signal<Option<Feedback>>,
    /// Called with a well-formed token when the user saves.
    on_save: Callback<String>,
    /// The button's text.
    #[prop(optional, into)]
    save_label: Option<String>,
) -> impl IntoView {
    let shown = RwSignal::new(false);
    let shape = Memo::new(move |_| check_token_shape(&value.get()));
    let message = Memo::new(move |_| live_message(&value.get()));
    let valid = move || shape.get().is_ok();
    let save_label = save_label.unwrap_or_else(|| "Save and connect".to_string());

    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let token = value.get_untracked();
        if check_token_shape(&token).is_ok() {
            on_save.run(token);
        }
    };

    view! {
        <form class="token-form" on:submit=submit novalidate>
            <label for=INPUT_ID class="field-label">"Apify API token"</label>
            <div class="token-row">
                <input
                    id=INPUT_ID
                    name="apify-token"
                    class="input mono"
                    type=move || if shown.get() { "text" } else { "password" }
                    autocomplete="off"
                    autocapitalize="off"
                    spellcheck="false"
                    placeholder="apify_api_…"
                    aria-describedby=format!("apify-token-help {PROBLEM_ID}")
                    aria-invalid=move || if message.get().is_some() { "true" } else { "false" }
                    prop:value=move || value.get()
                    on:input=move |ev| value.set(event_target_value(&ev))
                />
                <button
                    type="button"
                    id=TOGGLE_ID
                    class="button secondary"
                    aria-controls=INPUT_ID
                    aria-pressed=move || if shown.get() { "true" } else { "false" }
                    on:click=move |_| shown.update(|s| *s = !*s)
                >
                    {move || if shown.get() { "Hide" } else { "Show" }}
                </button>
            </div>
            <p
                id=PROBLEM_ID
                class="field-message"
                class:field-problem=move || message.get().is_some()
                class:field-ok=valid
                aria-live="polite"
            >
                {move || match message.get() {
                    Some(m) => m,
                    None if valid() => "✓ Looks like an Apify token.".to_string(),
                    None => String::new(),
                }}
            </p>
            <p id="apify-token-help" class="field-help">
                "Copy it from Apify Console → Settings → API & Integrations. It is checked here as you type; nothing leaves this page until you press Save."
            </p>
            <div class="form-actions">
                <button
                    type="submit"
                    id=SAVE_ID
                    class="button primary"
                    disabled=move || !valid() || busy.get()
                >
                    {move || if busy.get() { "Connecting…".to_string() } else { save_label.clone() }}
                </button>
            </div>
            <div id=FEEDBACK_ID aria-live="polite">
                {move || feedback.get().map(|f| match f {
                    Feedback::Error(m) => view! { <p class="notice notice-error" role="alert">{m}</p> }.into_any(),
                    Feedback::Success(m) => view! { <p class="notice notice-ok">{m}</p> }.into_any(),
                })}
            </div>
        </form>
    }
}
