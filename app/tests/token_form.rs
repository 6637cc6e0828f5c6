//! Component tests in headless Chromium: the token input's live validation.
//!
//! ```sh
//! CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
//! CHROMEDRIVER=/usr/bin/chromedriver \
//! cargo test -p forge-app --target wasm32-unknown-unknown
//! ```
#![cfg(target_arch = "wasm32")]

use forge_app::components::token_form::{
    Feedback, TokenForm, INPUT_ID, PROBLEM_ID, SAVE_ID, TOGGLE_ID,
};
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;
use web_sys::{
    Event, EventInit, HtmlButtonElement, HtmlElement, HtmlFormElement, HtmlInputElement,
};

wasm_bindgen_test_configure!(run_in_browser);

const GOOD: &str = "apify_api_abcdefghijklmnopqrstuvwxyz0123456789";

/// A mounted form and what it has been asked to save.
struct Mounted {
    saved: RwSignal<Vec<String>>,
    value: RwSignal<String>,
    /// Unmounts the form when dropped.
    _handle: Box<dyn std::any::Any>,
    host: HtmlElement,
}

impl Drop for Mounted {
    fn drop(&mut self) {
        self.host.remove();
    }
}

fn document() -> web_sys::Document {
    web_sys::window().unwrap().document().unwrap()
}

fn mount() -> Mounted {
    let host: HtmlElement = document().create_element("div").unwrap().unchecked_into();
    document().body().unwrap().append_child(&host).unwrap();
    let saved = RwSignal::new(Vec::<String>::new());
    let value = RwSignal::new(String::new());
    let handle = leptos::mount::mount_to(host.clone(), move || {
        view! {
            <TokenForm
                value=value
                busy=false
                feedback=Signal::derive(|| None::<Feedback>)
                on_save=Callback::new(move |t: String| saved.update(|s| s.push(t)))
            />
        }
        .into_any()
    });
    Mounted {
        saved,
        value,
        _handle: Box::new(handle),
        host,
    }
}

/// Lets Leptos run its effects (they are scheduled as microtasks/tasks).
async fn settle() {
    for _ in 0..3 {
        let p = js_sys::Promise::new(&mut |resolve, _| {
            web_sys::window()
                .unwrap()
                .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, 0)
                .unwrap();
        });
        JsFuture::from(p).await.unwrap();
    }
}

fn by_id<T: JsCast>(id: &str) -> T {
    document()
        .get_element_by_id(id)
        .unwrap_or_else(|| panic!("#{id} is missing"))
        .unchecked_into()
}

/// Types `text` the way a user's paste arrives: the value changes, then an `input` event.
async fn type_into_input(text: &str) {
    let input: HtmlInputElement = by_id(INPUT_ID);
    input.set_value(text);
    let init = EventInit::new();
    init.set_bubbles(true);
    input
        .dispatch_event(&Event::new_with_event_init_dict("input", &init).unwrap())
        .unwrap();
    settle().await;
}

fn problem_text() -> String {
    by_id::<HtmlElement>(PROBLEM_ID)
        .text_content()
        .unwrap_or_default()
}

fn save_disabled() -> bool {
    by_id::<HtmlButtonElement>(SAVE_ID).disabled()
}

#[wasm_bindgen_test]
async fn empty_form_cannot_be_saved() {
    let m = mount();
    settle().await;
    assert!(save_disabled());
    assert_eq!(problem_text(), "");
    let input: HtmlInputElement = by_id(INPUT_ID);
    assert_eq!(input.type_(), "password");
    assert_eq!(m.value.get_untracked(), "");
}

#[wasm_bindgen_test]
async fn trailing_space_is_explained_and_save_stays_disabled() {
    let m = mount();
    type_into_input(&format!("{GOOD} ")).await;
    let problem = problem_text();
    assert!(
        problem.starts_with("Remove the trailing space"),
        "message: {problem:?}"
    );
    assert!(save_disabled());
    let input: HtmlInputElement = by_id(INPUT_ID);
    assert_eq!(input.get_attribute("aria-invalid").as_deref(), Some("true"));

    // Submitting anyway (Enter in the field) sends nothing.
    by_id::<HtmlElement>(INPUT_ID)
        .closest("form")
        .unwrap()
        .unwrap()
        .unchecked_into::<HtmlFormElement>()
        .request_submit()
        .unwrap();
    settle().await;
    assert!(
        m.saved.get_untracked().is_empty(),
        "a malformed token was passed on"
    );
}

#[wasm_bindgen_test]
async fn each_mistake_has_its_message() {
    let _m = mount();
    for (input, expected) in [
        ("token", "Tokens start with apify_api_"),
        (
            "apify_api_short",
            "An Apify token is 46 characters long; this one has 15",
        ),
        (
            "apify_api_abcdefghijklmnopqrstuvwxyz012345678-",
            "The token contains characters Apify tokens never have",
        ),
        (&format!(" {GOOD}"), "Remove the space at the start"),
    ] {
        type_into_input(input).await;
        let problem = problem_text();
        assert!(problem.starts_with(expected), "{input:?} → {problem:?}");
        assert!(save_disabled(), "{input:?}");
    }
}

#[wasm_bindgen_test]
async fn a_good_token_enables_save_and_is_passed_on() {
    let m = mount();
    type_into_input(&format!("{GOOD} ")).await;
    assert!(save_disabled());
    type_into_input(GOOD).await;
    assert!(
        !save_disabled(),
        "Save should be enabled for a well-formed token"
    );
    assert!(!problem_text().contains("Remove"), "{}", problem_text());
    assert_eq!(m.value.get_untracked(), GOOD);

    by_id::<HtmlButtonElement>(SAVE_ID).click();
    settle().await;
    assert_eq!(m.saved.get_untracked(), [GOOD.to_string()]);
}

#[wasm_bindgen_test]
async fn show_toggle_reveals_the_token() {
    let _m = mount();
    type_into_input(GOOD).await;
    let toggle: HtmlButtonElement = by_id(TOGGLE_ID);
    assert_eq!(
        toggle.get_attribute("aria-pressed").as_deref(),
        Some("false")
    );
    toggle.click();
    settle().await;
    assert_eq!(by_id::<HtmlInputElement>(INPUT_ID).type_(), "text");
    assert_eq!(
        toggle.get_attribute("aria-pressed").as_deref(),
        Some("true")
    );
    toggle.click();
    settle().await;
    assert_eq!(by_id::<HtmlInputElement>(INPUT_ID).type_(), "password");
}
