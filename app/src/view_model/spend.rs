//! "Where the money goes" as the Actor page and the dashboard show it: one row per cost kind
//! (`forge_fleet::spend`), the sentence naming the biggest, where the shares come from, and the
//! month-end projection. The same card serves an Actor and the fleet.

use crate::view_model::format::{pct, usd};
use forge_fleet::format::capitalised;
use forge_fleet::spend::{CostBreakdown, MonthProjection};

/// One kind's row: its code (`data-kind`), label, share and estimated dollars in the window.
#[derive(Debug, Clone, PartialEq)]
pub struct KindRow {
    pub code: &'static str,
    /// "Residential proxy".
    pub label: String,
    pub share: String,
    /// The bar's width, percent of the card (0–100).
    pub width_pct: f64,
    pub usd: String,
}

/// The card's content.
#[derive(Debug, Clone, PartialEq)]
pub struct SpendCard {
    /// "Residential proxy is 82% of the cost (sampled from 3 runs)."; or why there is none.
    pub headline: String,
    pub rows: Vec<KindRow>,
    /// Where the shares come from.
    pub note: Option<String>,
    /// "$41.20 so far this month; at … it ends near $96.98."
    pub month: Option<String>,
}

/// Whose cost the card shows: the sentences differ, the figures do not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Whose {
    Actor,
    Fleet,
}

impl SpendCard {
    /// The card for `breakdown` over a window whose runs cost `window_usd`.
    pub fn new(
        breakdown: &CostBreakdown,
        month: &MonthProjection,
        window_usd: Option<f64>,
        whose: Whose,
    ) -> SpendCard {
        let headline = breakdown.sentence().unwrap_or_else(|| {
            match whose {
                Whose::Actor => "No cost split yet: no finished run's detail in this window said what it paid for.",
                Whose::Fleet => "No cost split yet: no Actor's sampled run in this window said what it paid for.",
            }
            .to_string()
        });
        let rows = breakdown
            .kinds
            .iter()
            .map(|k| KindRow {
                code: k.kind.code(),
                label: capitalised(k.kind.label()),
                share: pct(k.share),
                width_pct: (k.share * 100.0).clamp(0.0, 100.0),
                usd: usd(k.usd),
            })
            .collect();
        let note = (!breakdown.kinds.is_empty()).then(|| {
            let applied = window_usd.map_or_else(
                || "their own cost".to_string(),
                |w| format!("the window's cost of {}", usd(w)),
            );
            let n = breakdown.sampled_runs;
            let mut note = format!(
                "Shares of what {n} sampled run{} cost by kind (Apify's usageUsd, {} together), applied to {applied}; dollars per kind are estimates.",
                if n == 1 { "" } else { "s" },
                usd(breakdown.sampled_usd),
            );
            if whose == Whose::Fleet && breakdown.unsampled_usd > 0.0 {
                note.push_str(&format!(
                    " {} of Actors with no sampled run is not split.",
                    usd(breakdown.unsampled_usd)
                ));
            }
            note
        });
        SpendCard {
            headline,
            rows,
            note,
            month: month.sentence(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use forge_fleet::spend::{CostByKind, ProjectionAcc, ProjectionPeriods};

    #[test]
    fn rows_biggest_first_with_the_sample_and_the_projection_named() {
        let b = CostBreakdown::of_sample(
            &CostByKind([0.2, 0.8, 0., 0., 0., 0., 0., 0.]),
            3,
            Some(10.0),
        );
        let end = forge_apify::time::parse_iso_millis("2026-11-21T00:00:00Z").unwrap();
        let mut acc = ProjectionAcc::new(ProjectionPeriods::ending(end));
        acc.add(end - 1000, Some(7.0));
        let card = SpendCard::new(&b, &acc.finish(), Some(10.0), Whose::Actor);
        assert_eq!(
            card.headline,
            "Residential proxy is 80% of the cost (sampled from 3 runs)."
        );
        assert_eq!(card.rows.len(), 2);
        assert_eq!(
            (
                card.rows[0].code,
                card.rows[0].share.as_str(),
                card.rows[0].usd.as_str()
            ),
            ("residential-proxy", "80%", "$8.00")
        );
        assert_eq!(card.rows[1].label, "Compute units");
        assert_eq!(
            card.note.as_deref(),
            Some("Shares of what 3 sampled runs cost by kind (Apify's usageUsd, $1.00 together), applied to the window's cost of $10.00; dollars per kind are estimates.")
        );
        assert_eq!(
            card.month.as_deref(),
            Some("$7.00 so far this month; at $1.00 a day (the last 7 days) it ends near $17.00.")
        );
    }

    #[test]
    fn no_sample_says_so_and_the_fleet_names_what_is_not_split() {
        let none = SpendCard::new(
            &CostBreakdown::default(),
            &MonthProjection::default(),
            None,
            Whose::Actor,
        );
        assert!(none.headline.starts_with("No cost split yet"));
        assert!(none.rows.is_empty() && none.note.is_none() && none.month.is_none());

        let mut fleet =
            CostBreakdown::of_sample(&CostByKind([1.0, 0., 0., 0., 0., 0., 0., 0.]), 1, Some(4.0));
        fleet.unsampled_usd = 2.5;
        let card = SpendCard::new(&fleet, &MonthProjection::default(), Some(6.5), Whose::Fleet);
        assert!(
            card.note
                .as_deref()
                .unwrap()
                .ends_with("$2.50 of Actors with no sampled run is not split."),
            "{:?}",
            card.note
        );
    }
}
