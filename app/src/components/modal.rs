//! A modal dialog: a labelled `role="dialog"` with a × button; while it is open Escape closes
//! it and Tab stays inside; it takes focus when it opens (its `data-autofocus` control, else its
//! first) and gives it back to what had it when it closes.

use crate::api::focus;
use leptos::prelude::*;

#[component]
pub fn Modal(
    /// Whether the dialog is shown; the dialog sets it to `false` to close.
    open: RwSignal<bool>,
    /// The dialog's element id; its title is `{id}-title`.
    id: &'static str,
    #[prop(into)] title: Signal<String>,
    children: ChildrenFn,
) -> impl IntoView {
    let opener = StoredValue::new_local(None::<web_sys::HtmlElement>);
    Effect::new(move |was_open: Option<bool>| {
        let is_open = open.get();
        match (was_open.unwrap_or(false), is_open) {
            (false, true) => {
                opener.set_value(focus::active());
                focus::focus_first_when_shown(id);
            }
            (true, false) => {
                if let Some(el) = opener.get_value() {
                    let _ = el.focus();
                }
            }
            _ => {}
        }
        is_open
    });
    let keys = window_event_listener(leptos::ev::keydown, move |ev| {
        if !open.get_untracked() {
            return;
        }
        match ev.key().as_str() {
            "Escape" => {
                ev.prevent_default();
                open.set(false);
            }
            "Tab" => focus::keep_tab_inside(&ev, id),
            _ => {}
        }
    });
    on_cleanup(move || keys.remove());
    let title_id = format!("{id}-title");
    move || {
        open.get().then(|| {
            let (labelled_by, heading_id) = (title_id.clone(), title_id.clone());
            view! {
                <div class="modal-backdrop">
                    <div class="modal card" role="dialog" aria-modal="true" aria-labelledby=labelled_by id=id>
                        <div class="modal-head">
                            <h2 id=heading_id>{move || title.get()}</h2>
                            <button type="button" class="modal-close" aria-label="Close" on:click=move |_| open.set(false)>"×"</button>
                        </div>
                        {children()}
                    </div>
                </div>
            }
        })
    }
}
