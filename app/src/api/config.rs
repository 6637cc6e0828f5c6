//! Where the relay is. The built site can be put on any static host and pointed at a relay on
//! another origin **without rebuilding**: the app reads `/forge-config.json` next to
//! `index.html`, e.g. `{"relay": "https://relay.example.com"}`. No file, an empty file, `{}` or
//! anything unreadable means "the relay is this site's own origin" (the relay serving the app).

use serde::Deserialize;

/// The settings file's name, at the site root.
pub const CONFIG_PATH: &str = "/forge-config.json";

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AppConfig {
    /// The relay's origin (`https://relay.example.com`, no trailing slash), or `None` for the
    /// site's own origin.
    pub relay: Option<String>,
}

#[derive(Deserialize)]
struct RawConfig {
    #[serde(default)]
    relay: Option<String>,
}

/// Why a `relay` value was ignored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigProblem(pub String);

impl AppConfig {
    /// Parses the settings file. An absent or empty file is the default; so is a body that is
    /// not JSON at all (a static host's or the relay's SPA fallback may answer a missing file
    /// with `index.html`). A `relay` that is present but not an `http(s)://host[:port]` origin is
    /// an error, so a typo is reported instead of silently talking to the wrong place.
    pub fn parse(body: &str) -> Result<AppConfig, ConfigProblem> {
        let body = body.trim();
        if body.is_empty() || !body.starts_with('{') {
            return Ok(AppConfig::default());
        }
        let raw: RawConfig = serde_json::from_str(body)
            .map_err(|e| ConfigProblem(format!("forge-config.json is not valid JSON: {e}")))?;
        let relay = match raw.relay.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(origin) => Some(normalise_origin(origin)?),
        };
        Ok(AppConfig { relay })
    }

    /// The URL of a relay path such as `/api/session`.
    pub fn url(&self, path: &str) -> String {
        match &self.relay {
            Some(origin) => format!("{origin}{path}"),
            None => path.to_string(),
        }
    }

    /// "this site" or the relay's origin, for messages.
    pub fn relay_name(&self) -> String {
        self.relay
            .clone()
            .unwrap_or_else(|| "this site".to_string())
    }
}

fn normalise_origin(raw: &str) -> Result<String, ConfigProblem> {
    let origin = raw.trim_end_matches('/');
    let rest = origin
        .strip_prefix("https://")
        .or_else(|| origin.strip_prefix("http://"))
        .ok_or_else(|| {
            ConfigProblem(format!(
                "forge-config.json: \"relay\" must start with https:// (got {raw:?})"
            ))
        })?;
    let host_ok = !rest.is_empty()
        && rest
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b':' | b'[' | b']'));
    if !host_ok {
        return Err(ConfigProblem(format!(
            "forge-config.json: \"relay\" must be an origin like https://relay.example.com — no path, query or credentials (got {raw:?})"
        )));
    }
    Ok(origin.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn absent_empty_or_not_json_means_same_origin() {
        for body in [
            "",
            "  ",
            "{}",
            "<!doctype html><html></html>",
            r#"{"relay":""}"#,
        ] {
            assert_eq!(AppConfig::parse(body), Ok(AppConfig::default()), "{body:?}");
        }
        assert_eq!(AppConfig::default().url("/api/session"), "/api/session");
    }

    #[test]
    fn a_relay_origin_is_used_for_every_api_url() {
        let c = AppConfig::parse(r#"{"relay": "https://relay.example.com/"}"#).unwrap();
        assert_eq!(c.relay.as_deref(), Some("https://relay.example.com"));
        assert_eq!(c.url("/api/audit"), "https://relay.example.com/api/audit");
        let local = AppConfig::parse(r#"{"relay": "http://127.0.0.1:3000"}"#).unwrap();
        assert_eq!(
            local.url("/api/session"),
            "http://127.0.0.1:3000/api/session"
        );
    }

    #[test]
    fn typos_are_reported() {
        for bad in [
            r#"{"relay": "relay.example.com"}"#,
            r#"{"relay": "https://relay.example.com/api"}"#,
            r#"{"relay": "https://user:pw@relay.example.com"}"#,
            r#"{"relay": 3}"#,
            r#"{"relay": "https://x"#,
        ] {
            assert!(AppConfig::parse(bad).is_err(), "{bad}");
        }
    }
}
