//! The `type` of an error envelope as one enum: every `forge-…` type the relay (or the app)
//! produces, the Apify types Forge and its simulator speak, and [`ErrorKind::Other`] for the
//! rest (DESIGN §6).
//!
//! The list is declared once, in the `kinds!` table below: the enum, [`ErrorKind::as_str`],
//! [`ErrorKind::from_type`] and [`ErrorKind::KNOWN`] are all generated from it, so a variant
//! cannot lose its string or its place in the list.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::hash::{Hash, Hasher};
use std::str::FromStr;

macro_rules! kinds {
    ($( $(#[$doc:meta])* $variant:ident = $s:literal, )*) => {
        /// The `type` of an error envelope `{"error":{"type","message"}}`.
        ///
        /// Parse with [`ErrorKind::from_type`] (or `FromStr`, `From<&str>`, serde), which never
        /// fails: a type this list does not know is [`ErrorKind::Other`]. Equality and hashing
        /// go by the string, so `Other("forge-not-allowed")` built by hand still equals
        /// [`ErrorKind::ForgeNotAllowed`]; `match` on the variants only after `from_type`.
        #[derive(Clone)]
        pub enum ErrorKind {
            $( $(#[$doc])* $variant, )*
            /// Any other `type`, kept verbatim.
            Other(String),
        }

        impl ErrorKind {
            /// Every variant except [`ErrorKind::Other`], in declaration order.
            pub const KNOWN: &'static [ErrorKind] = &[ $( ErrorKind::$variant, )* ];

            /// The `type` string, e.g. `"forge-not-allowed"`.
            pub fn as_str(&self) -> &str {
                match self {
                    $( ErrorKind::$variant => $s, )*
                    ErrorKind::Other(s) => s,
                }
            }

            /// The kind of a `type` string. Never fails: unknown types are [`ErrorKind::Other`].
            pub fn from_type(s: &str) -> ErrorKind {
                match s {
                    $( $s => ErrorKind::$variant, )*
                    other => ErrorKind::Other(other.to_string()),
                }
            }
        }

        impl fmt::Debug for ErrorKind {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                match self {
                    $( ErrorKind::$variant => f.write_str(stringify!($variant)), )*
                    ErrorKind::Other(s) => f.debug_tuple("Other").field(s).finish(),
                }
            }
        }
    };
}

kinds! {
    // ---- The relay's own types (relay/src/error.rs) ----
    /// 403: the allow-list refused the request (or a method-override header), before anything
    /// went upstream.
    ForgeNotAllowed = "forge-not-allowed",
    /// 401: no session cookie and no `Bearer forge1.…`.
    ForgeSessionMissing = "forge-session-missing",
    /// 401: a session that does not open (expired, revoked, damaged) or two credentials at once.
    ForgeSessionInvalid = "forge-session-invalid",
    /// 401: a raw `apify_api_…` token on the forwarding route.
    ForgeRawTokenRefused = "forge-raw-token-refused",
    /// 400: the pasted token has the wrong shape (the message says why).
    ForgeBadToken = "forge-bad-token",
    /// 401: Apify rejected the pasted token when connecting.
    ForgeTokenRejected = "forge-token-rejected",
    /// 403: the `X-Forge-Client: 1` header is missing.
    ForgeClientHeaderMissing = "forge-client-header-missing",
    /// 403: the `Origin` may not call this relay.
    ForgeOriginNotAllowed = "forge-origin-not-allowed",
    /// 403: a non-loopback `Host` on a local or demo relay.
    ForgeHostNotAllowed = "forge-host-not-allowed",
    /// 400: a malformed request to the relay itself.
    ForgeBadRequest = "forge-bad-request",
    /// 413: the request body is over the relay's limit.
    ForgeBodyTooLarge = "forge-body-too-large",
    /// 429: the session's rate limit (with `Retry-After`).
    ForgeRateLimited = "forge-rate-limited",
    /// 503: too many requests in flight.
    ForgeOverloaded = "forge-overloaded",
    /// 502: the relay could not reach Apify.
    ForgeUpstreamUnreachable = "forge-upstream-unreachable",
    /// 504: Apify did not answer in time.
    ForgeUpstreamTimeout = "forge-upstream-timeout",
    /// 502: Apify answered with an unexpected status.
    ForgeUpstreamError = "forge-upstream-error",
    /// 502: Apify redirected somewhere the relay does not follow.
    ForgeUpstreamRedirect = "forge-upstream-redirect",
    /// 502: Apify's answer was larger than the relay passes on.
    ForgeUpstreamTooLarge = "forge-upstream-too-large",
    /// 502: Apify's answer was not in the documented shape.
    ForgeUpstreamMalformed = "forge-upstream-malformed",
    /// 409: a session endpoint on a relay with a fixed token.
    ForgeWrongMode = "forge-wrong-mode",
    /// 404: no such relay endpoint.
    ForgeNotFound = "forge-not-found",
    /// 500: the relay failed unexpectedly.
    ForgeInternal = "forge-internal",
    // ---- Produced by the app itself, never sent by the relay ----
    /// The app refused to request an Actor whose id has the wrong shape.
    ForgeBadActorId = "forge-bad-actor-id",
    // ---- Apify's types (passed through unchanged; the simulator produces them) ----
    /// 403: the token lacks the permission for this request.
    InsufficientPermissions = "insufficient-permissions",
    /// 429: Apify's rate limit.
    RateLimitExceeded = "rate-limit-exceeded",
    /// 404: no such run, record, dataset or store.
    RecordNotFound = "record-not-found",
    /// 404: a record or the token is not found.
    RecordOrTokenNotFound = "record-or-token-not-found",
    /// 404: a user or the token is not found.
    UserOrTokenNotFound = "user-or-token-not-found",
    /// 404: no such Actor.
    ActorNotFound = "actor-not-found",
    /// 404: no such build.
    BuildNotFound = "build-not-found",
    /// 404: no such API endpoint.
    PageNotFound = "page-not-found",
    /// 401: the token is not valid.
    InvalidToken = "invalid-token",
    /// 401: no token was sent.
    TokenNotProvided = "token-not-provided",
    /// 405: the endpoint does not take this method.
    MethodNotAllowed = "method-not-allowed",
    /// 400: a query parameter has an invalid value.
    InvalidParameter = "invalid-parameter",
    /// 400: the request body is invalid.
    InvalidInput = "invalid-input",
    /// 400: a value (a name, a memory size) is invalid.
    InvalidValue = "invalid-value",
    /// 413: the request body is over Apify's limit.
    RequestTooLarge = "request-too-large",
    /// 400: a record is over Apify's size limit.
    RecordTooLarge = "record-too-large",
    /// 408: a synchronous run did not finish within the endpoint's timeout.
    RunTimeoutExceeded = "run-timeout-exceeded",
}

impl ErrorKind {
    /// A type the relay produced itself (`forge-…`) rather than passed through from Apify.
    pub fn is_forge(&self) -> bool {
        self.as_str().starts_with("forge-")
    }

    /// Not a type this version of Forge knows.
    pub fn is_other(&self) -> bool {
        matches!(self, ErrorKind::Other(_))
    }

    /// The session is missing or does not open: connect (again).
    pub fn is_session_problem(&self) -> bool {
        matches!(
            self.canonical(),
            ErrorKind::ForgeSessionMissing | ErrorKind::ForgeSessionInvalid
        )
    }

    /// `self`, with an `Other` that spells a known type turned into that variant.
    fn canonical(&self) -> ErrorKind {
        match self {
            ErrorKind::Other(s) => ErrorKind::from_type(s),
            k => k.clone(),
        }
    }
}

impl PartialEq for ErrorKind {
    fn eq(&self, other: &ErrorKind) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for ErrorKind {}

impl Hash for ErrorKind {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.as_str().hash(state);
    }
}

impl PartialEq<str> for ErrorKind {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for ErrorKind {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ErrorKind {
    type Err = std::convert::Infallible;

    fn from_str(s: &str) -> Result<ErrorKind, Self::Err> {
        Ok(ErrorKind::from_type(s))
    }
}

impl From<&str> for ErrorKind {
    fn from(s: &str) -> ErrorKind {
        ErrorKind::from_type(s)
    }
}

impl From<String> for ErrorKind {
    fn from(s: String) -> ErrorKind {
        match ErrorKind::from_type(&s) {
            ErrorKind::Other(_) => ErrorKind::Other(s),
            known => known,
        }
    }
}

impl From<ErrorKind> for String {
    fn from(k: ErrorKind) -> String {
        match k {
            ErrorKind::Other(s) => s,
            k => k.as_str().to_string(),
        }
    }
}

impl From<&ErrorKind> for String {
    fn from(k: &ErrorKind) -> String {
        k.as_str().to_string()
    }
}

impl Serialize for ErrorKind {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for ErrorKind {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<ErrorKind, D::Error> {
        String::deserialize(d).map(ErrorKind::from)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn every_variant_round_trips_through_its_string() {
        for k in ErrorKind::KNOWN {
            assert!(!k.is_other(), "{k:?} is listed as known");
            assert_eq!(&ErrorKind::from_type(k.as_str()), k);
            assert!(!ErrorKind::from_type(k.as_str()).is_other());
            assert_eq!(k.as_str().parse::<ErrorKind>().unwrap(), *k);
            assert_eq!(k.to_string(), k.as_str());
            assert_eq!(String::from(k.clone()), k.as_str());
            let json = serde_json::to_string(k).unwrap();
            assert_eq!(json, format!("\"{}\"", k.as_str()));
            assert_eq!(serde_json::from_str::<ErrorKind>(&json).unwrap(), *k);
            // Kebab-case, as Apify spells its types.
            assert!(
                k.as_str()
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b == b'-'),
                "{k}"
            );
        }
    }

    #[test]
    fn the_list_has_no_duplicates() {
        let strings: BTreeSet<&str> = ErrorKind::KNOWN.iter().map(ErrorKind::as_str).collect();
        assert_eq!(strings.len(), ErrorKind::KNOWN.len());
    }

    #[test]
    fn unknown_types_are_kept_verbatim() {
        let k = ErrorKind::from_type("schema-validation-error");
        assert_eq!(k, ErrorKind::Other("schema-validation-error".into()));
        assert!(k.is_other() && !k.is_forge());
        assert_eq!(k.as_str(), "schema-validation-error");
        let back: ErrorKind = serde_json::from_str("\"forge-future-kind\"").unwrap();
        assert!(back.is_forge() && back.is_other());
        assert_eq!(
            serde_json::to_string(&back).unwrap(),
            "\"forge-future-kind\""
        );
        assert_eq!(ErrorKind::from_type(""), ErrorKind::Other(String::new()));
    }

    #[test]
    fn equality_goes_by_the_string() {
        let by_hand = ErrorKind::Other("forge-not-allowed".into());
        assert_eq!(by_hand, ErrorKind::ForgeNotAllowed);
        assert_eq!(
            ErrorKind::from(String::from("forge-not-allowed")),
            ErrorKind::ForgeNotAllowed
        );
        assert!(matches!(
            ErrorKind::from(String::from("forge-not-allowed")),
            ErrorKind::ForgeNotAllowed
        ));
        assert_eq!(
            ErrorKind::InsufficientPermissions,
            "insufficient-permissions"
        );
        assert!(by_hand.is_forge());
        assert!(ErrorKind::Other("forge-session-missing".into()).is_session_problem());
        assert!(!ErrorKind::ForgeNotAllowed.is_session_problem());
        let set: BTreeSet<String> = [by_hand, ErrorKind::ForgeNotAllowed]
            .iter()
            .map(String::from)
            .collect();
        assert_eq!(set.len(), 1);
    }

    #[test]
    fn forge_kinds_are_the_forge_prefixed_ones() {
        let forge = ErrorKind::KNOWN.iter().filter(|k| k.is_forge()).count();
        assert_eq!(forge, 23);
        assert!(!ErrorKind::RateLimitExceeded.is_forge());
    }
}
