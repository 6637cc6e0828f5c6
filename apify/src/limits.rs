//! Limits declared once: the numbers the allow-list, the relay, the simulator and the app would
//! otherwise each re-type.
//!
//! Apify's own limits (memory sizes, page size, `waitForFinish`) are what the API accepts; the
//! relay's defaults (`MAX_RUN_INPUT_BYTES`, `MAX_RECORD_BODY_BYTES`) are what a relay forwards
//! unless its operator sets `--max-run-input-bytes` / `--max-body-bytes`.

/// Smallest memory a run may request, in MB.
pub const MIN_MEMORY_MBYTES: u32 = 128;
/// Largest memory a run may request, in MB.
pub const MAX_MEMORY_MBYTES: u32 = 32_768;

/// Whether Apify accepts this run memory: a power of two from [`MIN_MEMORY_MBYTES`] to
/// [`MAX_MEMORY_MBYTES`].
///
/// ```
/// use forge_apify::limits::is_allowed_memory_mbytes;
/// assert!(is_allowed_memory_mbytes(1024));
/// assert!(!is_allowed_memory_mbytes(1000));
/// assert!(!is_allowed_memory_mbytes(64));
/// ```
pub const fn is_allowed_memory_mbytes(mbytes: u32) -> bool {
    mbytes >= MIN_MEMORY_MBYTES && mbytes <= MAX_MEMORY_MBYTES && mbytes.is_power_of_two()
}

/// Every memory size a run may request, smallest first: 128, 256, …, 32768 MB.
pub fn memory_options() -> impl Iterator<Item = u32> + Clone {
    (MIN_MEMORY_MBYTES.trailing_zeros()..=MAX_MEMORY_MBYTES.trailing_zeros()).map(|p| 1u32 << p)
}

/// The longest build number or tag a run may name (`?build=`).
pub const MAX_BUILD_REF_LEN: usize = 64;

/// A build number or tag a run may be started on: 1 to [`MAX_BUILD_REF_LEN`] ASCII letters,
/// digits, `.`, `_` or `-` (`0.3.14`, `latest`, `beta-2`).
pub fn is_build_ref(v: &str) -> bool {
    !v.is_empty()
        && v.len() <= MAX_BUILD_REF_LEN
        && v.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

/// Largest page Apify returns from an offset-paginated list; the allow-list clamps `limit` to
/// it.
pub const MAX_PAGE_LIMIT: u64 = 1000;

/// Longest `waitForFinish`, in seconds (Apify's own maximum); the allow-list clamps larger
/// values.
pub const MAX_WAIT_FOR_FINISH_SECS: u64 = 60;

/// Longest run timeout Forge's run dialog accepts, in seconds (a week).
pub const MAX_RUN_TIMEOUT_SECS: u32 = 7 * 24 * 3600;

/// The relay's default limit on a run input (the body of `POST /v2/actors/{actorId}/runs`), in
/// bytes (`--max-run-input-bytes`).
pub const MAX_RUN_INPUT_BYTES: usize = 256 * 1024;

/// The relay's default limit on any other forwarded request body (a key-value record), in bytes
/// (`--max-body-bytes`).
pub const MAX_RECORD_BODY_BYTES: usize = 1024 * 1024;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_options_are_the_powers_of_two_apify_accepts() {
        let all: Vec<u32> = memory_options().collect();
        assert_eq!(all, [128, 256, 512, 1024, 2048, 4096, 8192, 16_384, 32_768]);
        assert!(all.iter().all(|&m| is_allowed_memory_mbytes(m)));
        let accepted = (0..=70_000)
            .filter(|&m| is_allowed_memory_mbytes(m))
            .count();
        assert_eq!(accepted, all.len());
        for bad in [0, 1, 64, 127, 129, 1000, 1536, 32_769, 65_536, u32::MAX] {
            assert!(!is_allowed_memory_mbytes(bad), "{bad}");
        }
    }
}
