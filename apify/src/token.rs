//! The shape of an Apify API token: `apify_api_` followed by 36 ASCII letters and digits.
//!
//! The check runs in the browser as the user types (before anything is sent) and again in the
//! relay. Each common mistake has its own reason, because "invalid token" helps nobody; the most
//! common one is a trailing space picked up when copying. Messages never echo the token.

use std::fmt;

pub const TOKEN_PREFIX: &str = "apify_api_";
/// Characters after the prefix.
pub const TOKEN_BODY_LEN: usize = 36;
pub const TOKEN_LEN: usize = TOKEN_PREFIX.len() + TOKEN_BODY_LEN;

/// Why a pasted string is not an Apify token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenProblem {
    Empty,
    LeadingWhitespace,
    TrailingWhitespace,
    WrongPrefix,
    /// The length that was found (characters).
    WrongLength(usize),
    InvalidCharacters,
}

impl TokenProblem {
    /// A stable machine-readable reason, used in the relay's `forge-bad-token` error and logs.
    pub const fn code(self) -> &'static str {
        match self {
            TokenProblem::Empty => "empty",
            TokenProblem::LeadingWhitespace => "leading-whitespace",
            TokenProblem::TrailingWhitespace => "trailing-whitespace",
            TokenProblem::WrongPrefix => "wrong-prefix",
            TokenProblem::WrongLength(_) => "wrong-length",
            TokenProblem::InvalidCharacters => "invalid-characters",
        }
    }
}

impl fmt::Display for TokenProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TokenProblem::Empty => write!(f, "Paste your Apify API token."),
            TokenProblem::LeadingWhitespace => {
                write!(f, "Remove the space at the start — the token was copied with extra whitespace.")
            }
            TokenProblem::TrailingWhitespace => {
                write!(f, "Remove the trailing space — the token was copied with extra whitespace.")
            }
            TokenProblem::WrongPrefix => write!(
                f,
                "Tokens start with {TOKEN_PREFIX} — copy the API token from Apify Console → Settings → API & Integrations."
            ),
            TokenProblem::WrongLength(found) => write!(
                f,
                "An Apify token is {TOKEN_LEN} characters long; this one has {found}. Copy the whole token again."
            ),
            TokenProblem::InvalidCharacters => write!(
                f,
                "The token contains characters Apify tokens never have (only letters and digits follow {TOKEN_PREFIX}). Copy it again."
            ),
        }
    }
}

/// Checks the shape of a pasted token. Order matters: whitespace first (the commonest mistake,
/// and it would otherwise be reported as a wrong length), then prefix, length, characters.
pub fn check_token_shape(input: &str) -> Result<(), TokenProblem> {
    if input.is_empty() {
        return Err(TokenProblem::Empty);
    }
    if input.starts_with(char::is_whitespace) {
        return Err(if input.trim().is_empty() {
            TokenProblem::Empty
        } else {
            TokenProblem::LeadingWhitespace
        });
    }
    if input.ends_with(char::is_whitespace) {
        return Err(TokenProblem::TrailingWhitespace);
    }
    if !input.starts_with(TOKEN_PREFIX) {
        return Err(TokenProblem::WrongPrefix);
    }
    let length = input.chars().count();
    if length != TOKEN_LEN {
        return Err(TokenProblem::WrongLength(length));
    }
    if !input[TOKEN_PREFIX.len()..]
        .bytes()
        .all(|b| b.is_ascii_alphanumeric())
    {
        return Err(TokenProblem::InvalidCharacters);
    }
    Ok(())
}

/// True when the string *looks like* an Apify token (used to refuse raw tokens on routes that
/// only accept sealed ones, whatever the exact shape).
pub fn looks_like_raw_token(input: &str) -> bool {
    input.trim_start().starts_with(TOKEN_PREFIX)
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = "apify_api_abcdefghijklmnopqrstuvwxyz0123456789";

    #[test]
    fn a_well_formed_token_passes() {
        assert_eq!(GOOD.len(), TOKEN_LEN);
        assert_eq!(check_token_shape(GOOD), Ok(()));
    }

    #[test]
    fn each_mistake_has_its_own_reason() {
        let cases: &[(&str, TokenProblem)] = &[
            ("", TokenProblem::Empty),
            ("   ", TokenProblem::Empty),
            (&format!(" {GOOD}"), TokenProblem::LeadingWhitespace),
            (&format!("{GOOD} "), TokenProblem::TrailingWhitespace),
            (&format!("{GOOD}\n"), TokenProblem::TrailingWhitespace),
            (&format!("{GOOD}\t"), TokenProblem::TrailingWhitespace),
            (
                "apify_xyz_abcdefghijklmnopqrstuvwxyz0123456789",
                TokenProblem::WrongPrefix,
            ),
            ("Bearer apify_api_abc", TokenProblem::WrongPrefix),
            (&GOOD[..GOOD.len() - 1], TokenProblem::WrongLength(45)),
            (&format!("{GOOD}x"), TokenProblem::WrongLength(47)),
            (
                "apify_api_abcdefghijklmnopqrstuvwxyz012345678-",
                TokenProblem::InvalidCharacters,
            ),
            (
                "apify_api_abcdefghijklmnopqrstuvwxyz01234567 8",
                TokenProblem::InvalidCharacters,
            ),
            (
                "apify_api_abcdefghijklmnopqrstuvwxyz01234567é8",
                TokenProblem::InvalidCharacters,
            ),
        ];
        for (input, want) in cases {
            assert_eq!(check_token_shape(input), Err(*want), "input {input:?}");
        }
    }

    #[test]
    fn messages_say_what_to_do_and_never_echo_the_input() {
        let bad = format!("{GOOD} ");
        let msg = check_token_shape(&bad).unwrap_err().to_string();
        assert!(msg.contains("Remove the trailing space"), "{msg}");
        assert!(TokenProblem::WrongPrefix
            .to_string()
            .contains("Tokens start with apify_api_"));
        assert!(TokenProblem::WrongLength(12)
            .to_string()
            .contains("this one has 12"));
        for p in [
            TokenProblem::Empty,
            TokenProblem::InvalidCharacters,
            TokenProblem::LeadingWhitespace,
        ] {
            assert!(!p.to_string().contains("abcdefghij"));
        }
    }

    #[test]
    fn raw_token_detection() {
        assert!(looks_like_raw_token(GOOD));
        assert!(looks_like_raw_token("apify_api_short"));
        assert!(!looks_like_raw_token("forge1.AAAA"));
    }
}
