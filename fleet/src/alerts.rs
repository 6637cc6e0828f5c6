//! Rules a check fails on, the problems they match, and which of them to tell someone about.
//!
//! `forge check` exits 1 when a rule matches ([`Rule`]: `fix-now`, `regression`, `runaway`,
//! `health<N>`), and with `--notify` posts what matched to a webhook — only problems that are
//! new or got worse since the last check, at most once a UTC day each ([`due`]). What was told
//! is remembered in an [`AlertState`] the check keeps in the user's own `forge-trends` store, so
//! two machines checking one account agree. The payload is Slack-compatible (`text` plus
//! `blocks`) and carries the problems as plain JSON for any other receiver ([`payload`]).

use crate::fleet::FleetReport;
use crate::plan::Bucket;
use crate::rules::ALERT_WORSE_POINTS;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// A rule a check fails on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Rule {
    /// An Actor in the plan's *Fix now* bucket (the default).
    FixNow,
    /// A release regression.
    Regression,
    /// A run that ran away or hung.
    Runaway,
    /// An Actor with runs in the window whose health is below this.
    HealthBelow(u8),
}

impl Rule {
    /// `fix-now`, `regression`, `runaway`, `health<60`, `none` (no rule), comma-separated.
    pub fn parse_list(s: &str) -> Result<Vec<Rule>, String> {
        let mut rules = Vec::new();
        for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let rule = match part {
                "none" => continue,
                "fix-now" => Rule::FixNow,
                "regression" => Rule::Regression,
                "runaway" => Rule::Runaway,
                _ => match part.strip_prefix("health<").map(str::parse::<u8>) {
                    Some(Ok(n)) if n <= 100 => Rule::HealthBelow(n),
                    _ => {
                        return Err(format!(
                            "unknown rule `{part}`: use fix-now, regression, runaway, health<N (0–100) or none"
                        ))
                    }
                },
            };
            if !rules.contains(&rule) {
                rules.push(rule);
            }
        }
        Ok(rules)
    }

    /// The rule as written on the command line.
    pub fn code(self) -> String {
        match self {
            Rule::FixNow => "fix-now".into(),
            Rule::Regression => "regression".into(),
            Rule::Runaway => "runaway".into(),
            Rule::HealthBelow(n) => format!("health<{n}"),
        }
    }
}

/// One rule matching one Actor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Problem {
    /// Stable across checks: the rule, the Actor and — for a regression or a runaway run — the
    /// build or run, so a new one is a new problem.
    pub key: String,
    pub rule: String,
    pub actor_id: String,
    pub actor_name: String,
    pub health: u8,
    /// What is wrong, in the plan's or the runaway notice's words.
    pub text: String,
}

/// What every rule matches in `report`, in the report's Actor order (rule order within one).
pub fn problems(report: &FleetReport, rules: &[Rule]) -> Vec<Problem> {
    let mut out = Vec::new();
    for a in &report.actors {
        for rule in rules {
            let found: Option<(String, String)> = match rule {
                Rule::FixNow => (a.placement.bucket == Bucket::FixNow)
                    .then(|| (String::new(), a.placement.reason.clone())),
                Rule::Regression => a.builds.release.as_ref().filter(|r| r.regression).map(|r| {
                    let build = r.newest.number.clone().or(r.newest.id.clone());
                    (format!(":{}", build.unwrap_or_default()), r.note.clone())
                }),
                Rule::Runaway => a.runaway.as_ref().map(|r| {
                    (
                        format!(":{}", r.run_id.as_deref().unwrap_or("")),
                        format!("a run has run away: {}", r.reason()),
                    )
                }),
                Rule::HealthBelow(n) => (a.runs.total() > 0 && a.health.score < *n)
                    .then(|| (String::new(), format!("health {} < {n}", a.health.score))),
            };
            if let Some((suffix, text)) = found {
                out.push(Problem {
                    key: format!("{}:{}{suffix}", rule.code(), a.id),
                    rule: rule.code(),
                    actor_id: a.id.clone(),
                    actor_name: a.name.clone(),
                    health: a.health.score,
                    text,
                });
            }
        }
    }
    out
}

/// What the last checks told, kept as the `check-state` record of `forge-trends`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AlertState {
    pub version: u32,
    /// By problem key.
    pub told: BTreeMap<String, Told>,
}

/// The record key of [`AlertState`] in `forge-trends`.
pub const ALERT_STATE_KEY: &str = "check-state";
/// Its schema.
pub const ALERT_STATE_VERSION: u32 = 1;

/// When a problem was last told, and how it stood then.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Told {
    /// UTC day, `2026-12-04`.
    pub day: String,
    pub health: u8,
}

impl AlertState {
    /// A stored record; anything unreadable (or of another schema) is a fresh state, so a
    /// broken record costs at most one repeated alert.
    pub fn decode(bytes: &[u8]) -> AlertState {
        serde_json::from_slice::<AlertState>(bytes)
            .ok()
            .filter(|s| s.version == ALERT_STATE_VERSION)
            .unwrap_or_default()
    }

    pub fn encode(&self) -> String {
        serde_json::to_string(&AlertState {
            version: ALERT_STATE_VERSION,
            told: self.told.clone(),
        })
        .unwrap_or_default()
    }

    /// The state after telling `sent` on `day`, with problems that no longer match forgotten
    /// (so one that comes back is new again).
    pub fn after(&self, matched: &[Problem], sent: &[&Problem], day: &str) -> AlertState {
        let mut told: BTreeMap<String, Told> = self
            .told
            .iter()
            .filter(|(k, _)| matched.iter().any(|p| &p.key == *k))
            .map(|(k, t)| (k.clone(), t.clone()))
            .collect();
        for p in sent {
            told.insert(
                p.key.clone(),
                Told {
                    day: day.to_string(),
                    health: p.health,
                },
            );
        }
        AlertState {
            version: ALERT_STATE_VERSION,
            told,
        }
    }
}

/// The problems to tell on `day`: those never told, and those whose health fell by at least
/// [`ALERT_WORSE_POINTS`] since they were — each at most once a day.
pub fn due<'a>(matched: &'a [Problem], state: &AlertState, day: &str) -> Vec<&'a Problem> {
    matched
        .iter()
        .filter(|p| match state.told.get(&p.key) {
            None => true,
            Some(t) => t.day != day && p.health + ALERT_WORSE_POINTS <= t.health,
        })
        .collect()
}

/// The webhook body: Slack's `text` and `blocks`, and the problems as JSON.
pub fn payload(account: &str, window_days: u32, due: &[&Problem]) -> Value {
    let n = due.len();
    let text = format!(
        "Forge: {n} problem{} in {account}'s fleet, new or worse since the last check (last {window_days} days)",
        if n == 1 { "" } else { "s" }
    );
    let mut blocks = vec![json!({
        "type": "header",
        "text": {"type": "plain_text", "text": format!("Forge: {n} problem{}", if n == 1 { "" } else { "s" })}
    })];
    blocks.extend(due.iter().map(|p| {
        json!({
            "type": "section",
            "text": {"type": "mrkdwn", "text": format!(
                "*{}* — {} (health {}): {}\n<https://console.apify.com/actors/{}|Open in Apify Console>",
                p.actor_name, p.rule, p.health, p.text, p.actor_id
            )}
        })
    }));
    json!({
        "text": text,
        "blocks": blocks,
        "account": account,
        "windowDays": window_days,
        "problems": due,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problem(key: &str, health: u8) -> Problem {
        Problem {
            key: key.into(),
            rule: "fix-now".into(),
            actor_id: "a1".into(),
            actor_name: "flaky-scraper".into(),
            health,
            text: "failure rate 19% ≥ 15%".into(),
        }
    }

    #[test]
    fn rules_parse_combined_and_refuse_the_unknown() {
        assert_eq!(
            Rule::parse_list("fix-now,regression, runaway,health<60").unwrap(),
            [
                Rule::FixNow,
                Rule::Regression,
                Rule::Runaway,
                Rule::HealthBelow(60)
            ]
        );
        assert_eq!(Rule::parse_list("none").unwrap(), []);
        assert_eq!(Rule::parse_list("fix-now,fix-now").unwrap(), [Rule::FixNow]);
        for bad in ["health<101", "health<", "broken", "health<x"] {
            assert!(Rule::parse_list(bad).is_err(), "{bad}");
        }
        assert_eq!(Rule::HealthBelow(60).code(), "health<60");
    }

    #[test]
    fn a_problem_is_told_once_a_day_and_again_only_when_worse() {
        let matched = vec![problem("fix-now:a1", 40)];
        let fresh = AlertState::default();
        assert_eq!(due(&matched, &fresh, "2026-12-04").len(), 1);
        let told = fresh.after(&matched, &due(&matched, &fresh, "2026-12-04"), "2026-12-04");
        // Same day: nothing, even worse.
        assert!(due(&[problem("fix-now:a1", 10)], &told, "2026-12-04").is_empty());
        // Next day, the same: nothing new.
        assert!(due(&matched, &told, "2026-12-05").is_empty());
        // Next day, 4 points worse: not enough; 5 points: told again.
        assert!(due(&[problem("fix-now:a1", 36)], &told, "2026-12-05").is_empty());
        assert_eq!(
            due(&[problem("fix-now:a1", 35)], &told, "2026-12-05").len(),
            1
        );
        // Resolved, then back: new again.
        let resolved = told.after(&[], &[], "2026-12-06");
        assert!(resolved.told.is_empty());
        assert_eq!(due(&matched, &resolved, "2026-12-07").len(), 1);
    }

    #[test]
    fn the_state_reads_back_and_a_broken_record_is_a_fresh_one() {
        let matched = vec![problem("fix-now:a1", 40)];
        let s = AlertState::default().after(&matched, &[&matched[0]], "2026-12-04");
        assert_eq!(AlertState::decode(s.encode().as_bytes()), s);
        assert_eq!(AlertState::decode(b"not json"), AlertState::default());
        assert_eq!(
            AlertState::decode(br#"{"version":9,"told":{}}"#),
            AlertState::default()
        );
    }

    #[test]
    fn the_payload_is_slack_shaped_and_names_each_problem() {
        let p = problem("fix-now:a1", 40);
        let v = payload("forge-demo", 7, &[&p]);
        assert!(v["text"]
            .as_str()
            .unwrap()
            .starts_with("Forge: 1 problem in forge-demo's fleet"));
        assert_eq!(v["blocks"][0]["type"], "header");
        let section = v["blocks"][1]["text"]["text"].as_str().unwrap();
        assert!(
            section.starts_with("*flaky-scraper* — fix-now (health 40)"),
            "{section}"
        );
        assert_eq!(v["problems"][0]["actorName"], "flaky-scraper");
    }
}
