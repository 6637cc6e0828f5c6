//! The Run dialog's fields, checked before anything is sent: memory, timeout, the build and
//! the JSON input, against the limits Apify and the relay enforce (`forge_apify::limits`); and
//! how a started run reads while it is followed ([`RunProgress`]).
//!
//! The input starts from the build's input schema ([`starting_input_text`]): each field's
//! `prefill`, else its `default`, never a field marked `isSecret`. Not from the Actor's example
//! input (the relay never returns it: it can hold credentials) nor a past run's input (a record
//! outside what Forge reads).

use crate::view_model::format::{duration, usd};
use forge_apify::definition::BuildDefinition;
use forge_apify::limits::{
    is_allowed_memory_mbytes, MAX_MEMORY_MBYTES, MAX_RUN_INPUT_BYTES, MAX_RUN_TIMEOUT_SECS,
    MIN_MEMORY_MBYTES,
};
use forge_apify::models::{JobStatus, Run};
use forge_apify::time::parse_iso_millis;

/// The memory a run gets when neither the Actor nor the user says.
pub const DEFAULT_MEMORY_MB: u32 = 1024;
/// The timeout a run gets when neither the Actor nor the user says.
pub const DEFAULT_TIMEOUT_SECS: u32 = 3600;

/// A checked run request: memory (MB), timeout (s) and the JSON body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunRequest {
    pub memory: u32,
    pub timeout: u32,
    /// A build number or tag; `None` runs the Actor's own default build.
    pub build: Option<String>,
    pub body: String,
}

/// The input a run on a build with definition `def` starts from, as the dialog shows it
/// (pretty JSON); `None` when the schema suggests nothing or it would not fit the limit.
pub fn starting_input_text(def: &BuildDefinition) -> Option<String> {
    let input = def.starting_input();
    if input.is_empty() {
        return None;
    }
    let text = serde_json::to_string_pretty(&input).ok()?;
    (text.len() <= MAX_RUN_INPUT_BYTES).then_some(text)
}

/// The line under a prefilled input: where it came from.
pub fn starting_input_note(build: &str) -> String {
    format!("Filled in from the input schema of build {build}: its prefill and default values. Secret fields are left for you to fill in.")
}

/// The input field's label, with its limit.
pub fn input_label() -> String {
    format!(
        "Input (JSON, optional, at most {} KiB)",
        MAX_RUN_INPUT_BYTES / 1024
    )
}

/// Checks the dialog's fields; the error is a sentence for the form. `build` is a value of
/// [`build_choices`] (empty: the Actor's default build).
pub fn check(memory: &str, timeout: &str, build: &str, input: &str) -> Result<RunRequest, String> {
    let memory: u32 = memory
        .trim()
        .parse()
        .map_err(|_| "Memory must be a whole number of megabytes.".to_string())?;
    if !is_allowed_memory_mbytes(memory) {
        return Err(format!(
            "Memory must be a power of 2 between {MIN_MEMORY_MBYTES} and {MAX_MEMORY_MBYTES} MB."
        ));
    }
    let timeout: u32 = timeout
        .trim()
        .parse()
        .map_err(|_| "Timeout must be a whole number of seconds.".to_string())?;
    if timeout == 0 || timeout > MAX_RUN_TIMEOUT_SECS {
        return Err("Timeout must be between 1 second and 7 days.".into());
    }
    let body = if input.trim().is_empty() {
        "{}".to_string()
    } else {
        input.to_string()
    };
    if body.len() > MAX_RUN_INPUT_BYTES {
        return Err(format!(
            "The input is {} KiB; the limit is {} KiB.",
            body.len().div_ceil(1024),
            MAX_RUN_INPUT_BYTES / 1024
        ));
    }
    if let Err(e) = serde_json::from_str::<serde::de::IgnoredAny>(&body) {
        return Err(format!("The input is not valid JSON: {e}"));
    }
    let build = build.trim();
    if !build.is_empty() && !forge_apify::limits::is_build_ref(build) {
        return Err("The build must be a build number such as 0.3.14 or a tag.".into());
    }
    Ok(RunRequest {
        memory,
        timeout,
        build: (!build.is_empty()).then(|| build.to_string()),
        body,
    })
}

/// The build choices, as (value, label): the Actor's default build first, then each known
/// build, newest first, the one tagged `latest` marked.
pub fn build_choices(builds: &[(String, bool)]) -> Vec<(String, String)> {
    let mut out = vec![(String::new(), "The Actor's default build".to_string())];
    out.extend(builds.iter().map(|(number, latest)| {
        let label = if *latest {
            format!("{number} (latest)")
        } else {
            number.clone()
        };
        (number.clone(), label)
    }));
    out
}

/// A started run as the dialog shows it while following it and after.
#[derive(Debug, Clone, PartialEq)]
pub struct RunProgress {
    pub run_id: String,
    pub status: JobStatus,
    /// How long it ran (or has run so far).
    pub duration_ms: Option<u64>,
    /// `usageTotalUsd` (so far, while it runs).
    pub cost_usd: Option<f64>,
}

impl RunProgress {
    /// From Apify's run, at `now_ms` (for a run still going).
    pub fn of(run: &Run, now_ms: i64) -> RunProgress {
        let started = parse_iso_millis(&run.started_at);
        let ended = run.finished_at.as_deref().and_then(parse_iso_millis);
        let measured = run.stats.as_ref().and_then(|s| s.duration_millis);
        let duration_ms = measured.or_else(|| {
            let end = ended.unwrap_or(now_ms);
            started.map(|s| (end - s).max(0) as u64)
        });
        RunProgress {
            run_id: run.id.clone(),
            status: run.status,
            duration_ms,
            cost_usd: run.usage_total_usd,
        }
    }

    /// `SUCCEEDED · 1m 35s · $0.012`, or `RUNNING · 12 s so far · $0.0010 so far`.
    pub fn text(&self) -> String {
        let so_far = if self.status.is_terminal() {
            ""
        } else {
            " so far"
        };
        let mut parts = vec![self.status.as_str().to_string()];
        if let Some(d) = self.duration_ms {
            parts.push(format!("{}{so_far}", duration(d)));
        }
        if let Some(c) = self.cost_usd {
            parts.push(format!("{}{so_far}", usd(c)));
        }
        parts.join(" · ")
    }
}

/// The memory choices of the dialog, as (value, label): every size Apify accepts
/// (`forge_apify::limits::memory_options`), "1 GB" from 1,024 MB up, plus `current` first if
/// it is not one of them (an Actor default Apify would refuse, which the check then names).
pub fn memory_choices(current: &str) -> Vec<(String, String)> {
    let label = |mb: u32| {
        if mb >= 1024 {
            format!("{} GB", mb / 1024)
        } else {
            format!("{mb} MB")
        }
    };
    let mut out: Vec<(String, String)> = forge_apify::limits::memory_options()
        .map(|mb| (mb.to_string(), label(mb)))
        .collect();
    let current = current.trim();
    if !current.is_empty() && !out.iter().any(|(v, _)| v == current) {
        out.insert(0, (current.to_string(), format!("{current} MB")));
    }
    out
}

/// The wait before poll `n` (0-based) after a failed follow-up read: 1 s, growing by half, at
/// most 5 s.
pub fn poll_delay_ms(n: u32) -> f64 {
    (1000.0 * 1.5f64.powi(n.min(10) as i32)).min(5000.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_input_starts_from_the_schema_and_says_nothing_without_one() {
        use forge_apify::definition::BuildDetail;
        let def = BuildDetail {
            id: "b".into(),
            input_schema: Some(
                r#"{"properties":{"q":{"type":"string","prefill":"lamps"},
                    "apiKey":{"type":"string","isSecret":true,"default":"x"}}}"#
                    .into(),
            ),
            ..BuildDetail::default()
        }
        .definition();
        assert_eq!(
            starting_input_text(&def).as_deref(),
            Some("{\n  \"q\": \"lamps\"\n}")
        );
        assert_eq!(starting_input_text(&BuildDefinition::default()), None);
        assert!(starting_input_note("0.3.14").contains("build 0.3.14"));
    }

    #[test]
    fn memory_is_chosen_from_apifys_sizes() {
        let choices = memory_choices("1024");
        assert_eq!(choices.len(), 9);
        assert_eq!(choices[0], ("128".into(), "128 MB".into()));
        assert_eq!(choices[3], ("1024".into(), "1 GB".into()));
        assert_eq!(choices[8], ("32768".into(), "32 GB".into()));
        // A default Apify would refuse is shown as it is, for the check to name.
        let odd = memory_choices("1000");
        assert_eq!(odd[0], ("1000".into(), "1000 MB".into()));
        assert_eq!(odd.len(), 10);
        assert!(check(&odd[0].0, "60", "", "").is_err());
    }

    #[test]
    fn checks_the_form() {
        let big = format!("\"{}\"", "x".repeat(MAX_RUN_INPUT_BYTES));
        // (case, (memory, timeout, input), Ok(body) or Err(part of the message))
        type Case<'a> = (
            &'a str,
            (&'a str, &'a str, &'a str),
            Result<&'a str, &'a str>,
        );
        let cases: [Case; 8] = [
            ("empty input is {}", ("1024", "60", ""), Ok("{}")),
            ("an object", ("256", "10", r#"{"a":1}"#), Ok(r#"{"a":1}"#)),
            ("not a power of two", ("1000", "60", ""), Err("power of 2")),
            ("too little memory", ("64", "60", ""), Err("power of 2")),
            ("no timeout", ("1024", "0", ""), Err("between 1 second")),
            (
                "over a week",
                ("1024", "604801", ""),
                Err("between 1 second"),
            ),
            (
                "broken JSON",
                ("1024", "60", "{not json"),
                Err("not valid JSON"),
            ),
            ("too big", ("1024", "60", &big), Err("the limit is 256 KiB")),
        ];
        for (case, (m, t, i), want) in cases {
            match (check(m, t, "", i), want) {
                (Ok(r), Ok(body)) => assert_eq!(r.body, body, "{case}"),
                (Err(e), Err(part)) => assert!(e.contains(part), "{case}: {e}"),
                (got, _) => panic!("{case}: {got:?}"),
            }
        }
        assert_eq!(input_label(), "Input (JSON, optional, at most 256 KiB)");
    }

    #[test]
    fn the_build_is_the_actors_default_or_one_of_its_builds() {
        assert_eq!(check("1024", "60", "", "").unwrap().build, None);
        assert_eq!(
            check("1024", "60", "0.3.13", "").unwrap().build.as_deref(),
            Some("0.3.13")
        );
        assert!(check("1024", "60", "0.3&x=1", "").is_err());
        let choices = build_choices(&[("0.3.14".into(), true), ("0.3.13".into(), false)]);
        assert_eq!(
            choices,
            [
                ("".into(), "The Actor's default build".into()),
                ("0.3.14".into(), "0.3.14 (latest)".into()),
                ("0.3.13".into(), "0.3.13".into()),
            ]
        );
    }

    #[test]
    fn a_followed_run_reads_its_status_duration_and_cost() {
        let run = |status: &str, finished: Option<&str>, cost: Option<f64>| -> Run {
            serde_json::from_value(serde_json::json!({
                "id": "r1", "actId": "a1", "status": status,
                "startedAt": "2026-12-01T10:00:00.000Z", "finishedAt": finished,
                "usageTotalUsd": cost,
            }))
            .unwrap()
        };
        let now = parse_iso_millis("2026-12-01T10:00:12.000Z").unwrap();
        let going = RunProgress::of(&run("RUNNING", None, Some(0.001)), now);
        assert_eq!(going.text(), "RUNNING · 12 s so far · $0.0010 so far");
        let done = RunProgress::of(
            &run("SUCCEEDED", Some("2026-12-01T10:01:35.000Z"), Some(0.0123)),
            now,
        );
        assert_eq!(done.text(), "SUCCEEDED · 1m 35s · $0.012");
        let unknown = RunProgress::of(&run("READY", None, None), now);
        assert_eq!(unknown.text(), "READY · 12 s so far");
    }

    #[test]
    fn back_off_grows_to_five_seconds() {
        assert_eq!(poll_delay_ms(0), 1000.0);
        assert_eq!(poll_delay_ms(1), 1500.0);
        assert_eq!(poll_delay_ms(9), 5000.0);
    }
}
