//! End-to-end tests of the web app in a real headless Chromium, against the real `forge-relay`
//! binary serving the built app (`dist/`, from `trunk build --release`):
//!
//! - `serve` mode with the simulated Apify account as upstream: tokens are pasted, sealed and
//!   checked exactly as in production;
//! - `demo` mode: the relay's own simulated account and its "Try this token" list.
//!
//! Screenshots land in `target/screenshots/`. Without `/usr/bin/chromedriver` the tests fail:
//! `cargo xtask setup` installs Chromium and ChromeDriver.
//!
//! ```sh
//! PATH=$PWD/node_modules/.bin:$HOME/.cargo/bin:$PATH TRUNK_OFFLINE=true trunk build --release
//! cargo test -p forge-e2e --test browser
//! ```

#[path = "browser/actor.rs"]
mod actor;
#[path = "browser/cli.rs"]
mod cli;
#[path = "browser/dashboard.rs"]
mod dashboard;
#[path = "browser/dead_ends.rs"]
mod dead_ends;
#[path = "browser/dev_loop.rs"]
mod dev_loop;
// The dev loop's command lines, shared with `cargo xtask dev` (std only).
#[allow(dead_code)]
#[path = "../xtask/src/dev_commands.rs"]
mod dev_commands;
#[path = "browser/harness.rs"]
mod harness;
#[path = "browser/leaks.rs"]
mod leaks;
#[path = "browser/pages.rs"]
mod pages;
#[path = "browser/run.rs"]
mod run;
#[path = "browser/scale.rs"]
mod scale;
#[path = "browser/scope.rs"]
mod scope;
#[path = "browser/session.rs"]
mod session;
#[path = "browser/table.rs"]
mod table;
#[path = "browser/trends.rs"]
mod trends;
