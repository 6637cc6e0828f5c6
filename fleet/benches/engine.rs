//! The engine over 1,000 Actors × 1,000 runs (1,000,000 runs), natively.
//!
//! Budget: < 1 s in WebAssembly for the whole report; the native figure is printed beside it by
//! `cargo xtask bench`. The workload is `forge_fleet::synthetic_fleet`, the same generator the
//! app uses for the in-browser measurement.
//!
//! Measured: the whole report from models (`prepare` + report, what the app runs after a load),
//! the report alone from prepared Actors (switching the window), and `prepare` alone.

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use forge_fleet::{fleet_report, fleet_report_from_inputs, prepare_all, synthetic_fleet, Window};
use std::hint::black_box;
use std::time::{Duration, Instant};

const ACTORS: usize = 1_000;
const RUNS_PER_ACTOR: usize = 1_000;
const SEED: u64 = 42;

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn engine(c: &mut Criterion) {
    let t = Instant::now();
    let fleet = synthetic_fleet(ACTORS, RUNS_PER_ACTOR, SEED);
    let generated = t.elapsed();
    let window = Window::default_at(fleet.now_ms);

    // One plain timing of each stage first, printed for the closing note and `cargo xtask bench`.
    let t = Instant::now();
    let report = fleet_report_from_inputs(&fleet.actors, window);
    let whole = t.elapsed();
    let t = Instant::now();
    let prepared = prepare_all(&fleet.actors);
    let prepare = t.elapsed();
    let t = Instant::now();
    let again = fleet_report(&prepared, window);
    let report_only = t.elapsed();
    assert_eq!(report, again);
    println!(
        "forge-fleet engine, {ACTORS} Actors × {RUNS_PER_ACTOR} runs = {} runs \
         (generated in {:.0} ms): whole report {:.1} ms = prepare {:.1} ms + report {:.1} ms; \
         fleet health {:?}, {} runs counted",
        ACTORS * RUNS_PER_ACTOR,
        ms(generated),
        ms(whole),
        ms(prepare),
        ms(report_only),
        report.summary.health,
        report.summary.runs.total(),
    );

    let mut g = c.benchmark_group("engine");
    g.sample_size(10);
    g.measurement_time(Duration::from_secs(10));
    g.bench_function("whole report, 1000 actors x 1000 runs", |b| {
        b.iter_batched(
            || (),
            |_| fleet_report_from_inputs(black_box(&fleet.actors), window),
            BatchSize::PerIteration,
        )
    });
    g.bench_function("report from prepared, 1000 x 1000", |b| {
        b.iter(|| fleet_report(black_box(&prepared), window))
    });
    g.bench_function("prepare, 1000 x 1000", |b| {
        b.iter(|| prepare_all(black_box(&fleet.actors)))
    });
    g.finish();
}

criterion_group!(benches, engine);
criterion_main!(benches);
