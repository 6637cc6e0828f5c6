//! `localStorage`: which account's cache a visit reads first, and — only to be cleared — the
//! fleet cache as it was kept before IndexedDB, so the old entry does not keep using the
//! origin's quota. A refused storage is never an error worth showing.

fn local() -> Option<web_sys::Storage> {
    web_sys::window().and_then(|w| w.local_storage().ok().flatten())
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
