//! `localStorage`: which account's cache a visit reads first, the table's columns, and — only to
//! be cleared — the fleet cache as it was kept before IndexedDB, so the old entry does not keep
//! using the origin's quota. `sessionStorage` (this tab, until it closes): what the first Run
//! told about Actors: Run. A refused storage is never an error worth showing.

fn local() -> Option<web_sys::Storage> {
    web_sys::window().and_then(|w| w.local_storage().ok().flatten())
}

fn tab() -> Option<web_sys::Storage> {
    web_sys::window().and_then(|w| w.session_storage().ok().flatten())
}

/// The value of `key` in this tab's `sessionStorage`, if any.
pub fn tab_get(key: &str) -> Option<String> {
    tab()?.get_item(key).ok().flatten()
}

/// Sets `key` in this tab's `sessionStorage`.
pub fn tab_set(key: &str, value: &str) {
    if let Some(s) = tab() {
        let _ = s.set_item(key, value);
    }
}

/// The value of `key`, if any.
pub fn get(key: &str) -> Option<String> {
    local()?.get_item(key).ok().flatten()
}

/// Sets `key` to `value`.
pub fn set(key: &str, value: &str) {
    if let Some(s) = local() {
        let _ = s.set_item(key, value);
    }
}

/// Removes `key`.
pub fn remove(key: &str) {
    if let Some(s) = local() {
        let _ = s.remove_item(key);
    }
}
