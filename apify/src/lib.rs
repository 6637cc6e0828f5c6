//! # forge-apify — the Apify contract, with no I/O
//!
//! Everything Forge must get *right* about the Apify API lives here, as plain data and pure
//! functions that are tested natively and shared by the relay (native) and the app (wasm):
//!
//! - [`scope`]: the five permissions Forge asks for, with the Console's current names.
//! - [`allow`]: the relay's allow-list — one const table — and the matcher that is the only way
//!   to obtain an [`allow::AllowedRequest`]. This is security configuration: review it as such.
//! - [`paths`]: typed builders for every Apify path Forge requests; each runs the matcher, so
//!   its [`paths::ApifyPath`] carries the grant from the allow-list and is never refused.
//! - [`token`]: the shape check for pasted tokens, with one reason per common mistake.
//! - [`envelope`]: Apify's error envelope `{"error":{"type","message"}}`, which the relay's own
//!   errors reuse so clients handle both alike.
//! - [`error_kind`]: the envelope's `type` as one enum, [`ErrorKind`]: every `forge-…` type and
//!   the Apify types Forge speaks, plus `Other`.
//! - [`wire`]: the JSON of the relay's own endpoints (`/api/session`, `/api/demo-tokens`; the
//!   audit report of [`audit`]), serialised by the relay and deserialised by the app.
//! - [`audit`]: the scope check's probes and the verdicts drawn from their statuses.
//! - [`limits`]: numbers declared once — run memory sizes, page size, `waitForFinish`, body
//!   limits.
//! - [`pace`]: the token bucket the relay and the app's loader both pace requests with.
//! - [`sort`]: stable sorting that puts one copy of the sort algorithm in the app's wasm.
//! - [`time`]: Apify's timestamps and the relay's RFC 3339 seconds, without a date library.
//! - [`models`]: the response models Forge reads.
//! - [`definition`]: what a build declares (input and dataset fields, memory default), for
//!   comparing builds and for the input a run starts from.
//! - [`project`]: the response projection each allow-list row applies to what comes back.

pub mod allow;
pub mod audit;
pub mod definition;
pub mod envelope;
pub mod error_kind;
pub mod limits;
pub mod models;
pub mod pace;
pub mod paths;
pub mod project;
pub mod scope;
pub mod sort;
pub mod time;
pub mod token;
pub mod wire;

pub use allow::{match_request, AllowedRequest, Refusal};
pub use envelope::ErrorEnvelope;
pub use error_kind::ErrorKind;
pub use paths::ApifyPath;
pub use scope::{Grant, Resource};
pub use token::{check_token_shape, TokenProblem};
