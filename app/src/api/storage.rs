//! `localStorage`, which held the fleet cache before IndexedDB did: only cleared now, so the
//! old entry does not keep using the origin's quota.

/// Removes `key`; a refused storage is not an error worth showing.
pub fn remove(key: &str) {
    if let Some(s) = web_sys::window().and_then(|w| w.local_storage().ok().flatten()) {
        let _ = s.remove_item(key);
    }
}
