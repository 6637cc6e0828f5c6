//! The engine in WebAssembly, in headless Chromium: 1,000 Actors × 1,000 runs, the same
//! workload as `benches/engine.rs` natively. A measurement, not a pass/fail timing: it prints the
//! milliseconds (budget < 1 s) and asserts only that the report is complete.
//!
//! `cargo xtask bench` runs it; by hand:
//! `CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner CHROMEDRIVER=/usr/bin/chromedriver \
//!  cargo test -p forge-fleet --release --target wasm32-unknown-unknown --test wasm_bench -- --nocapture`
#![cfg(target_arch = "wasm32")]

use forge_fleet::{fleet_report, fleet_report_from_inputs, prepare_all, synthetic_fleet, Window};
use wasm_bindgen_test::{console_log, wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

fn now_ms() -> f64 {
    js_sys::Date::now()
}

#[wasm_bindgen_test]
fn engine_over_a_million_runs_in_the_browser() {
    let (actors, runs) = (1_000, 1_000);
    let t = now_ms();
    let fleet = synthetic_fleet(actors, runs, 42);
    let generated = now_ms() - t;
    let window = Window::default_at(fleet.now_ms);

    // One pass, each phase timed inside it: the whole is the sum of its parts by construction.
    let t0 = now_ms();
    let prepared = prepare_all(&fleet.actors);
    let t1 = now_ms();
    let report = fleet_report(&prepared, window);
    let t2 = now_ms();
    let (prepare, report_only, whole) = (t1 - t0, t2 - t1, t2 - t0);
    // A window switch or a refresh's recompute: nothing is prepared again.
    let t = now_ms();
    let again = fleet_report(&prepared, window);
    let recompute = now_ms() - t;
    // The entry point that prepares and reports in one call gives the same report.
    let from_inputs = fleet_report_from_inputs(&fleet.actors, window);

    assert_eq!(report.actors.len(), actors);
    assert_eq!(report, again);
    assert_eq!(report, from_inputs);
    console_log!(
        "forge-fleet engine in WebAssembly (headless Chromium), {actors} Actors × {runs} runs \
         (generated in {generated:.0} ms): whole report {whole:.1} ms = prepare {prepare:.1} ms + \
         report {report_only:.1} ms; recomputed from the prepared fleet {recompute:.1} ms"
    );
}
