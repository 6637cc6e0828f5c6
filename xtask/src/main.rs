//! `cargo xtask` — Forge's developer and CI commands.
//!
//! Why this exists: a fresh machine and the CI runner should each need exactly **one command** to
//! go from a clone to a checked, built, tested Forge. The toolchain has sharp edges (see
//! `TOOLCHAIN.md`: trunk and wasm-bindgen-cli pinned to versions that work with this rustc, and
//! binaryen's `wasm-opt` taken from npm because Debian's builds a wasm that crashes at runtime), so
//! the knowledge lives here, in code that CI runs every time, rather than in a README that drifts.
//! `.ci/run` is just `cargo xtask ci`, so a developer runs exactly what CI runs.
//!
//! The crate uses `std` and three small pure-Rust crates (brotli, flate2, signal-hook), so
//! `cargo xtask` compiles quickly and works before any tool is installed. Every command runs from the workspace root with `$CARGO_HOME/bin` and
//! `<root>/node_modules/.bin` first on `PATH`, so the pinned tools win over anything else
//! installed on the machine.
#![allow(clippy::print_stderr)]

mod compress;
mod dev;
mod dev_commands;

use std::borrow::BorrowMut;
use std::env;
use std::ffi::{OsStr, OsString};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

const TRUNK_VERSION: &str = "0.21.14";
const WASM_BINDGEN_VERSION: &str = "0.2.130";
/// binaryen's release number; `wasm-opt --version` prints `wasm-opt version 123 (version_123)`.
const BINARYEN_VERSION: &str = "123";
const WASM_TARGET: &str = "wasm32-unknown-unknown";
const CHROMIUM: &str = "/usr/bin/chromium";
/// nginx, the relay benchmark's upstream and `proxy_pass` reference.
const NGINX: &str = "/usr/sbin/nginx";
/// The static relay's target (the container's).
const MUSL_TARGET: &str = "x86_64-unknown-linux-musl";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const DEMO_ADDR: &str = "127.0.0.1:3000";
/// The cargo-fuzz targets in `fuzz/`, each with `fuzz/corpus/<target>/` (and, when present,
/// hand-written `fuzz/seeds/<target>/`, past crashes in `fuzz/regressions/<target>/` and
/// `fuzz/dict/<target>.dict`).
const FUZZ_TARGETS: &[&str] = &["matcher", "unseal", "projection"];
/// Seconds per target when `cargo xtask fuzz` is given none.
const FUZZ_DEFAULT_SECS: u64 = 60;
/// Installed when `cargo-fuzz` is missing; any installed version is used as is.
const CARGO_FUZZ_VERSION: &str = "0.13.2";

const HELP: &str = "\
cargo xtask <command>

Commands:
  setup   install the pinned tools (wasm target, trunk, wasm-bindgen-cli, npm binaryen,
          chromium + chromedriver, wrk + nginx-light, the musl target and musl-tools); safe to run again,
          skips what is already there
  setup --app
          only what building the app needs (no chromium, no wrk): the Dockerfile's
  ci      setup, rustfmt check, clippy (native and wasm), trunk build, tests: exactly what CI runs
  test    cargo test --workspace (after a trunk build of the app, when the app exists)
  bench   criterion benches of the relay and the fleet engine, the engine in WebAssembly, the
          release relay beside nginx proxy_pass with wrk (target/bench/relay-vs-nginx.json), the
          fleet loader through the real relay (account-wide lists vs per Actor, 24/200/1,000
          Actors; FORGE_BENCH_SIZES=24,200 picks sizes), written to target/bench/loader.json,
          the dashboard's first visit in Chromium (cold cache, CPU ×4): bytes and time to
          the first rows, written to target/bench/first-visit.json, and its second visit at
          24/200/1,000 Actors (cached table, incremental load, heap): warm-visit.json
  demo    build the app and the relay, then serve the simulated demo at http://127.0.0.1:3000
  dev     live reload: trunk serve at http://127.0.0.1:8080, /api proxied to forge-relay demo
          on 127.0.0.1:3000 (both built and started, both stopped on Ctrl-C)
  dev --check
          the same two command lines (trunk serve --release), and headless Chromium checks that
          the dashboard loads with every /api call through Trunk's proxy (`ci` runs it too, with
          the other browser tests)
  compress
          write NAME.br (brotli 11) and NAME.gz (gzip 9) beside dist/'s compressible files and
          print raw/gzip/brotli sizes (every trunk build step runs it too)
  fuzz [SECONDS]
          run each cargo-fuzz target in fuzz/ for SECONDS (default 60) on its corpus, with the
          nightly toolchain (installs cargo-fuzz if missing); not part of `ci`
  help    print this list
";

/// Everything here fails with a message meant for a person; `main` prints it and exits 1.
type Outcome<T = ()> = Result<T, String>;

fn main() -> ExitCode {
    let args: Vec<String> = env::args().skip(1).collect();
    let result = Ctx::new().and_then(|ctx| dispatch(&ctx, &args));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("xtask: error: {message}");
            ExitCode::FAILURE
        }
    }
}

fn dispatch(ctx: &Ctx, args: &[String]) -> Outcome {
    let command = args.first().map(String::as_str);
    if command == Some("fuzz") {
        return match &args[1..] {
            [] => fuzz(ctx, FUZZ_DEFAULT_SECS),
            [secs] => match secs.parse::<u64>() {
                Ok(secs) if secs > 0 => fuzz(ctx, secs),
                _ => Err(format!(
                    "`fuzz` takes a number of seconds per target (got `{secs}`)"
                )),
            },
            [_, extra, ..] => Err(format!(
                "`fuzz` takes at most one argument (got `{extra}`); run `cargo xtask help`"
            )),
        };
    }
    if command == Some("dev") {
        return match &args[1..] {
            [] => dev::dev(&ctx.root, &ctx.path),
            [flag] if flag == "--check" => dev_check(ctx),
            [other, ..] => Err(format!(
                "`dev` takes only `--check` (got `{other}`); run `cargo xtask help`"
            )),
        };
    }
    if command == Some("setup") && args.get(1).is_some_and(|a| a == "--app") && args.len() == 2 {
        // What building the app needs, no browser and no load generator (the container build).
        return setup(ctx, Tools::DEMO);
    }
    if let Some(extra) = args.get(1) {
        return Err(format!(
            "`{}` takes no arguments (got `{extra}`); run `cargo xtask help`",
            command.unwrap_or_default()
        ));
    }
    match command {
        None | Some("help" | "-h" | "--help") => {
            print!("{HELP}");
            Ok(())
        }
        Some("setup") => setup(ctx, Tools::ALL),
        Some("ci") => ci(ctx),
        Some("test") => test(ctx),
        Some("bench") => bench(ctx),
        Some("demo") => demo(ctx),
        Some("compress") => precompress(ctx),
        Some(other) => Err(format!("unknown command `{other}`; run `cargo xtask help`")),
    }
}

// ---------------------------------------------------------------------------------------------
// Commands

/// Which of the optional, system-wide tools `setup` should take care of.
#[derive(Debug, Clone, Copy)]
struct Tools {
    /// chromium + chromedriver, for browser and end-to-end tests.
    browser: bool,
    /// wrk and nginx-light, for load measurements in benchmarks (nginx is the relay bench's reference).
    wrk: bool,
    /// The musl target and musl-tools, for the static relay the container ships
    /// (`tests/deploy.rs` builds it).
    musl: bool,
}

impl Tools {
    const ALL: Self = Self {
        browser: true,
        wrk: true,
        musl: true,
    };
    /// What serving the demo needs: no browser, no load generator.
    const DEMO: Self = Self {
        browser: false,
        wrk: false,
        musl: false,
    };
}

fn setup(ctx: &Ctx, tools: Tools) -> Outcome {
    // 1. The wasm target.
    let installed = ctx.capture(ctx.cmd("rustup").args(["target", "list", "--installed"]));
    let target = |name: &str| -> Outcome {
        if installed
            .as_deref()
            .is_some_and(|out| out.lines().any(|line| line.trim() == name))
        {
            done(name, "already");
        } else {
            ctx.run(ctx.cmd("rustup").args(["target", "add", name]))?;
            done(name, "ok");
        }
        Ok(())
    };
    target(WASM_TARGET)?;

    // 2. trunk. `cargo install` of an installed version is a no-op, but checking first keeps the
    //    output quiet and avoids waiting for the cargo lock.
    let what = format!("trunk {TRUNK_VERSION}");
    if ctx
        .version_of("trunk")
        .is_some_and(|v| has_word(&v, TRUNK_VERSION))
    {
        done(&what, "already");
    } else {
        ctx.run(ctx.cargo(&["install", "trunk", "--version", TRUNK_VERSION, "--locked"]))?;
        done(&what, "ok");
    }

    // 3. wasm-bindgen-cli, which must equal the `wasm-bindgen` crate in Cargo.lock. No `--locked`:
    //    one of its locked dependencies is not served by the registry here.
    let what = format!("wasm-bindgen-cli {WASM_BINDGEN_VERSION}");
    if ctx
        .version_of("wasm-bindgen")
        .is_some_and(|v| has_word(&v, WASM_BINDGEN_VERSION))
    {
        done(&what, "already");
    } else {
        ctx.run(ctx.cargo(&[
            "install",
            "wasm-bindgen-cli",
            "--version",
            WASM_BINDGEN_VERSION,
        ]))?;
        done(&what, "ok");
    }

    // 4. wasm-opt from npm's binaryen (pinned in package.json / package-lock.json). Never Debian's.
    let what = format!("binaryen {BINARYEN_VERSION} (npm wasm-opt)");
    let wasm_opt = ctx.root.join("node_modules/.bin/wasm-opt");
    if ctx
        .version_of(&wasm_opt)
        .is_some_and(|v| has_word(&v, BINARYEN_VERSION))
    {
        done(&what, "already");
    } else {
        ctx.run(ctx.cmd("npm").args(["ci", "--no-audit", "--no-fund"]))?;
        done(&what, "ok");
    }

    // 4b. Apify's official JavaScript client for the contract test (pinned in tests/contract).
    let contract = ctx.root.join("tests/contract");
    if contract.join("node_modules/apify-client").is_dir() {
        done("apify-client (tests/contract)", "already");
    } else if contract.join("package-lock.json").is_file() {
        ctx.run(
            ctx.cmd("npm")
                .args(["ci", "--no-audit", "--no-fund"])
                .current_dir(&contract),
        )?;
        done("apify-client (tests/contract)", "ok");
    }

    // 5. and 6. System packages, from apt, only when we may.
    let mut apt = Apt::new(ctx);
    if tools.browser {
        if Path::new(CHROMIUM).is_file() && Path::new(CHROMEDRIVER).is_file() {
            done("chromium + chromedriver", "already");
        } else if apt.is_root {
            apt.install(&["chromium", "chromium-driver"])?;
            done("chromium + chromedriver", "ok");
        } else {
            println!(
                "setup: chromium and chromium-driver are missing; as root run: \
                 apt-get install -y chromium chromium-driver"
            );
        }
    }
    if tools.musl {
        target(MUSL_TARGET)?;
        if ctx.find_in_path("musl-gcc").is_some() {
            done("musl-tools", "already");
        } else if apt.is_root {
            apt.install(&["musl-tools"])?;
            done("musl-tools", "ok");
        } else {
            println!(
                "setup: musl-tools is missing (the static relay needs it); as root run: \
                 apt-get install -y musl-tools"
            );
        }
    }
    if tools.wrk {
        if ctx.find_in_path("wrk").is_some() && Path::new(NGINX).is_file() {
            done("wrk + nginx-light", "already");
        } else if apt.is_root {
            apt.install(&["wrk", "nginx-light"])?;
            done("wrk + nginx-light", "ok");
        } else {
            println!(
                "setup: wrk or nginx is missing (only load benchmarks need them); as root run: \
                 apt-get install -y wrk nginx-light"
            );
        }
    }
    Ok(())
}

fn done(what: &str, how: &str) {
    println!("setup: {what} … {how}");
}

fn ci(ctx: &Ctx) -> Outcome {
    let mut steps = Steps::new("ci");
    let result = ci_steps(ctx, &mut steps);
    steps.summary(&result);
    result
}

fn ci_steps(ctx: &Ctx, steps: &mut Steps) -> Outcome {
    steps.run("setup", || setup(ctx, Tools::ALL))?;
    steps.run("fmt", || {
        ctx.run(ctx.cargo(&["fmt", "--all", "--", "--check"]))
    })?;
    steps.run("clippy", || {
        ctx.run(ctx.cargo(&[
            "clippy",
            "--workspace",
            "--all-targets",
            "--locked",
            "--",
            "-D",
            "warnings",
        ]))
    })?;
    if ctx.has_app() {
        steps.run("clippy (wasm)", || {
            ctx.run(ctx.cargo(&[
                "clippy",
                "-p",
                "forge-app",
                "--target",
                WASM_TARGET,
                "--all-targets",
                "--locked",
                "--",
                "-D",
                "warnings",
            ]))
        })?;
    }
    test_steps(ctx, steps)
}

fn test(ctx: &Ctx) -> Outcome {
    let mut steps = Steps::new("test");
    let result = test_steps(ctx, &mut steps);
    steps.summary(&result);
    result
}

/// The app build (when there is an app) and then plain `cargo test`, whose summary lines CI
/// tooling recognises.
fn test_steps(ctx: &Ctx, steps: &mut Steps) -> Outcome {
    if ctx.has_app() {
        steps.run("trunk build", || trunk_build(ctx))?;
    }
    steps.run("test", || {
        ctx.run(ctx.cargo(&["test", "--workspace", "--locked"]))
    })?;
    if ctx.has_app() {
        // Component tests: the app's own wasm in headless Chromium (wasm-bindgen-test).
        steps.run("test (wasm components)", || {
            ctx.run(
                ctx.cargo(&[
                    "test",
                    "-p",
                    "forge-app",
                    "--target",
                    WASM_TARGET,
                    "--locked",
                ])
                .env(
                    "CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER",
                    "wasm-bindgen-test-runner",
                )
                .env("CHROMEDRIVER", CHROMEDRIVER),
            )
        })?;
    }
    Ok(())
}

/// `trunk build --release`, offline: `Trunk.toml` pins wasm-bindgen and wasm-opt, and with
/// `TRUNK_OFFLINE` trunk uses the ones on our `PATH` instead of downloading them.
fn trunk_build(ctx: &Ctx) -> Outcome {
    ctx.run(
        ctx.cmd("trunk")
            .args(["build", "--release"])
            .env("TRUNK_OFFLINE", "true"),
    )?;
    precompress(ctx)
}

/// `.br` and `.gz` beside `dist/`'s assets, for the relay's `ServeDir` and static hosts.
fn precompress(ctx: &Ctx) -> Outcome {
    let report = compress::compress_dist(&ctx.root.join("dist"))?;
    print!("{report}");
    Ok(())
}

fn bench(ctx: &Ctx) -> Outcome {
    let mut steps = Steps::new("bench");
    let result = bench_steps(ctx, &mut steps);
    steps.summary(&result);
    result
}

/// Every `<crate>/benches/*.rs` of the relay and the fleet engine is a bench target named after
/// its file; then the engine once more in WebAssembly, in headless Chromium; then the fleet
/// loader through the release relay (`tests/benches/loader.rs`); then the dashboard's first
/// visit (`tests/benches/first_visit.rs`) on a fresh `trunk build --release`.
fn bench_steps(ctx: &Ctx, steps: &mut Steps) -> Outcome {
    for (dir, package) in [
        ("relay/benches", "forge-relay"),
        ("fleet/benches", "forge-fleet"),
    ] {
        let dir = ctx.root.join(dir);
        let mut names: Vec<String> = match fs::read_dir(&dir) {
            Ok(entries) => entries
                .filter_map(Result::ok)
                .map(|entry| entry.path())
                .filter(|path| path.extension() == Some(OsStr::new("rs")))
                .filter_map(|path| path.file_stem()?.to_str().map(str::to_owned))
                .collect(),
            Err(err) => return Err(format!("cannot read {}: {err}", dir.display())),
        };
        names.sort();
        for name in names {
            steps.run(&format!("bench {package} {name}"), || {
                ctx.run(ctx.cargo(&["bench", "-p", package, "--bench", &name, "--locked"]))
            })?;
        }
    }
    // The benches of tests/benches (forge-e2e) against the real relay.
    let e2e_bench =
        |name: &str| ctx.run(ctx.cargo(&["bench", "-p", "forge-e2e", "--bench", name, "--locked"]));
    steps.run("bench forge-fleet in WebAssembly", || {
        ctx.run(
            ctx.cargo(&[
                "test",
                "-p",
                "forge-fleet",
                "--release",
                "--locked",
                "--target",
                WASM_TARGET,
                "--test",
                "wasm_bench",
                "--",
                "--nocapture",
            ])
            .env(
                "CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER",
                "wasm-bindgen-test-runner",
            )
            .env("CHROMEDRIVER", CHROMEDRIVER),
        )
    })?;
    // The release relay beside nginx proxy_pass on an nginx upstream, with wrk;
    // target/bench/relay-vs-nginx.json.
    steps.run("bench relay vs nginx (wrk, 32 connections)", || {
        e2e_bench("relay_vs_nginx")
    })?;
    // Ten minutes of the mixed workload on the release relay (CI runs one minute on the debug
    // build as a test).
    steps.run(
        "bench soak (10 min, mixed workload, faulty upstream)",
        || {
            ctx.run(
                ctx.cargo(&[
                    "test",
                    "-p",
                    "forge-e2e",
                    "--release",
                    "--locked",
                    "--test",
                    "soak",
                    "--",
                    "--nocapture",
                ])
                .env("FORGE_SOAK_SECS", "600")
                .env("FORGE_SOAK_WORKERS", "64")
                .env("FORGE_SOAK_RELEASE", "1"),
            )
        },
    )?;
    // Both fleet strategies against `forge-relay demo` at 24, 200 and 1,000 Actors (the old one
    // at 1,000 takes a couple of minutes; FORGE_BENCH_SIZES=24,200 is passed through to pick
    // sizes); the figures go to target/bench/loader.json.
    steps.run("bench fleet loader (account-wide vs per Actor)", || {
        e2e_bench("loader")
    })?;
    if ctx.has_app() {
        steps.run("trunk build", || trunk_build(ctx))?;
        // Cold cache, CPU ×4, 5 loads of the release relay's demo; the figures go to
        // target/bench/first-visit.json (the previous run's to first-visit.previous.json).
        steps.run("bench first visit (cold cache, CPU ×4)", || {
            e2e_bench("first_visit")
        })?;
        // A second visit at 24, 200 and 1,000 Actors (FORGE_BENCH_SIZES picks sizes): the
        // cached table, the incremental load; target/bench/warm-visit.json.
        steps.run("bench warm visit (cached table, incremental load)", || {
            e2e_bench("warm_visit")
        })?;
    }
    Ok(())
}

/// `dev --check`: the browser test `tests/browser/dev_loop.rs`, which runs `cargo xtask dev`'s
/// command lines (`dev_commands.rs`) with a release `trunk serve`. The trunk build first, so
/// Trunk's cargo has nothing to compile (the same `wasm-release` command line).
fn dev_check(ctx: &Ctx) -> Outcome {
    let mut steps = Steps::new("dev --check");
    let result = (|| {
        if ctx.has_app() {
            steps.run("trunk build", || trunk_build(ctx))?;
        }
        steps.run("dev loop in the browser", || {
            ctx.run(ctx.cargo(&[
                "test",
                "-p",
                "forge-e2e",
                "--test",
                "browser",
                "--locked",
                "--",
                "--exact",
                "dev_loop::the_dashboard_loads_through_trunks_proxy",
                "--nocapture",
            ]))
        })
    })();
    steps.summary(&result);
    result
}

fn demo(ctx: &Ctx) -> Outcome {
    let mut steps = Steps::new("demo build");
    let result = demo_build_steps(ctx, &mut steps);
    steps.summary(&result);
    result?;

    let relay = ctx.root.join("target/release/forge-relay");
    let mut cmd = ctx.cmd(&relay);
    cmd.args(["demo", "--bind", DEMO_ADDR]);
    if ctx.root.join("dist").is_dir() {
        cmd.args(["--app-dir", "dist"]);
    }
    println!();
    println!("Forge demo: http://{DEMO_ADDR}");
    println!("$ {}", show(&cmd));
    let status = cmd
        .status()
        .map_err(|err| format!("could not start {}: {err}", relay.display()))?;
    match status.code() {
        Some(0) => Ok(()),
        // clap exits 2 on a usage error, here: an unknown `demo` subcommand.
        Some(2) => {
            println!(
                "demo: this forge-relay has no `demo` mode yet; the demo arrives with the \
                 simulator (forge-sim)."
            );
            println!(
                "demo: meanwhile, try Forge with your own account: \
                 APIFY_TOKEN=apify_api_… target/release/forge-relay local"
            );
            Err("forge-relay does not support `demo` yet".to_owned())
        }
        _ => Err(format!("forge-relay exited ({status})")),
    }
}

fn demo_build_steps(ctx: &Ctx, steps: &mut Steps) -> Outcome {
    steps.run("setup", || setup(ctx, Tools::DEMO))?;
    if ctx.has_app() {
        steps.run("trunk build", || trunk_build(ctx))?;
    }
    steps.run("relay build", || {
        ctx.run(ctx.cargo(&["build", "--release", "-p", "forge-relay", "--locked"]))
    })
}

/// `cargo +nightly fuzz run <target>` for every target, `seconds` each, from `fuzz/`. Every
/// target runs even when one fails, so one crash does not hide another; the command fails if any
/// did. A crash leaves its input in `fuzz/artifacts/<target>/`.
fn fuzz(ctx: &Ctx, seconds: u64) -> Outcome {
    let start = Instant::now();
    let mut steps = Steps::new("fuzz");
    steps.run("setup (nightly, cargo-fuzz)", || fuzz_setup(ctx))?;

    let dir = ctx.root.join("fuzz");
    let mut results: Vec<(&str, Outcome<String>)> = Vec::new();
    for &target in FUZZ_TARGETS {
        let mut stats = String::new();
        let result = steps.run(&format!("fuzz {target}"), || {
            let mut cmd = ctx.cargo(&["+nightly", "fuzz", "run", target]);
            cmd.current_dir(&dir).arg(format!("corpus/{target}"));
            // Read-only extra corpora: hand-written seeds, and past crashes (replayed first).
            for extra in ["seeds", "regressions"] {
                if dir.join(extra).join(target).is_dir() {
                    cmd.arg(format!("{extra}/{target}"));
                }
            }
            cmd.args([
                "--".to_owned(),
                format!("-max_total_time={seconds}"),
                "-jobs=1".to_owned(),
            ]);
            if dir.join(format!("dict/{target}.dict")).is_file() {
                cmd.arg(format!("-dict=dict/{target}.dict"));
            }
            let log = dir.join("fuzz-0.log");
            let _ = fs::remove_file(&log);
            let result = ctx.run(&mut cmd);
            // With -jobs, libFuzzer logs to fuzz-<job>.log in its working directory.
            stats = fs::read_to_string(&log)
                .map(|log| libfuzzer_stats(&log))
                .unwrap_or_default();
            result
        });
        results.push((target, result.map(|()| stats)));
    }

    let total = human(start.elapsed());
    for (target, result) in &results {
        match result {
            Ok(stats) => println!("fuzz: {target} ok{stats}"),
            Err(_) => println!("fuzz: {target} FAILED, its input is in fuzz/artifacts/{target}/"),
        }
    }
    let failed: Vec<&str> = results
        .iter()
        .filter(|(_, result)| result.is_err())
        .map(|(target, _)| *target)
        .collect();
    if failed.is_empty() {
        println!(
            "fuzz: ok, {} targets × {seconds}s in {total}",
            results.len()
        );
        Ok(())
    } else {
        println!("fuzz: FAILED ({}) after {total}", failed.join(", "));
        Err(format!("fuzz target(s) failed: {}", failed.join(", ")))
    }
}

/// The nightly toolchain (cargo-fuzz builds with sanitizers) and cargo-fuzz itself.
fn fuzz_setup(ctx: &Ctx) -> Outcome {
    let toolchains = ctx.capture(ctx.cmd("rustup").args(["toolchain", "list"]));
    if toolchains.is_some_and(|out| out.lines().any(|line| line.starts_with("nightly"))) {
        done("nightly toolchain", "already");
    } else {
        ctx.run(ctx.cmd("rustup").args([
            "toolchain",
            "install",
            "nightly",
            "--profile",
            "minimal",
        ]))?;
        done("nightly toolchain", "ok");
    }
    if ctx.version_of("cargo-fuzz").is_some() {
        done("cargo-fuzz", "already");
    } else {
        ctx.run(ctx.cargo(&[
            "install",
            "cargo-fuzz",
            "--version",
            CARGO_FUZZ_VERSION,
            "--locked",
        ]))?;
        done(&format!("cargo-fuzz {CARGO_FUZZ_VERSION}"), "ok");
    }
    Ok(())
}

/// `, 1234567 runs, 20576 exec/s, cov 1429 ft 4312, corpus 945` from libFuzzer's last status
/// line (`#1234567 DONE cov: 1429 ft: 4312 corp: 945/133Kb … exec/s: 20576 …`); empty if none.
fn libfuzzer_stats(log: &str) -> String {
    let Some(line) = log
        .lines()
        .rev()
        .find(|line| line.starts_with('#') && line.contains(" cov: "))
    else {
        return String::new();
    };
    let words: Vec<&str> = line.split_whitespace().collect();
    let after = |label: &str| {
        words
            .iter()
            .position(|w| *w == label)
            .and_then(|i| words.get(i + 1))
            .copied()
    };
    let runs = words[0].trim_start_matches('#');
    let corpus = after("corp:").and_then(|c| c.split('/').next());
    match (after("cov:"), after("ft:"), corpus, after("exec/s:")) {
        (Some(cov), Some(ft), Some(corpus), Some(rate)) => {
            format!(", {runs} runs, {rate} exec/s, cov {cov} ft {ft}, corpus {corpus}")
        }
        _ => format!(", {runs} runs"),
    }
}

// ---------------------------------------------------------------------------------------------
// Running things

/// Where and how child commands run.
#[derive(Debug)]
struct Ctx {
    /// The workspace root; every command runs here.
    root: PathBuf,
    /// `PATH` for children: `$CARGO_HOME/bin`, `<root>/node_modules/.bin`, then the inherited one.
    path: OsString,
}

impl Ctx {
    fn new() -> Outcome<Self> {
        let manifest_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
        let root = manifest_dir
            .parent()
            .ok_or_else(|| format!("{} has no parent directory", manifest_dir.display()))?
            .to_path_buf();

        let cargo_home = env::var_os("CARGO_HOME")
            .map(PathBuf::from)
            .or_else(|| env::var_os("HOME").map(|home| PathBuf::from(home).join(".cargo")));
        let mut dirs: Vec<PathBuf> = cargo_home
            .map(|home| home.join("bin"))
            .into_iter()
            .collect();
        dirs.push(root.join("node_modules/.bin"));
        dirs.extend(env::split_paths(&env::var_os("PATH").unwrap_or_default()));
        let path = env::join_paths(dirs).map_err(|err| format!("cannot build PATH: {err}"))?;

        Ok(Self { root, path })
    }

    /// A command that runs at the root with our `PATH` (which is also used to find `program`).
    fn cmd(&self, program: impl AsRef<OsStr>) -> Command {
        let mut cmd = Command::new(program);
        cmd.current_dir(&self.root).env("PATH", &self.path);
        cmd
    }

    fn cargo(&self, args: &[&str]) -> Command {
        let mut cmd = self.cmd("cargo");
        cmd.args(args);
        cmd
    }

    /// Prints the command, runs it with inherited output, and fails unless it succeeds.
    fn run(&self, mut cmd: impl BorrowMut<Command>) -> Outcome {
        let cmd = cmd.borrow_mut();
        let shown = show(cmd);
        println!("$ {shown}");
        let status = cmd
            .status()
            .map_err(|err| format!("could not start `{shown}`: {err}"))?;
        if status.success() {
            Ok(())
        } else {
            Err(format!("`{shown}` failed ({status})"))
        }
    }

    /// The standard output of a command that succeeded; `None` if it is missing or failed.
    fn capture(&self, cmd: &mut Command) -> Option<String> {
        let output = cmd
            .stdin(Stdio::null())
            .stderr(Stdio::null())
            .output()
            .ok()?;
        output
            .status
            .success()
            .then(|| String::from_utf8_lossy(&output.stdout).into_owned())
    }

    /// What `program --version` prints, if the program is there at all.
    fn version_of(&self, program: impl AsRef<OsStr>) -> Option<String> {
        self.capture(self.cmd(program).arg("--version"))
    }

    fn find_in_path(&self, program: &str) -> Option<PathBuf> {
        env::split_paths(&self.path)
            .map(|dir| dir.join(program))
            .find(|candidate| candidate.is_file())
    }

    fn has_app(&self) -> bool {
        self.root.join("app/Cargo.toml").is_file()
    }
}

/// Whether `text` contains `word` as a whitespace-separated word (ignoring a leading `v`).
fn has_word(text: &str, word: &str) -> bool {
    text.split_whitespace()
        .any(|w| w.strip_prefix('v').unwrap_or(w) == word)
}

/// The command as one would type it: extra environment, program, arguments.
fn show(cmd: &Command) -> String {
    let mut parts: Vec<String> = cmd
        .get_envs()
        .filter(|(key, _)| *key != "PATH")
        .filter_map(|(key, value)| {
            Some(format!(
                "{}={}",
                key.to_string_lossy(),
                value?.to_string_lossy()
            ))
        })
        .collect();
    let program = Path::new(cmd.get_program());
    let program = program
        .strip_prefix(cmd.get_current_dir().unwrap_or(Path::new("")))
        .unwrap_or(program);
    parts.push(quote(program.as_os_str()));
    parts.extend(cmd.get_args().map(quote));
    parts.join(" ")
}

fn quote(arg: &OsStr) -> String {
    let arg = arg.to_string_lossy();
    if arg.is_empty() || arg.contains(|c: char| c.is_whitespace() || c == '\'' || c == '"') {
        format!("'{}'", arg.replace('\'', r"'\''"))
    } else {
        arg.into_owned()
    }
}

/// System packages through apt, for root only; `apt-get update` runs once, before the first
/// install.
#[derive(Debug)]
struct Apt<'a> {
    ctx: &'a Ctx,
    is_root: bool,
    updated: bool,
}

impl<'a> Apt<'a> {
    fn new(ctx: &'a Ctx) -> Self {
        let uid = ctx.capture(ctx.cmd("id").arg("-u"));
        let is_root = uid.is_some_and(|uid| uid.trim() == "0");
        Self {
            ctx,
            is_root,
            updated: false,
        }
    }

    fn install(&mut self, packages: &[&str]) -> Outcome {
        if !self.updated {
            self.ctx.run(self.apt_get().arg("update"))?;
            self.updated = true;
        }
        self.ctx
            .run(self.apt_get().args(["install", "-y"]).args(packages))
    }

    fn apt_get(&self) -> Command {
        let mut cmd = self.ctx.cmd("apt-get");
        cmd.env("DEBIAN_FRONTEND", "noninteractive");
        cmd
    }
}

// ---------------------------------------------------------------------------------------------
// Timing

/// One timed step: prints `== <name>` when it starts and its wall time when it ends.
#[derive(Debug)]
struct Step {
    name: String,
    start: Instant,
}

impl Step {
    fn start(name: &str) -> Self {
        println!("== {name}");
        Self {
            name: name.to_owned(),
            start: Instant::now(),
        }
    }

    fn finish(self, ok: bool) -> (String, Duration) {
        let elapsed = self.start.elapsed();
        let verdict = if ok { "ok" } else { "FAILED" };
        println!("== {}: {verdict} in {}", self.name, human(elapsed));
        (self.name, elapsed)
    }
}

/// The steps of one command, for the summary line at the end.
#[derive(Debug)]
struct Steps {
    command: &'static str,
    start: Instant,
    done: Vec<(String, Duration)>,
}

impl Steps {
    fn new(command: &'static str) -> Self {
        Self {
            command,
            start: Instant::now(),
            done: Vec::new(),
        }
    }

    /// Runs one step; its error names the step.
    fn run(&mut self, name: &str, body: impl FnOnce() -> Outcome) -> Outcome {
        let step = Step::start(name);
        let result = body();
        self.done.push(step.finish(result.is_ok()));
        result.map_err(|err| format!("step `{name}` failed: {err}"))
    }

    fn summary(&self, result: &Outcome) {
        let total = human(self.start.elapsed());
        let times: Vec<String> = self
            .done
            .iter()
            .map(|(name, elapsed)| format!("{name} {}", human(*elapsed)))
            .collect();
        let times = times.join(", ");
        match (result, self.done.last()) {
            (Err(_), Some((failed, _))) => {
                println!(
                    "{}: FAILED at `{failed}` after {total} ({times})",
                    self.command
                );
            }
            (Err(_), None) => println!("{}: FAILED after {total}", self.command),
            (Ok(()), _) => println!(
                "{}: ok, {} steps in {total} ({times})",
                self.command,
                self.done.len()
            ),
        }
    }
}

fn human(elapsed: Duration) -> String {
    let secs = elapsed.as_secs();
    if secs < 60 {
        format!("{:.1}s", elapsed.as_secs_f64())
    } else {
        format!("{}m {:02}s", secs / 60, secs % 60)
    }
}
