//! Response models Forge reads from Apify.
//!
//! Only the fields Forge uses are declared; serde ignores the rest, so a richer upstream answer
//! never breaks parsing. The shapes follow Apify's OpenAPI description
//! (`components/schemas`: `Actor`, `ActorShort`, `RunShort`, `Run`, `BuildShort`, `Build`,
//! `Dataset`, `PaginationResponse`) and the simulator's answers, which conform to it.
//!
//! Leniency rules, because one odd field must not cost a whole page of runs:
//! - A field is required only when Forge cannot do anything with the object without it (ids,
//!   `status`, `startedAt`, a dataset's `itemCount`); every other field is an `Option` that
//!   accepts both "missing" and `null`.
//! - Numbers are read leniently: an integer field sent as `404713472.0` or `"1024"` still reads;
//!   a value that is not a number becomes `None` instead of failing the object.
//! - Statuses Forge does not know yet become [`JobStatus::Unknown`] rather than an error.
//! - Timestamps stay strings exactly as Apify sent them; [`crate::time::parse_iso_millis`]
//!   converts them once, where the fleet engine computes.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Apify wraps single objects as `{"data": …}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Data<T> {
    pub data: T,
}

/// The subset of `GET /v2/users/me` the relay keeps when sealing: never the e-mail, never the
/// proxy password — those fields are not even declared, so they cannot be kept by accident.
/// Besides who it is, only the plan's data retention: runs older than it are gone, which the
/// dashboard says where it limits a window.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserIdentity {
    pub id: String,
    pub username: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plan: Option<UserPlan>,
}

/// `plan` of `GET /v2/users/me`: its data retention only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserPlan {
    #[serde(default, deserialize_with = "lenient::opt_u32")]
    pub data_retention_days: Option<u32>,
}

impl UserIdentity {
    /// Days the account's plan keeps runs and unnamed storages, when Apify said.
    pub fn retention_days(&self) -> Option<u32> {
        self.plan.as_ref()?.data_retention_days
    }
}

/// Apify's list envelope (`PaginationResponse` + `items`), inside `{"data": …}`.
///
/// `total` counts every item matching the query; page on with `offset += count` until
/// `offset + count >= total` (or a page comes back empty).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PaginationList<T> {
    #[serde(default, deserialize_with = "lenient::u64_or_zero")]
    pub total: u64,
    #[serde(default, deserialize_with = "lenient::u64_or_zero")]
    pub offset: u64,
    #[serde(default, deserialize_with = "lenient::u64_or_zero")]
    pub limit: u64,
    #[serde(default, deserialize_with = "lenient::u64_or_zero")]
    pub count: u64,
    #[serde(default)]
    pub desc: bool,
    #[serde(default = "Vec::new")]
    pub items: Vec<T>,
}

impl<T> PaginationList<T> {
    /// True when items beyond this page exist.
    pub fn has_more(&self) -> bool {
        let seen = self.offset.saturating_add(self.items.len() as u64);
        !self.items.is_empty() && seen < self.total
    }
}

/// Status of an Actor job — a run or a build (`ActorJobStatus`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING-KEBAB-CASE")]
pub enum JobStatus {
    Ready,
    Running,
    Succeeded,
    Failed,
    TimingOut,
    TimedOut,
    Aborting,
    Aborted,
    /// A status this version of Forge does not know; neither success nor failure.
    #[serde(other)]
    Unknown,
}

impl JobStatus {
    /// Every status Apify documents, in lifecycle order.
    pub const ALL: [JobStatus; 8] = [
        JobStatus::Ready,
        JobStatus::Running,
        JobStatus::Succeeded,
        JobStatus::Failed,
        JobStatus::TimingOut,
        JobStatus::TimedOut,
        JobStatus::Aborting,
        JobStatus::Aborted,
    ];

    /// Apify's spelling (`TIMED-OUT`).
    pub fn as_str(self) -> &'static str {
        match self {
            JobStatus::Ready => "READY",
            JobStatus::Running => "RUNNING",
            JobStatus::Succeeded => "SUCCEEDED",
            JobStatus::Failed => "FAILED",
            JobStatus::TimingOut => "TIMING-OUT",
            JobStatus::TimedOut => "TIMED-OUT",
            JobStatus::Aborting => "ABORTING",
            JobStatus::Aborted => "ABORTED",
            JobStatus::Unknown => "UNKNOWN",
        }
    }

    /// The job has ended and will not change again.
    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            JobStatus::Succeeded | JobStatus::Failed | JobStatus::TimedOut | JobStatus::Aborted
        )
    }

    /// The job is still going (including the transitional TIMING-OUT and ABORTING).
    pub fn is_in_progress(self) -> bool {
        matches!(
            self,
            JobStatus::Ready | JobStatus::Running | JobStatus::TimingOut | JobStatus::Aborting
        )
    }
}

/// `ActorStats` — the parts Forge shows.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ActorStats {
    #[serde(default, deserialize_with = "lenient::opt_u64")]
    pub total_runs: Option<u64>,
    #[serde(default, deserialize_with = "lenient::opt_u64")]
    pub total_builds: Option<u64>,
    #[serde(default)]
    pub last_run_started_at: Option<String>,
}

/// An item of `GET /v2/actors` (`ActorShort`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ActorShort {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub username: String,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub created_at: Option<String>,
    #[serde(default)]
    pub modified_at: Option<String>,
    #[serde(default)]
    pub stats: Option<ActorStats>,
}

/// `DefaultRunOptions` of an Actor: what a run gets unless the caller overrides it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DefaultRunOptions {
    #[serde(default, deserialize_with = "lenient::opt_u32")]
    pub memory_mbytes: Option<u32>,
    #[serde(default, deserialize_with = "lenient::opt_u32")]
    pub timeout_secs: Option<u32>,
    /// A build tag (`latest`) or a build number.
    #[serde(default)]
    pub build: Option<String>,
}

/// One entry of `taggedBuilds` (`TaggedBuildInfo`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TaggedBuild {
    #[serde(default)]
    pub build_id: Option<String>,
    #[serde(default)]
    pub build_number: Option<String>,
    #[serde(default)]
    pub finished_at: Option<String>,
}

/// `GET /v2/actors/{actorId}` (`Actor`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Actor {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub username: String,
    #[serde(default)]
    pub user_id: Option<String>,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub is_public: Option<bool>,
    #[serde(default)]
    pub is_deprecated: Option<bool>,
    #[serde(default)]
    pub categories: Option<Vec<String>>,
    #[serde(default)]
    pub created_at: Option<String>,
    #[serde(default)]
    pub modified_at: Option<String>,
    #[serde(default)]
    pub stats: Option<ActorStats>,
    #[serde(default)]
    pub default_run_options: Option<DefaultRunOptions>,
    /// Build tag → build (`{"latest": {…}, "beta": {…}}`); a tag may map to `null`.
    #[serde(default)]
    pub tagged_builds: Option<BTreeMap<String, Option<TaggedBuild>>>,
}

impl Actor {
    /// The build tagged `latest` — the build a default run uses.
    pub fn latest_build(&self) -> Option<&TaggedBuild> {
        self.tagged_builds.as_ref()?.get("latest")?.as_ref()
    }

    /// The number of the build tagged `latest` (`0.1.5`).
    pub fn latest_build_number(&self) -> Option<&str> {
        self.latest_build()?.build_number.as_deref()
    }

    /// `title`, or the name when there is no title.
    pub fn display_name(&self) -> &str {
        self.title
            .as_deref()
            .filter(|t| !t.trim().is_empty())
            .unwrap_or(&self.name)
    }
}

impl From<ActorShort> for Actor {
    /// What a list item already says about an Actor, before its detail is loaded.
    fn from(a: ActorShort) -> Actor {
        Actor {
            id: a.id,
            name: a.name,
            username: a.username,
            user_id: None,
            title: a.title,
            description: None,
            is_public: None,
            is_deprecated: None,
            categories: None,
            created_at: a.created_at,
            modified_at: a.modified_at,
            stats: a.stats,
            default_run_options: None,
            tagged_builds: None,
        }
    }
}

/// `RunMeta`: how a run was started (`SCHEDULER`, `API`, `WEB`, …).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RunMeta {
    #[serde(default)]
    pub origin: Option<String>,
}

/// An item of `GET /v2/actors/{actorId}/runs` or `GET /v2/actor-runs` (`RunShort`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RunShort {
    pub id: String,
    pub act_id: String,
    pub status: JobStatus,
    pub started_at: String,
    /// `None` while the run is in progress.
    #[serde(default)]
    pub finished_at: Option<String>,
    #[serde(default)]
    pub build_id: Option<String>,
    #[serde(default)]
    pub build_number: Option<String>,
    #[serde(default)]
    pub meta: Option<RunMeta>,
    /// What the run cost; Apify omits it where the caller does not pay for platform usage.
    #[serde(default, deserialize_with = "lenient::opt_f64")]
    pub usage_total_usd: Option<f64>,
    #[serde(default)]
    pub default_dataset_id: Option<String>,
    #[serde(default)]
    pub default_key_value_store_id: Option<String>,
}

/// `RunStats` — timing and resource use.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RunStats {
    #[serde(default, deserialize_with = "lenient::opt_u64")]
    pub duration_millis: Option<u64>,
    #[serde(default, deserialize_with = "lenient::opt_f64")]
    pub run_time_secs: Option<f64>,
    /// Peak memory used, bytes.
    #[serde(default, deserialize_with = "lenient::opt_u64")]
    pub mem_max_bytes: Option<u64>,
    /// Average memory used, bytes (Apify sends a fractional number).
    #[serde(default, deserialize_with = "lenient::opt_f64")]
    pub mem_avg_bytes: Option<f64>,
    #[serde(default, deserialize_with = "lenient::opt_f64")]
    pub compute_units: Option<f64>,
}

/// `RunOptions` — what the run was given.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RunOptions {
    /// Memory allocated to the run, MB.
    #[serde(default, deserialize_with = "lenient::opt_u32")]
    pub memory_mbytes: Option<u32>,
    #[serde(default, deserialize_with = "lenient::opt_u32")]
    pub timeout_secs: Option<u32>,
    #[serde(default)]
    pub build: Option<String>,
}

/// `GET /v2/actor-runs/{runId}` (`Run`): a run with its stats and options.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Run {
    pub id: String,
    pub act_id: String,
    pub status: JobStatus,
    pub started_at: String,
    #[serde(default)]
    pub finished_at: Option<String>,
    #[serde(default)]
    pub status_message: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    pub exit_code: Option<i64>,
    #[serde(default)]
    pub build_id: Option<String>,
    #[serde(default)]
    pub build_number: Option<String>,
    #[serde(default)]
    pub meta: Option<RunMeta>,
    #[serde(default)]
    pub stats: Option<RunStats>,
    #[serde(default)]
    pub options: Option<RunOptions>,
    #[serde(default, deserialize_with = "lenient::opt_f64")]
    pub usage_total_usd: Option<f64>,
    /// `usageUsd`: what the run cost by usage kind (`ACTOR_COMPUTE_UNITS`,
    /// `PROXY_RESIDENTIAL_TRANSFER_GBYTES`, …), USD. Values that are not finite, non-negative
    /// numbers are left out; `None` when Apify sent no map.
    #[serde(default, deserialize_with = "lenient::opt_usd_map")]
    pub usage_usd: Option<BTreeMap<String, f64>>,
    #[serde(default)]
    pub default_dataset_id: Option<String>,
    #[serde(default)]
    pub default_key_value_store_id: Option<String>,
}

impl Run {
    /// The list-item view of this run (drops stats, options and the status message).
    pub fn to_short(&self) -> RunShort {
        RunShort {
            id: self.id.clone(),
            act_id: self.act_id.clone(),
            status: self.status,
            started_at: self.started_at.clone(),
            finished_at: self.finished_at.clone(),
            build_id: self.build_id.clone(),
            build_number: self.build_number.clone(),
            meta: self.meta.clone(),
            usage_total_usd: self.usage_total_usd,
            default_dataset_id: self.default_dataset_id.clone(),
            default_key_value_store_id: self.default_key_value_store_id.clone(),
        }
    }
}

/// An item of `GET /v2/actors/{actorId}/builds` (`BuildShort`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BuildShort {
    pub id: String,
    #[serde(default)]
    pub act_id: Option<String>,
    pub status: JobStatus,
    #[serde(default)]
    pub started_at: Option<String>,
    #[serde(default)]
    pub finished_at: Option<String>,
    #[serde(default)]
    pub build_number: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_f64")]
    pub usage_total_usd: Option<f64>,
}

/// `GET /v2/actor-builds/{buildId}` (`Build`) — the same fields Forge reads as [`BuildShort`].
pub type Build = BuildShort;

/// `GET /v2/datasets/{datasetId}` (`Dataset`) or a `DatasetListItem`: metadata only.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Dataset {
    pub id: String,
    /// Required: an unknown count must not read as "empty".
    #[serde(deserialize_with = "lenient::u64_required")]
    pub item_count: u64,
    #[serde(default, deserialize_with = "lenient::opt_u64")]
    pub clean_item_count: Option<u64>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub act_id: Option<String>,
    #[serde(default)]
    pub act_run_id: Option<String>,
    #[serde(default)]
    pub created_at: Option<String>,
    #[serde(default)]
    pub modified_at: Option<String>,
}

/// `GET /v2/datasets/{datasetId}/statistics` (`DatasetStatistics`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DatasetStatistics {
    /// Per field of the dataset's fields schema; `None` when the Actor declares no schema
    /// (Apify measures nothing then).
    #[serde(default)]
    pub field_statistics: Option<BTreeMap<String, Option<FieldStatistics>>>,
}

/// `DatasetFieldStatistics`: how many items hold `null` for one field, and how many lack it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FieldStatistics {
    #[serde(default, deserialize_with = "lenient::opt_u64")]
    pub null_count: Option<u64>,
    /// Items where the field is absent (`undefined`; an empty string is not empty).
    #[serde(default, deserialize_with = "lenient::opt_u64")]
    pub empty_count: Option<u64>,
    #[serde(default, deserialize_with = "lenient::opt_f64")]
    pub min: Option<f64>,
    #[serde(default, deserialize_with = "lenient::opt_f64")]
    pub max: Option<f64>,
}

/// `GET /v2/key-value-stores/{storeId}/keys` (`ListOfKeys`): the key names of one page; the
/// sizes and paging fields are not read.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct KeyList {
    #[serde(default)]
    pub items: Vec<KeyListItem>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KeyListItem {
    pub key: String,
}

impl KeyList {
    pub fn has(&self, key: &str) -> bool {
        self.items.iter().any(|i| i.key == key)
    }
}

/// Number readers that accept integers, floats, numeric strings and `null`.
mod lenient {
    use serde::de::{self, Deserializer, Visitor};
    use std::collections::BTreeMap;
    use std::fmt;

    /// A JSON value read as a non-negative number, if it is one.
    #[derive(Clone, Copy)]
    enum Num {
        U(u64),
        I(i64),
        F(f64),
        None,
    }

    struct NumVisitor;

    impl<'de> Visitor<'de> for NumVisitor {
        type Value = Num;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a number or null")
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<Num, E> {
            Ok(Num::U(v))
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<Num, E> {
            Ok(Num::I(v))
        }
        fn visit_f64<E: de::Error>(self, v: f64) -> Result<Num, E> {
            Ok(Num::F(v))
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<Num, E> {
            let v = v.trim();
            Ok(if let Ok(u) = v.parse::<u64>() {
                Num::U(u)
            } else if let Ok(i) = v.parse::<i64>() {
                Num::I(i)
            } else if let Ok(f) = v.parse::<f64>() {
                Num::F(f)
            } else {
                Num::None
            })
        }
        fn visit_bool<E: de::Error>(self, _: bool) -> Result<Num, E> {
            Ok(Num::None)
        }
        fn visit_unit<E: de::Error>(self) -> Result<Num, E> {
            Ok(Num::None)
        }
        fn visit_none<E: de::Error>(self) -> Result<Num, E> {
            Ok(Num::None)
        }
        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Num, D::Error> {
            d.deserialize_any(NumVisitor)
        }
        fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Num, A::Error> {
            while seq.next_element::<de::IgnoredAny>()?.is_some() {}
            Ok(Num::None)
        }
        fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<Num, A::Error> {
            while map
                .next_entry::<de::IgnoredAny, de::IgnoredAny>()?
                .is_some()
            {}
            Ok(Num::None)
        }
    }

    fn read<'de, D: Deserializer<'de>>(d: D) -> Result<Num, D::Error> {
        d.deserialize_option(NumVisitor)
    }

    fn to_u64(n: Num) -> Option<u64> {
        match n {
            Num::U(v) => Some(v),
            Num::I(v) => u64::try_from(v).ok(),
            Num::F(v) if (0.0..1.8e19).contains(&v) => Some(v.round() as u64),
            _ => None,
        }
    }

    pub fn opt_u64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
        read(d).map(to_u64)
    }

    /// A required count: a number is read leniently, but `null` or a non-number is an error
    /// rather than a made-up 0.
    pub fn u64_required<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
        read(d).and_then(|n| to_u64(n).ok_or_else(|| de::Error::custom("expected a count")))
    }

    pub fn u64_or_zero<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
        read(d).map(|n| to_u64(n).unwrap_or(0))
    }

    pub fn opt_u32<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u32>, D::Error> {
        read(d).map(|n| to_u64(n).and_then(|v| u32::try_from(v).ok()))
    }

    pub fn opt_i64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
        read(d).map(|n| match n {
            Num::U(v) => i64::try_from(v).ok(),
            Num::I(v) => Some(v),
            Num::F(v) if v.is_finite() && v.abs() < 9.2e18 => Some(v.round() as i64),
            _ => None,
        })
    }

    /// A finite, non-negative amount, if the value is one.
    fn amount(n: Num) -> Option<f64> {
        match n {
            Num::U(v) => Some(v as f64),
            Num::I(v) => u64::try_from(v).ok().map(|v| v as f64),
            Num::F(v) if v.is_finite() && v >= 0.0 => Some(v),
            _ => None,
        }
    }

    struct Amount(Option<f64>);

    impl<'de> de::Deserialize<'de> for Amount {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Amount, D::Error> {
            read(d).map(|n| Amount(amount(n)))
        }
    }

    /// A map of amounts (`usageUsd`): each finite, non-negative number is kept, anything else
    /// is dropped; a value that is not a map is `None`.
    pub fn opt_usd_map<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<BTreeMap<String, f64>>, D::Error> {
        struct MapVisitor;
        impl<'de> Visitor<'de> for MapVisitor {
            type Value = Option<BTreeMap<String, f64>>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a map of amounts or null")
            }
            fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut out = BTreeMap::new();
                while let Some((key, Amount(v))) = map.next_entry::<String, Amount>()? {
                    if let Some(v) = v {
                        out.insert(key, v);
                    }
                }
                Ok(Some(out))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(None)
            }
            fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(None)
            }
            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
                d.deserialize_any(MapVisitor)
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
                Ok(None)
            }
            fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
                Ok(None)
            }
            fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
                Ok(None)
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
                Ok(None)
            }
            fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
                Ok(None)
            }
            fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                while seq.next_element::<de::IgnoredAny>()?.is_some() {}
                Ok(None)
            }
        }
        d.deserialize_option(MapVisitor)
    }

    pub fn opt_f64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
        read(d).map(|n| match n {
            Num::U(v) => Some(v as f64),
            Num::I(v) => Some(v as f64),
            Num::F(v) if v.is_finite() => Some(v),
            _ => None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn users_me_keeps_only_id_and_username() {
        let body = r#"{"data":{"id":"u1","username":"ana","email":"a@x.io",
            "proxy":{"password":"p4ss"},"plan":{"id":"FREE","dataRetentionDays":7}}}"#;
        let me: Data<UserIdentity> = serde_json::from_str(body).unwrap();
        assert_eq!(
            me.data,
            UserIdentity {
                id: "u1".into(),
                username: "ana".into(),
                plan: Some(UserPlan {
                    data_retention_days: Some(7)
                }),
            }
        );
        assert_eq!(me.data.retention_days(), Some(7));
        let again = serde_json::to_string(&me.data).unwrap();
        assert!(!again.contains("p4ss") && !again.contains("a@x.io"));
    }

    /// `Actor` as the simulator (and Apify) sends it, with fields Forge ignores.
    #[test]
    fn actor_detail() {
        let body = r#"{"data":{"id":"zdc3Pyhyz3m8vjDeM","userId":"wRsJZtadYvn4mBZmm",
            "name":"memory-hog","username":"forge-demo","title":"Memory Hog",
            "description":"Exports the product feed.","restartOnError":false,"isPublic":false,
            "actorPermissionLevel":"LIMITED_PERMISSIONS",
            "createdAt":"2026-05-01T10:00:00.000Z","modifiedAt":"2026-11-20T10:00:00.000Z",
            "stats":{"totalBuilds":5,"totalRuns":120,"totalUsers":1,"totalMetamorphs":0,
                     "lastRunStartedAt":"2026-11-29T06:00:12.000Z"},
            "versions":[{"versionNumber":"0.4","sourceType":"SOURCE_FILES","envVars":null}],
            "pricingInfos":[],
            "defaultRunOptions":{"build":"latest","timeoutSecs":3600,"memoryMbytes":4096,
                                 "restartOnError":false},
            "exampleRunInput":{"body":"{}","contentType":"application/json"},
            "isDeprecated":false,"deploymentKey":"ssh-rsa AAAA",
            "taggedBuilds":{"latest":{"buildId":"b1","buildNumber":"0.4.12",
                            "finishedAt":"2026-11-20T10:02:00.000Z"},"beta":null},
            "categories":["DEVELOPER_TOOLS"],"isSourceCodeHidden":false}}"#;
        let a: Data<Actor> = serde_json::from_str(body).unwrap();
        let a = a.data;
        assert_eq!(a.name, "memory-hog");
        assert_eq!(a.display_name(), "Memory Hog");
        let opts = a.default_run_options.as_ref().unwrap();
        assert_eq!(opts.memory_mbytes, Some(4096));
        assert_eq!(opts.timeout_secs, Some(3600));
        assert_eq!(opts.build.as_deref(), Some("latest"));
        let latest = a.latest_build().unwrap();
        assert_eq!(latest.build_number.as_deref(), Some("0.4.12"));
        assert_eq!(latest.build_id.as_deref(), Some("b1"));
        let stats = a.stats.as_ref().unwrap();
        assert_eq!(stats.total_runs, Some(120));
        assert_eq!(
            stats.last_run_started_at.as_deref(),
            Some("2026-11-29T06:00:12.000Z")
        );
    }

    #[test]
    fn actor_without_optional_parts() {
        let a: Actor = serde_json::from_str(
            r#"{"id":"a","name":"n","username":"u","title":null,"taggedBuilds":null}"#,
        )
        .unwrap();
        assert!(a.latest_build().is_none());
        assert_eq!(a.display_name(), "n");
        let short: ActorShort = serde_json::from_str(
            r#"{"id":"a","createdAt":"2026-01-01T00:00:00.000Z","modifiedAt":"2026-01-01T00:00:00.000Z",
                "name":"n","username":"u","title":"T","stats":null}"#,
        )
        .unwrap();
        assert_eq!(Actor::from(short).display_name(), "T");
    }

    #[test]
    fn runs_list_page() {
        let body = r#"{"data":{"total":2,"offset":0,"limit":1000,"count":2,"desc":true,"items":[
            {"id":"r2","actId":"a","userId":"u","actorTaskId":null,"status":"RUNNING",
             "startedAt":"2026-11-29T19:30:05.123Z","finishedAt":null,"buildId":"b2",
             "buildNumber":"0.3.12","meta":{"origin":"SCHEDULER"},"usageTotalUsd":0.0123,
             "defaultKeyValueStoreId":"k2","defaultDatasetId":"d2","defaultRequestQueueId":"q2"},
            {"id":"r1","actId":"a","status":"TIMED-OUT","startedAt":"2026-11-28T19:30:05Z",
             "finishedAt":"2026-11-28T19:35:06Z","buildId":"b1","buildNumber":"0.3.11",
             "meta":{"origin":"API"},"defaultKeyValueStoreId":"k1","defaultDatasetId":"d1"}
        ]}}"#;
        let page: Data<PaginationList<RunShort>> = serde_json::from_str(body).unwrap();
        let page = page.data;
        assert_eq!((page.total, page.count, page.limit), (2, 2, 1000));
        assert!(page.desc && !page.has_more());
        assert_eq!(page.items[0].status, JobStatus::Running);
        assert!(page.items[0].status.is_in_progress());
        assert_eq!(page.items[0].usage_total_usd, Some(0.0123));
        assert_eq!(page.items[1].status, JobStatus::TimedOut);
        assert!(page.items[1].status.is_terminal());
        // No usageTotalUsd: unknown, not zero.
        assert_eq!(page.items[1].usage_total_usd, None);
        assert_eq!(
            page.items[1].meta.as_ref().unwrap().origin.as_deref(),
            Some("API")
        );
    }

    #[test]
    fn run_detail_and_lenient_numbers() {
        let body = r#"{"data":{"id":"r1","actId":"a","userId":"u","startedAt":"2026-11-28T19:30:05.000Z",
            "finishedAt":"2026-11-28T19:35:06.000Z","status":"FAILED",
            "statusMessage":"The Actor ran out of memory","isStatusMessageTerminal":true,
            "meta":{"origin":"SCHEDULER","scheduleId":"s"},
            "stats":{"inputBodyLen":240,"memAvgBytes":267874071.9,"memMaxBytes":404713472.0,
                     "durationMillis":"301000","runTimeSecs":301.0,"computeUnits":0.0836},
            "options":{"build":"0.3.11","timeoutSecs":300,"memoryMbytes":1024,"diskMbytes":2048},
            "buildId":"b1","buildNumber":null,"exitCode":137,"generalAccess":"FOLLOW_USER_SETTING",
            "defaultKeyValueStoreId":"k1","defaultDatasetId":"d1","defaultRequestQueueId":"q1",
            "usageTotalUsd":null,"usage":{"ACTOR_COMPUTE_UNITS":0.08},
            "usageUsd":{"ACTOR_COMPUTE_UNITS":0.024,"PROXY_SERPS":"0.5","DATASET_READS":null,
                        "DATASET_WRITES":-1,"KEY_VALUE_STORE_READS":{"x":1}}}}"#;
        let run: Data<Run> = serde_json::from_str(body).unwrap();
        let run = run.data;
        // Amounts are read leniently; a negative or non-number amount is left out.
        let usd = run.usage_usd.as_ref().unwrap();
        assert_eq!(usd.len(), 2);
        assert_eq!(usd["ACTOR_COMPUTE_UNITS"], 0.024);
        assert_eq!(usd["PROXY_SERPS"], 0.5);
        for odd in [r#"null"#, r#""lots""#, r#"[1,2]"#, r#"7"#] {
            let r: Run = serde_json::from_str(&format!(
                r#"{{"id":"r","actId":"a","status":"SUCCEEDED","startedAt":"2026-11-28T19:30:05.000Z","usageUsd":{odd}}}"#
            ))
            .unwrap();
            assert_eq!(r.usage_usd, None, "{odd}");
        }
        let stats = run.stats.as_ref().unwrap();
        assert_eq!(stats.mem_max_bytes, Some(404_713_472));
        assert_eq!(stats.mem_avg_bytes, Some(267_874_071.9));
        assert_eq!(stats.duration_millis, Some(301_000));
        assert_eq!(run.options.as_ref().unwrap().memory_mbytes, Some(1024));
        assert_eq!(run.exit_code, Some(137));
        assert_eq!(run.build_number, None);
        assert_eq!(run.usage_total_usd, None);
        assert_eq!(run.to_short().status, JobStatus::Failed);
        // A value of the wrong kind is `None`, not a failed object.
        let odd: RunStats = serde_json::from_str(
            r#"{"memMaxBytes":"lots","durationMillis":-5,"computeUnits":[1]}"#,
        )
        .unwrap();
        assert_eq!(odd, RunStats::default());
    }

    #[test]
    fn unknown_status_is_not_an_error() {
        let r: RunShort = serde_json::from_str(
            r#"{"id":"r","actId":"a","status":"HIBERNATING","startedAt":"2026-11-28T19:30:05Z"}"#,
        )
        .unwrap();
        assert_eq!(r.status, JobStatus::Unknown);
        assert!(!r.status.is_terminal() && !r.status.is_in_progress());
        for s in JobStatus::ALL {
            let json = serde_json::to_string(&s).unwrap();
            assert_eq!(json, format!("\"{}\"", s.as_str()));
            assert_eq!(serde_json::from_str::<JobStatus>(&json).unwrap(), s);
        }
    }

    #[test]
    fn builds_and_datasets() {
        let body = r#"{"data":{"total":1,"offset":0,"limit":1000,"count":1,"desc":false,"items":[
            {"id":"b1","actId":"a","userId":"u","status":"SUCCEEDED",
             "startedAt":"2026-11-20T10:00:00.000Z","finishedAt":"2026-11-20T10:02:00.000Z",
             "usageTotalUsd":0.004,"buildNumber":"0.3.12","meta":{"origin":"WEB"}}]}}"#;
        let page: Data<PaginationList<BuildShort>> = serde_json::from_str(body).unwrap();
        let b = &page.data.items[0];
        assert_eq!(b.build_number.as_deref(), Some("0.3.12"));
        assert_eq!(b.status, JobStatus::Succeeded);

        let ds: Data<Dataset> = serde_json::from_str(
            r#"{"data":{"id":"d1","name":null,"userId":"u","createdAt":"2026-11-20T10:00:00.000Z",
            "modifiedAt":"2026-11-20T10:00:00.000Z","accessedAt":"2026-11-20T10:00:00.000Z",
            "itemCount":0,"cleanItemCount":0,"actId":"a","actRunId":"r1","fields":null,
            "consoleUrl":"https://console.apify.com/storage/datasets/d1",
            "stats":{"readCount":0,"writeCount":0,"storageBytes":0}}}"#,
        )
        .unwrap();
        assert_eq!(ds.data.item_count, 0);
        assert_eq!(ds.data.clean_item_count, Some(0));
        assert_eq!(ds.data.act_run_id.as_deref(), Some("r1"));
        // An item count that is missing or null is not zero.
        for body in [r#"{"id":"d"}"#, r#"{"id":"d","itemCount":null}"#] {
            assert!(serde_json::from_str::<Dataset>(body).is_err(), "{body}");
        }
        let d: Dataset = serde_json::from_str(r#"{"id":"d","itemCount":12.0}"#).unwrap();
        assert_eq!(d.item_count, 12);
    }

    #[test]
    fn pagination_has_more() {
        let page = PaginationList::<u8> {
            total: 2500,
            offset: 1000,
            limit: 1000,
            count: 1000,
            desc: true,
            items: vec![0; 1000],
        };
        assert!(page.has_more());
        let last = PaginationList::<u8> {
            offset: 2000,
            count: 500,
            items: vec![0; 500],
            ..page
        };
        assert!(!last.has_more());
    }
}
