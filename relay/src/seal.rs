//! Sealing: the pasted Apify token becomes an AES-256-GCM blob only this relay can open
//! (DESIGN §5). The browser keeps the blob in an `HttpOnly` cookie it cannot read; the relay
//! stores nothing.
//!
//! Wire format — `forge1.` + base64url (no padding) of:
//!
//! ```text
//! version(1) ‖ key id(2, BE) ‖ issued-at(8, BE unix s) ‖ expires-at(8, BE) ‖ nonce(12) ‖ ciphertext+tag
//! ```
//!
//! The AAD is [`PURPOSE`] followed by that whole 31-byte header, so no header byte can be
//! changed without failing authentication. The plaintext is the token, the Apify user id and the
//! username, each length-prefixed (u16 BE). Every way an unseal can fail maps to one opaque
//! answer; only the log learns the [`UnsealError`] reason code.

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use secrecy::{ExposeSecret, SecretString};
use std::fmt;
use zeroize::Zeroizing;

pub const PREFIX: &str = "forge1.";
pub const VERSION: u8 = 1;
/// Domain separation: a blob sealed for another purpose (or another product using the same key
/// format) cannot be opened as a session.
pub const PURPOSE: &[u8] = b"forge/session/v1\0";
const HEADER_LEN: usize = 1 + 2 + 8 + 8 + 12;
const TAG_LEN: usize = 16;
/// Longest sealed value accepted before any decoding (a real one is ~150 characters).
pub const MAX_SEALED_LEN: usize = 1024;
/// Tolerated clock skew for `issued-at` in the future (several relay replicas).
const MAX_SKEW_SECS: u64 = 300;

/// A sealing key: 32 bytes, never printed.
struct SealKey {
    id: u16,
    cipher: Aes256Gcm,
}

/// The server's keys. The first seals; every key unseals; a key removed from the list revokes
/// everything it sealed.
pub struct Keyring {
    keys: Vec<SealKey>,
}

impl fmt::Debug for Keyring {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ids: Vec<u16> = self.keys.iter().map(|k| k.id).collect();
        f.debug_struct("Keyring")
            .field("key_ids", &ids)
            .field("keys", &"***")
            .finish()
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum KeyringError {
    #[error("FORGE_SEAL_KEYS is empty: set it to `id:base64key` (generate one with `forge-relay keygen`)")]
    Empty,
    #[error("FORGE_SEAL_KEYS entry {0} is not `id:base64key`")]
    Syntax(usize),
    #[error("FORGE_SEAL_KEYS entry {0} has a key id that is not a number from 1 to 65535")]
    BadId(usize),
    #[error("FORGE_SEAL_KEYS entry {0}: the key is not valid base64")]
    Base64(usize),
    #[error("FORGE_SEAL_KEYS entry {index}: a key must be exactly 32 bytes, this one is {len}")]
    Length { index: usize, len: usize },
    #[error("FORGE_SEAL_KEYS lists key id {0} twice")]
    DuplicateId(u16),
}

impl Keyring {
    /// Parses `2:<base64>,1:<base64>`. Entry numbers in errors are 1-based; key bytes never
    /// appear in an error.
    pub fn parse(spec: &str) -> Result<Keyring, KeyringError> {
        let mut keys: Vec<SealKey> = Vec::new();
        for (i, entry) in spec
            .split(',')
            .map(str::trim)
            .filter(|e| !e.is_empty())
            .enumerate()
        {
            let index = i + 1;
            let (id, b64) = entry.split_once(':').ok_or(KeyringError::Syntax(index))?;
            let id: u16 = id
                .trim()
                .parse()
                .ok()
                .filter(|&n| n > 0)
                .ok_or(KeyringError::BadId(index))?;
            let bytes = Zeroizing::new(
                STANDARD
                    .decode(b64.trim())
                    .or_else(|_| URL_SAFE_NO_PAD.decode(b64.trim()))
                    .map_err(|_| KeyringError::Base64(index))?,
            );
            if bytes.len() != 32 {
                return Err(KeyringError::Length {
                    index,
                    len: bytes.len(),
                });
            }
            if keys.iter().any(|k| k.id == id) {
                return Err(KeyringError::DuplicateId(id));
            }
            let cipher = Aes256Gcm::new_from_slice(&bytes).map_err(|_| KeyringError::Length {
                index,
                len: bytes.len(),
            })?;
            keys.push(SealKey { id, cipher });
        }
        if keys.is_empty() {
            return Err(KeyringError::Empty);
        }
        Ok(Keyring { keys })
    }

    /// A fresh `id:base64` key line, as `forge-relay keygen` prints it.
    pub fn generate_key_line(id: u16) -> Result<String, getrandom::Error> {
        let mut key = Zeroizing::new([0u8; 32]);
        getrandom::fill(key.as_mut())?;
        Ok(format!("{id}:{}", STANDARD.encode(key.as_ref())))
    }

    pub fn sealing_key_id(&self) -> u16 {
        self.keys[0].id
    }

    /// Seals a session with a fresh 96-bit nonce from the OS.
    pub fn seal(
        &self,
        session: &SessionSecret,
        issued_at: u64,
        expires_at: u64,
    ) -> Result<String, SealError> {
        let mut nonce = [0u8; 12];
        getrandom::fill(&mut nonce).map_err(|_| SealError::Random)?;
        self.seal_with_nonce(session, issued_at, expires_at, nonce)
    }

    /// Seals with a given nonce: only `seal` (fresh nonce) and known-answer tests call this.
    fn seal_with_nonce(
        &self,
        session: &SessionSecret,
        issued_at: u64,
        expires_at: u64,
        nonce: [u8; 12],
    ) -> Result<String, SealError> {
        let key = &self.keys[0];
        let mut header = [0u8; HEADER_LEN];
        header[0] = VERSION;
        header[1..3].copy_from_slice(&key.id.to_be_bytes());
        header[3..11].copy_from_slice(&issued_at.to_be_bytes());
        header[11..19].copy_from_slice(&expires_at.to_be_bytes());
        header[19..31].copy_from_slice(&nonce);
        let plaintext = session.encode()?;
        let aad = aad(&header);
        let ciphertext = key
            .cipher
            .encrypt(
                Nonce::from_slice(&nonce),
                Payload {
                    msg: &plaintext,
                    aad: &aad,
                },
            )
            .map_err(|_| SealError::Encrypt)?;
        let mut blob = Vec::with_capacity(HEADER_LEN + ciphertext.len());
        blob.extend_from_slice(&header);
        blob.extend_from_slice(&ciphertext);
        Ok(format!("{PREFIX}{}", URL_SAFE_NO_PAD.encode(blob)))
    }

    /// Opens a sealed value. `now` is unix seconds.
    pub fn unseal(&self, sealed: &str, now: u64) -> Result<Unsealed, UnsealError> {
        if sealed.len() > MAX_SEALED_LEN {
            return Err(UnsealError::Malformed);
        }
        let body = sealed.strip_prefix(PREFIX).ok_or(UnsealError::Malformed)?;
        let blob = URL_SAFE_NO_PAD
            .decode(body)
            .map_err(|_| UnsealError::Malformed)?;
        if blob.len() < HEADER_LEN + TAG_LEN {
            return Err(UnsealError::Truncated);
        }
        let (header, ciphertext) = blob.split_at(HEADER_LEN);
        if header[0] != VERSION {
            return Err(UnsealError::Version);
        }
        let key_id = u16::from_be_bytes([header[1], header[2]]);
        let issued_at = u64::from_be_bytes(header[3..11].try_into().expect("8 bytes"));
        let expires_at = u64::from_be_bytes(header[11..19].try_into().expect("8 bytes"));
        // No trial decryption: the key id names the one key that may open it.
        let key = self
            .keys
            .iter()
            .find(|k| k.id == key_id)
            .ok_or(UnsealError::UnknownKey)?;
        let aad = aad(header.try_into().expect("header length"));
        let plaintext = Zeroizing::new(
            key.cipher
                .decrypt(
                    Nonce::from_slice(&header[19..31]),
                    Payload {
                        msg: ciphertext,
                        aad: &aad,
                    },
                )
                .map_err(|_| UnsealError::Decrypt)?,
        );
        // The timestamps are trusted only now that the header is authenticated.
        if now >= expires_at {
            return Err(UnsealError::Expired);
        }
        if issued_at > now.saturating_add(MAX_SKEW_SECS) {
            return Err(UnsealError::NotYetValid);
        }
        let session = SessionSecret::decode(&plaintext).ok_or(UnsealError::Payload)?;
        let mut session_id = [0u8; 12];
        session_id.copy_from_slice(&header[19..31]);
        Ok(Unsealed {
            session,
            issued_at,
            expires_at,
            key_id,
            session_id,
        })
    }
}

fn aad(header: &[u8; HEADER_LEN]) -> Vec<u8> {
    let mut aad = Vec::with_capacity(PURPOSE.len() + HEADER_LEN);
    aad.extend_from_slice(PURPOSE);
    aad.extend_from_slice(header);
    aad
}

/// What a sealed value holds: the token (secret), who it belongs to, and the plan's data
/// retention (days; a seal from before it was kept opens with `None`).
pub struct SessionSecret {
    pub token: SecretString,
    pub user_id: String,
    pub username: String,
    pub retention_days: Option<u32>,
}

impl fmt::Debug for SessionSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionSecret")
            .field("token", &"***")
            .field("user_id", &self.user_id)
            .field("username", &self.username)
            .field("retention_days", &self.retention_days)
            .finish()
    }
}

impl SessionSecret {
    /// Length-prefixed fields: token, user id, username and, when known, the retention days as
    /// decimal text.
    fn encode(&self) -> Result<Zeroizing<Vec<u8>>, SealError> {
        let mut out = Zeroizing::new(Vec::with_capacity(128));
        let retention = self.retention_days.map(|d| d.to_string());
        let fields = [self.token.expose_secret(), &self.user_id, &self.username];
        for field in fields.into_iter().chain(retention.as_deref()) {
            let len = u16::try_from(field.len()).map_err(|_| SealError::TooLong)?;
            out.extend_from_slice(&len.to_be_bytes());
            out.extend_from_slice(field.as_bytes());
        }
        Ok(out)
    }

    /// Three fields (a seal from before retention was kept) or four.
    fn decode(mut bytes: &[u8]) -> Option<SessionSecret> {
        let mut fields: Vec<String> = Vec::with_capacity(4);
        while !bytes.is_empty() && fields.len() < 4 {
            let len = u16::from_be_bytes(bytes.get(..2)?.try_into().ok()?) as usize;
            let field = bytes.get(2..2 + len)?;
            fields.push(String::from_utf8(field.to_vec()).ok()?);
            bytes = &bytes[2 + len..];
        }
        if !bytes.is_empty() || fields.len() < 3 {
            return None;
        }
        let retention_days = match fields.len() {
            4 => Some(fields.pop()?.parse().ok()?),
            _ => None,
        };
        let username = fields.pop()?;
        let user_id = fields.pop()?;
        let token = SecretString::from(fields.pop()?);
        Some(SessionSecret {
            token,
            user_id,
            username,
            retention_days,
        })
    }
}

/// A successfully opened session.
#[derive(Debug)]
pub struct Unsealed {
    pub session: SessionSecret,
    pub issued_at: u64,
    pub expires_at: u64,
    pub key_id: u16,
    /// The seal's nonce: unique per seal, so it identifies the session for rate limiting
    /// without revealing anything.
    pub session_id: [u8; 12],
}

#[derive(Debug, thiserror::Error)]
pub enum SealError {
    #[error("the OS random generator failed")]
    Random,
    #[error("encryption failed")]
    Encrypt,
    #[error("a session field is too long to seal")]
    TooLong,
}

/// Why an unseal failed. The client never learns which; logs and metrics get [`Self::code`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum UnsealError {
    #[error("malformed")]
    Malformed,
    #[error("truncated")]
    Truncated,
    #[error("unknown version")]
    Version,
    #[error("unknown key")]
    UnknownKey,
    #[error("authentication failed")]
    Decrypt,
    #[error("expired")]
    Expired,
    #[error("issued in the future")]
    NotYetValid,
    #[error("bad payload")]
    Payload,
}

impl UnsealError {
    pub const ALL: [UnsealError; 8] = [
        UnsealError::Malformed,
        UnsealError::Truncated,
        UnsealError::Version,
        UnsealError::UnknownKey,
        UnsealError::Decrypt,
        UnsealError::Expired,
        UnsealError::NotYetValid,
        UnsealError::Payload,
    ];

    pub const fn code(self) -> &'static str {
        match self {
            UnsealError::Malformed => "malformed",
            UnsealError::Truncated => "truncated",
            UnsealError::Version => "version",
            UnsealError::UnknownKey => "unknown-key",
            UnsealError::Decrypt => "decrypt",
            UnsealError::Expired => "expired",
            UnsealError::NotYetValid => "not-yet-valid",
            UnsealError::Payload => "payload",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    const KEY_A: &str = "1:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="; // bytes 0..32
    const KEY_B: &str = "2:ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8="; // bytes 32..64
    const TOKEN: &str = "apify_api_abcdefghijklmnopqrstuvwxyz0123456789";
    const NOW: u64 = 1_800_000_000;
    const TTL: u64 = 90 * 86_400;

    fn session() -> SessionSecret {
        SessionSecret {
            token: SecretString::from(TOKEN),
            user_id: "u1".into(),
            username: "ana".into(),
            retention_days: Some(14),
        }
    }

    #[test]
    fn a_seal_from_before_retention_was_kept_still_opens() {
        let old = SessionSecret {
            retention_days: None,
            ..session()
        };
        let bytes = old.encode().unwrap();
        let back = SessionSecret::decode(&bytes).unwrap();
        assert_eq!(back.retention_days, None);
        assert_eq!(back.username, "ana");
        let new = SessionSecret::decode(&session().encode().unwrap()).unwrap();
        assert_eq!(new.retention_days, Some(14));
        // Neither a fifth field nor a non-number opens.
        let mut five = session().encode().unwrap().to_vec();
        five.extend_from_slice(&[0, 1, b'x']);
        assert!(SessionSecret::decode(&five).is_none());
        let mut bad = old.encode().unwrap().to_vec();
        bad.extend_from_slice(&[0, 2, b'1', b'x']);
        assert!(SessionSecret::decode(&bad).is_none());
    }

    fn ring(spec: &str) -> Keyring {
        Keyring::parse(spec).unwrap()
    }

    #[test]
    fn round_trip() {
        let k = ring(KEY_A);
        let sealed = k.seal(&session(), NOW, NOW + TTL).unwrap();
        assert!(sealed.starts_with(PREFIX));
        assert!(!sealed.contains("apify_api"));
        let u = k.unseal(&sealed, NOW + 1).unwrap();
        assert_eq!(u.session.token.expose_secret(), TOKEN);
        assert_eq!(
            (u.session.user_id.as_str(), u.session.username.as_str()),
            ("u1", "ana")
        );
        assert_eq!((u.issued_at, u.expires_at, u.key_id), (NOW, NOW + TTL, 1));
    }

    /// Frozen wire format: if this changes, every session in the wild breaks. Bump VERSION.
    /// (Cross-checked once by decrypting it with Python's `cryptography` AESGCM.) A session with
    /// no retention seals to exactly the three-field payload it always did.
    #[test]
    fn known_answer() {
        let k = ring(KEY_A);
        let three_fields = SessionSecret {
            retention_days: None,
            ..session()
        };
        let sealed = k
            .seal_with_nonce(&three_fields, NOW, NOW + TTL, [7u8; 12])
            .unwrap();
        assert_eq!(
            sealed,
            "forge1.AQABAAAAAGtJ0gAAAAAAa8B5AAcHBwcHBwcHBwcHBw9ExywGaa6rp-163-Ezl__EOuob4Z3qdZPVMYp1rEFvUjKGBvg6xKMwzZXI9CDhH7tKxnjVomBl_Goyj8CuTp9E8AUQ6em1iBk"
        );
        assert_eq!(k.unseal(&sealed, NOW).unwrap().session.username, "ana");
    }

    #[test]
    fn every_single_bit_flip_fails() {
        let k = ring(KEY_A);
        let sealed = k.seal(&session(), NOW, NOW + TTL).unwrap();
        let raw = URL_SAFE_NO_PAD.decode(&sealed[PREFIX.len()..]).unwrap();
        for byte in 0..raw.len() {
            for bit in 0..8 {
                let mut flipped = raw.clone();
                flipped[byte] ^= 1 << bit;
                let tampered = format!("{PREFIX}{}", URL_SAFE_NO_PAD.encode(&flipped));
                assert!(
                    k.unseal(&tampered, NOW).is_err(),
                    "byte {byte} bit {bit} accepted"
                );
            }
        }
    }

    #[test]
    fn failures_have_reasons() {
        let k = ring(KEY_A);
        let sealed = k.seal(&session(), NOW, NOW + TTL).unwrap();
        assert_eq!(
            k.unseal(&sealed, NOW + TTL).unwrap_err(),
            UnsealError::Expired
        );
        assert_eq!(
            k.unseal(&sealed, NOW - 1000).unwrap_err(),
            UnsealError::NotYetValid
        );
        let raw = URL_SAFE_NO_PAD.decode(&sealed[PREFIX.len()..]).unwrap();
        let truncated = format!("{PREFIX}{}", URL_SAFE_NO_PAD.encode(&raw[..40]));
        assert_eq!(
            k.unseal(&truncated, NOW).unwrap_err(),
            UnsealError::Truncated
        );
        let short_tag = format!("{PREFIX}{}", URL_SAFE_NO_PAD.encode(&raw[..raw.len() - 1]));
        assert_eq!(k.unseal(&short_tag, NOW).unwrap_err(), UnsealError::Decrypt);
        assert_eq!(
            k.unseal("forge2.AAAA", NOW).unwrap_err(),
            UnsealError::Malformed
        );
        assert_eq!(k.unseal(TOKEN, NOW).unwrap_err(), UnsealError::Malformed);
        assert_eq!(
            k.unseal(&"forge1.A".repeat(200), NOW).unwrap_err(),
            UnsealError::Malformed
        );
        let mut raw = URL_SAFE_NO_PAD.decode(&sealed[PREFIX.len()..]).unwrap();
        raw[0] = 2;
        assert_eq!(
            k.unseal(&format!("{PREFIX}{}", URL_SAFE_NO_PAD.encode(&raw)), NOW)
                .unwrap_err(),
            UnsealError::Version
        );
        // Sealed under key 2, the ring with only key 1 does not know it.
        let other = ring(KEY_B).seal(&session(), NOW, NOW + TTL).unwrap();
        assert_eq!(k.unseal(&other, NOW).unwrap_err(), UnsealError::UnknownKey);
    }

    #[test]
    fn rotation_first_key_seals_all_keys_unseal_removal_revokes() {
        let old = ring(KEY_A).seal(&session(), NOW, NOW + TTL).unwrap();
        let rotated = ring(&format!("{KEY_B},{KEY_A}"));
        assert_eq!(rotated.sealing_key_id(), 2);
        assert!(rotated.unseal(&old, NOW).is_ok());
        let new = rotated.seal(&session(), NOW, NOW + TTL).unwrap();
        assert_eq!(rotated.unseal(&new, NOW).unwrap().key_id, 2);
        let revoked = ring(KEY_B);
        assert_eq!(
            revoked.unseal(&old, NOW).unwrap_err(),
            UnsealError::UnknownKey
        );
    }

    #[test]
    fn ten_thousand_seals_ten_thousand_nonces() {
        let k = ring(KEY_A);
        let mut nonces = HashSet::new();
        for _ in 0..10_000 {
            let sealed = k.seal(&session(), NOW, NOW + TTL).unwrap();
            let raw = URL_SAFE_NO_PAD.decode(&sealed[PREFIX.len()..]).unwrap();
            nonces.insert(raw[19..31].to_vec());
        }
        assert_eq!(nonces.len(), 10_000);
    }

    #[test]
    fn key_length_must_be_exactly_32_bytes() {
        for len in [31usize, 33, 0, 16, 64] {
            let spec = format!("1:{}", STANDARD.encode(vec![1u8; len]));
            let want = if len == 0 {
                KeyringError::Length { index: 1, len: 0 }
            } else {
                KeyringError::Length { index: 1, len }
            };
            assert_eq!(Keyring::parse(&spec).unwrap_err(), want);
        }
        assert_eq!(Keyring::parse("").unwrap_err(), KeyringError::Empty);
        assert_eq!(
            Keyring::parse("nokey").unwrap_err(),
            KeyringError::Syntax(1)
        );
        assert_eq!(
            Keyring::parse("0:AAAA").unwrap_err(),
            KeyringError::BadId(1)
        );
        assert_eq!(
            Keyring::parse("1:***").unwrap_err(),
            KeyringError::Base64(1)
        );
        assert_eq!(
            Keyring::parse(&format!("{KEY_A},{KEY_A}")).unwrap_err(),
            KeyringError::DuplicateId(1)
        );
    }

    #[test]
    fn debug_shows_no_secret() {
        let k = ring(KEY_A);
        let dbg = format!("{k:?} {:?}", session());
        assert!(dbg.contains("key_ids: [1]"), "{dbg}");
        assert!(
            !dbg.contains("AAECAw") && !dbg.contains(TOKEN) && !dbg.contains("abcdefghij"),
            "{dbg}"
        );
    }

    #[test]
    fn generated_keys_parse() {
        let line = Keyring::generate_key_line(3).unwrap();
        assert_eq!(ring(&line).sealing_key_id(), 3);
        assert_ne!(line, Keyring::generate_key_line(3).unwrap());
    }
}
