//! The Actor page's card of `SIGNALS` from the latest successful run.

use crate::data::signals::SignalsState;
use leptos::prelude::*;

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
