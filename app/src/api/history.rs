//! The browser's address bar: the path shown, pushing a new entry, and scrolling once a page
//! is shown. [`crate::components::router`] builds the app's navigation on these.

use wasm_bindgen::JsCast;

/// `location.pathname`: the path the browser shows ("/" outside a browser).
pub fn current_path() -> String {
    web_sys::window()
        .and_then(|w| w.location().pathname().ok())
        .unwrap_or_else(|| "/".to_string())
}

/// One decoded parameter of the address's query (`?window=7` → `Some("7")` for `window`).
pub fn query_param(name: &str) -> Option<String> {
    let search = web_sys::window()?.location().search().ok()?;
    web_sys::UrlSearchParams::new_with_str(&search)
        .ok()?
        .get(name)
}

/// Replaces the address's query with `params` (encoded here), keeping the path and fragment,
/// without a new history entry: the view changed, not the page.
pub fn replace_query(params: &[(&str, String)]) {
    let Some(w) = web_sys::window() else { return };
    let Ok(search) = web_sys::UrlSearchParams::new() else {
        return;
    };
    for (k, v) in params {
        search.append(k, v);
    }
    let search = String::from(search.to_string());
    let location = w.location();
    let path = location.pathname().unwrap_or_default();
    let hash = location.hash().unwrap_or_default();
    let url = if search.is_empty() {
        format!("{path}{hash}")
    } else {
        format!("{path}?{search}{hash}")
    };
    let current = location.href().unwrap_or_default();
    if current.ends_with(&url) {
        return;
    }
    if let Ok(history) = w.history() {
        let _ = history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&url));
    }
}

/// Adds `href` (path, query and fragment) to the history as the address shown.
pub fn push(href: &str) {
    if let Some(history) = web_sys::window().and_then(|w| w.history().ok()) {
        let _ = history.push_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(href));
    }
}

/// The `<a href>` a click landed on, if the click is a plain one (main button, no modifier
/// that asks for a new tab or window, not already handled) on a link that opens in this tab.
pub fn clicked_link(ev: &web_sys::MouseEvent) -> Option<String> {
    if ev.default_prevented()
        || ev.button() != 0
        || ev.meta_key()
        || ev.ctrl_key()
        || ev.shift_key()
        || ev.alt_key()
    {
        return None;
    }
    let target: web_sys::Element = ev.target()?.dyn_into().ok()?;
    let a = target.closest("a[href]").ok()??;
    let elsewhere = a.get_attribute("target").is_some_and(|t| t != "_self");
    if elsewhere || a.has_attribute("download") {
        return None;
    }
    a.get_attribute("href")
}

/// Once the page is shown: the element `fragment` names brought into view, or the top of the
/// page when there is none. The element may come with data the page is still loading, so it is
/// looked for on each of the next frames, for about two seconds.
pub fn scroll_when_shown(fragment: Option<String>) {
    fn attempt(fragment: Option<String>, frames_left: u32) {
        let Some(w) = web_sys::window() else { return };
        let Some(id) = fragment else {
            w.scroll_to_with_x_and_y(0.0, 0.0);
            return;
        };
        match w.document().and_then(|d| d.get_element_by_id(&id)) {
            Some(el) => el.scroll_into_view(),
            None if frames_left > 0 => {
                let next = wasm_bindgen::closure::Closure::once_into_js(move || {
                    attempt(Some(id), frames_left - 1)
                });
                let _ = w.request_animation_frame(next.unchecked_ref());
            }
            None => {}
        }
    }
    let Some(w) = web_sys::window() else { return };
    let first = wasm_bindgen::closure::Closure::once_into_js(move || attempt(fragment, 120));
    let _ = w.request_animation_frame(first.unchecked_ref());
}
