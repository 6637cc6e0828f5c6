//! One file per route. Pages put components together and read the data stores; nothing imports
//! a page but the router in `lib.rs`.
//!
//! | route | page |
//! |---|---|
//! | `/` | [`dashboard`] |
//! | `/actors` | [`actors`] |
//! | `/actors/:id` | [`actor`] |
//! | `/settings` | [`settings`] |
//! | `/guide` | [`guide`] |
//! | anything else | [`not_found`] |

pub mod actor;
pub mod actors;
pub mod dashboard;
pub mod guide;
pub mod not_found;
pub mod settings;
