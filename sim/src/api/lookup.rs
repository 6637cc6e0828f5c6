//! Resolving references (an Actor by id or `username~name`, a run by id) and validating what
//! requests name: record keys, storage and Actor names, memory sizes.

use super::error::{bad, not_found, ApiError};
use crate::ids::IdKind;
use crate::state::State;
use forge_apify::limits;
use forge_apify::ErrorKind;

/// `username~name` or `~name` (the token owner's) → `(username, name)`.
pub fn split_ref(r: &str) -> Option<(&str, &str)> {
    r.split_once('~')
}

/// An Actor by id, `username~name` or `~name`.
pub fn actor_idx(st: &State, r: &str) -> Result<usize, ApiError> {
    let found = match split_ref(r) {
        Some((user, name)) => {
            let user = if user.is_empty() {
                st.user.username.as_str()
            } else {
                user
            };
            st.actors
                .iter()
                .position(|a| a.username == user && a.name == name)
        }
        None => st.actor_index(r),
    };
    found.ok_or_else(|| not_found(ErrorKind::ActorNotFound, "Actor"))
}

/// A run by id: its position in `State::runs`.
pub fn find_run(st: &State, id: &str) -> Result<u32, ApiError> {
    st.run_at(id, IdKind::Run)
        .ok_or_else(|| not_found(ErrorKind::RecordNotFound, "Actor run"))
}

/// Apify's record key charset: `[a-zA-Z0-9!\-_.'()]{1,256}`.
pub fn valid_key(key: &str) -> Result<&str, ApiError> {
    let ok = !key.is_empty()
        && key.len() <= 256
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!-_.'()".contains(&b));
    if ok {
        Ok(key)
    } else {
        Err(bad(
            "invalid-record-key",
            "Record key contains invalid character",
        ))
    }
}

pub fn valid_name(name: &str) -> Result<(), ApiError> {
    let ok = !name.is_empty()
        && name.len() <= 63
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        && !name.starts_with('-')
        && !name.ends_with('-');
    if ok {
        Ok(())
    } else {
        Err(bad(
            ErrorKind::InvalidValue,
            "Name can only contain letters 'a' through 'z', the digits '0' through '9', and the hyphen ('-') but only in the middle of the string (e.g. 'my-value-1')",
        ))
    }
}

pub fn valid_memory(m: u64) -> Result<u32, ApiError> {
    match u32::try_from(m) {
        Ok(m) if limits::is_allowed_memory_mbytes(m) => Ok(m),
        _ => Err(bad(
            ErrorKind::InvalidValue,
            format!(
                "Memory must be a power of 2 between {} and {} megabytes",
                limits::MIN_MEMORY_MBYTES,
                limits::MAX_MEMORY_MBYTES
            ),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn record_keys_and_names() {
        assert!(valid_key("snapshot-2026-W03").is_ok());
        assert!(valid_key("a b").is_err());
        assert!(valid_name("forge-trends").is_ok());
        assert!(valid_name("-x").is_err());
    }
}
