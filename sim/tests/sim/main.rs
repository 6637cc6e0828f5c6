//! Integration tests of the simulated Apify API, in one test binary (one link instead of six):
//! auth and grants, API semantics, fault injection, determinism and the demo stories, and the
//! conformance of every implemented operation to Apify's OpenAPI description.

mod auth;
mod common;
mod conformance;
mod determinism;
mod faults;
mod semantics;
