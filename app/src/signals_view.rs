//! `SIGNALS` records: what an Actor's latest successful run left in its default key-value store
//! for the dashboard.
//!
//! ```text
//! GET /v2/actors/{id}/runs/last?status=SUCCEEDED           (only when no loaded run has it)
//! GET /v2/key-value-stores/{defaultKeyValueStoreId}/records/SIGNALS
//! ```
//!
//! A 404 means none; content [`parse_signals`] refuses shows "unreadable SIGNALS".

use crate::client::ApiError;
use crate::loader::Fetcher;
use forge_apify::models::{Data, JobStatus, Run, RunShort};
use forge_fleet::signals::SIGNALS_KEY;
use forge_fleet::{parse_signals, Signals};
use leptos::prelude::*;

/// One Actor's signals.
#[derive(Debug, Clone, PartialEq)]
pub enum SignalsState {
    /// No successful run, or it wrote no `SIGNALS`.
    None,
    Read(Signals),
    /// The record is there but not readable (the problem's sentence).
    Unreadable(String),
    /// The request failed.
    Failed(String),
}

impl SignalsState {
    /// The dashboard's compact text: the first two entries.
    pub fn compact(&self) -> Option<String> {
        match self {
            SignalsState::None => None,
            SignalsState::Read(s) if s.entries.is_empty() => None,
            SignalsState::Read(s) => {
                let mut parts: Vec<String> = s
                    .entries
                    .iter()
                    .take(2)
                    .map(|(k, v)| format!("{k}: {v}"))
                    .collect();
                if s.entries.len() > 2 {
                    parts.push(format!("+{} more", s.entries.len() - 2));
                }
                Some(parts.join(" · "))
            }
            SignalsState::Unreadable(_) => Some("unreadable SIGNALS".into()),
            SignalsState::Failed(_) => None,
        }
    }
}

/// The default key-value store of the newest successful run among `runs`.
pub fn latest_succeeded_store(runs: &[RunShort]) -> Option<String> {
    runs.iter()
        .filter(|r| r.status == JobStatus::Succeeded)
        .max_by(|a, b| a.started_at.cmp(&b.started_at))
        .and_then(|r| r.default_key_value_store_id.clone())
}

/// Reads the `SIGNALS` of store `store_id`.
pub async fn read_signals(f: &Fetcher, store_id: &str) -> SignalsState {
    if !crate::client::is_actor_id(store_id) {
        return SignalsState::None;
    }
    let path = format!("/v2/key-value-stores/{store_id}/records/{SIGNALS_KEY}");
    match f.send("GET", &path, None).await {
        Err(_) => SignalsState::Failed("cancelled".into()),
        Ok(Err(e)) => SignalsState::Failed(e.message()),
        Ok(Ok((404, _))) => SignalsState::None,
        Ok(Ok((s, body))) if (200..300).contains(&s) => match parse_signals(body.as_bytes()) {
            Ok(sig) => SignalsState::Read(sig),
            Err(p) => SignalsState::Unreadable(p.to_string()),
        },
        Ok(Ok((s, body))) => SignalsState::Failed(ApiError::from_answer(s, &body).message()),
    }
}

/// The `SIGNALS` of Actor `id`'s latest successful run (asking Apify which run that is).
pub async fn actor_signals(f: &Fetcher, id: &str) -> SignalsState {
    if !crate::client::is_actor_id(id) {
        return SignalsState::None;
    }
    match f
        .get::<Data<Run>>(&format!("/v2/actors/{id}/runs/last?status=SUCCEEDED"))
        .await
    {
        Err(_) => SignalsState::Failed("cancelled".into()),
        Ok(Err(e)) if e.status() == Some(404) => SignalsState::None,
        Ok(Err(e)) => SignalsState::Failed(e.message()),
        Ok(Ok(run)) => match run.data.default_key_value_store_id {
            Some(store) => read_signals(f, &store).await,
            None => SignalsState::None,
        },
    }
}

/// The Actor page's table of signals.
#[component]
pub fn SignalsCard(state: SignalsState) -> impl IntoView {
    let body = match state {
        SignalsState::None => view! {
            <p class="muted">"No SIGNALS: the latest successful run wrote none. An Actor can write a JSON object of names to numbers, strings or booleans into the record SIGNALS of its default key-value store."</p>
        }
        .into_any(),
        SignalsState::Unreadable(p) => {
            view! { <p class="notice notice-warn" id="signals-problem">{p}</p> }.into_any()
        }
        SignalsState::Failed(m) => {
            view! { <p class="notice notice-error">{format!("Could not read SIGNALS: {m}")}</p> }
                .into_any()
        }
        SignalsState::Read(s) => {
            let skipped = (s.skipped > 0)
                .then(|| view! { <p class="muted small-print">{format!("{} entries not shown (nested, empty or over the limits).", s.skipped)}</p> });
            view! {
                <table class="data-table signals-table">
                    <thead><tr><th scope="col">"Signal"</th><th scope="col">"Value"</th></tr></thead>
                    <tbody>
                        {s.entries.into_iter().map(|(k, v)| view! {
                            <tr data-signal=k.clone()><th scope="row" class="mono">{k.clone()}</th><td>{v.to_string()}</td></tr>
                        }).collect_view()}
                    </tbody>
                </table>
                {skipped}
            }
            .into_any()
        }
    };
    view! {
        <section class="card" id="signals" aria-labelledby="signals-title">
            <h2 id="signals-title">"Signals from the latest successful run"</h2>
            {body}
        </section>
    }
}
