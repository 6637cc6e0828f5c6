//! The session unsealer (`forge_relay::seal::Keyring::unseal`): arbitrary strings, and
//! structure-aware tampering with genuinely sealed sessions.
//!
//! A fixed keyring (key 1 seals; key 2 also unseals) seals a handful of sessions once per process,
//! with plaintext lengths chosen so the blob length covers every residue mod 3 (base64's trailing
//! bits) and both key ids. The first input byte picks the mode:
//!
//! - `0` **arbitrary**: the rest of the input (lossy UTF-8) is unsealed as is; only one of the
//!   originals may ever open.
//! - `1` **text edits**: byte 1 picks an original; the rest is a list of 3-byte edits
//!   (op, position, value) applied to the *sealed string*: xor, insert, delete, overwrite with a
//!   base64url character, truncate, duplicate a run. Anything that differs from the original
//!   must fail; the original itself must open to the session that was sealed.
//! - `2` **blob edits**: the same edits on the decoded blob (header, nonce, ciphertext, tag),
//!   re-encoded canonically. Any blob that differs must fail.
//! - `3` **clock**: an original is unsealed at a fuzzed `now`; it opens exactly when
//!   `issued_at - 300 <= now < expires_at`.
//!
//! Nothing here prints a token or a sealed value: assertion messages name the mode only.
#![no_main]

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use forge_relay::seal::{Keyring, SessionSecret, PREFIX};
use libfuzzer_sys::fuzz_target;
use secrecy::{ExposeSecret, SecretString};
use std::sync::OnceLock;

/// Test keys, not secrets: bytes 0..32 and 32..64.
const KEYS: &str = "1:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=,\
                    2:ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8=";
const KEY_2_ONLY: &str = "2:ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8=";
const NOW: u64 = 1_800_000_000;
const TTL: u64 = 90 * 86_400;
const MAX_SKEW_SECS: u64 = 300;

struct Original {
    sealed: String,
    blob: Vec<u8>,
    token: String,
    user_id: String,
    username: String,
    key_id: u16,
}

struct Fixture {
    ring: Keyring,
    originals: Vec<Original>,
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let ring = Keyring::parse(KEYS).expect("test keyring");
        let ring2 = Keyring::parse(KEY_2_ONLY).expect("test keyring");
        let mut originals = Vec::new();
        // A fake token of Apify's shape; usernames of three lengths → every blob length mod 3.
        for (i, username) in ["ana", "bruno", "ciryl-k"].into_iter().enumerate() {
            for (sealer, key_id) in [(&ring, 1u16), (&ring2, 2)] {
                let token = format!("apify_api_{}{i}", "f".repeat(35));
                let user_id = format!("u{i}XyZ{key_id}");
                let session = SessionSecret {
                    token: SecretString::from(token.clone()),
                    user_id: user_id.clone(),
                    username: username.to_owned(),
                };
                let sealed = sealer.seal(&session, NOW, NOW + TTL).expect("seal");
                let blob = URL_SAFE_NO_PAD
                    .decode(&sealed[PREFIX.len()..])
                    .expect("sealed values are base64url");
                originals.push(Original {
                    sealed,
                    blob,
                    token,
                    user_id,
                    username: username.to_owned(),
                    key_id,
                });
            }
        }
        let residues: std::collections::BTreeSet<usize> =
            originals.iter().map(|o| o.blob.len() % 3).collect();
        assert_eq!(residues.len(), 3, "fixture should cover every base64 tail");
        Fixture { ring, originals }
    })
}

fuzz_target!(|data: &[u8]| {
    let fx = fixture();
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    match mode % 4 {
        0 => arbitrary(fx, rest),
        1 => text_edits(fx, rest),
        2 => blob_edits(fx, rest),
        _ => clock(fx, rest),
    }
});

/// Unseals `candidate` at `now` and checks the verdict: `Ok` only for an original, and then with
/// exactly what was sealed.
fn check(fx: &Fixture, candidate: &str, now: u64, what: &str) {
    let original = fx.originals.iter().find(|o| o.sealed == candidate);
    match (fx.ring.unseal(candidate, now), original) {
        (Ok(u), Some(o)) => {
            assert!(
                u.session.token.expose_secret() == o.token
                    && u.session.user_id == o.user_id
                    && u.session.username == o.username
                    && u.key_id == o.key_id
                    && u.issued_at == NOW
                    && u.expires_at == NOW + TTL,
                "{what}: an original opened to something else"
            );
        }
        (Ok(_), None) => panic!("{what}: a value that was never sealed opened"),
        (Err(e), Some(_)) => {
            let valid = now < NOW + TTL && NOW <= now.saturating_add(MAX_SKEW_SECS);
            assert!(!valid, "{what}: an original failed to open ({})", e.code());
        }
        (Err(e), None) => assert!(!e.code().is_empty()),
    }
}

fn arbitrary(fx: &Fixture, rest: &[u8]) {
    let text = String::from_utf8_lossy(rest);
    check(fx, &text, NOW, "arbitrary");
}

/// Applies 3-byte edits (op, position, value) to `bytes`.
fn apply_edits(bytes: &mut Vec<u8>, edits: &[u8], alphabet: Option<&[u8]>) {
    for edit in edits.chunks_exact(3) {
        let (op, pos, value) = (edit[0], edit[1] as usize, edit[2]);
        let len = bytes.len();
        match op % 6 {
            0 if len > 0 => {
                let x = if value == 0 { 1 } else { value };
                bytes[pos % len] ^= x;
            }
            1 => bytes.insert(pos % (len + 1), value),
            2 if len > 0 => {
                bytes.remove(pos % len);
            }
            3 if len > 0 => {
                bytes[pos % len] = match alphabet {
                    Some(a) => a[value as usize % a.len()],
                    None => value,
                };
            }
            4 => bytes.truncate(pos % (len + 1)),
            5 if len > 0 => {
                let start = pos % len;
                let end = (start + 1 + value as usize % 8).min(len);
                let run = bytes[start..end].to_vec();
                bytes.splice(start..start, run);
            }
            _ => {}
        }
    }
}

const BASE64URL: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_=+/.";

fn text_edits(fx: &Fixture, rest: &[u8]) {
    let Some((&pick, edits)) = rest.split_first() else {
        return;
    };
    let original = &fx.originals[pick as usize % fx.originals.len()];
    let mut bytes = original.sealed.as_bytes().to_vec();
    apply_edits(&mut bytes, edits, Some(BASE64URL));
    let text = String::from_utf8_lossy(&bytes);
    check(fx, &text, NOW, "text edit");
    if text == original.sealed {
        assert!(
            fx.ring.unseal(&text, NOW).is_ok(),
            "text edit: identity failed"
        );
    }
}

fn blob_edits(fx: &Fixture, rest: &[u8]) {
    let Some((&pick, edits)) = rest.split_first() else {
        return;
    };
    let original = &fx.originals[pick as usize % fx.originals.len()];
    let mut blob = original.blob.clone();
    apply_edits(&mut blob, edits, None);
    let candidate = format!("{PREFIX}{}", URL_SAFE_NO_PAD.encode(&blob));
    let result = fx.ring.unseal(&candidate, NOW);
    if blob == original.blob {
        assert!(result.is_ok(), "blob edit: identity failed");
    } else {
        assert!(result.is_err(), "blob edit: a tampered blob opened");
    }
    check(fx, &candidate, NOW, "blob edit");
}

fn clock(fx: &Fixture, rest: &[u8]) {
    let Some((&pick, rest)) = rest.split_first() else {
        return;
    };
    let original = &fx.originals[pick as usize % fx.originals.len()];
    let mut raw = [0u8; 8];
    let n = rest.len().min(8);
    raw[..n].copy_from_slice(&rest[..n]);
    let offset = i64::from_le_bytes(raw);
    // Mostly near the validity window, sometimes anywhere.
    let now = if rest.len() > 8 {
        u64::from_le_bytes(raw)
    } else {
        NOW.wrapping_add_signed(offset % (2 * TTL as i64))
    };
    let result = fx.ring.unseal(&original.sealed, now);
    let valid = now < NOW + TTL && NOW <= now.saturating_add(MAX_SKEW_SECS);
    assert_eq!(result.is_ok(), valid, "clock: wrong verdict for the time");
    check(fx, &original.sealed, now, "clock");
}
