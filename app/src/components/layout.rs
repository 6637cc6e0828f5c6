//! The frame around every page: skip link, header with the brand, navigation and connection
//! light, and the footer.

use crate::components::router::NavLink;
use crate::data::session::Forge;
use crate::view_model::connection::indicator;
use leptos::prelude::*;

/// Sets the document title (`Settings · Forge`).
pub fn set_title(page: &str) {
    if let Some(doc) = web_sys::window().and_then(|w| w.document()) {
        doc.set_title(&if page.is_empty() {
            "Forge".to_string()
        } else {
            format!("{page} · Forge")
        });
    }
}

#[component]
pub fn Logo() -> impl IntoView {
    view! {
        <svg class="logo" viewBox="0 0 32 32" width="28" height="28" aria-hidden="true" focusable="false">
            <rect x="1" y="1" width="30" height="30" rx="8" class="logo-bg" />
            <path d="M10 23V9h12M10 16h9" class="logo-mark" />
        </svg>
    }
}

#[component]
pub fn ConnectionLight() -> impl IntoView {
    let forge = Forge::get();
    let state = Memo::new(move |_| {
        let check = forge.scope_check();
        indicator(
            &forge.session.get(),
            check.as_ref(),
            forge.now_ms.get(),
            forge.relay_answering.get(),
        )
    });
    view! {
        <a href="/settings" class="connection" id="connection" title=move || state.get().detail>
            <span class=move || state.get().light.class() aria-hidden="true"></span>
            <span class="connection-text">{move || state.get().text}</span>
            <span class="visually-hidden">{move || format!(" — {}", state.get().detail)}</span>
        </a>
    }
}

#[component]
pub fn Header() -> impl IntoView {
    view! {
        <a class="skip-link" href="#main">"Skip to content"</a>
        <header class="site-header">
            <div class="header-inner">
                <a href="/" class="brand">
                    <Logo />
                    <span class="brand-name">"Forge"</span>
                    <span class="brand-tag">"fleet analytics for Apify"</span>
                </a>
                <nav class="main-nav" aria-label="Main">
                    <NavLink href="/" exact=true>"Dashboard"</NavLink>
                    <NavLink href="/actors">"Actors"</NavLink>
                    <NavLink href="/settings">"Settings"</NavLink>
                    <NavLink href="/guide">"Set-up guide"</NavLink>
                </nav>
                <ConnectionLight />
            </div>
        </header>
    }
}

#[component]
pub fn Footer() -> impl IntoView {
    view! {
        <footer class="site-footer">
            <p>
                "Forge reads your Apify account through a relay that forwards only what five scoped permissions allow. "
                <a href="/guide">"How your token is protected"</a>
                "."
            </p>
        </footer>
    }
}
