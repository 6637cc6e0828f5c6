//! The five scopes Forge asks for (DESIGN §3).
//!
//! Forge speaks of five *resources* with their grants; today's Apify Console groups the same
//! permissions differently ("Actors: Read, Run, List runs" and "Storages: Read, Write"). Both
//! names are kept side by side so the app can show whichever the user is looking at.

use serde::{Deserialize, Serialize};

/// A resource family in Forge's words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Resource {
    Actors,
    ActorRuns,
    ActorBuilds,
    Datasets,
    KeyValueStores,
}

impl Resource {
    pub const ALL: [Resource; 5] = [
        Resource::Actors,
        Resource::ActorRuns,
        Resource::ActorBuilds,
        Resource::Datasets,
        Resource::KeyValueStores,
    ];

    /// The resource as Forge names it.
    pub const fn label(self) -> &'static str {
        match self {
            Resource::Actors => "Actors",
            Resource::ActorRuns => "Actor runs",
            Resource::ActorBuilds => "Actor builds",
            Resource::Datasets => "Datasets",
            Resource::KeyValueStores => "Key-value stores",
        }
    }

    /// The grants Forge needs on this resource.
    pub fn grants(self) -> impl Iterator<Item = Grant> {
        Grant::ALL.into_iter().filter(move |g| g.resource() == self)
    }
}

/// One permission Forge needs. Exactly these seven grants over five resources.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Grant {
    ActorsRead,
    ActorsRun,
    ActorRunsRead,
    ActorBuildsRead,
    DatasetsRead,
    KeyValueStoresRead,
    KeyValueStoresWrite,
}

impl Grant {
    pub const ALL: [Grant; 7] = [
        Grant::ActorsRead,
        Grant::ActorsRun,
        Grant::ActorRunsRead,
        Grant::ActorBuildsRead,
        Grant::DatasetsRead,
        Grant::KeyValueStoresRead,
        Grant::KeyValueStoresWrite,
    ];

    pub const fn resource(self) -> Resource {
        match self {
            Grant::ActorsRead | Grant::ActorsRun => Resource::Actors,
            Grant::ActorRunsRead => Resource::ActorRuns,
            Grant::ActorBuildsRead => Resource::ActorBuilds,
            Grant::DatasetsRead => Resource::Datasets,
            Grant::KeyValueStoresRead | Grant::KeyValueStoresWrite => Resource::KeyValueStores,
        }
    }

    /// The verb as Forge shows it next to its resource ("Read", "Run", "Write").
    pub const fn verb(self) -> &'static str {
        match self {
            Grant::ActorsRun => "Run",
            Grant::KeyValueStoresWrite => "Write",
            _ => "Read",
        }
    }

    /// "Actors: Read" — Forge's name for the grant.
    pub const fn label(self) -> &'static str {
        match self {
            Grant::ActorsRead => "Actors: Read",
            Grant::ActorsRun => "Actors: Run",
            Grant::ActorRunsRead => "Actor runs: Read",
            Grant::ActorBuildsRead => "Actor builds: Read",
            Grant::DatasetsRead => "Datasets: Read",
            Grant::KeyValueStoresRead => "Key-value stores: Read",
            Grant::KeyValueStoresWrite => "Key-value stores: Write",
        }
    }

    /// The permission as today's Apify Console names it.
    pub const fn console_label(self) -> &'static str {
        match self {
            Grant::ActorsRead | Grant::ActorBuildsRead => "Actors: Read",
            Grant::ActorsRun => "Actors: Run",
            Grant::ActorRunsRead => "Actors: List runs",
            Grant::DatasetsRead | Grant::KeyValueStoresRead => "Storages: Read",
            Grant::KeyValueStoresWrite => "Storages: Write",
        }
    }

    /// Why Forge needs it, in one line for the set-up guide and the scope check.
    pub const fn why(self) -> &'static str {
        match self {
            Grant::ActorsRead => "list the Actors in your fleet",
            Grant::ActorsRun => "start a run from the dashboard",
            Grant::ActorRunsRead => "run history: status, duration, memory and cost",
            Grant::ActorBuildsRead => "which build each Actor runs; release regressions",
            Grant::DatasetsRead => "dataset metadata (item counts) — never the items",
            Grant::KeyValueStoresRead => "read SIGNALS records and Forge's trend snapshots",
            Grant::KeyValueStoresWrite => {
                "write weekly trend snapshots to your own forge-trends store"
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn five_resources_seven_grants_each_grant_belongs_to_one_resource() {
        let total: usize = Resource::ALL.iter().map(|r| r.grants().count()).sum();
        assert_eq!(total, Grant::ALL.len());
        assert_eq!(
            Resource::Actors.grants().collect::<Vec<_>>(),
            [Grant::ActorsRead, Grant::ActorsRun]
        );
        assert_eq!(Resource::KeyValueStores.grants().count(), 2);
    }

    #[test]
    fn labels_are_resource_colon_verb() {
        for g in Grant::ALL {
            assert_eq!(g.label(), format!("{}: {}", g.resource().label(), g.verb()));
        }
    }
}
