//! What runs cost: usage counters of a run (or of the part that has happened) and Apify's
//! prices, so `usageTotalUsd` ≈ compute units × $0.30 plus small storage and transfer costs.

use crate::entities::{Outcome, Run};

/// USD per compute unit (Apify's Scale plan price).
pub const CU_USD: f64 = 0.3;
/// Usage prices per unit, in USD.
const DATASET_WRITE_USD: f64 = 0.005 / 1000.0;
const DATASET_READ_USD: f64 = 0.0004 / 1000.0;
const KV_READ_USD: f64 = 0.005 / 1000.0;
const KV_WRITE_USD: f64 = 0.05 / 1000.0;
const KV_LIST_USD: f64 = 0.05 / 1000.0;
const RQ_READ_USD: f64 = 0.004 / 1000.0;
const RQ_WRITE_USD: f64 = 0.02 / 1000.0;
pub const TRANSFER_EXTERNAL_USD_PER_GB: f64 = 0.2;
pub const TRANSFER_INTERNAL_USD_PER_GB: f64 = 0.05;
/// Residential proxy traffic, per GB.
pub const RESIDENTIAL_PROXY_USD_PER_GB: f64 = 8.0;

/// Rounds to 6 decimal places (how usage and costs are answered).
pub fn r6(x: f64) -> f64 {
    (x * 1e6).round() / 1e6
}

/// Usage of a run, or of the part of it that has happened.
#[derive(Debug, Clone, Copy, Default)]
pub struct Usage {
    pub compute_units: f64,
    pub dataset_writes: u64,
    pub dataset_reads: u64,
    pub kv_reads: u64,
    pub kv_writes: u64,
    pub kv_lists: u64,
    pub rq_reads: u64,
    pub rq_writes: u64,
    pub transfer_internal_gb: f64,
    pub transfer_external_gb: f64,
    /// Traffic through the residential proxy: what the run fetched, for a run that used it.
    pub proxy_residential_gb: f64,
}

impl Usage {
    pub fn of(outcome: &Outcome, memory_mb: u32, duration_ms: u64, frac: f64) -> Usage {
        let scale = |n: u64| (n as f64 * frac).round() as u64;
        Usage {
            compute_units: memory_mb as f64 / 1024.0 * duration_ms as f64 / 3_600_000.0,
            dataset_writes: scale(outcome.items()),
            dataset_reads: 0,
            kv_reads: scale(outcome.kv_reads as u64),
            kv_writes: scale(outcome.kv_writes as u64),
            kv_lists: 0,
            rq_reads: scale(outcome.rq_reads()),
            rq_writes: scale(outcome.rq_writes()),
            transfer_internal_gb: outcome.net_tx_bytes as f64 * frac / 1e9,
            transfer_external_gb: outcome.net_rx_bytes as f64 * frac / 1e9,
            proxy_residential_gb: if outcome.residential_proxy {
                outcome.net_rx_bytes as f64 * frac / 1e9
            } else {
                0.0
            },
        }
    }

    /// USD by kind, in `usageUsd` order: compute units, dataset reads and writes, store
    /// reads, writes and lists, queue reads and writes, data transfer, residential proxy.
    pub fn usd(&self) -> [f64; 10] {
        [
            self.compute_units * CU_USD,
            self.dataset_reads as f64 * DATASET_READ_USD,
            self.dataset_writes as f64 * DATASET_WRITE_USD,
            self.kv_reads as f64 * KV_READ_USD,
            self.kv_writes as f64 * KV_WRITE_USD,
            self.kv_lists as f64 * KV_LIST_USD,
            self.rq_reads as f64 * RQ_READ_USD,
            self.rq_writes as f64 * RQ_WRITE_USD,
            self.transfer_internal_gb * TRANSFER_INTERNAL_USD_PER_GB
                + self.transfer_external_gb * TRANSFER_EXTERNAL_USD_PER_GB,
            self.proxy_residential_gb * RESIDENTIAL_PROXY_USD_PER_GB,
        ]
    }

    pub fn total_usd(&self) -> f64 {
        self.usd().iter().sum()
    }
}

/// Cost of a finished historical run (used by the generator for trend snapshots).
pub fn run_cost_usd(run: &Run) -> f64 {
    Usage::of(&run.outcome, run.memory_mb, run.outcome.duration_ms, 1.0).total_usd()
}
