//! The scope check: which of the five permissions a token has, which are missing, and whether it
//! is broader than it should be.
//!
//! The relay runs a fixed set of harmless probes ([`PROBES`]) with the session's token and
//! returns **only their statuses** ([`AuditReport`]); [`assess`] — pure, run in the browser —
//! turns them into a verdict per grant. Apify cannot tell a token its own permissions, so this
//! is the next best thing: ask each family for one item and see who says 403.

use crate::scope::Grant;
use serde::{Deserialize, Serialize};

/// What a probe is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ProbeId {
    ActorsRead,
    RunsRead,
    BuildsRead,
    DatasetsRead,
    KvRead,
    /// Puts a tiny `forge-connection-check` record into `~forge-trends` (creating the store
    /// when it is missing and the token may).
    KvWrite,
    /// Outside the five scopes: a 2xx here means the token is broader than Forge needs.
    Schedules,
    Tasks,
    Webhooks,
    /// Informational only: request queues are storages, so the "Storages: Read" that Forge
    /// needs already lists them in today's Console. A 2xx here does not make a token too broad.
    RequestQueues,
}

/// One probe: its id, method and the exact Apify path it calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Probe {
    pub id: ProbeId,
    pub method: &'static str,
    pub path: &'static str,
}

/// The fixed probe list. These, and `GET /v2/users/me` (whose body is read only for whether it
/// shows an e-mail or proxy password, i.e. a full-access token), are the only requests outside
/// the allow-list the relay ever makes.
pub const PROBES: &[Probe] = &[
    Probe {
        id: ProbeId::ActorsRead,
        method: "GET",
        path: "/v2/actors?limit=1",
    },
    Probe {
        id: ProbeId::RunsRead,
        method: "GET",
        path: "/v2/actor-runs?limit=1",
    },
    Probe {
        id: ProbeId::BuildsRead,
        method: "GET",
        path: "/v2/actor-builds?limit=1",
    },
    Probe {
        id: ProbeId::DatasetsRead,
        method: "GET",
        path: "/v2/datasets?limit=1",
    },
    Probe {
        id: ProbeId::KvRead,
        method: "GET",
        path: "/v2/key-value-stores?limit=1",
    },
    Probe {
        id: ProbeId::KvWrite,
        method: "PUT",
        path: "/v2/key-value-stores/~forge-trends/records/forge-connection-check",
    },
    Probe {
        id: ProbeId::Schedules,
        method: "GET",
        path: "/v2/schedules?limit=1",
    },
    Probe {
        id: ProbeId::Tasks,
        method: "GET",
        path: "/v2/actor-tasks?limit=1",
    },
    Probe {
        id: ProbeId::Webhooks,
        method: "GET",
        path: "/v2/webhooks?limit=1",
    },
    Probe {
        id: ProbeId::RequestQueues,
        method: "GET",
        path: "/v2/request-queues?limit=1",
    },
];

/// Where the write probe creates Forge's store when it is missing.
pub const CREATE_FORGE_STORE: &str = "/v2/key-value-stores?name=forge-trends";

/// What `GET /api/audit` answers: statuses only, never a body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditReport {
    pub probes: Vec<ProbeStatus>,
    /// `/v2/users/me` showed an e-mail or proxy password: a full-access token.
    pub full_access: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProbeStatus {
    pub probe: ProbeId,
    /// The HTTP status, or 0 when Apify could not be reached.
    pub status: u16,
}

/// The verdict on one grant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    Granted,
    Missing,
    /// Cannot be told without side effects (Actors: Run would start a run).
    Untestable,
    /// The probe did not get an answer that tells (rate limit, Apify error, unreachable).
    Unknown,
}

/// The scope check's result: a verdict per grant, and what is too broad.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScopeCheck {
    pub grants: Vec<(Grant, Verdict)>,
    /// Permissions outside the five that the token has (e.g. "Schedules").
    pub extra: Vec<&'static str>,
    pub full_access: bool,
    /// Apify rejected the token outright (401 on every probe).
    pub rejected: bool,
}

fn verdict_from_status(status: u16) -> Verdict {
    match status {
        200..=299 => Verdict::Granted,
        403 => Verdict::Missing,
        _ => Verdict::Unknown,
    }
}

fn probe_for(grant: Grant) -> Option<ProbeId> {
    Some(match grant {
        Grant::ActorsRead => ProbeId::ActorsRead,
        Grant::ActorsRun => return None,
        Grant::ActorRunsRead => ProbeId::RunsRead,
        Grant::ActorBuildsRead => ProbeId::BuildsRead,
        Grant::DatasetsRead => ProbeId::DatasetsRead,
        Grant::KeyValueStoresRead => ProbeId::KvRead,
        Grant::KeyValueStoresWrite => ProbeId::KvWrite,
    })
}

/// Turns probe statuses into a verdict per grant. `run_known` is what the app learned from the
/// first Run (`Some(true)` after a run started, `Some(false)` after a 403), if anything.
pub fn assess(report: &AuditReport, run_known: Option<bool>) -> ScopeCheck {
    let status_of = |id: ProbeId| {
        report
            .probes
            .iter()
            .find(|p| p.probe == id)
            .map(|p| p.status)
    };
    let grants = Grant::ALL
        .iter()
        .map(|&g| {
            let v = match (probe_for(g), run_known) {
                (None, Some(true)) => Verdict::Granted,
                (None, Some(false)) => Verdict::Missing,
                (None, None) => Verdict::Untestable,
                (Some(id), _) => status_of(id).map_or(Verdict::Unknown, verdict_from_status),
            };
            (g, v)
        })
        .collect();
    let extra = [
        (ProbeId::Schedules, "Schedules"),
        (ProbeId::Tasks, "Tasks"),
        (ProbeId::Webhooks, "Webhooks"),
    ]
    .into_iter()
    .filter(|(id, _)| status_of(*id).is_some_and(|s| (200..300).contains(&s)))
    .map(|(_, name)| name)
    .collect();
    let rejected = !report.probes.is_empty() && report.probes.iter().all(|p| p.status == 401);
    ScopeCheck {
        grants,
        extra,
        full_access: report.full_access,
        rejected,
    }
}

impl ScopeCheck {
    /// The token is broader than the five scopes.
    pub fn too_broad(&self) -> bool {
        self.full_access || !self.extra.is_empty()
    }

    pub fn verdict(&self, grant: Grant) -> Verdict {
        self.grants
            .iter()
            .find(|(g, _)| *g == grant)
            .map_or(Verdict::Unknown, |(_, v)| *v)
    }

    pub fn missing(&self) -> impl Iterator<Item = Grant> + '_ {
        self.grants
            .iter()
            .filter(|(_, v)| *v == Verdict::Missing)
            .map(|(g, _)| *g)
    }

    /// Exactly the five scopes, as far as can be told without side effects.
    pub fn is_exact(&self) -> bool {
        !self.rejected
            && !self.too_broad()
            && self
                .grants
                .iter()
                .all(|(_, v)| matches!(v, Verdict::Granted | Verdict::Untestable))
    }
}

/// What stops working without a grant, in the words the app shows.
pub const fn consequence(grant: Grant) -> &'static str {
    match grant {
        Grant::ActorsRead => "Forge cannot list your Actors: the dashboard stays empty.",
        Grant::ActorsRun => "Run buttons fail; everything else keeps working.",
        Grant::ActorRunsRead => "No run history: reliability, durations and cost are blank.",
        Grant::ActorBuildsRead => "No build information: release regressions cannot be spotted.",
        Grant::DatasetsRead => "Result counts and cost per 1,000 results are unknown.",
        Grant::KeyValueStoresRead => "SIGNALS records and trend history cannot be read.",
        Grant::KeyValueStoresWrite => "Trend tracking is off: no weekly snapshots are written.",
    }
}

/// What the probes of an exactly scoped token answer: the five permissions granted (the write
/// probe creates its record: 201), everything outside them refused. Tests and examples start
/// from it and change one probe.
pub const EXACT_TOKEN_STATUSES: &[(ProbeId, u16)] = &[
    (ProbeId::ActorsRead, 200),
    (ProbeId::RunsRead, 200),
    (ProbeId::BuildsRead, 200),
    (ProbeId::DatasetsRead, 200),
    (ProbeId::KvRead, 200),
    (ProbeId::KvWrite, 201),
    (ProbeId::Schedules, 403),
    (ProbeId::Tasks, 403),
    (ProbeId::Webhooks, 403),
    (ProbeId::RequestQueues, 403),
];

impl AuditReport {
    /// A report of `statuses`, probe by probe.
    pub fn from_statuses(statuses: &[(ProbeId, u16)], full_access: bool) -> AuditReport {
        AuditReport {
            probes: statuses
                .iter()
                .map(|&(probe, status)| ProbeStatus { probe, status })
                .collect(),
            full_access,
        }
    }
}

/// The advice for an over-broad token.
pub const TOO_BROAD_ADVICE: &str = "Create a new scoped token with only these five permissions and delete this one — Apify cannot change a token's permissions after it is created.";

#[cfg(test)]
mod tests {
    use super::*;

    fn report(statuses: &[(ProbeId, u16)], full_access: bool) -> AuditReport {
        AuditReport::from_statuses(statuses, full_access)
    }

    const SCOPED: &[(ProbeId, u16)] = EXACT_TOKEN_STATUSES;

    fn with(base: &[(ProbeId, u16)], changes: &[(ProbeId, u16)]) -> Vec<(ProbeId, u16)> {
        base.iter()
            .map(|&(id, s)| {
                changes
                    .iter()
                    .find(|(c, _)| *c == id)
                    .map_or((id, s), |&(_, n)| (id, n))
            })
            .collect()
    }

    #[test]
    fn correctly_scoped_token_is_exact_and_run_is_untestable() {
        let c = assess(&report(SCOPED, false), None);
        assert!(c.is_exact() && !c.too_broad() && !c.rejected);
        assert_eq!(c.verdict(Grant::ActorsRun), Verdict::Untestable);
        assert_eq!(c.verdict(Grant::KeyValueStoresWrite), Verdict::Granted);
        assert_eq!(c.missing().count(), 0);
        assert_eq!(
            assess(&report(SCOPED, false), Some(true)).verdict(Grant::ActorsRun),
            Verdict::Granted
        );
        let no_run = assess(&report(SCOPED, false), Some(false));
        assert_eq!(no_run.missing().collect::<Vec<_>>(), [Grant::ActorsRun]);
        assert!(!no_run.is_exact());
    }

    #[test]
    fn missing_write_is_reported_with_its_consequence() {
        let c = assess(
            &report(&with(SCOPED, &[(ProbeId::KvWrite, 403)]), false),
            None,
        );
        assert_eq!(
            c.missing().collect::<Vec<_>>(),
            [Grant::KeyValueStoresWrite]
        );
        assert!(consequence(Grant::KeyValueStoresWrite).contains("Trend tracking is off"));
    }

    #[test]
    fn broad_and_full_access_tokens() {
        let broad = assess(
            &report(
                &with(
                    SCOPED,
                    &[(ProbeId::Schedules, 200), (ProbeId::Webhooks, 200)],
                ),
                false,
            ),
            None,
        );
        assert_eq!(broad.extra, ["Schedules", "Webhooks"]);
        assert!(broad.too_broad() && !broad.is_exact());
        let all = with(
            SCOPED,
            &[
                (ProbeId::Schedules, 200),
                (ProbeId::Tasks, 200),
                (ProbeId::Webhooks, 200),
                (ProbeId::RequestQueues, 200),
            ],
        );
        let full = assess(&report(&all, true), None);
        assert!(full.full_access && full.too_broad());
        assert_eq!(full.extra.len(), 3);
        // Request queues come with Storages: Read; readable queues alone are not "too broad".
        let queues = assess(
            &report(&with(SCOPED, &[(ProbeId::RequestQueues, 200)]), false),
            None,
        );
        assert!(queues.is_exact(), "{queues:?}");
    }

    #[test]
    fn rejected_and_unknown() {
        let rejected: Vec<_> = SCOPED.iter().map(|&(id, _)| (id, 401)).collect();
        let c = assess(&report(&rejected, false), None);
        assert!(c.rejected && !c.is_exact());
        let flaky = assess(
            &report(
                &with(
                    SCOPED,
                    &[(ProbeId::RunsRead, 429), (ProbeId::BuildsRead, 0)],
                ),
                false,
            ),
            None,
        );
        assert_eq!(flaky.verdict(Grant::ActorRunsRead), Verdict::Unknown);
        assert_eq!(flaky.verdict(Grant::ActorBuildsRead), Verdict::Unknown);
        assert_eq!(flaky.missing().count(), 0);
        let empty = assess(&report(&[], false), None);
        assert!(!empty.rejected);
        assert_eq!(empty.verdict(Grant::ActorsRead), Verdict::Unknown);
    }

    #[test]
    fn report_wire_shape_is_stable() {
        let r = report(&[(ProbeId::KvWrite, 201)], false);
        assert_eq!(
            serde_json::to_string(&r).unwrap(),
            r#"{"probes":[{"probe":"kv-write","status":201}],"fullAccess":false}"#
        );
    }

    #[test]
    fn probes_are_outside_or_inside_the_allow_list_as_documented() {
        for p in PROBES {
            let (path, query) = p
                .path
                .split_once('?')
                .map_or((p.path, None), |(a, b)| (a, Some(b)));
            let allowed = crate::allow::match_request(p.method, path, query).is_ok();
            let over_breadth = matches!(
                p.id,
                ProbeId::Schedules | ProbeId::Tasks | ProbeId::Webhooks | ProbeId::RequestQueues
            );
            assert_eq!(allowed, !over_breadth, "{p:?}");
        }
    }
}
