//! Any address the router does not know.

use crate::components::layout::set_title;
use leptos::prelude::*;

#[component]
pub fn NotFound() -> impl IntoView {
    set_title("Not found");
    view! {
        <div class="page narrow">
            <h1 class="page-title">"Page not found"</h1>
            <section class="card">
                <p>"There is no page at this address."</p>
                <a href="/" class="button primary">"Go to the dashboard"</a>
            </section>
        </div>
    }
}
