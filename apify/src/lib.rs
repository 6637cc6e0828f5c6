//! # forge-apify — the Apify contract, with no I/O
//!
//! Everything Forge must get *right* about the Apify API lives here, as plain data and pure
//! functions that are tested natively and shared by the relay (native) and the app (wasm):
//!
//! - [`scope`]: the five permissions Forge asks for, with the Console's current names.
//! - [`allow`]: the relay's allow-list — one const table — and the matcher that is the only way
//!   to obtain an [`allow::AllowedRequest`]. This is security configuration: review it as such.
//! - [`token`]: the shape check for pasted tokens, with one reason per common mistake.
//! - [`envelope`]: Apify's error envelope `{"error":{"type","message"}}`, which the relay's own
//!   errors reuse so clients handle both alike.
//! - [`models`]: the response models Forge reads.
//! - [`project`]: the response projection each allow-list row applies to what comes back.

pub mod allow;
pub mod audit;
pub mod envelope;
pub mod models;
pub mod project;
pub mod scope;
pub mod time;
pub mod token;

pub use allow::{match_request, AllowedRequest, Refusal};
pub use envelope::ErrorEnvelope;
pub use scope::{Grant, Resource};
pub use token::{check_token_shape, TokenProblem};
