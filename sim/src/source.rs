//! What an Actor is made of — its version's source (inline files, a Git repository, a tarball or
//! a gist), environment variables, example input, input and dataset schemas, `actor.json`,
//! Dockerfile, README and change log — and the secrets real accounts leave in all of them.
//!
//! Real Apify answers carry these next to the fields Forge needs, so the relay's response
//! projection is tested against them. Every value the relay must never return embeds
//! [`SENTINEL`] (see [`secret`]); the values Forge needs — input-schema property names, types
//! and defaults, the dataset schema, memory defaults — never do.
//!
//! Everything is rendered on demand from an Actor's name, kind and a few flags, nothing is
//! stored per Actor, build or run, so a fleet of 1000 Actors costs nothing extra to generate;
//! the texts are a few hundred bytes each.

use crate::entities::{Actor, Kind, Source};
use crate::rng::hash_str;
use forge_apify::limits::{MAX_MEMORY_MBYTES, MIN_MEMORY_MBYTES};
use serde_json::{json, Value};

/// Embedded in every value the simulator answers that the relay must **never** return to a
/// client: source file contents, environment variable values, Git/tarball/gist URLs (with their
/// credentials), example run inputs, deployment keys, `urlSigningSecretKey`s, every signed
/// public URL (in its `signature`), the contents of runs' `INPUT` records, build READMEs,
/// Dockerfiles and change logs, `actorDefinition.environmentVariables`, and the extra `data`
/// of error bodies. It never appears in a field Forge needs (ids, names, statuses, times,
/// stats, usage, options, item counts, schemas, memory defaults, `SIGNALS`, `forge-trends`
/// records, key names and sizes), so "the relay's answer does not contain `SENTINEL`" is a
/// complete leak check. `sim/tests/sim/sentinels.rs` pins where it is.
pub const SENTINEL: &str = "forge-sentinel-3c9e";

/// A secret-looking value: `prefix`, the sentinel, then 16 hex digits derived from `owner` and
/// `label` (deterministic, different for every owner and purpose).
pub fn secret(prefix: &str, owner: &str, label: &str) -> String {
    let h = hash_str(owner) ^ hash_str(label).rotate_left(23);
    format!("{prefix}{SENTINEL}{h:016x}")
}

/// A storage's `urlSigningSecretKey`.
pub fn signing_key(storage_id: &str) -> String {
    secret("", storage_id, "url-signing-key")
}

/// The `signature` query value of a storage's signed public URL for `resource` (`items`,
/// `keys`, `records`, `records/{key}`), made with its signing key.
pub fn signature(storage_id: &str, resource: &str) -> String {
    let h = hash_str(&signing_key(storage_id)) ^ hash_str(resource).rotate_left(7);
    format!("{h:016x}.{SENTINEL}")
}

/// The example input an Actor is saved with (`exampleRunInput.body`), which its scheduled runs
/// also get as `INPUT`: ordinary settings plus the credentials people put into inputs — a
/// password, a session cookie, an API key.
pub fn example_input(name: &str, kind: Kind) -> String {
    let password = secret("Pw-", name, "login-password");
    let cookie = secret("", name, "session-cookie");
    let api_key = secret("sk_live_", name, "input-api-key");
    let v = match kind {
        Kind::Crawler => json!({
            "startUrls": [{"url": format!("https://www.{name}.example.com/")}],
            "maxRequestsPerCrawl": 5000,
            "proxyConfiguration": {"useApifyProxy": true},
            "login": {"username": "scraper@forge-demo.example", "password": password},
            "cookies": [{"name": "session_id", "value": cookie, "domain": format!(".{name}.example.com")}],
            "apiKey": api_key,
        }),
        Kind::Api => json!({
            "query": name.replace('-', " "),
            "maxResults": 1000,
            "apiKey": api_key,
            "auth": {"username": "forge-demo", "password": password},
            "sessionCookie": format!("sid={cookie}"),
        }),
        Kind::Monitor => json!({
            "urls": [format!("https://status.{name}.example.com/health")],
            "expectStatus": 200,
            "basicAuth": {"user": "monitor", "password": password},
            "headers": {"Cookie": format!("sid={cookie}"), "X-Api-Key": api_key},
        }),
    };
    serde_json::to_string(&v).unwrap_or_default()
}

/// Which build an input schema is for: `regressed-crawler`'s newest build dropped the input
/// field `maxPages` (its crawl now follows every link — the story's regression).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SchemaOf {
    Newest,
    Older,
}

/// The build of `a` with id `build_id`: its newest, or an older one.
pub fn schema_of(st: &crate::state::State, a: &Actor, build_id: &str) -> SchemaOf {
    let newest = a.builds.last().and_then(|i| st.builds.get(*i as usize));
    if newest.is_some_and(|b| b.id == build_id) {
        SchemaOf::Newest
    } else {
        SchemaOf::Older
    }
}

/// The crawler kind's schema (before any story changes it).
fn crawler_schema(a: &Actor, title: String) -> Value {
    json!({
        "title": title,
        "type": "object",
        "schemaVersion": 1,
        "properties": {
            "startUrls": {
                "title": "Start URLs", "type": "array", "editor": "requestListSources",
                "description": "Pages the crawl starts from.",
                "prefill": [{"url": format!("https://www.{}.example.com/", a.name)}],
            },
            "maxRequestsPerCrawl": {
                "title": "Max requests per crawl", "type": "integer", "minimum": 0,
                "default": 1000,
            },
            "maxPages": {
                "title": "Max pages", "type": "integer", "minimum": 1, "default": 50,
                "description": "Listing pages followed per start URL.",
            },
            "proxyConfiguration": {
                "title": "Proxy configuration", "type": "object", "editor": "proxy",
                "default": {"useApifyProxy": true},
            },
            "login": {"title": "Login", "type": "object", "editor": "json",
                      "description": "Username and password of the member area."},
            "cookies": {"title": "Cookies", "type": "array", "editor": "json", "default": []},
            "apiKey": {"title": "API key", "type": "string", "editor": "textfield", "isSecret": true},
        },
        "required": ["startUrls"],
    })
}

/// The Actor's input schema (`actorDefinition.input`; `inputSchema` is its text): typed
/// properties, defaults, one `prefill`, and the credential fields marked `isSecret`.
pub fn input_schema(a: &Actor, of: SchemaOf) -> Value {
    let title = format!("{} input", a.title);
    match a.spec.kind {
        Kind::Crawler => {
            let mut schema = crawler_schema(a, title);
            if a.spec.story == crate::entities::Story::RegressedCrawler && of == SchemaOf::Newest {
                if let Some(p) = schema["properties"].as_object_mut() {
                    p.remove("maxPages");
                }
            }
            schema
        }
        Kind::Api => json!({
            "title": title,
            "type": "object",
            "schemaVersion": 1,
            "properties": {
                "query": {"title": "Query", "type": "string", "editor": "textfield",
                          "prefill": a.name.replace('-', " ")},
                "maxResults": {"title": "Max results", "type": "integer", "minimum": 1, "default": 100},
                "apiKey": {"title": "API key", "type": "string", "editor": "textfield", "isSecret": true},
                "auth": {"title": "Account", "type": "object", "editor": "json"},
                "sessionCookie": {"title": "Session cookie", "type": "string", "editor": "textfield", "isSecret": true},
            },
            "required": ["query"],
        }),
        Kind::Monitor => json!({
            "title": title,
            "type": "object",
            "schemaVersion": 1,
            "properties": {
                "urls": {"title": "URLs", "type": "array", "editor": "stringList",
                         "prefill": [format!("https://status.{}.example.com/health", a.name)]},
                "expectStatus": {"title": "Expected status", "type": "integer", "default": 200},
                "timeoutSecs": {"title": "Timeout per check (s)", "type": "integer", "default": 30},
                "basicAuth": {"title": "Basic auth", "type": "object", "editor": "json"},
                "headers": {"title": "Headers", "type": "object", "editor": "json", "default": {}},
            },
            "required": ["urls"],
        }),
    }
}

/// The dataset schema (`actorDefinition.storages.dataset`, and `schema` of the Actor's run
/// datasets): the fields of the items the generator writes.
pub fn dataset_schema() -> Value {
    json!({
        "actorSpecification": 1,
        "fields": {
            "type": "object",
            "properties": {
                "url": {"type": "string"},
                "title": {"type": "string"},
                "price": {"type": "number"},
                "currency": {"type": "string"},
                "scrapedAt": {"type": "string"},
            },
            "required": ["url", "title"],
        },
        "views": {
            "overview": {
                "title": "Overview",
                "transformation": {"fields": ["url", "title", "price", "currency", "scrapedAt"]},
                "display": {
                    "component": "table",
                    "properties": {
                        "url": {"label": "URL", "format": "link"},
                        "title": {"label": "Title", "format": "text"},
                        "price": {"label": "Price", "format": "number"},
                    },
                },
            },
        },
    })
}

/// A key-value store schema (`schema` of a crawler run's default store).
pub fn store_schema() -> Value {
    json!({
        "actorKeyValueStoreSchemaVersion": 1,
        "title": "Run records",
        "collections": {
            "input": {"title": "Input", "key": "INPUT", "contentTypes": ["application/json"]},
            "output": {"title": "Output", "key": "OUTPUT", "contentTypes": ["application/json"]},
        },
    })
}

/// `(min, default, max)` memory of the Actor's definition, in MB.
pub fn memory_mbytes(a: &Actor) -> (u32, u32, u32) {
    let default = a.spec.memory_mb;
    (
        (default / 4).max(MIN_MEMORY_MBYTES),
        default,
        (default * 4).clamp(4096, MAX_MEMORY_MBYTES),
    )
}

/// Version-level environment variables (`versions[].envVars`, `actVersion.envVars`).
pub fn env_vars(a: &Actor) -> Value {
    // Legacy Actors were set up through an old client that did not send `isSecret`.
    let flag = |secret: bool| {
        if a.legacy {
            Value::Null
        } else {
            json!(secret)
        }
    };
    json!([
        {"name": "PARTNER_API_KEY", "value": secret("pk_live_", &a.name, "partner-api-key"), "isSecret": flag(true)},
        {"name": "PROXY_PASSWORD", "value": secret("", &a.name, "proxy-password"), "isSecret": flag(true)},
        {"name": "SLACK_WEBHOOK_URL",
         "value": format!("https://hooks.slack.com/services/T04FORGE/B06DEMO/{}", secret("", &a.name, "slack")),
         "isSecret": flag(false)},
    ])
}

/// `actorDefinition.environmentVariables` (from `.actor/actor.json`).
pub fn definition_env(a: &Actor) -> Value {
    json!({
        "NPM_TOKEN": secret("npm_", &a.name, "npm-token"),
        "SENTRY_DSN": format!("https://{}@o450913.ingest.sentry.io/5512", secret("", &a.name, "sentry")),
    })
}

pub fn git_repo_url(a: &Actor) -> String {
    format!(
        "https://forge-ci:{}@github.com/forge-demo/{}.git#main",
        secret("ghp_", &a.name, "github-token"),
        a.name
    )
}

pub fn tarball_url(a: &Actor) -> String {
    format!(
        "https://forge-demo-releases.s3.amazonaws.com/{}/{}.tar.gz?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAFORGEDEMO%2F20251101%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Expires=604800&X-Amz-Signature={}",
        a.name,
        a.version,
        secret("", &a.name, "s3-signature")
    )
}

pub fn gist_url(a: &Actor) -> String {
    format!(
        "https://gist.github.com/forge-demo/{}",
        secret("", &a.name, "secret-gist")
    )
}

pub fn deployment_key(a: &Actor) -> String {
    format!(
        "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABgQ{} deploy@{}",
        secret("", &a.id, "deployment-key"),
        a.name
    )
}

pub fn dockerfile(a: &Actor) -> String {
    let image = match a.spec.kind {
        Kind::Crawler => "apify/actor-node-playwright-chrome:20",
        _ => "apify/actor-node:20",
    };
    format!(
        "FROM {image}\n\
         COPY --chown=myuser package*.json ./\n\
         # The private registry token is baked in at build time (TODO: use a build secret).\n\
         ENV NPM_TOKEN={}\n\
         RUN npm --quiet set progress=false \\\n && npm install --omit=dev --omit=optional\n\
         COPY --chown=myuser . ./\n\
         CMD npm start --silent\n",
        secret("npm_", &a.name, "npm-token")
    )
}

pub fn readme(a: &Actor) -> String {
    format!(
        "# {}\n\n{}\n\n## Input\n\nSee the input schema. Credentials go into the secret fields.\n\n\
         ## Maintainers\n\nStaging runs go through `http://forge-demo:{}@proxy.forge-demo.example:8000`.\n",
        a.title,
        a.description,
        secret("", &a.name, "staging-proxy")
    )
}

/// The change log up to `build_number` (`x.y.n`).
pub fn changelog(a: &Actor, build_number: &str) -> String {
    format!(
        "# Change log\n\n## {build_number}\n\n- Dependency updates.\n- Moved the staging token \
         (`STAGING_TOKEN={}`) out of the source.\n\n## {}.1\n\n- First release.\n",
        secret("", &a.name, "staging-token"),
        a.version
    )
}

fn main_js(a: &Actor) -> String {
    let body = match a.spec.kind {
        Kind::Crawler => {
            "const proxyConfiguration = await Actor.createProxyConfiguration(input.proxyConfiguration);\n\
             const crawler = new PlaywrightCrawler({\n    proxyConfiguration,\n    maxRequestsPerCrawl: input.maxRequestsPerCrawl ?? 1000,\n    \
             async requestHandler({ request, page, pushData }) {\n        \
             const title = await page.title();\n        \
             await pushData({ url: request.loadedUrl, title, scrapedAt: new Date().toISOString() });\n    },\n});\n\
             await crawler.run(input.startUrls ?? []);\n"
        }
        Kind::Api => {
            "const res = await fetch(`https://api.partner.example/v1/search?q=${encodeURIComponent(input.query)}`, {\n    \
             headers: { Authorization: `Bearer ${apiKey}` },\n});\n\
             const { results = [] } = await res.json();\n\
             await Actor.pushData(results.slice(0, input.maxResults ?? 100));\n"
        }
        Kind::Monitor => {
            "for (const url of input.urls ?? []) {\n    \
             const res = await fetch(url, { headers: { 'X-Api-Key': apiKey } });\n    \
             await Actor.pushData({ url, status: res.status, ok: res.status === (input.expectStatus ?? 200) });\n}\n"
        }
    };
    let import = match a.spec.kind {
        Kind::Crawler => "import { PlaywrightCrawler } from 'crawlee';\n",
        _ => "",
    };
    format!(
        "import {{ Actor }} from 'apify';\n{import}\n\
         // Fallback for local runs. TODO: remove before the next release.\n\
         const FALLBACK_API_KEY = '{}';\n\n\
         await Actor.init();\n\
         const input = (await Actor.getInput()) ?? {{}};\n\
         const apiKey = process.env.PARTNER_API_KEY ?? FALLBACK_API_KEY;\n\
         {body}\
         await Actor.exit();\n",
        secret("sk_live_", &a.name, "hardcoded-key")
    )
}

fn package_json(a: &Actor) -> String {
    let deps = match a.spec.kind {
        Kind::Crawler => json!({"apify": "^3.2.6", "crawlee": "^3.12.1", "playwright": "1.49.1"}),
        _ => json!({"apify": "^3.2.6"}),
    };
    let v = json!({
        "name": a.name,
        "version": format!("{}.0", a.version),
        "type": "module",
        "private": true,
        "repository": {"type": "git", "url": git_repo_url(a)},
        "dependencies": deps,
        "scripts": {"start": "node src/main.js"},
    });
    serde_json::to_string_pretty(&v).unwrap_or_default()
}

/// `.actor/actor.json` as committed (its environment variables hold the secrets).
fn actor_json_file(a: &Actor) -> String {
    let (min, default, max) = memory_mbytes(a);
    let v = json!({
        "actorSpecification": 1,
        "name": a.name,
        "version": a.version,
        "buildTag": "latest",
        "environmentVariables": definition_env(a),
        "dockerfile": "../Dockerfile",
        "input": "./input_schema.json",
        "storages": {"dataset": "./dataset_schema.json"},
        "minMemoryMbytes": min,
        "defaultMemoryMbytes": default,
        "maxMemoryMbytes": max,
    });
    serde_json::to_string_pretty(&v).unwrap_or_default()
}

/// The inline source (`sourceFiles`): two folders and four text files, each holding a secret.
pub fn source_files(a: &Actor) -> Value {
    let file =
        |name: &str, content: String| json!({"name": name, "format": "TEXT", "content": content});
    json!([
        {"name": ".actor", "folder": true},
        file(".actor/actor.json", actor_json_file(a)),
        file("Dockerfile", dockerfile(a)),
        file("package.json", package_json(a)),
        {"name": "src", "folder": true},
        file("src/main.js", main_js(a)),
    ])
}

/// One entry of `versions[]` (`Version`). Another user's public Actor hides its source.
pub fn version_json(a: &Actor) -> Value {
    let hidden = !a.own;
    let src = if hidden { Source::Files } else { a.source };
    let url = |want: Source, f: fn(&Actor) -> String| {
        if !hidden && src == want {
            json!(f(a))
        } else {
            Value::Null
        }
    };
    json!({
        "versionNumber": a.version,
        "sourceType": src.api_name(),
        "envVars": if hidden { Value::Null } else { env_vars(a) },
        "applyEnvVarsToBuild": match (hidden, src) {
            (true, _) => Value::Null,
            (_, Source::Git) => json!(true),
            _ => json!(false),
        },
        "buildTag": "latest",
        "sourceFiles": if !hidden && src == Source::Files { source_files(a) } else { json!([]) },
        "gitRepoUrl": url(Source::Git, git_repo_url),
        "tarballUrl": url(Source::Tarball, tarball_url),
        "gitHubGistUrl": url(Source::Gist, gist_url),
    })
}

/// `actVersion` of a build: the version it was built from (the source fields present as the
/// source type has them, per the spec).
pub fn act_version_json(a: &Actor, version: &str) -> Value {
    let hidden = !a.own;
    let mut v = json!({
        "versionNumber": version,
        "sourceType": if hidden { "SOURCE_FILES" } else { a.source.api_name() },
        "buildTag": "latest",
    });
    if hidden {
        v["sourceFiles"] = json!([]);
        return v;
    }
    v["envVars"] = env_vars(a);
    match a.source {
        Source::Files => v["sourceFiles"] = source_files(a),
        Source::Git => v["gitRepoUrl"] = json!(git_repo_url(a)),
        Source::Tarball => v["tarballUrl"] = json!(tarball_url(a)),
        Source::Gist => v["gitHubGistUrl"] = json!(gist_url(a)),
    }
    v
}

/// `actorDefinition` of a build (`ActorDefinition`), or `null` for a legacy Actor without
/// `.actor/actor.json`.
pub fn actor_definition(a: &Actor, version: &str, build_number: &str, of: SchemaOf) -> Value {
    if a.legacy {
        return Value::Null;
    }
    let (min, default, max) = memory_mbytes(a);
    json!({
        "actorSpecification": 1,
        "name": a.name,
        "version": version,
        "buildTag": "latest",
        "environmentVariables": definition_env(a),
        "dockerfile": dockerfile(a),
        "dockerContextDir": "../",
        "readme": readme(a),
        "input": input_schema(a, of),
        "changelog": changelog(a, build_number),
        "storages": {"dataset": dataset_schema()},
        "defaultMemoryMbytes": default,
        "minMemoryMbytes": min,
        "maxMemoryMbytes": max,
        "usesStandbyMode": a.standby,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_carry_the_sentinel_and_differ() {
        let a = secret("pk_", "x", "one");
        assert!(a.starts_with("pk_") && a.contains(SENTINEL));
        assert_ne!(a, secret("pk_", "x", "two"));
        assert_ne!(a, secret("pk_", "y", "one"));
        assert!(signing_key("id").contains(SENTINEL));
        assert!(signature("id", "items").contains(SENTINEL));
        assert_ne!(signature("id", "items"), signature("id", "keys"));
        for kind in [Kind::Crawler, Kind::Api, Kind::Monitor] {
            let input: Value = serde_json::from_str(&example_input("n", kind)).unwrap();
            assert!(input.is_object());
        }
    }
}
