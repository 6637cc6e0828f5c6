//! The token field's live check: what [`forge_apify::check_token_shape`] says about the input
//! as it is typed.

use forge_apify::{check_token_shape, TokenProblem};

/// What the live check says about the current input: `None` while the field is empty (the help
/// text already says what to do), the problem's message otherwise.
pub fn live_message(input: &str) -> Option<String> {
    match check_token_shape(input) {
        Ok(()) | Err(TokenProblem::Empty) => None,
        Err(problem) => Some(problem.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn live_message_is_quiet_for_empty_and_good_input() {
        assert_eq!(live_message(""), None);
        assert_eq!(
            live_message("apify_api_abcdefghijklmnopqrstuvwxyz0123456789"),
            None
        );
        let m = live_message("apify_api_abcdefghijklmnopqrstuvwxyz0123456789 ").unwrap();
        assert!(m.starts_with("Remove the trailing space"), "{m}");
        assert!(live_message("token")
            .unwrap()
            .contains("Tokens start with apify_api_"));
    }
}
