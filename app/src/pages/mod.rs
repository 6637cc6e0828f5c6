//! One module per route.

pub mod actor_analytics;
pub mod actors;
pub mod dashboard;
pub mod fleet;
pub mod guide;
pub mod settings;

use crate::layout::set_title;
use leptos::prelude::*;
use leptos_router::components::A;

#[component]
pub fn NotFound() -> impl IntoView {
    set_title("Not found");
    view! {
        <div class="page narrow">
            <h1 class="page-title">"Page not found"</h1>
            <section class="card">
                <p>"There is no page at this address."</p>
                <A href="/" attr:class="button primary">"Go to the dashboard"</A>
            </section>
        </div>
    }
}
