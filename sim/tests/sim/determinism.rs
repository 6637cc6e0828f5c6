//! The demo fleet: same seed + same `now` → identical answers; different seeds differ; the
//! named stories hold; generation is fast enough to embed in the relay.

use crate::common::*;
use forge_sim::{Sim, SimOptions};
use serde_json::Value;
use std::time::Instant;

async fn fingerprint(sim: &Sim) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    for uri in [
        "/v2/actors?limit=1000",
        "/v2/actor-runs?limit=1000",
        "/v2/actor-runs?limit=1000&offset=5000",
        "/v2/actor-builds",
        "/v2/datasets?unnamed=1&limit=50",
        "/v2/key-value-stores/~forge-trends/records/snapshot-2026-W01",
    ] {
        let r = get(sim, uri).await;
        assert_eq!(r.status, 200, "{uri}");
        out.push(r.body);
    }
    out
}

#[tokio::test]
async fn same_seed_and_now_give_byte_identical_answers() {
    let a = sim();
    let b = sim();
    assert_eq!(fingerprint(&a).await, fingerprint(&b).await);
    let other = Sim::new(SimOptions { seed: 2, ..opts() });
    let (fa, fo) = (fingerprint(&a).await, fingerprint(&other).await);
    assert_ne!(fa[0], fo[0]);
    assert_ne!(fa[1], fo[1]);
}

#[test]
fn default_generation_is_fast_and_bounded() {
    let t = Instant::now();
    let sim = Sim::new(SimOptions {
        now: Some(NOW),
        ..SimOptions::default()
    });
    let took = t.elapsed();
    println!("default demo account generated in {took:?}");
    assert!(took.as_secs_f64() < 10.0, "{took:?}");
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let total = rt.block_on(async {
        get(&sim, "/v2/actor-runs?limit=1").await.data()["total"]
            .as_u64()
            .unwrap()
    });
    println!("default demo account holds {total} runs");
    assert!((3_000..=10_000).contains(&total), "{total}");
}

fn rate(runs: &[Value], status: &str) -> f64 {
    runs.iter().filter(|r| r["status"] == status).count() as f64 / runs.len().max(1) as f64
}

#[tokio::test]
async fn the_stories_hold() {
    let sim = sim();
    let now_iso = "2026-01-06T11:46:40.000Z";
    let window_start = "2025-11-22T11:46:40.000Z"; // now − 45 days

    // healthy-workhorse: many runs, ~99.5% success.
    let hw = runs_of(&sim, "healthy-workhorse").await;
    assert!(hw.len() > 800, "{}", hw.len());
    assert!(rate(&hw, "SUCCEEDED") > 0.985, "{}", rate(&hw, "SUCCEEDED"));

    // flaky-scraper: ~20% FAILED with varied messages.
    let flaky = runs_of(&sim, "flaky-scraper").await;
    let fail = rate(&flaky, "FAILED");
    assert!((0.1..0.3).contains(&fail), "{fail}");
    let mut messages = std::collections::BTreeSet::new();
    for r in flaky.iter().filter(|r| r["status"] == "FAILED").take(40) {
        let full = get(
            &sim,
            &format!("/v2/actor-runs/{}", r["id"].as_str().unwrap()),
        )
        .await
        .data();
        messages.insert(full["statusMessage"].as_str().unwrap().to_string());
    }
    assert!(messages.len() >= 5, "{messages:?}");

    // regressed-crawler: newest build ~5 days old fails far more than the one before.
    let rc_id = actor_id(&sim, "regressed-crawler");
    let builds = get(&sim, &format!("/v2/actors/{rc_id}/builds?desc=1"))
        .await
        .data();
    let newest = builds["items"][0]["buildNumber"]
        .as_str()
        .unwrap()
        .to_string();
    let previous = builds["items"][1]["buildNumber"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(newest, "0.3.14");
    let started = builds["items"][0]["startedAt"].as_str().unwrap();
    assert!(
        started > "2025-12-31" && started < "2026-01-02",
        "{started}"
    );
    let rc = runs_of(&sim, "regressed-crawler").await;
    let on = |n: &str| -> Vec<Value> {
        rc.iter()
            .filter(|r| r["buildNumber"] == n)
            .cloned()
            .collect()
    };
    let (new_runs, old_runs) = (on(&newest), on(&previous));
    assert!(new_runs.len() > 20 && old_runs.len() > 20);
    let (new_fail, old_fail) = (rate(&new_runs, "FAILED"), rate(&old_runs, "FAILED"));
    assert!(
        new_fail > 0.25 && old_fail < 0.1,
        "{new_fail} vs {old_fail}"
    );

    // empty-success-api: SUCCEEDED runs that often produce 0 items.
    let es = runs_of(&sim, "empty-success-api").await;
    let mut empty = 0;
    let mut succeeded = 0;
    for r in es.iter().filter(|r| r["status"] == "SUCCEEDED").take(60) {
        succeeded += 1;
        let ds = get(
            &sim,
            &format!("/v2/datasets/{}", r["defaultDatasetId"].as_str().unwrap()),
        )
        .await
        .data();
        if ds["itemCount"] == 0 {
            empty += 1;
        }
    }
    assert!(
        empty as f64 / succeeded as f64 > 0.35,
        "{empty}/{succeeded}"
    );

    // stale-monitor: no runs in the window, an old build.
    let stale = runs_of(&sim, "stale-monitor").await;
    assert!(stale
        .iter()
        .all(|r| r["startedAt"].as_str().unwrap() < window_start));
    let sm_id = actor_id(&sim, "stale-monitor");
    let a = get(&sim, &format!("/v2/actors/{sm_id}")).await.data();
    assert!(a["taggedBuilds"]["latest"]["finishedAt"].as_str().unwrap() < window_start);

    // memory-hog: 4096 MB allocated, peaks well under 15% of it.
    let hog = runs_of(&sim, "memory-hog").await;
    for r in hog.iter().take(15) {
        let full = get(
            &sim,
            &format!("/v2/actor-runs/{}", r["id"].as_str().unwrap()),
        )
        .await
        .data();
        assert_eq!(full["options"]["memoryMbytes"], 4096);
        let peak = full["stats"]["memMaxBytes"].as_f64().unwrap();
        assert!(peak < 0.15 * 4096.0 * 1048576.0, "{peak}");
        assert!(peak > 150.0 * 1048576.0, "{peak}");
    }

    // cost-spike: cost per run roughly tripled in the last 7 days.
    let cs = runs_of(&sim, "cost-spike").await;
    let week_ago = "2025-12-30T11:46:40.000Z";
    let avg = |pred: &dyn Fn(&str) -> bool| {
        let v: Vec<f64> = cs
            .iter()
            .filter(|r| r["status"] == "SUCCEEDED" && pred(r["startedAt"].as_str().unwrap()))
            .map(|r| r["usageTotalUsd"].as_f64().unwrap())
            .collect();
        v.iter().sum::<f64>() / v.len() as f64
    };
    let ratio = avg(&|s| s >= week_ago) / avg(&|s| s < week_ago);
    assert!((2.3..3.7).contains(&ratio), "{ratio}");

    // timeout-prone: frequent TIMED-OUT.
    let tp = rate(&runs_of(&sim, "timeout-prone").await, "TIMED-OUT");
    assert!(tp > 0.12, "{tp}");

    // signal-emitter: SIGNALS records of names → numbers, strings, booleans.
    let se = runs_of(&sim, "signal-emitter").await;
    let kv = se.last().unwrap()["defaultKeyValueStoreId"]
        .as_str()
        .unwrap()
        .to_string();
    let rec = get(&sim, &format!("/v2/key-value-stores/{kv}/records/SIGNALS")).await;
    assert_eq!(rec.status, 200);
    let signals = rec.json();
    let obj = signals.as_object().unwrap();
    assert!(obj.len() >= 4);
    assert!(obj
        .values()
        .all(|v| v.is_number() || v.is_string() || v.is_boolean()));
    assert!(obj["itemsScraped"].is_number() && obj["healthy"].is_boolean());

    // Origins: the scheduler dominates; API and WEB appear.
    let all = get(&sim, "/v2/actor-runs?limit=1000&offset=2000")
        .await
        .data();
    let origins: Vec<&str> = all["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["meta"]["origin"].as_str().unwrap())
        .collect();
    let share = |o: &str| origins.iter().filter(|x| **x == o).count() as f64 / origins.len() as f64;
    assert!(share("SCHEDULER") > 0.6 && share("API") > 0.05 && share("WEB") > 0.02);

    // Nothing is in the future of `now`.
    let newest = get(&sim, "/v2/actor-runs?desc=1&limit=1").await.data();
    assert!(newest["items"][0]["finishedAt"].as_str().unwrap() < now_iso);
}

#[tokio::test]
async fn six_forge_trends_snapshots() {
    let sim = sim();
    let keys = get(&sim, "/v2/key-value-stores/~forge-trends/keys")
        .await
        .data();
    let names: Vec<String> = keys["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["key"].as_str().unwrap().to_string())
        .collect();
    // `now` is in 2026-W02: the six ISO weeks before it.
    assert_eq!(
        names,
        [
            "snapshot-2025-W48",
            "snapshot-2025-W49",
            "snapshot-2025-W50",
            "snapshot-2025-W51",
            "snapshot-2025-W52",
            "snapshot-2026-W01",
        ]
    );
    let latest = get(
        &sim,
        "/v2/key-value-stores/~forge-trends/records/snapshot-2026-W01",
    )
    .await
    .json();
    assert_eq!(latest["version"], 1);
    assert_eq!(latest["week"], "2026-W01");
    assert!(latest["generatedAt"]
        .as_str()
        .unwrap()
        .starts_with("2026-01-05T00:05"));
    assert!(latest["fleet"]["runs"].as_u64().unwrap() > 500);
    let sr = latest["fleet"]["successRate"].as_f64().unwrap();
    assert!((0.8..1.0).contains(&sr), "{sr}");
    let earlier = get(
        &sim,
        "/v2/key-value-stores/~forge-trends/records/snapshot-2025-W50",
    )
    .await
    .json();
    // cost-spike's cost per run jumps in the latest week (the spike began 2025-12-30)…
    let cs_id = actor_id(&sim, "cost-spike");
    let cost = |s: &Value| {
        let a = &s["actors"][cs_id.as_str()];
        a["costUsd"].as_f64().unwrap() / a["runs"].as_f64().unwrap()
    };
    assert!(
        cost(&latest) / cost(&earlier) > 2.0,
        "{} vs {}",
        cost(&latest),
        cost(&earlier)
    );
    assert_eq!(latest["actors"][cs_id.as_str()]["name"], "cost-spike");
    // …and regressed-crawler's success rate and health drop (new build on 2026-01-01).
    let rc_id = actor_id(&sim, "regressed-crawler");
    let rc = |s: &Value, f: &str| s["actors"][rc_id.as_str()][f].as_f64().unwrap();
    assert!(rc(&latest, "successRate") < rc(&earlier, "successRate") - 0.1);
    assert!(rc(&latest, "health") < rc(&earlier, "health"));
}
