//! # forge-app — Forge's web app
//!
//! Leptos with client-side rendering, compiled to WebAssembly and built by Trunk, in layers —
//! each imports only the layers above it:
//!
//! ```text
//! api/         the edge: relay calls over gloo-net (aborted when their view goes away),
//!              /forge-config.json, the browser's clock, timers, storage and history
//! data/        stores and workflows: session + scope check, fleet load, trends, SIGNALS,
//!              one Actor's data, starting and following a run
//! view_model/  pure and natively tested: table rows, sorting, filtering, exports, wording,
//!              which page an address shows
//! components/  views shared by pages: router, layout, session gate, fleet table, charts,
//!              dialogs
//! pages/       one file per route
//! ```
//!
//! The contract with the relay and Apify is `forge-apify`'s (models, wire types, error kinds,
//! typed paths, limits, time); every figure and rule is `forge-fleet`'s. The token shape check
//! and the scope-check verdicts run here, in the browser, from the same code the relay uses.

pub mod api;
pub mod components;
pub mod data;
pub mod pages;
pub mod view_model;

use crate::api::config::AppConfig;
use crate::api::Client;
use crate::components::layout::{Footer, Header};
use crate::components::router::{provide_location, Pages};
use crate::data::fleet::FleetStore;
use crate::data::run::RunCenter;
use crate::data::session::Forge;
use crate::pages::actor::ActorPage;
use crate::pages::actors::ActorsPage;
use crate::pages::dashboard::Dashboard;
use crate::pages::guide::GuidePage;
use crate::pages::not_found::NotFound;
use crate::pages::settings::SettingsPage;
use crate::view_model::route::Route;
use leptos::prelude::*;

/// The whole app, talking to the relay named by `config`.
#[component]
pub fn App(config: AppConfig) -> impl IntoView {
    let forge = Forge::new(Client::new(config));
    provide_context(forge);
    provide_context(FleetStore::new());
    provide_context(RunCenter::new());
    leptos::task::spawn_local(forge.refresh_session());
    provide_location();

    view! {
        <Header />
        <main id="main" tabindex="-1">
            <Pages page=page />
        </main>
        <Footer />
    }
}

/// The view of each route.
fn page(route: Route) -> AnyView {
    match route {
        Route::Dashboard => view! { <Dashboard /> }.into_any(),
        Route::Actors => view! { <ActorsPage /> }.into_any(),
        Route::Actor(id) => view! { <ActorPage id /> }.into_any(),
        Route::Settings => view! { <SettingsPage /> }.into_any(),
        Route::Guide => view! { <GuidePage /> }.into_any(),
        Route::NotFound => view! { <NotFound /> }.into_any(),
    }
}

/// Id of the element the app mounts into (`index.html`).
pub const ROOT_ID: &str = "forge";

/// Reads `/forge-config.json`, then mounts the app into `#forge`.
pub fn start() {
    console_error_panic_hook::set_once();
    // The cached table is read while the settings and the session are fetched.
    data::fleet::read_early();
    // Leptos sets up its executor when it mounts; until then, the browser's own.
    wasm_bindgen_futures::spawn_local(async {
        let (config, problem) = match api::load_config().await {
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
