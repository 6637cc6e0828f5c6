//! The account's integrations: webhooks that alert on failures and load results, and saved
//! tasks — the dangerous neighbours the relay must never reach, present so the API has them.

use crate::entities::{Actor, Task, Webhook};
use crate::rng::Rng;
use crate::time::DAY;
use serde_json::json;

/// What [`webhooks_and_tasks`] creates.
#[derive(Debug)]
pub struct Integrations {
    pub webhooks: Vec<Webhook>,
    pub tasks: Vec<Task>,
}

/// Webhooks and tasks on some of `actors` (owned by `user_id`) as of `now`.
pub fn webhooks_and_tasks(
    actors: &[Actor],
    user_id: &str,
    ids: &mut Rng,
    now: u64,
) -> Integrations {
    let uid = user_id.to_string();
    let mut out = Integrations {
        webhooks: Vec::new(),
        tasks: Vec::new(),
    };
    let actor_id = |name: &str| actors.iter().find(|a| a.name == name).map(|a| a.id.clone());
    let mut hooks = Vec::new();
    if let Some(id) = actor_id("flaky-scraper") {
        hooks.push((
            id,
            vec!["ACTOR.RUN.FAILED", "ACTOR.RUN.TIMED_OUT"],
            "https://hooks.slack.example.com/services/T000/B000/forge",
            "Alert #scraping on failures",
        ));
    }
    if let Some(id) = actor_id("healthy-workhorse") {
        hooks.push((
            id,
            vec!["ACTOR.RUN.SUCCEEDED"],
            "https://ingest.forge-demo.example/apify/run-finished",
            "Load results into the warehouse",
        ));
    }
    for (i, (actor, events, url, desc)) in hooks.into_iter().enumerate() {
        let created = now - (80 + 20 * i as u64) * DAY;
        out.webhooks.push(Webhook {
            id: ids.apify_id(),
            user_id: uid.clone(),
            created_at: created,
            modified_at: created,
            is_ad_hoc: false,
            event_types: events.into_iter().map(String::from).collect(),
            condition: json!({"actorId": actor}),
            request_url: url.into(),
            payload_template: None,
            description: Some(desc.into()),
            ignore_ssl_errors: false,
            do_not_retry: false,
        });
    }
    for (i, (actor, name)) in [
        ("healthy-workhorse", "healthy-workhorse-nightly"),
        ("flaky-scraper", "flaky-scraper-de"),
    ]
    .into_iter()
    .enumerate()
    {
        if let Some(act_id) = actor_id(actor) {
            let created = now - (70 + 15 * i as u64) * DAY;
            out.tasks.push(Task {
                id: ids.apify_id(),
                user_id: uid.clone(),
                act_id,
                name: name.into(),
                created_at: created,
                modified_at: created,
                input: Some(json!({"country": "DE"})),
                memory_mb: Some(1024),
                timeout_secs: Some(3600),
            });
        }
    }
    out
}
