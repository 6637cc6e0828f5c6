//! The simulated account's API tokens and what each may do.
//!
//! Apify's Console lets a user create *scoped* tokens by ticking permissions per resource type.
//! The simulator models those permissions as [`ConsoleGrant`]s and ships a fixed set of demo
//! tokens — one correctly scoped for Forge and several that are wrong in the ways users get them
//! wrong — so the relay's audit and the app's connect flow can be tried without an account.
//! Which grant each route needs is documented in the route table in `api.rs`.

use serde::Serialize;

/// A permission as today's Apify Console offers it on a scoped token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum ConsoleGrant {
    /// Actors: Read — list Actors, get an Actor, its builds.
    ActorsRead,
    /// Actors: Write — update or delete an Actor's settings. Forge never needs it.
    ActorsWrite,
    /// Actors: Run — start runs (async and sync) and abort them.
    ActorsRun,
    /// Actors: List runs — run history and run details.
    ActorsListRuns,
    /// Storages: Read — datasets, key-value stores, request queues and their contents.
    StoragesRead,
    /// Storages: Write — put/delete records, push items, delete storages (and create them).
    StoragesWrite,
    /// Storages: Create — create new named or unnamed storages.
    StoragesCreate,
    /// Schedules — list and create schedules.
    Schedules,
    /// Tasks — list and create Actor tasks.
    Tasks,
    /// Webhooks — list and create webhooks.
    Webhooks,
    /// Full access: an unscoped token. Implies every other grant and the private user view.
    FullAccess,
}

impl ConsoleGrant {
    /// How the Console labels it.
    pub const fn label(self) -> &'static str {
        match self {
            ConsoleGrant::ActorsRead => "Actors: Read",
            ConsoleGrant::ActorsWrite => "Actors: Write",
            ConsoleGrant::ActorsRun => "Actors: Run",
            ConsoleGrant::ActorsListRuns => "Actors: List runs",
            ConsoleGrant::StoragesRead => "Storages: Read",
            ConsoleGrant::StoragesWrite => "Storages: Write",
            ConsoleGrant::StoragesCreate => "Storages: Create",
            ConsoleGrant::Schedules => "Schedules",
            ConsoleGrant::Tasks => "Tasks",
            ConsoleGrant::Webhooks => "Webhooks",
            ConsoleGrant::FullAccess => "Full access",
        }
    }
}

/// A token the demo account knows about (or, for one of them, deliberately does not).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct DemoToken {
    /// Short stable name, e.g. `scoped`, `missing-run`.
    pub label: &'static str,
    /// The token itself: `apify_api_` + 36 ASCII letters and digits.
    pub token: &'static str,
    /// One line for the README and the demo's token picker.
    pub description: &'static str,
    /// What the token may do. Empty for the token Apify does not know.
    pub grants: &'static [ConsoleGrant],
    /// False for the one token that is not in the simulated registry (answers 401).
    pub known: bool,
}

impl DemoToken {
    pub fn has(&self, grant: ConsoleGrant) -> bool {
        self.known
            && (self.grants.contains(&grant) || self.grants.contains(&ConsoleGrant::FullAccess))
    }

    pub fn is_full_access(&self) -> bool {
        self.known && self.grants.contains(&ConsoleGrant::FullAccess)
    }
}

use ConsoleGrant::*;

/// The five permissions Forge asks for, in Console terms (DESIGN §3).
pub const FORGE_SCOPES: &[ConsoleGrant] = &[
    ActorsRead,
    ActorsRun,
    ActorsListRuns,
    StoragesRead,
    StoragesWrite,
];

/// The correctly scoped demo token (the one `forge-relay demo` connects with).
pub const DEFAULT_DEMO_TOKEN: &str = "apify_api_forgeDemoScopedFiveGrantsOkxabc3d823";

/// Every demo token. The first is the correctly scoped one.
pub const DEMO_TOKENS: &[DemoToken] = &[
    DemoToken {
        label: "scoped",
        token: DEFAULT_DEMO_TOKEN,
        description: "Correctly scoped: Actors: Read, Run, List runs; Storages: Read, Write",
        grants: FORGE_SCOPES,
        known: true,
    },
    DemoToken {
        label: "missing-run",
        token: "apify_api_forgeDemoMissingActorsRunxdab52fc8d7",
        description: "Missing Actors: Run — the dashboard works, starting a run is refused",
        grants: &[ActorsRead, ActorsListRuns, StoragesRead, StoragesWrite],
        known: true,
    },
    DemoToken {
        label: "missing-kv-write",
        token: "apify_api_forgeDemoMissingStoragesWritex51fcbe",
        description: "Missing Storages: Write — trend snapshots cannot be saved",
        grants: &[ActorsRead, ActorsRun, ActorsListRuns, StoragesRead],
        known: true,
    },
    DemoToken {
        label: "too-broad",
        token: "apify_api_forgeDemoTooBroadSchedulesWebhooksx3",
        description: "Too broad: the five scopes plus Schedules and Webhooks",
        grants: &[
            ActorsRead,
            ActorsRun,
            ActorsListRuns,
            StoragesRead,
            StoragesWrite,
            Schedules,
            Webhooks,
        ],
        known: true,
    },
    DemoToken {
        label: "full-access",
        token: "apify_api_forgeDemoFullAccessDoNotUsex5da36cb4",
        description: "Full access: an unscoped token — works, but Forge advises against it",
        grants: &[FullAccess],
        known: true,
    },
    DemoToken {
        label: "unknown",
        token: "apify_api_forgeDemoUnknownToApifyxb23a6a8439c0",
        description: "Well-formed but unknown to Apify (revoked or mistyped) — answers 401",
        grants: &[],
        known: false,
    },
    DemoToken {
        label: "missing-runs-read",
        token: "apify_api_forgeDemoMissingActorRunsReadxb520b0",
        description: "Missing Actor runs: Read (List runs) — run history is refused",
        grants: &[ActorsRead, ActorsRun, StoragesRead, StoragesWrite],
        known: true,
    },
];

/// The registry lookup: `None` for any token Apify (the simulator) does not know.
pub fn lookup(token: &str) -> Option<&'static DemoToken> {
    DEMO_TOKENS.iter().find(|t| t.known && t.token == token)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_demo_token_has_apify_shape_and_is_unique() {
        for t in DEMO_TOKENS {
            assert_eq!(
                forge_apify::check_token_shape(t.token),
                Ok(()),
                "{}",
                t.label
            );
            assert_eq!(t.token.len(), 10 + 36);
            assert_eq!(DEMO_TOKENS.iter().filter(|o| o.token == t.token).count(), 1);
        }
        assert_eq!(DEMO_TOKENS[0].token, DEFAULT_DEMO_TOKEN);
    }

    #[test]
    fn registry_and_grants() {
        let scoped = lookup(DEFAULT_DEMO_TOKEN).unwrap();
        assert!(scoped.has(ActorsRun) && !scoped.has(Webhooks) && !scoped.is_full_access());
        let full = lookup(DEMO_TOKENS[4].token).unwrap();
        assert!(full.has(Webhooks) && full.has(ActorsWrite));
        assert!(lookup(DEMO_TOKENS[5].token).is_none());
        assert!(lookup("apify_api_nope").is_none());
    }
}
