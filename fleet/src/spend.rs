//! Where the money goes: what runs cost by usage kind, and where the month is heading.
//!
//! A run's detail carries `usageUsd`, its cost split by usage kind (`ACTOR_COMPUTE_UNITS`,
//! `PROXY_RESIDENTIAL_TRANSFER_GBYTES`, `DATASET_WRITES`, …). Only a few runs per Actor have
//! their detail read (the memory sample), so the split is a *sample*: its shares are applied to
//! the window's cost, which every listed run reports (`usageTotalUsd`), and every view says how
//! many runs the shares come from. Apify's dozen keys are grouped into the [`CostKind`]s a
//! person acts on (compute, residential proxy, SERP proxy, storage operations, data transfer).
//!
//! The month-end projection is month-to-date cost plus the current daily rate (the last
//! [`PROJECTION_RATE_DAYS`] days' cost per day) times the days left in the UTC month.

use crate::format::{capitalised, pct, usd};
use crate::rules::PROJECTION_RATE_DAYS;
use forge_apify::time::{civil_from_days, days_from_civil, MS_PER_DAY};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// What a part of a run's cost paid for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CostKind {
    /// `ACTOR_COMPUTE_UNITS`.
    Compute,
    /// `PROXY_RESIDENTIAL_TRANSFER_GBYTES`.
    ResidentialProxy,
    /// `PROXY_SERPS`.
    SerpProxy,
    /// `DATASET_READS`, `DATASET_WRITES`.
    DatasetOps,
    /// `KEY_VALUE_STORE_READS`, `…_WRITES`, `…_LISTS`.
    KeyValueStoreOps,
    /// `REQUEST_QUEUE_READS`, `REQUEST_QUEUE_WRITES`.
    RequestQueueOps,
    /// `DATA_TRANSFER_INTERNAL_GBYTES`, `DATA_TRANSFER_EXTERNAL_GBYTES`.
    DataTransfer,
    /// Any key Forge does not know (Apify adds kinds): counted, never dropped.
    Other,
}

impl CostKind {
    pub const ALL: [CostKind; 8] = [
        CostKind::Compute,
        CostKind::ResidentialProxy,
        CostKind::SerpProxy,
        CostKind::DatasetOps,
        CostKind::KeyValueStoreOps,
        CostKind::RequestQueueOps,
        CostKind::DataTransfer,
        CostKind::Other,
    ];

    /// The kind an Apify `usageUsd` key counts towards.
    pub fn of_usage_key(key: &str) -> CostKind {
        match key {
            "ACTOR_COMPUTE_UNITS" => CostKind::Compute,
            "PROXY_RESIDENTIAL_TRANSFER_GBYTES" => CostKind::ResidentialProxy,
            "PROXY_SERPS" => CostKind::SerpProxy,
            "DATASET_READS" | "DATASET_WRITES" => CostKind::DatasetOps,
            "KEY_VALUE_STORE_READS" | "KEY_VALUE_STORE_WRITES" | "KEY_VALUE_STORE_LISTS" => {
                CostKind::KeyValueStoreOps
            }
            "REQUEST_QUEUE_READS" | "REQUEST_QUEUE_WRITES" => CostKind::RequestQueueOps,
            "DATA_TRANSFER_INTERNAL_GBYTES" | "DATA_TRANSFER_EXTERNAL_GBYTES" => {
                CostKind::DataTransfer
            }
            _ => CostKind::Other,
        }
    }

    /// How the kind reads in a sentence ("residential proxy").
    pub fn label(self) -> &'static str {
        match self {
            CostKind::Compute => "compute units",
            CostKind::ResidentialProxy => "residential proxy",
            CostKind::SerpProxy => "SERP proxy",
            CostKind::DatasetOps => "dataset operations",
            CostKind::KeyValueStoreOps => "key-value store operations",
            CostKind::RequestQueueOps => "request queue operations",
            CostKind::DataTransfer => "data transfer",
            CostKind::Other => "other usage",
        }
    }

    /// The kebab-case code exports and `data-kind` attributes use.
    pub fn code(self) -> &'static str {
        match self {
            CostKind::Compute => "compute",
            CostKind::ResidentialProxy => "residential-proxy",
            CostKind::SerpProxy => "serp-proxy",
            CostKind::DatasetOps => "dataset-ops",
            CostKind::KeyValueStoreOps => "key-value-store-ops",
            CostKind::RequestQueueOps => "request-queue-ops",
            CostKind::DataTransfer => "data-transfer",
            CostKind::Other => "other",
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// USD by [`CostKind`] (in [`CostKind::ALL`] order) for one run, or summed over several. Kept
/// as a JSON array in the app's cache.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct CostByKind(pub [f64; 8]);

impl CostByKind {
    /// A run detail's `usageUsd`, grouped by kind.
    pub fn from_usage_usd(usage_usd: &BTreeMap<String, f64>) -> CostByKind {
        let mut out = CostByKind::default();
        for (key, v) in usage_usd {
            if v.is_finite() && *v >= 0.0 {
                out.0[CostKind::of_usage_key(key).index()] += v;
            }
        }
        out
    }

    pub fn get(&self, kind: CostKind) -> f64 {
        self.0[kind.index()]
    }

    pub fn add(&mut self, other: &CostByKind) {
        for (a, b) in self.0.iter_mut().zip(other.0) {
            *a += b;
        }
    }

    pub fn total(&self) -> f64 {
        self.0.iter().sum()
    }
}

/// One kind's part of a cost.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct KindCost {
    pub kind: CostKind,
    /// Of the sampled cost (0..=1).
    pub share: f64,
    /// The share applied to the window's cost (`usageTotalUsd` of every run): an estimate,
    /// exact only when every run was sampled.
    pub usd: f64,
}

/// Cost by kind over the window: the kinds' shares of the sampled runs' `usageUsd`, applied to
/// the window's cost.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CostBreakdown {
    /// Finished runs in the window whose `usageUsd` was read.
    pub sampled_runs: u32,
    /// What they cost, summed.
    pub sampled_usd: f64,
    /// Kinds with a cost, biggest first (ties in [`CostKind::ALL`] order).
    pub kinds: Vec<KindCost>,
    /// For the fleet: window cost of Actors with no sampled run, which no share applies to.
    #[serde(default)]
    pub unsampled_usd: f64,
}

impl CostBreakdown {
    /// The shares of `sampled` (over `runs` runs), applied to `window_usd` (the sampled cost
    /// itself when the window's is unknown).
    pub fn of_sample(sampled: &CostByKind, runs: u32, window_usd: Option<f64>) -> CostBreakdown {
        let total = sampled.total();
        let scale = window_usd.unwrap_or(total);
        let kinds = if runs == 0 || total <= 0.0 {
            Vec::new()
        } else {
            sorted_kinds(CostKind::ALL.map(|k| {
                let share = sampled.get(k) / total;
                (k, share, share * scale)
            }))
        };
        CostBreakdown {
            sampled_runs: runs,
            sampled_usd: total,
            kinds,
            unsampled_usd: 0.0,
        }
    }

    /// The fleet's: each Actor's estimated USD by kind, summed; shares of that sum.
    pub fn fleet<'a>(
        actors: impl IntoIterator<Item = (&'a CostBreakdown, Option<f64>)>,
    ) -> CostBreakdown {
        let (mut by_kind, mut runs, mut sampled, mut unsampled) =
            (CostByKind::default(), 0u32, 0.0f64, 0.0f64);
        for (b, window_usd) in actors {
            if b.kinds.is_empty() {
                unsampled += window_usd.unwrap_or(0.0);
                continue;
            }
            runs += b.sampled_runs;
            sampled += b.sampled_usd;
            for k in &b.kinds {
                by_kind.0[k.kind.index()] += k.usd;
            }
        }
        let total = by_kind.total();
        let kinds = if total <= 0.0 {
            Vec::new()
        } else {
            sorted_kinds(CostKind::ALL.map(|k| (k, by_kind.get(k) / total, by_kind.get(k))))
        };
        CostBreakdown {
            sampled_runs: runs,
            sampled_usd: sampled,
            kinds,
            unsampled_usd: unsampled,
        }
    }

    /// The kind that costs most.
    pub fn biggest(&self) -> Option<&KindCost> {
        self.kinds.first()
    }

    /// "Residential proxy is 82% of the cost (sampled from 3 runs)."; `None` without a sample.
    pub fn sentence(&self) -> Option<String> {
        let b = self.biggest()?;
        Some(format!(
            "{} is {} of the cost ({}).",
            capitalised(b.kind.label()),
            pct(b.share),
            self.sampled_from()
        ))
    }

    /// "sampled from 3 runs".
    pub fn sampled_from(&self) -> String {
        let n = self.sampled_runs;
        format!("sampled from {n} run{}", if n == 1 { "" } else { "s" })
    }
}

/// `(kind, share, usd)` with a cost, biggest first; ties keep [`CostKind::ALL`] order.
fn sorted_kinds(all: [(CostKind, f64, f64); 8]) -> Vec<KindCost> {
    let mut kinds: Vec<KindCost> = all
        .into_iter()
        .filter(|(_, share, _)| *share > 0.0)
        .map(|(kind, share, usd)| KindCost { kind, share, usd })
        .collect();
    forge_apify::sort::sort_by(&mut kinds, |a, b| b.share.total_cmp(&a.share));
    kinds
}

/// Where the UTC month the window ends in is heading: month-to-date plus the current daily
/// rate for the days left.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MonthProjection {
    /// The month's first and the next month's first, UTC midnight, ms.
    pub month_start_ms: i64,
    pub month_end_ms: i64,
    /// Σ `usageTotalUsd` of the runs started since the month's first.
    pub to_date_usd: f64,
    /// Σ `usageTotalUsd` of the last [`PROJECTION_RATE_DAYS`] days, per day.
    pub daily_rate_usd: f64,
    pub rate_days: u32,
    /// Days from the window's end to the month's end (fractional).
    pub days_left: f64,
    /// `to_date_usd + daily_rate_usd × days_left`; `None` when no run in either period
    /// reported a cost (unknown, not free).
    pub projected_usd: Option<f64>,
}

/// The periods a projection sums over, for a window ending at `end_ms`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProjectionPeriods {
    pub month_start_ms: i64,
    pub month_end_ms: i64,
    pub rate_start_ms: i64,
    pub end_ms: i64,
}

impl ProjectionPeriods {
    pub fn ending(end_ms: i64) -> ProjectionPeriods {
        let (y, m, _) = civil_from_days(end_ms.div_euclid(MS_PER_DAY));
        let (ny, nm) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
        ProjectionPeriods {
            month_start_ms: days_from_civil(y, m, 1) * MS_PER_DAY,
            month_end_ms: days_from_civil(ny, nm, 1) * MS_PER_DAY,
            rate_start_ms: end_ms - i64::from(PROJECTION_RATE_DAYS) * MS_PER_DAY,
            end_ms,
        }
    }

    /// The earliest start either period needs.
    pub fn first_ms(&self) -> i64 {
        self.month_start_ms.min(self.rate_start_ms)
    }
}

/// Sums run costs into a [`MonthProjection`].
#[derive(Debug, Clone, Copy)]
pub struct ProjectionAcc {
    periods: ProjectionPeriods,
    to_date: f64,
    rate: f64,
    costed: u32,
}

impl ProjectionAcc {
    pub fn new(periods: ProjectionPeriods) -> ProjectionAcc {
        ProjectionAcc {
            periods,
            to_date: 0.0,
            rate: 0.0,
            costed: 0,
        }
    }

    /// A run started at `started_ms` that cost `cost_usd` (if it said).
    pub fn add(&mut self, started_ms: i64, cost_usd: Option<f64>) {
        let p = &self.periods;
        let Some(c) = cost_usd else { return };
        if started_ms >= p.end_ms {
            return;
        }
        let mut counted = false;
        if started_ms >= p.month_start_ms {
            self.to_date += c;
            counted = true;
        }
        if started_ms >= p.rate_start_ms {
            self.rate += c;
            counted = true;
        }
        self.costed += u32::from(counted);
    }

    /// Another Actor's sums (the fleet's projection).
    pub fn merge(&mut self, m: &MonthProjection) {
        self.to_date += m.to_date_usd;
        self.rate += m.daily_rate_usd * f64::from(PROJECTION_RATE_DAYS);
        self.costed += u32::from(m.projected_usd.is_some());
    }

    pub fn finish(self) -> MonthProjection {
        let p = self.periods;
        let daily_rate_usd = self.rate / f64::from(PROJECTION_RATE_DAYS);
        let days_left = (p.month_end_ms - p.end_ms).max(0) as f64 / MS_PER_DAY as f64;
        MonthProjection {
            month_start_ms: p.month_start_ms,
            month_end_ms: p.month_end_ms,
            to_date_usd: self.to_date,
            daily_rate_usd,
            rate_days: PROJECTION_RATE_DAYS,
            days_left,
            projected_usd: (self.costed > 0).then_some(self.to_date + daily_rate_usd * days_left),
        }
    }
}

impl MonthProjection {
    /// "$41.20 so far this month; at $3.10 a day (the last 7 days) it ends near $96.98.";
    /// `None` when no cost is known.
    pub fn sentence(&self) -> Option<String> {
        let projected = self.projected_usd?;
        Some(format!(
            "{} so far this month; at {} a day (the last {} days) it ends near {}.",
            usd(self.to_date_usd),
            usd(self.daily_rate_usd),
            self.rate_days,
            usd(projected)
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use forge_apify::time::parse_iso_millis;

    fn ms(s: &str) -> i64 {
        parse_iso_millis(s).unwrap()
    }

    fn usage(pairs: &[(&str, f64)]) -> BTreeMap<String, f64> {
        pairs.iter().map(|(k, v)| (k.to_string(), *v)).collect()
    }

    #[test]
    fn usage_keys_group_into_kinds_and_unknown_keys_are_other() {
        let c = CostByKind::from_usage_usd(&usage(&[
            ("ACTOR_COMPUTE_UNITS", 0.30),
            ("DATASET_READS", 0.01),
            ("DATASET_WRITES", 0.02),
            ("KEY_VALUE_STORE_LISTS", 0.005),
            ("DATA_TRANSFER_EXTERNAL_GBYTES", 0.1),
            ("DATA_TRANSFER_INTERNAL_GBYTES", 0.05),
            ("PROXY_RESIDENTIAL_TRANSFER_GBYTES", 1.6),
            ("PROXY_SERPS", 0.0),
            ("SOMETHING_NEW", 0.07),
            ("BROKEN", f64::NAN),
        ]));
        assert_eq!(c.get(CostKind::Compute), 0.30);
        assert!((c.get(CostKind::DatasetOps) - 0.03).abs() < 1e-12);
        assert_eq!(c.get(CostKind::KeyValueStoreOps), 0.005);
        assert!((c.get(CostKind::DataTransfer) - 0.15).abs() < 1e-12);
        assert_eq!(c.get(CostKind::ResidentialProxy), 1.6);
        assert_eq!(c.get(CostKind::SerpProxy), 0.0);
        assert_eq!(c.get(CostKind::Other), 0.07);
        assert!((c.total() - 2.155).abs() < 1e-12);
    }

    #[test]
    fn shares_of_the_sample_apply_to_the_window_cost() {
        // Two sampled runs: compute $0.20 + $0.20, residential proxy $1.60 + $0 → $2.00.
        let mut s = CostByKind::from_usage_usd(&usage(&[
            ("ACTOR_COMPUTE_UNITS", 0.2),
            ("PROXY_RESIDENTIAL_TRANSFER_GBYTES", 1.6),
        ]));
        s.add(&CostByKind::from_usage_usd(&usage(&[(
            "ACTOR_COMPUTE_UNITS",
            0.2,
        )])));
        // The window's 40 runs cost $10.
        let b = CostBreakdown::of_sample(&s, 2, Some(10.0));
        assert_eq!(b.sampled_runs, 2);
        assert!((b.sampled_usd - 2.0).abs() < 1e-12);
        let kinds: Vec<(CostKind, f64, f64)> =
            b.kinds.iter().map(|k| (k.kind, k.share, k.usd)).collect();
        assert_eq!(kinds.len(), 2, "kinds without a cost are left out");
        assert_eq!(kinds[0].0, CostKind::ResidentialProxy);
        assert!((kinds[0].1 - 0.8).abs() < 1e-12 && (kinds[0].2 - 8.0).abs() < 1e-9);
        assert_eq!(kinds[1].0, CostKind::Compute);
        assert!((kinds[1].1 - 0.2).abs() < 1e-12 && (kinds[1].2 - 2.0).abs() < 1e-9);
        assert_eq!(
            b.sentence().as_deref(),
            Some("Residential proxy is 80% of the cost (sampled from 2 runs).")
        );
        // Without the window's cost, the sample's own.
        let own = CostBreakdown::of_sample(&s, 2, None);
        assert!((own.kinds[0].usd - 1.6).abs() < 1e-12);
    }

    #[test]
    fn no_sample_or_a_free_sample_has_no_kinds_and_no_sentence() {
        let none = CostBreakdown::of_sample(&CostByKind::default(), 0, Some(3.0));
        assert!(none.kinds.is_empty() && none.sentence().is_none());
        // A run whose usageUsd was all zero says nothing about shares.
        let free = CostBreakdown::of_sample(&CostByKind::default(), 1, Some(0.0));
        assert!(free.kinds.is_empty());
        assert_eq!(free.sampled_runs, 1);
        let one = CostBreakdown::of_sample(&CostByKind([1.0, 0., 0., 0., 0., 0., 0., 0.]), 1, None);
        assert_eq!(
            one.sentence().as_deref(),
            Some("Compute units is 100% of the cost (sampled from 1 run).")
        );
    }

    #[test]
    fn the_fleet_sums_each_actors_estimate_and_names_what_no_share_covers() {
        // A: $10 in the window, 80% proxy; B: $30, all compute; C: $5, nothing sampled.
        let a = CostBreakdown::of_sample(
            &CostByKind([0.4, 1.6, 0., 0., 0., 0., 0., 0.]),
            2,
            Some(10.0),
        );
        let b = CostBreakdown::of_sample(
            &CostByKind([0.9, 0., 0., 0., 0., 0., 0., 0.]),
            3,
            Some(30.0),
        );
        let c = CostBreakdown::of_sample(&CostByKind::default(), 0, Some(5.0));
        let f = CostBreakdown::fleet([(&a, Some(10.0)), (&b, Some(30.0)), (&c, Some(5.0))]);
        assert_eq!(f.sampled_runs, 5);
        assert!((f.sampled_usd - 2.9).abs() < 1e-12);
        assert!((f.unsampled_usd - 5.0).abs() < 1e-12);
        assert_eq!(f.kinds[0].kind, CostKind::Compute);
        // Compute: 2 + 30 = 32 of 40; proxy 8 of 40.
        assert!((f.kinds[0].usd - 32.0).abs() < 1e-9 && (f.kinds[0].share - 0.8).abs() < 1e-12);
        assert!((f.kinds[1].usd - 8.0).abs() < 1e-9 && (f.kinds[1].share - 0.2).abs() < 1e-12);
        assert!(CostBreakdown::fleet([(&c, Some(5.0))]).kinds.is_empty());
    }

    #[test]
    fn the_month_ends_at_to_date_plus_the_daily_rate_for_the_days_left() {
        // Window ends 2026-11-21 00:00 UTC: 20 days of November done, 10 left.
        let p = ProjectionPeriods::ending(ms("2026-11-21T00:00:00Z"));
        assert_eq!(p.month_start_ms, ms("2026-11-01T00:00:00Z"));
        assert_eq!(p.month_end_ms, ms("2026-12-01T00:00:00Z"));
        assert_eq!(p.rate_start_ms, ms("2026-11-14T00:00:00Z"));
        let mut acc = ProjectionAcc::new(p);
        acc.add(ms("2026-10-31T12:00:00Z"), Some(100.0)); // before both periods
        acc.add(ms("2026-11-02T00:00:00Z"), Some(6.0)); // this month, not in the rate
        acc.add(ms("2026-11-15T00:00:00Z"), Some(7.0)); // both
        acc.add(ms("2026-11-20T23:00:00Z"), None); // no cost: unknown, adds nothing
        acc.add(ms("2026-11-21T00:00:00Z"), Some(50.0)); // at the end: outside
        let m = acc.finish();
        assert_eq!(m.to_date_usd, 13.0);
        assert_eq!(m.daily_rate_usd, 1.0);
        assert_eq!(m.days_left, 10.0);
        assert_eq!(m.projected_usd, Some(23.0));
        assert_eq!(
            m.sentence().as_deref(),
            Some("$13.00 so far this month; at $1.00 a day (the last 7 days) it ends near $23.00.")
        );
    }

    #[test]
    fn early_in_the_month_the_rate_reaches_into_the_month_before() {
        // 2026-12-03 12:00: 2.5 days of December; the rate's 7 days start 2026-11-26 12:00.
        let p = ProjectionPeriods::ending(ms("2026-12-03T12:00:00Z"));
        assert_eq!(p.month_end_ms, ms("2027-01-01T00:00:00Z"));
        assert_eq!(p.first_ms(), ms("2026-11-26T12:00:00Z"));
        let mut acc = ProjectionAcc::new(p);
        acc.add(ms("2026-11-27T00:00:00Z"), Some(14.0)); // rate only
        acc.add(ms("2026-12-02T00:00:00Z"), Some(7.0)); // both
        let m = acc.finish();
        assert_eq!(m.to_date_usd, 7.0);
        assert_eq!(m.daily_rate_usd, 3.0);
        assert_eq!(m.days_left, 28.5);
        assert_eq!(m.projected_usd, Some(7.0 + 3.0 * 28.5));
        // February of a leap year has 29 days.
        let feb = ProjectionPeriods::ending(ms("2028-02-10T00:00:00Z"));
        assert_eq!(feb.month_end_ms - feb.month_start_ms, 29 * MS_PER_DAY);
    }

    #[test]
    fn no_cost_known_is_no_projection_and_the_fleet_adds_actors() {
        let p = ProjectionPeriods::ending(ms("2026-11-21T00:00:00Z"));
        let mut acc = ProjectionAcc::new(p);
        acc.add(ms("2026-11-20T00:00:00Z"), None);
        let unknown = acc.finish();
        assert_eq!(unknown.projected_usd, None);
        assert!(unknown.sentence().is_none());
        // A run that cost $0 is known and free.
        let mut free = ProjectionAcc::new(p);
        free.add(ms("2026-11-20T00:00:00Z"), Some(0.0));
        assert_eq!(free.finish().projected_usd, Some(0.0));

        let mut a = ProjectionAcc::new(p);
        a.add(ms("2026-11-15T00:00:00Z"), Some(7.0));
        let mut fleet = ProjectionAcc::new(p);
        fleet.merge(&a.finish());
        fleet.merge(&unknown);
        fleet.merge(&a.finish());
        let f = fleet.finish();
        assert_eq!(f.to_date_usd, 14.0);
        assert_eq!(f.daily_rate_usd, 2.0);
        assert_eq!(f.projected_usd, Some(14.0 + 2.0 * 10.0));
    }
}
