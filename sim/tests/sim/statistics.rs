//! Dataset statistics (`GET /v2/datasets/{id}/statistics` and the run shortcuts): measured from
//! the items as the items endpoint serves them, only for datasets with a fields schema, and the
//! `field-drift` story they tell — prices missing from 40% of the items of its newest build's
//! runs.

use crate::common::*;
use axum::http::StatusCode;
use forge_sim::{Sim, SimOptions};
use serde_json::{json, Map, Value};

const FIELDS: [&str; 5] = ["currency", "price", "scrapedAt", "title", "url"];

/// Every item of dataset `id`, through the items endpoint.
async fn items(sim: &Sim, id: &str) -> Vec<Value> {
    let r = get(sim, &format!("/v2/datasets/{id}/items")).await;
    assert_eq!(r.status, 200, "{id}");
    r.json().as_array().unwrap().clone()
}

async fn stats(sim: &Sim, uri: &str) -> Value {
    let r = get(sim, uri).await;
    assert_eq!(r.status, 200, "{uri}: {}", String::from_utf8_lossy(&r.body));
    let body = r.json();
    assert_eq!(
        body.as_object().unwrap().keys().collect::<Vec<_>>(),
        ["data"]
    );
    assert_eq!(
        body["data"].as_object().unwrap().keys().collect::<Vec<_>>(),
        ["fieldStatistics"]
    );
    body["data"]["fieldStatistics"].clone()
}

/// The statistics of `fields` as counted here from `items`: numbers by value, strings by their
/// length in UTF-16 units, arrays by length, objects by key count.
fn expected(items: &[Value], fields: &[&str]) -> Value {
    let mut out = Map::new();
    for f in fields {
        let (mut min, mut max, mut nulls, mut empty) = (None::<f64>, None::<f64>, 0, 0);
        for item in items {
            let x = match item.get(*f) {
                None => {
                    empty += 1;
                    continue;
                }
                Some(Value::Null) => {
                    nulls += 1;
                    continue;
                }
                Some(Value::Number(n)) => n.as_f64().unwrap(),
                Some(Value::String(s)) => s.encode_utf16().count() as f64,
                Some(Value::Array(a)) => a.len() as f64,
                Some(Value::Object(o)) => o.len() as f64,
                Some(Value::Bool(_)) => continue,
            };
            min = Some(min.map_or(x, |m: f64| m.min(x)));
            max = Some(max.map_or(x, |m: f64| m.max(x)));
        }
        out.insert(
            f.to_string(),
            json!({"min": min, "max": max, "nullCount": nulls, "emptyCount": empty}),
        );
    }
    Value::Object(out)
}

/// Numbers compared by value (`35` and `35.0` alike).
fn same_numbers(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| same_numbers(v, w)))
        }
        _ => a == b,
    }
}

fn assert_same(got: &Value, want: &Value, what: &str) {
    assert!(same_numbers(got, want), "{what}:\n got {got}\nwant {want}");
}

/// Actor `name`'s builds, newest first: (id, buildNumber, startedAt).
async fn builds_of(sim: &Sim, name: &str) -> Vec<(String, String, String)> {
    let id = actor_id(sim, name);
    let builds = get(sim, &format!("/v2/actors/{id}/builds?desc=1"))
        .await
        .data();
    builds["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| {
            (
                b["id"].as_str().unwrap().to_string(),
                b["buildNumber"].as_str().unwrap().to_string(),
                b["startedAt"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[tokio::test]
async fn statistics_are_measured_from_the_items_the_items_endpoint_serves() {
    let sim = sim();
    // A named dataset with a schema: 12,480 synthetic items.
    let catalog = items(&sim, "~product-catalog").await;
    assert_eq!(catalog.len(), 12_480);
    let s = stats(&sim, "/v2/datasets/~product-catalog/statistics").await;
    assert_same(&s, &expected(&catalog, &FIELDS), "product-catalog");
    assert_eq!(s["price"]["nullCount"], 0);
    assert_eq!(
        s["url"]["min"], 34,
        "whole numbers as JavaScript writes them"
    );
    assert_eq!(s["scrapedAt"]["min"], 24);
    assert!(s["price"]["min"].as_f64().unwrap() >= 5.0);
    assert!(s["price"]["max"].as_f64().unwrap() <= 400.0);

    // A run's default dataset, by id and by the run shortcuts: the same statistics.
    let runs = runs_of(&sim, "healthy-workhorse").await;
    let last = runs.last().unwrap();
    let (run_id, ds) = (
        last["id"].as_str().unwrap(),
        last["defaultDatasetId"].as_str().unwrap(),
    );
    let direct = stats(&sim, &format!("/v2/datasets/{ds}/statistics")).await;
    assert_same(&direct, &expected(&items(&sim, ds).await, &FIELDS), ds);
    let by_run = stats(&sim, &format!("/v2/actor-runs/{run_id}/dataset/statistics")).await;
    assert_eq!(by_run, direct);
    let hw = actor_id(&sim, "healthy-workhorse");
    let by_last = stats(
        &sim,
        &format!("/v2/actors/{hw}/runs/last/dataset/statistics"),
    )
    .await;
    assert_eq!(by_last, direct);
    let by_name = stats(
        &sim,
        "/v2/acts/forge-demo~healthy-workhorse/runs/last/dataset/statistics?status=SUCCEEDED",
    )
    .await;
    let last_ok = runs
        .iter()
        .rev()
        .find(|r| r["status"] == "SUCCEEDED")
        .unwrap();
    let ok_ds = last_ok["defaultDatasetId"].as_str().unwrap();
    assert_eq!(
        by_name,
        stats(&sim, &format!("/v2/datasets/{ok_ds}/statistics")).await
    );

    // Pushed items count too: absent fields are `emptyCount`, nulls `nullCount`, arrays and
    // objects by size, booleans neither; fields outside the schema are not measured.
    let pushed = json!([
        {"url": "https://x.example/ü", "price": null, "title": ["a", "b", "c"], "extra": 1},
        {"price": 0.5, "title": {"a": 1}, "currency": true},
    ]);
    let r = req("POST", &format!("/v2/datasets/{ds}/items"))
        .token(scoped())
        .json(&pushed)
        .send(&sim)
        .await;
    assert_eq!(r.status, 201);
    let all = items(&sim, ds).await;
    let after = stats(&sim, &format!("/v2/datasets/{ds}/statistics")).await;
    assert_same(&after, &expected(&all, &FIELDS), "after a push");
    assert_eq!(
        after["scrapedAt"]["emptyCount"], 2,
        "{}",
        after["scrapedAt"]
    );
    assert_eq!(after["price"]["nullCount"], 1);
    assert_eq!(after["price"]["min"], 0.5);
    assert_eq!(after["title"]["min"], 1);
    assert!(after.get("extra").is_none());
}

#[tokio::test]
async fn no_schema_no_statistics_and_empty_datasets_measure_nothing() {
    let sim = sim();
    // A legacy Actor (no `.actor/actor.json`): its datasets have no schema.
    let legacy = runs_of(&sim, "shopify-catalog-sync").await;
    let ds = legacy.last().unwrap()["defaultDatasetId"].as_str().unwrap();
    assert!(get(&sim, &format!("/v2/datasets/{ds}")).await.data()["schema"].is_null());
    assert!(stats(&sim, &format!("/v2/datasets/{ds}/statistics"))
        .await
        .is_null());
    // Nor do datasets created through the API, or the named one without a schema.
    let r = req("POST", "/v2/datasets?name=stats-probe")
        .token(scoped())
        .send(&sim)
        .await;
    assert_eq!(r.status, 201);
    assert!(stats(&sim, "/v2/datasets/~stats-probe/statistics")
        .await
        .is_null());
    assert!(stats(&sim, "/v2/datasets/~leads-archive/statistics")
        .await
        .is_null());

    // A dataset with a schema and no items: every field, nothing counted.
    let empty = runs_of(&sim, "empty-success-api").await;
    let mut found = false;
    for r in empty
        .iter()
        .rev()
        .filter(|r| r["status"] == "SUCCEEDED")
        .take(20)
    {
        let ds = r["defaultDatasetId"].as_str().unwrap();
        if get(&sim, &format!("/v2/datasets/{ds}")).await.data()["itemCount"] == 0 {
            let s = stats(&sim, &format!("/v2/datasets/{ds}/statistics")).await;
            let nothing = json!({"min": null, "max": null, "nullCount": 0, "emptyCount": 0});
            let want: Map<String, Value> = FIELDS
                .iter()
                .map(|f| (f.to_string(), nothing.clone()))
                .collect();
            assert_eq!(s, Value::Object(want));
            found = true;
            break;
        }
    }
    assert!(found, "an empty dataset of empty-success-api");
}

#[tokio::test]
async fn statistics_404_like_the_dataset_and_count_against_it() {
    let sim = sim();
    let missing = [
        (
            "/v2/datasets/nOsUcHdAtAsEt1234/statistics",
            "record-not-found",
        ),
        (
            "/v2/datasets/~no-such-dataset/statistics",
            "record-not-found",
        ),
        (
            "/v2/actor-runs/nOsUcHrUn12345678/dataset/statistics",
            "record-not-found",
        ),
        (
            "/v2/actors/nOsUcHaCtOr123456/runs/last/dataset/statistics",
            "actor-not-found",
        ),
    ];
    for (uri, kind) in missing {
        let r = get(&sim, uri).await;
        assert_eq!(
            (r.status.as_u16(), r.error_type().as_str()),
            (404, kind),
            "{uri}"
        );
    }
    // The same 404 as the dataset itself once it is deleted, also through its run.
    let run = runs_of(&sim, "memory-hog").await.pop().unwrap();
    let (run_id, ds) = (
        run["id"].as_str().unwrap(),
        run["defaultDatasetId"].as_str().unwrap(),
    );
    let r = req("DELETE", &format!("/v2/datasets/{ds}"))
        .token(scoped())
        .send(&sim)
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let gone = get(&sim, &format!("/v2/datasets/{ds}")).await;
    for uri in [
        format!("/v2/datasets/{ds}/statistics"),
        format!("/v2/actor-runs/{run_id}/dataset/statistics"),
    ] {
        let r = get(&sim, &uri).await;
        assert_eq!(r.status, 404, "{uri}");
        assert_eq!(r.json(), gone.json(), "{uri}");
    }
    let hog = actor_id(&sim, "memory-hog");
    let r = get(
        &sim,
        &format!("/v2/actors/{hog}/runs/last/dataset/statistics?status=NOPE"),
    )
    .await;
    assert_eq!(r.status, 400);
    // Without a token: 401, as every dataset route.
    let r = req("GET", "/v2/datasets/~product-catalog/statistics")
        .send(&sim)
        .await;
    assert_eq!(r.status, 401);

    // Rate limited per dataset, with the dataset routes' limit.
    let limited = Sim::new(SimOptions {
        rate_limit_per_sec: 2,
        ..opts()
    });
    let uri = "/v2/datasets/~product-catalog/statistics";
    let mut statuses = Vec::new();
    for _ in 0..6 {
        let r = get(&limited, uri).await;
        assert_eq!(r.header("x-ratelimit-limit"), Some("2"));
        statuses.push(r.status.as_u16());
    }
    assert!(statuses.contains(&429), "{statuses:?}");
}

/// field-drift on `seed`: (null share of prices in the newest build's SUCCEEDED runs, in the
/// earlier builds' SUCCEEDED runs of the last 30 days, newest build, previous build).
async fn field_drift(seed: u64) -> (f64, f64, String, String) {
    let sim = Sim::new(SimOptions { seed, ..opts() });
    let builds = builds_of(&sim, "field-drift").await;
    assert!(builds.len() >= 2);
    let (newest, previous) = (builds[0].1.clone(), builds[1].1.clone());
    let month_ago = "2025-12-07T11:46:40.000Z"; // NOW − 30 days
    let runs = runs_of(&sim, "field-drift").await;
    let (mut new_nulls, mut new_items, mut old_nulls, mut old_items) = (0, 0, 0, 0);
    let (mut new_runs, mut prev_runs) = (0, 0);
    for r in runs.iter().filter(|r| r["status"] == "SUCCEEDED") {
        if r["startedAt"].as_str().unwrap() < month_ago {
            continue;
        }
        let id = r["id"].as_str().unwrap();
        let s = stats(&sim, &format!("/v2/actor-runs/{id}/dataset/statistics")).await;
        let price = &s["price"];
        assert_eq!(price["emptyCount"], 0);
        let nulls = price["nullCount"].as_u64().unwrap();
        let ds = r["defaultDatasetId"].as_str().unwrap();
        let count = get(&sim, &format!("/v2/datasets/{ds}")).await.data()["itemCount"]
            .as_u64()
            .unwrap();
        assert!(count > 0);
        if r["buildNumber"] == newest.as_str() {
            let share = nulls as f64 / count as f64;
            assert!(
                (0.2..0.6).contains(&share),
                "seed {seed}, run {id}: {share}"
            );
            new_runs += 1;
            new_nulls += nulls;
            new_items += count;
        } else {
            prev_runs += (r["buildNumber"] == previous.as_str()) as u32;
            old_nulls += nulls;
            old_items += count;
        }
    }
    assert!(
        new_runs >= 10 && prev_runs >= 10,
        "seed {seed}: {new_runs} runs on {newest}, {prev_runs} on {previous}"
    );
    (
        new_nulls as f64 / new_items as f64,
        old_nulls as f64 / old_items as f64,
        newest,
        previous,
    )
}

#[tokio::test]
async fn field_drift_loses_prices_on_its_newest_build() {
    for seed in [1, 2, 3, 7] {
        let (new_share, old_share, newest, previous) = field_drift(seed).await;
        println!("seed {seed}: {newest} {new_share:.3}, before ({previous}…) {old_share:.4}");
        assert!((0.3..0.5).contains(&new_share), "seed {seed}: {new_share}");
        assert!(old_share < 0.03, "seed {seed}: {old_share}");
        assert!(
            old_share > 0.0,
            "seed {seed}: a scraper misses now and then"
        );
    }
}

#[tokio::test]
async fn field_drift_is_the_only_story_and_its_items_agree_with_its_statistics() {
    let sim = sim();
    let fd = actor_id(&sim, "field-drift");
    let actor = get(&sim, &format!("/v2/actors/{fd}")).await.data();
    let builds = builds_of(&sim, "field-drift").await;
    assert_eq!(
        actor["description"],
        format!(
            "Scrapes product pages; the {} release changed the price selector.",
            builds[0].1
        )
    );
    // Its newest build ~5 days ago, like regressed-crawler's; an otherwise healthy Actor.
    let started = &builds[0].2;
    assert!(
        started.as_str() > "2025-12-31" && started.as_str() < "2026-01-02",
        "{started}"
    );
    let runs = runs_of(&sim, "field-drift").await;
    let ok = runs.iter().filter(|r| r["status"] == "SUCCEEDED").count();
    assert!(
        ok as f64 / runs.len() as f64 > 0.97,
        "{ok} of {}",
        runs.len()
    );

    // The items of its last run (on the newest build): the nulls the statistics count.
    let last = runs
        .iter()
        .rev()
        .find(|r| r["status"] == "SUCCEEDED")
        .unwrap();
    assert_eq!(last["buildNumber"], builds[0].1.as_str());
    let ds = last["defaultDatasetId"].as_str().unwrap();
    let all = items(&sim, ds).await;
    let nulls = all.iter().filter(|i| i["price"].is_null()).count();
    let s = stats(
        &sim,
        &format!("/v2/actors/{fd}/runs/last/dataset/statistics?status=SUCCEEDED"),
    )
    .await;
    assert_eq!(s["price"]["nullCount"], nulls);
    assert!(nulls * 4 > all.len(), "{nulls} of {}", all.len());
    assert_same(&s, &expected(&all, &FIELDS), ds);
    // Paged reads serve the same items.
    let page = get(
        &sim,
        &format!("/v2/datasets/{ds}/items?offset=10&limit=5&desc=1"),
    )
    .await;
    let n = all.len();
    assert_eq!(
        page.json(),
        Value::Array(all[n - 15..n - 10].iter().rev().cloned().collect())
    );

    // Every other Actor with a schema always has a price, whatever its build.
    for name in [
        "healthy-workhorse",
        "regressed-crawler",
        "cost-spike",
        "amazon-price-tracker",
    ] {
        let id = actor_id(&sim, name);
        let s = stats(
            &sim,
            &format!("/v2/actors/{id}/runs/last/dataset/statistics"),
        )
        .await;
        assert_eq!(s["price"]["nullCount"], 0, "{name}");
    }

    // A run started through the API on the newest build drifts too.
    let sim = Sim::new(SimOptions {
        run_speed: 1_000_000.0,
        ..opts()
    });
    let r = req(
        "POST",
        "/v2/acts/forge-demo~field-drift/runs?waitForFinish=60",
    )
    .token(scoped())
    .send(&sim)
    .await;
    assert_eq!(r.status, 201);
    let run = r.data();
    assert_eq!(run["buildNumber"], builds[0].1.as_str());
    let id = run["id"].as_str().unwrap();
    let ds = run["defaultDatasetId"].as_str().unwrap();
    let all = items(&sim, ds).await;
    let s = stats(&sim, &format!("/v2/actor-runs/{id}/dataset/statistics")).await;
    assert_same(&s, &expected(&all, &FIELDS), "a new run");
    if all.len() >= 100 {
        let nulls = all.iter().filter(|i| i["price"].is_null()).count();
        assert!(nulls * 5 > all.len(), "{nulls} of {}", all.len());
    }
}
