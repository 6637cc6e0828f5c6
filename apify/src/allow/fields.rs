//! The response rules of the allow-list: for each kind of object an allow-listed route returns,
//! the fields that may come back to the browser (DESIGN §4, "Responses are projected").
//!
//! Review these like the request rows: a field listed here reaches anyone holding a session.
//! What is deliberately **absent** (and so dropped, along with anything Apify adds later):
//! - Actor `versions[].sourceFiles`, `envVars`, `gitRepoUrl`, `tarballUrl`, `gitHubGistUrl`,
//!   `exampleRunInput`, `deploymentKey`, `pricingInfos`, `actorStandby`, `notice`;
//! - build `actVersion.sourceFiles`/`envVars`, `actorDefinition.environmentVariables`,
//!   `dockerfile`, `readme`, `changelog`;
//! - storage `urlSigningSecretKey` and every signed public URL (`itemsPublicUrl`,
//!   `keysPublicUrl`, `recordsPublicUrl`, `recordPublicUrl`), which would outlive a revoked
//!   token or read dataset items;
//! - run `containerUrl`, `meta.clientIp`/`userAgent`, `pricingInfo`, `storageIds`.

use crate::project::{f, s, Shape};

/// `{"data": <shape>}`: Apify's envelope for one object.
macro_rules! data {
    ($shape:expr) => {
        Shape::Object(&[f("data", $shape)])
    };
}

/// `{"data": {"total", "offset", "limit", "count", "desc", "items": [<item>]}}`: one page.
macro_rules! page {
    ($item:expr) => {
        data!(Shape::Object(&[
            s("total"),
            s("offset"),
            s("limit"),
            s("count"),
            s("desc"),
            f("items", Shape::List(&$item)),
        ]))
    };
}

const ACTOR_STATS: Shape = Shape::Object(&[
    s("totalBuilds"),
    s("totalRuns"),
    s("totalUsers"),
    s("totalUsers7Days"),
    s("totalUsers30Days"),
    s("totalUsers90Days"),
    s("totalMetamorphs"),
    s("lastRunStartedAt"),
]);

/// `ActorShort`, an item of `GET /v2/actors`.
const ACTOR_SHORT: Shape = Shape::Object(&[
    s("id"),
    s("createdAt"),
    s("modifiedAt"),
    s("name"),
    s("username"),
    s("title"),
    f("stats", ACTOR_STATS),
]);

/// `Actor`: defaults and tagged builds; never source, env vars or example input.
const ACTOR: Shape = Shape::Object(&[
    s("id"),
    s("userId"),
    s("name"),
    s("username"),
    s("title"),
    s("description"),
    s("restartOnError"),
    s("isPublic"),
    s("actorPermissionLevel"),
    s("createdAt"),
    s("modifiedAt"),
    f("stats", ACTOR_STATS),
    f(
        "versions",
        Shape::List(&Shape::Object(&[
            s("versionNumber"),
            s("sourceType"),
            s("buildTag"),
            s("applyEnvVarsToBuild"),
        ])),
    ),
    f(
        "defaultRunOptions",
        Shape::Object(&[
            s("build"),
            s("timeoutSecs"),
            s("memoryMbytes"),
            s("restartOnError"),
            s("maxItems"),
        ]),
    ),
    s("isDeprecated"),
    f(
        "taggedBuilds",
        Shape::Map(&Shape::Object(&[
            s("buildId"),
            s("buildNumber"),
            s("buildNumberInt"),
            s("finishedAt"),
        ])),
    ),
    f("categories", Shape::List(&Shape::Scalar)),
    s("isSourceCodeHidden"),
    s("hasNoDataset"),
]);

/// Only where a run came from; never the client's IP or user agent.
const RUN_META: Shape = Shape::Object(&[s("origin"), s("scheduledAt")]);

/// The columns both run shapes share.
macro_rules! run_fields {
    ($($extra:expr),* $(,)?) => {
        Shape::Object(&[
            s("id"),
            s("actId"),
            s("actorTaskId"),
            s("status"),
            s("startedAt"),
            s("finishedAt"),
            s("buildId"),
            s("buildNumber"),
            f("meta", RUN_META),
            s("usageTotalUsd"),
            s("defaultKeyValueStoreId"),
            s("defaultDatasetId"),
            s("defaultRequestQueueId"),
            $($extra),*
        ])
    };
}

/// `RunShort`, an item of the run lists.
const RUN_SHORT: Shape = run_fields!(s("buildNumberInt"));

/// `Run`: status, stats, options and usage; never the container URL or the client's address.
const RUN: Shape = run_fields!(
    s("statusMessage"),
    s("isStatusMessageTerminal"),
    s("exitCode"),
    f(
        "stats",
        Shape::Object(&[
            s("inputBodyLen"),
            s("migrationCount"),
            s("rebootCount"),
            s("restartCount"),
            s("resurrectCount"),
            s("memAvgBytes"),
            s("memMaxBytes"),
            s("memCurrentBytes"),
            s("cpuAvgUsage"),
            s("cpuMaxUsage"),
            s("cpuCurrentUsage"),
            s("netRxBytes"),
            s("netTxBytes"),
            s("durationMillis"),
            s("runTimeSecs"),
            s("metamorph"),
            s("computeUnits"),
        ]),
    ),
    f(
        "options",
        Shape::Object(&[
            s("build"),
            s("timeoutSecs"),
            s("memoryMbytes"),
            s("diskMbytes"),
            s("maxItems"),
            s("maxTotalChargeUsd"),
        ]),
    ),
    f("usage", Shape::Map(&Shape::Number)),
    f("usageUsd", Shape::Map(&Shape::Number)),
    f("chargedEventCounts", Shape::Map(&Shape::Number)),
);

/// The columns both build shapes share.
macro_rules! build_fields {
    ($($extra:expr),* $(,)?) => {
        Shape::Object(&[
            s("id"),
            s("actId"),
            s("status"),
            s("startedAt"),
            s("finishedAt"),
            s("usageTotalUsd"),
            s("buildNumber"),
            f("meta", Shape::Object(&[s("origin")])),
            $($extra),*
        ])
    };
}

/// `BuildShort`, an item of the build lists.
const BUILD_SHORT: Shape = build_fields!(s("buildNumberInt"));

/// `Build`: what Forge compares between builds — input schema, dataset schema, memory
/// defaults — and never source files, environment variables, Dockerfile or readme.
const BUILD: Shape = build_fields!(
    f(
        "stats",
        Shape::Object(&[
            s("durationMillis"),
            s("runTimeSecs"),
            s("computeUnits"),
            s("imageSizeBytes"),
        ]),
    ),
    f(
        "options",
        Shape::Object(&[
            s("useCache"),
            s("betaPackages"),
            s("memoryMbytes"),
            s("diskMbytes"),
        ]),
    ),
    f("usage", Shape::Map(&Shape::Number)),
    f("usageUsd", Shape::Map(&Shape::Number)),
    s("inputSchema"),
    f(
        "actVersion",
        Shape::Object(&[s("versionNumber"), s("sourceType"), s("buildTag")]),
    ),
    f(
        "actorDefinition",
        Shape::Object(&[
            s("actorSpecification"),
            s("name"),
            s("version"),
            s("buildTag"),
            f("input", Shape::Json),
            f("storages", Shape::Object(&[f("dataset", Shape::Json)])),
            s("defaultMemoryMbytes"),
            s("minMemoryMbytes"),
            s("maxMemoryMbytes"),
            s("usesStandbyMode"),
        ]),
    ),
);

/// A dataset's metadata (`GET /v2/datasets/{id}`), never items or links to them.
macro_rules! dataset_fields {
    ($($extra:expr),* $(,)?) => {
        Shape::Object(&[
            s("id"),
            s("name"),
            s("userId"),
            s("createdAt"),
            s("modifiedAt"),
            s("accessedAt"),
            s("itemCount"),
            s("cleanItemCount"),
            s("actId"),
            s("actRunId"),
            f(
                "stats",
                Shape::Object(&[s("readCount"), s("writeCount"), s("storageBytes")]),
            ),
            $($extra),*
        ])
    };
}

/// `DatasetListItem`: what the fleet loader reads from the list of every run's default dataset
/// — which run it belongs to and how many items it holds. One is listed per run (tens of
/// thousands per page walk), so nothing else comes back: no owner, access times or usage stats.
const DATASET_ITEM: Shape = Shape::Object(&[
    s("id"),
    s("name"),
    s("createdAt"),
    s("itemCount"),
    s("cleanItemCount"),
    s("actId"),
    s("actRunId"),
]);

/// `Dataset`: metadata and the field list; no signing key, no signed items URL.
const DATASET: Shape = dataset_fields!(
    f("fields", Shape::List(&Shape::Scalar)),
    f("schema", Shape::Json),
    s("consoleUrl"),
);

/// `DatasetStatistics`: per field of the dataset's fields schema, how many items hold `null`
/// or lack it, and the smallest and largest value (a number, or a string's length) — counts and
/// bounds, never an item's value.
const DATASET_STATISTICS: Shape = Shape::Object(&[f(
    "fieldStatistics",
    Shape::Map(&Shape::Object(&[
        f("nullCount", Shape::Number),
        f("emptyCount", Shape::Number),
        f("min", Shape::Number),
        f("max", Shape::Number),
    ])),
)]);

/// `KeyValueStore`, as the detail, the list items and the create answer: no signing key and no
/// signed keys/records URLs.
const STORE: Shape = Shape::Object(&[
    s("id"),
    s("name"),
    s("userId"),
    s("username"),
    s("createdAt"),
    s("modifiedAt"),
    s("accessedAt"),
    s("actId"),
    s("actRunId"),
    s("consoleUrl"),
    f(
        "stats",
        Shape::Object(&[
            s("readCount"),
            s("writeCount"),
            s("deleteCount"),
            s("listCount"),
            s("storageBytes"),
        ]),
    ),
]);

pub const ACTOR_LIST_REPLY: Shape = page!(ACTOR_SHORT);
pub const ACTOR_REPLY: Shape = data!(ACTOR);
pub const RUN_LIST_REPLY: Shape = page!(RUN_SHORT);
pub const RUN_REPLY: Shape = data!(RUN);
pub const BUILD_LIST_REPLY: Shape = page!(BUILD_SHORT);
pub const BUILD_REPLY: Shape = data!(BUILD);
pub const DATASET_LIST_REPLY: Shape = page!(DATASET_ITEM);
pub const DATASET_REPLY: Shape = data!(DATASET);
pub const DATASET_STATISTICS_REPLY: Shape = data!(DATASET_STATISTICS);
pub const STORE_LIST_REPLY: Shape = page!(STORE);
pub const STORE_REPLY: Shape = data!(STORE);

/// `ListOfKeys`: key names and sizes, and the cursor — never the signed `recordPublicUrl`.
pub const KEY_LIST_REPLY: Shape = data!(Shape::Object(&[
    f("items", Shape::List(&Shape::Object(&[s("key"), s("size")]))),
    s("count"),
    s("limit"),
    s("exclusiveStartKey"),
    s("isTruncated"),
    s("nextExclusiveStartKey"),
]));
