//! "Where the money goes": cost by kind, biggest first, with a bar per kind, where the shares
//! come from, and the month-end projection — one card for an Actor and for the fleet
//! ([`SpendCard`]).

use crate::view_model::spend::{SpendCard, Whose};
use forge_fleet::spend::{CostBreakdown, MonthProjection};
use leptos::prelude::*;

#[component]
pub fn SpendSection(
    breakdown: CostBreakdown,
    month: MonthProjection,
    window_usd: Option<f64>,
    whose: Whose,
) -> impl IntoView {
    let card = SpendCard::new(&breakdown, &month, window_usd, whose);
    let id = match whose {
        Whose::Actor => "cost-kinds",
        Whose::Fleet => "fleet-cost-kinds",
    };
    view! {
        <section class="card" id=id aria-labelledby=format!("{id}-title")>
            <h2 id=format!("{id}-title")>"Where the money goes"</h2>
            <p class="spend-headline">{card.headline}</p>
            {(!card.rows.is_empty()).then(|| view! {
                <div class="table-wrap">
                    <table class="data-table spend-table">
                        <thead><tr>
                            <th scope="col">"Kind"</th>
                            <th scope="col" class="num">"Share"</th>
                            <th scope="col" class="spend-bar-col"><span class="visually-hidden">"Share as a bar"</span></th>
                            <th scope="col" class="num">"≈ In the window"</th>
                        </tr></thead>
                        <tbody>
                            {card.rows.into_iter().map(|r| view! {
                                <tr data-kind=r.code>
                                    <th scope="row">{r.label}</th>
                                    <td class="num">{r.share}</td>
                                    <td class="spend-bar-col" aria-hidden="true">
                                        // An SVG bar: the CSP allows no inline style.
                                        <svg class="spend-bar" viewBox="0 0 100 4" preserveAspectRatio="none" focusable="false">
                                            <rect class="spend-bar-fill" x="0" y="0" height="4" width=format!("{:.2}", r.width_pct.max(0.5)) />
                                        </svg>
                                    </td>
                                    <td class="num">{r.usd}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                </div>
            })}
            {card.note.map(|n| view! { <p class="small-print">{n}</p> })}
            {card.month.map(|m| view! { <p class="spend-month" id=format!("{id}-month")>{m}</p> })}
        </section>
    }
}
