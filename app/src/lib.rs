//! # forge-app — Forge's web app
//!
//! Leptos with client-side rendering, compiled to WebAssembly and built by Trunk. The app is a
//! thin shell around the relay's HTTP API and the pure logic in `forge-apify`: the token shape
//! check and the scope-check verdicts run here, in the browser, from the same code the relay
//! uses.
//!
//! - [`client`]: every HTTP call (`fetch` with credentials and `X-Forge-Client: 1`).
//! - [`config`]: `/forge-config.json`, so a static host can point the app at any relay.
//! - [`state`]: the connection and scope-check state shared by all pages.
//! - [`token_form`], [`scope_view`], [`layout`]: components; [`pages`]: one per route.

pub mod charts;
pub mod client;
pub mod config;
pub mod fleet_store;
pub mod fleet_table;
pub mod layout;
pub mod loader;
pub mod pages;
pub mod run_dialog;
pub mod scope_view;
pub mod signals_view;
pub mod state;
pub mod time;
pub mod token_form;
pub mod trends_store;

use crate::client::Client;
use crate::config::AppConfig;
use crate::layout::{Footer, Header};
use crate::pages::actors::{ActorPage, ActorsPage};
use crate::pages::dashboard::Dashboard;
use crate::pages::guide::GuidePage;
use crate::pages::settings::SettingsPage;
use crate::pages::NotFound;
use crate::state::Forge;
use leptos::prelude::*;
use leptos_router::components::{Route, Router, Routes};
use leptos_router::path;

/// The whole app, talking to the relay named by `config`.
#[component]
pub fn App(config: AppConfig) -> impl IntoView {
    let forge = Forge::new(Client::new(config));
    provide_context(forge);
    provide_context(crate::fleet_store::FleetStore::new());
    provide_context(crate::run_dialog::RunCenter::new());
    leptos::task::spawn_local(forge.refresh_session());

    view! {
        <Router>
            <Header />
            <main id="main" tabindex="-1">
                <Routes fallback=NotFound>
                    <Route path=path!("/") view=Dashboard />
                    <Route path=path!("/actors") view=ActorsPage />
                    <Route path=path!("/actors/:id") view=ActorPage />
                    <Route path=path!("/settings") view=SettingsPage />
                    <Route path=path!("/guide") view=GuidePage />
                </Routes>
            </main>
            <Footer />
        </Router>
    }
}

/// Id of the element the app mounts into (`index.html`).
pub const ROOT_ID: &str = "forge";

/// Reads `/forge-config.json`, then mounts the app into `#forge`.
pub fn start() {
    console_error_panic_hook::set_once();
    // Leptos sets up its executor when it mounts; until then, the browser's own.
    wasm_bindgen_futures::spawn_local(async {
        let (config, problem) = match client::load_config().await {
            Ok(c) => (c, None),
            Err(p) => (AppConfig::default(), Some(p)),
        };
        let Some(document) = web_sys::window().and_then(|w| w.document()) else {
            return;
        };
        let Some(root) = document.get_element_by_id(ROOT_ID) else {
            return;
        };
        root.set_inner_html("");
        if let Some(problem) = problem {
            // A broken settings file is the operator's to fix: say so instead of guessing.
            root.set_text_content(Some(&format!(
                "Forge cannot start: {}. The site's operator can fix /forge-config.json.",
                problem.0
            )));
            return;
        }
        let root: web_sys::HtmlElement = wasm_bindgen::JsCast::unchecked_into(root);
        leptos::mount::mount_to(root, move || view! { <App config=config.clone() /> }).forget();
    });
}
