//! Integration tests of the simulated Apify API, in one test binary (one link instead of seven):
//! auth and grants, API semantics, fault injection, determinism and the demo stories, the
//! conformance of every implemented operation to Apify's OpenAPI description, and where the
//! sentinel sits in the fields the relay must never return.

mod auth;
mod common;
mod conformance;
mod determinism;
mod faults;
mod semantics;
mod sentinels;
