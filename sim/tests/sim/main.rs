//! Integration tests of the simulated Apify API, in one test binary (one link instead of nine):
//! auth and grants, API semantics, fault injection, determinism and the demo stories, dataset
//! statistics (and the field-drift story they tell), the conformance of every implemented
//! operation to Apify's OpenAPI description, where the sentinel sits in the fields the relay
//! must never return, and big fleets read through the account-wide lists (paging, retention,
//! rate limits).

mod auth;
mod common;
mod conformance;
mod determinism;
mod faults;
mod scale;
mod semantics;
mod sentinels;
mod statistics;
