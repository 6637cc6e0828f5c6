//! Navigation inside the app, in place of a router crate: the path is a signal, a plain click
//! on any `<a href="/…">` pushes a history entry and sets it, Back and Forward set it from
//! `popstate`, and [`Pages`] shows the page [`Route::of`] names. Links stay plain `<a>` elements,
//! so they work before the app starts, open in a new tab with a modifier, and the browser
//! follows what is not the app's own (other origins, `#main`).
//!
//! After a navigation the page scrolls to the link's fragment (`/settings#scope-check`), or to
//! the top.

use crate::api::history;
use crate::view_model::route::{in_app_link, is_current, Route};
use leptos::prelude::*;

/// The path shown, provided as context by [`provide_location`].
#[derive(Debug, Clone, Copy)]
pub struct Location {
    pub path: ReadSignal<String>,
}

impl Location {
    pub fn get() -> Location {
        expect_context::<Location>()
    }
}

/// Starts following the address bar and provides [`Location`].
pub fn provide_location() -> Location {
    let (path, set_path) = signal(history::current_path());
    let show = move |new_path: String| {
        if path.get_untracked() != new_path {
            set_path.set(new_path);
        }
    };
    let clicks = window_event_listener(leptos::ev::click, move |ev| {
        let Some(link) = history::clicked_link(&ev).and_then(|href| in_app_link(&href)) else {
            return;
        };
        ev.prevent_default();
        history::push(&match &link.fragment {
            Some(f) => format!("{}#{f}", link.url),
            None => link.url.clone(),
        });
        show(link.path);
        history::scroll_when_shown(link.fragment);
    });
    let back_and_forward =
        window_event_listener(leptos::ev::popstate, move |_| show(history::current_path()));
    on_cleanup(move || {
        clicks.remove();
        back_and_forward.remove();
    });
    let location = Location { path };
    provide_context(location);
    location
}

/// The page for the path shown; `page` builds it. A page is built again only when the route
/// changes, not when the fragment does.
#[component]
pub fn Pages(page: fn(Route) -> AnyView) -> impl IntoView {
    let location = Location::get();
    let route = Memo::new(move |_| Route::of(&location.path.get()));
    move || page(route.get())
}

/// A navigation link, marked `aria-current="page"` while its page (or, unless `exact`, a page
/// below it) is shown.
#[component]
pub fn NavLink(
    href: &'static str,
    #[prop(optional)] exact: bool,
    children: Children,
) -> impl IntoView {
    let location = Location::get();
    let current = move || {
        location
            .path
            .with(|p| is_current(href, p, exact))
            .then_some("page")
    };
    view! { <a href=href aria-current=current>{children()}</a> }
}
