//! Fleets of many Actors read through the account-wide lists, the way the loader reads them:
//! every run of a window exactly once and in order, every run's default dataset with its item
//! count, the plan's retention, and Apify's two rate limits. Nothing here looks at the clock
//! beyond "within the same second/minute" budgets that a burst of requests cannot outlast.

use crate::common::*;
use axum::http::StatusCode;
use forge_sim::{Sim, SimOptions};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

fn fleet(actors: usize) -> Sim {
    Sim::new(SimOptions { actors, ..opts() })
}

fn items(page: &Value) -> Vec<Value> {
    page["items"].as_array().cloned().unwrap_or_default()
}

fn s<'v>(v: &'v Value, field: &str) -> &'v str {
    v[field]
        .as_str()
        .unwrap_or_else(|| panic!("{field} in {v}"))
}

/// Every page of `base` (which has a query string), as the loader pages: `limit` at a time
/// until a page comes back short. Checks `total` stays put and the page fields add up.
async fn walk(sim: &Sim, base: &str, limit: usize) -> (u64, Vec<Value>) {
    let mut out: Vec<Value> = Vec::new();
    let mut total = None;
    loop {
        let uri = format!("{base}&limit={limit}&offset={}", out.len());
        let r = get(sim, &uri).await;
        assert_eq!(r.status, 200, "{uri}");
        let page = r.data();
        assert_eq!(page["offset"], out.len(), "{uri}");
        assert_eq!(page["limit"], limit, "{uri}");
        let got = items(&page);
        assert_eq!(page["count"], got.len(), "{uri}");
        let t = page["total"].as_u64().unwrap();
        assert_eq!(*total.get_or_insert(t), t, "total moved: {uri}");
        let short = got.len() < limit;
        out.extend(got);
        if short {
            return (t, out);
        }
    }
}

fn ids(items: &[Value]) -> Vec<String> {
    items.iter().map(|i| s(i, "id").to_string()).collect()
}

/// 2025-12-22T11:46:40Z: the last 15 days of the default 45.
const AFTER: &str = "2025-12-22T11:46:40.000Z";

#[tokio::test]
async fn account_wide_run_pages_cover_a_window_exactly_once_in_order() {
    let sim = fleet(200);
    let (total, runs) = walk(
        &sim,
        &format!("/v2/actor-runs?desc=1&startedAfter={AFTER}"),
        1000,
    )
    .await;
    assert!(total > 15_000, "{total}");
    assert_eq!(runs.len() as u64, total);
    let run_ids = ids(&runs);
    let unique: BTreeSet<&String> = run_ids.iter().collect();
    assert_eq!(unique.len(), runs.len(), "a run came back twice");
    let starts: Vec<&str> = runs.iter().map(|r| s(r, "startedAt")).collect();
    assert!(starts.windows(2).all(|w| w[0] >= w[1]), "newest first");
    assert!(starts.iter().all(|t| *t >= AFTER));

    // Every Actor's own list, walked one by one, holds the same runs.
    let (_, actors) = walk(&sim, "/v2/actors?my=0", 1000).await;
    assert!(actors.len() > 200);
    let mut per_actor = 0;
    let mut per_actor_ids = BTreeSet::new();
    for a in &actors {
        let (t, mine) = walk(
            &sim,
            &format!("/v2/actors/{}/runs?desc=1&startedAfter={AFTER}", s(a, "id")),
            1000,
        )
        .await;
        assert!(mine.iter().all(|r| r["actId"] == a["id"]));
        per_actor += t;
        per_actor_ids.extend(ids(&mine));
    }
    assert_eq!(per_actor, total);
    assert_eq!(
        per_actor_ids,
        run_ids.iter().cloned().collect::<BTreeSet<_>>()
    );

    // The window's edges are inclusive on both sides, and nothing older came in.
    let before = starts[starts.len() - 1];
    let older = get(
        &sim,
        &format!("/v2/actor-runs?desc=1&limit=1&startedBefore={AFTER}"),
    )
    .await
    .data();
    let older = &items(&older)[0];
    assert!(s(older, "startedAt") <= AFTER);
    assert!(!unique.contains(&s(older, "id").to_string()) || s(older, "startedAt") == AFTER);
    let edge = get(
        &sim,
        &format!("/v2/actor-runs?limit=5&startedAfter={before}&startedBefore={before}"),
    )
    .await
    .data();
    assert!(edge["total"].as_u64().unwrap() >= 1);
    assert!(items(&edge).iter().all(|r| r["startedAt"] == before));

    // Ascending pages are the same runs, oldest first.
    let (t, asc) = walk(&sim, &format!("/v2/actor-runs?startedAfter={AFTER}"), 1000).await;
    assert_eq!(t, total);
    let mut reversed = ids(&asc);
    reversed.reverse();
    assert_eq!(reversed, run_ids);

    // A status filter over the account merges per-status lists: the same runs as filtering
    // the window, in the same order, paged at an odd size.
    let wanted = ["FAILED", "TIMED-OUT", "ABORTED"];
    let (t, failed) = walk(
        &sim,
        &format!(
            "/v2/actor-runs?desc=1&startedAfter={AFTER}&status={}",
            wanted.join(",")
        ),
        337,
    )
    .await;
    let expected: Vec<String> = runs
        .iter()
        .filter(|r| wanted.contains(&s(r, "status")))
        .map(|r| s(r, "id").to_string())
        .collect();
    assert!(expected.len() > 500, "{}", expected.len());
    assert_eq!(t as usize, expected.len());
    assert_eq!(ids(&failed), expected);
}

#[tokio::test]
async fn a_run_started_while_a_client_pages_shifts_the_later_pages() {
    let sim = sim();
    let first = get(&sim, "/v2/actor-runs?desc=1&limit=10").await.data();
    let id = actor_id(&sim, "healthy-workhorse");
    let started = req("POST", &format!("/v2/actors/{id}/runs"))
        .token(scoped())
        .send(&sim)
        .await;
    assert_eq!(started.status, 201);
    let second = get(&sim, "/v2/actor-runs?desc=1&limit=10&offset=10")
        .await
        .data();
    // As on Apify: the new run is now first, so the second page starts with the first page's
    // last run again.
    assert_eq!(second["total"], first["total"].as_u64().unwrap() + 1);
    assert_eq!(items(&second)[0]["id"], items(&first)[9]["id"]);
    let top = get(&sim, "/v2/actor-runs?desc=1&limit=1").await.data();
    assert_eq!(items(&top)[0]["id"], started.data()["id"]);
    // …and it is in its status's filter while it runs, and in its Actor's list.
    let running = get(&sim, "/v2/actor-runs?status=READY,RUNNING")
        .await
        .data();
    assert_eq!(ids(&items(&running)), [s(&started.data(), "id")]);
    let mine = get(&sim, &format!("/v2/actors/{id}/runs?desc=1&limit=1"))
        .await
        .data();
    assert_eq!(items(&mine)[0]["id"], started.data()["id"]);
}

#[tokio::test]
async fn the_datasets_list_gives_every_run_of_a_window_its_dataset_and_item_count() {
    let sim = fleet(200);
    let after = "2026-01-03T11:46:40.000Z"; // the last 3 days
    let (runs_total, runs) = walk(
        &sim,
        &format!("/v2/actor-runs?desc=1&startedAfter={after}"),
        1000,
    )
    .await;
    assert!(runs_total > 3_000, "{runs_total}");
    // The loader pages the datasets newest first until it is past the window.
    let mut datasets: Vec<Value> = Vec::new();
    let total = loop {
        let page = get(
            &sim,
            &format!(
                "/v2/datasets?unnamed=1&desc=1&limit=1000&offset={}",
                datasets.len()
            ),
        )
        .await
        .data();
        assert_eq!(page["unnamed"], true);
        let got = items(&page);
        let done = got.is_empty() || s(&got[got.len() - 1], "createdAt") < after;
        datasets.extend(got);
        if done {
            break page["total"].as_u64().unwrap();
        }
    };
    let created: Vec<&str> = datasets.iter().map(|d| s(d, "createdAt")).collect();
    assert!(created.windows(2).all(|w| w[0] >= w[1]), "newest first");
    // Every run's default dataset, and the two named ones.
    let all_runs = get(&sim, "/v2/actor-runs?limit=1").await.data()["total"]
        .as_u64()
        .unwrap();
    assert_eq!(total, all_runs + 2);

    let by_run: BTreeMap<&str, &Value> = datasets
        .iter()
        .filter(|d| d["actRunId"].is_string())
        .map(|d| (s(d, "actRunId"), d))
        .collect();
    for run in &runs {
        let d = by_run
            .get(s(run, "id"))
            .unwrap_or_else(|| panic!("no dataset for run {}", run["id"]));
        assert_eq!(d["id"], run["defaultDatasetId"]);
        assert_eq!(d["actId"], run["actId"]);
        assert_eq!(d["createdAt"], run["startedAt"]);
        assert_eq!(d["name"], "");
        let full = get(&sim, &format!("/v2/datasets/{}", s(d, "id"))).await;
        assert_eq!(full.status, 200);
        let full = full.data();
        assert_eq!(full["itemCount"], d["itemCount"], "{}", d["id"]);
        assert_eq!(full["actRunId"], run["id"]);
    }
    assert!(runs.iter().any(|r| by_run[s(r, "id")]["itemCount"] == 0));
    assert!(runs
        .iter()
        .any(|r| by_run[s(r, "id")]["itemCount"].as_u64().unwrap() > 100));

    // Nothing is shared with the demo account.
    let shared = get(&sim, "/v2/datasets?unnamed=1&ownership=sharedWithMe")
        .await
        .data();
    assert_eq!(
        (shared["total"].as_u64(), items(&shared).len()),
        (Some(0), 0)
    );
}

#[tokio::test]
async fn a_deleted_default_dataset_leaves_the_list_and_its_gap_is_exact() {
    let sim = sim();
    let (total, before) = walk(&sim, "/v2/datasets?unnamed=1", 1000).await;
    let victims = [10, 11, 2_000, before.len() - 3];
    for &i in &victims {
        let r = req("DELETE", &format!("/v2/datasets/{}", s(&before[i], "id")))
            .token(full())
            .send(&sim)
            .await;
        assert_eq!(r.status, StatusCode::NO_CONTENT);
    }
    let (after_total, after) = walk(&sim, "/v2/datasets?unnamed=1", 777).await;
    assert_eq!(after_total, total - victims.len() as u64);
    let expected: Vec<String> = before
        .iter()
        .enumerate()
        .filter(|(i, _)| !victims.contains(i))
        .map(|(_, d)| s(d, "id").to_string())
        .collect();
    assert_eq!(ids(&after), expected);
    let gone = get(&sim, &format!("/v2/datasets/{}", s(&before[10], "id"))).await;
    assert_eq!(gone.status, 404);
}

#[tokio::test]
async fn retention_removes_old_runs_but_keeps_each_actors_ten_newest() {
    let whole = sim();
    let kept = Sim::new(SimOptions {
        retention_days: 10,
        ..opts()
    });
    for (sim, days) in [(&whole, 90), (&kept, 10)] {
        let me = get(sim, "/v2/users/me").await.data();
        assert_eq!(me["plan"]["dataRetentionDays"], days);
    }
    let cutoff = "2025-12-27T11:46:40.000Z"; // now − 10 days
    let (_, actors) = walk(&whole, "/v2/actors?my=0", 1000).await;
    let mut expected_total = 0;
    let mut dropped: Vec<Value> = Vec::new();
    for a in &actors {
        let id = s(a, "id");
        let (_, all) = walk(&whole, &format!("/v2/actors/{id}/runs?x=1"), 1000).await;
        let n = all.len();
        let (keep, gone): (Vec<_>, Vec<_>) = all
            .into_iter()
            .enumerate()
            .partition(|(i, r)| s(r, "startedAt") >= cutoff || i + 10 >= n);
        // A run still in progress (runaway-run's) costs more by the moment: its usage is
        // left out of the comparison.
        let settled = |mut r: Value| {
            if r["status"] == "RUNNING" {
                r["usageTotalUsd"] = Value::Null;
            }
            r
        };
        let keep: Vec<Value> = keep.into_iter().map(|(_, r)| settled(r)).collect();
        let (_, left) = walk(&kept, &format!("/v2/actors/{id}/runs?x=1"), 1000).await;
        let left: Vec<Value> = left.into_iter().map(settled).collect();
        // Same runs, same ids, same answers.
        assert_eq!(left, keep, "{}", a["name"]);
        let old = left.iter().filter(|r| s(r, "startedAt") < cutoff).count();
        assert!(old <= 10, "{}: {old}", a["name"]);
        if a["name"] == "stale-monitor" {
            assert_eq!(left.len(), 3, "its three old runs are its most recent");
        }
        expected_total += left.len() as u64;
        dropped.extend(gone.into_iter().map(|(_, r)| r));
    }
    assert!(dropped.len() > 3_000, "{}", dropped.len());
    let total = get(&kept, "/v2/actor-runs?limit=1").await.data()["total"]
        .as_u64()
        .unwrap();
    assert_eq!(total, expected_total);
    let datasets = get(&kept, "/v2/datasets?unnamed=1&limit=1").await.data();
    assert_eq!(datasets["total"], expected_total + 2);

    // What retention removed is gone from every read: the run and its default storages.
    for r in dropped.iter().step_by(97) {
        for uri in [
            format!("/v2/actor-runs/{}", s(r, "id")),
            format!("/v2/actors/{}/runs/{}", s(r, "actId"), s(r, "id")),
            format!("/v2/datasets/{}", s(r, "defaultDatasetId")),
            format!("/v2/datasets/{}/items", s(r, "defaultDatasetId")),
            format!("/v2/key-value-stores/{}", s(r, "defaultKeyValueStoreId")),
            format!(
                "/v2/key-value-stores/{}/records/INPUT",
                s(r, "defaultKeyValueStoreId")
            ),
            format!("/v2/request-queues/{}", s(r, "defaultRequestQueueId")),
        ] {
            let resp = get(&kept, &uri).await;
            assert_eq!(resp.status, 404, "{uri}");
            assert_eq!(resp.error_type(), "record-not-found", "{uri}");
            assert_eq!(get(&whole, &uri).await.status, 200, "{uri}");
        }
    }
    // …and from the account-wide lists.
    let (_, runs) = walk(&kept, "/v2/actor-runs?desc=1", 1000).await;
    let left: BTreeSet<String> = ids(&runs).into_iter().collect();
    assert!(dropped.iter().all(|r| !left.contains(s(r, "id"))));
    assert_eq!(left.len() as u64, expected_total);
}

#[tokio::test]
async fn the_global_limit_counts_every_request_of_the_user() {
    let sim = Sim::new(SimOptions {
        rate_limit_per_sec: 0,
        global_rate_limit_per_min: 30,
        ..opts()
    });
    let hw = actor_id(&sim, "healthy-workhorse");
    // Thirty requests to thirty different resources, by two tokens of the same user.
    for i in 0..30 {
        let t = if i % 2 == 0 { scoped() } else { full() };
        let uri = match i % 3 {
            0 => "/v2/actor-runs?limit=1".to_string(),
            1 => format!("/v2/actors/{hw}"),
            _ => "/v2/datasets".to_string(),
        };
        let r = req("GET", &uri).token(t).send(&sim).await;
        assert_eq!(r.status, 200, "request {i}");
    }
    for t in [scoped(), full()] {
        let r = req("GET", "/v2/actors").token(t).send(&sim).await;
        assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(r.error_type(), "rate-limit-exceeded");
        assert_eq!(
            r.json()["error"]["message"],
            "You have exceeded the rate limit of 30 requests per minute"
        );
    }
    // Requests without a token are counted apart (Apify: per IP address).
    let anon = req("GET", "/v2/actors").send(&sim).await;
    assert_eq!(anon.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn the_per_resource_limit_is_per_actor_run_dataset_and_list() {
    let sim = Sim::new(SimOptions {
        rate_limit_per_sec: 5,
        ..opts()
    });
    let hw = actor_id(&sim, "healthy-workhorse");
    let listed = get(&sim, "/v2/actor-runs?desc=1&limit=2").await.data();
    let (run, other_run) = (items(&listed)[0].clone(), items(&listed)[1].clone());
    // The Actor's routes and its `~name` alias all count against the one Actor.
    let routes = [
        format!("/v2/actors/{hw}"),
        format!("/v2/actors/{hw}/runs?limit=1"),
        "/v2/acts/forge-demo~healthy-workhorse/builds".to_string(),
        format!("/v2/actors/{hw}/runs/last"),
    ];
    let mut limited = 0;
    for i in 0..20 {
        let r = get(&sim, &routes[i % routes.len()]).await;
        assert_eq!(r.header("x-ratelimit-limit"), Some("5"));
        if r.status == StatusCode::TOO_MANY_REQUESTS {
            limited += 1;
            assert_eq!(
                r.json()["error"]["message"],
                "You have exceeded the rate limit of 5 requests per second"
            );
        }
    }
    // Twenty requests cross at most one second boundary: at most ten get through.
    assert!(limited >= 10, "{limited}");
    // A run is one resource however its path names it: four requests by each path are eight
    // against one budget of five. (A burst split by a second boundary may fit: try again.)
    let (run_actor, run_id) = (s(&other_run, "actId"), s(&other_run, "id"));
    let mut shared = false;
    for _ in 0..3 {
        let fresh = Sim::new(SimOptions {
            rate_limit_per_sec: 5,
            ..opts()
        });
        let mut limited = 0;
        for i in 0..8 {
            let uri = if i % 2 == 0 {
                format!("/v2/actor-runs/{run_id}")
            } else {
                format!("/v2/actors/{run_actor}/runs/{run_id}")
            };
            if get(&fresh, &uri).await.status == StatusCode::TOO_MANY_REQUESTS {
                limited += 1;
            }
        }
        if limited > 0 {
            shared = true;
            break;
        }
    }
    assert!(shared, "the run's two paths have separate budgets");
    // Another Actor, a run, a dataset and each list are resources of their own.
    let flaky = actor_id(&sim, "flaky-scraper");
    for uri in [
        format!("/v2/actors/{flaky}"),
        format!("/v2/actor-runs/{}", s(&run, "id")),
        format!("/v2/datasets/{}", s(&run, "defaultDatasetId")),
        "/v2/actor-builds?limit=1".to_string(),
        "/v2/actors?limit=1".to_string(),
    ] {
        assert_eq!(get(&sim, &uri).await.status, 200, "{uri}");
    }
}

#[tokio::test]
async fn endpoints_say_their_rate_limits() {
    let sim = sim_with_limits();
    let hw = actor_id(&sim, "healthy-workhorse");
    let record = get(
        &sim,
        "/v2/key-value-stores/~forge-trends/records/snapshot-2026-W01",
    )
    .await;
    assert_eq!(record.header("x-ratelimit-limit"), Some("200"));
    let started = req("POST", &format!("/v2/actors/{hw}/runs"))
        .token(scoped())
        .send(&sim)
        .await;
    assert_eq!(started.status, 201);
    assert_eq!(started.header("x-ratelimit-limit"), Some("400"));
    for uri in [
        "/v2/actor-runs?limit=1",
        "/v2/nope",
        "/v2/datasets/nOsUcHtHiNg123456",
    ] {
        assert_eq!(get(&sim, uri).await.header("x-ratelimit-limit"), Some("60"));
    }
}

fn sim_with_limits() -> Sim {
    Sim::new(SimOptions {
        now: Some(NOW),
        ..SimOptions::default()
    })
}
