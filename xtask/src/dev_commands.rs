//! The command lines of the dev loop, in one place: `cargo xtask dev` (`dev.rs`) runs them, and
//! the browser test `tests/browser/dev_loop.rs` includes this very file (`#[path]`, std only) and
//! runs the same ones, so the two cannot drift. The addresses must agree with `Trunk.toml`'s
//! `[[proxy]] backend` (`dev.rs` has a test that checks it).

use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};
use std::process::Command;

/// Where the demo relay listens; `Trunk.toml` proxies `/api` here.
pub const RELAY_ADDR: &str = "127.0.0.1:3000";
/// Where `trunk serve` listens.
pub const DEV_PORT: u16 = 8080;
/// The origins the dev page can have; the relay sees them in `Origin` through Trunk's proxy.
pub const DEV_ORIGINS: &str = "http://127.0.0.1:8080,http://localhost:8080";
/// Top-level entries of the workspace whose changes cannot change the app (not watched). `dist`
/// and `target` are build outputs: a `trunk build` or a test writing screenshots must not make
/// `trunk serve` rebuild and reload the page.
pub const NOT_THE_APP: &[&str] = &[
    "relay",
    "sim",
    "xtask",
    "tests",
    "fuzz",
    "node_modules",
    "README.md",
    "dist",
    "target",
];

/// Which build `trunk serve` makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DevBuild {
    /// `cargo xtask dev`: the dev profile, quick to rebuild after an edit.
    Debug,
    /// `--release`: the `wasm-release` profile of `index.html`, with the same cargo command line
    /// as `trunk build --release`, so after that build cargo has nothing to do (Trunk still runs
    /// wasm-bindgen and wasm-opt, ≈ 15 s). What the dev-loop check uses.
    Release,
}

impl DevBuild {
    /// Where Trunk writes the build (never `dist/`, which the relay and the tests serve).
    pub fn dist(self) -> &'static str {
        match self {
            DevBuild::Debug => "target/trunk-dev",
            DevBuild::Release => "target/trunk-dev-release",
        }
    }
}

/// `PATH` for the dev loop: `<root>/node_modules/.bin` first (the npm wasm-opt must win),
/// then `$CARGO_HOME/bin` (trunk, wasm-bindgen), then `inherited`.
pub fn tools_path(root: &Path, inherited: &OsStr) -> Result<OsString, String> {
    let mut dirs = vec![root.join("node_modules/.bin")];
    let cargo_home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cargo")));
    dirs.extend(cargo_home.map(|home| home.join("bin")));
    dirs.extend(std::env::split_paths(inherited));
    std::env::join_paths(dirs).map_err(|e| format!("cannot build PATH: {e}"))
}

/// `cargo build -p forge-relay` (the dev profile, which the tests build too).
pub fn relay_build(root: &Path, path: &OsStr) -> Command {
    let mut cmd = Command::new("cargo");
    cmd.args([
        "build",
        "--locked",
        "-p",
        "forge-relay",
        "--bin",
        "forge-relay",
    ])
    .current_dir(root)
    .env("PATH", path);
    cmd
}

/// `forge-relay demo` on [`RELAY_ADDR`], accepting the dev page's origins. It answers `/api`
/// only: Trunk serves the app.
pub fn relay(relay_bin: &Path, root: &Path, path: &OsStr) -> Command {
    let mut cmd = Command::new(relay_bin);
    cmd.args([
        "demo",
        "--bind",
        RELAY_ADDR,
        "--allowed-origin",
        DEV_ORIGINS,
    ])
    .current_dir(root)
    .env("PATH", path)
    .env_remove("FORGE_APP_DIR");
    cmd
}

/// `trunk serve` on 127.0.0.1:[`DEV_PORT`] with the repository's `Trunk.toml` (whose proxy
/// sends `/api` to [`RELAY_ADDR`]), offline, building into [`DevBuild::dist`].
pub fn trunk_serve(root: &Path, path: &OsStr, build: DevBuild) -> Command {
    let mut cmd = Command::new("trunk");
    cmd.args(["serve", "--address", "127.0.0.1", "--port"])
        .arg(DEV_PORT.to_string())
        .args(["--dist", build.dist()]);
    if build == DevBuild::Release {
        cmd.arg("--release");
    }
    for entry in NOT_THE_APP {
        if root.join(entry).exists() {
            cmd.args(["--ignore", entry]);
        }
    }
    cmd.current_dir(root)
        .env("PATH", path)
        .env("TRUNK_OFFLINE", "true");
    // Trunk reads `NO_COLOR` as a boolean flag and refuses to start on the common `NO_COLOR=1`.
    if std::env::var_os("NO_COLOR").is_some_and(|v| v != "true" && v != "false") {
        cmd.env("NO_COLOR", "true");
    }
    cmd
}
