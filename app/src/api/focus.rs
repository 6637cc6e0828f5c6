//! Keyboard focus for dialogs: what has focus, putting it on an element's first control, and
//! keeping Tab inside an element.

use wasm_bindgen::JsCast;

/// Elements a user can Tab to (the common cases; disabled controls excluded).
const FOCUSABLE: &str = "a[href], button:not([disabled]), input:not([disabled]), \
     select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex=\"-1\"])";

/// The element that has focus now, if it can be given focus again later.
pub fn active() -> Option<web_sys::HtmlElement> {
    web_sys::window()?
        .document()?
        .active_element()?
        .dyn_into()
        .ok()
}

fn controls(container_id: &str) -> Vec<web_sys::HtmlElement> {
    let Some(container) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id(container_id))
    else {
        return Vec::new();
    };
    let Ok(list) = container.query_selector_all(FOCUSABLE) else {
        return Vec::new();
    };
    (0..list.length())
        .filter_map(|i| list.item(i)?.dyn_into::<web_sys::HtmlElement>().ok())
        .collect()
}

/// On the next frame (once the element is on the page), focus the first control inside the
/// element `container_id` — its first field rather than the close button when it has one
/// marked `data-autofocus`.
pub fn focus_first_when_shown(container_id: &'static str) {
    let Some(w) = web_sys::window() else { return };
    let then = wasm_bindgen::closure::Closure::once_into_js(move || {
        let all = controls(container_id);
        let first = all
            .iter()
            .find(|e| e.has_attribute("data-autofocus"))
            .or(all.first());
        if let Some(el) = first {
            let _ = el.focus();
        }
    });
    let _ = w.request_animation_frame(then.unchecked_ref());
}

/// Tab and Shift+Tab wrap around inside the element `container_id`, and a Tab from outside it
/// comes back in.
pub fn keep_tab_inside(ev: &web_sys::KeyboardEvent, container_id: &str) {
    let all = controls(container_id);
    let (Some(first), Some(last)) = (all.first(), all.last()) else {
        return;
    };
    let current = active();
    let inside = current.as_ref().is_some_and(|c| all.contains(c));
    let wrap_to = match (inside, ev.shift_key()) {
        (false, false) => Some(first),
        (false, true) => Some(last),
        (true, false) if current.as_ref() == Some(last) => Some(first),
        (true, true) if current.as_ref() == Some(first) => Some(last),
        _ => None,
    };
    if let Some(el) = wrap_to {
        ev.prevent_default();
        let _ = el.focus();
    }
}
