//! The fleet load's progress bar: its words and how full it is.

use crate::data::fleet::Phase;

/// The progress bar's words.
pub fn words(phase: &Phase) -> String {
    match phase {
        Phase::Idle => String::new(),
        Phase::Listing => "Listing your Actors…".into(),
        Phase::Lists { done, known } => {
            format!("Reading your account's runs, datasets and builds: page {done} of {known}…")
        }
        Phase::Enriching { done, total } => {
            format!("Adding each Actor's defaults and memory… ({done} of {total} Actors)")
        }
        Phase::Done => "Up to date".into(),
        Phase::Failed(m) => m.clone(),
    }
}

/// 0–100 for the bar: the account-wide lists are 70 %, the background reads the rest.
pub fn percent(phase: &Phase) -> u32 {
    let part = |d: usize, t: usize| if t == 0 { 1.0 } else { d as f64 / t as f64 };
    match phase {
        Phase::Idle | Phase::Listing | Phase::Failed(_) => 2,
        Phase::Lists { done, known } => (2.0 + 68.0 * part(*done, *known)) as u32,
        Phase::Enriching { done, total } => (70.0 + 30.0 * part(*done, *total)) as u32,
        Phase::Done => 100,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn progress_words_and_bar() {
        let half = Phase::Lists {
            done: 12,
            known: 24,
        };
        assert_eq!(
            words(&half),
            "Reading your account's runs, datasets and builds: page 12 of 24…"
        );
        assert_eq!(percent(&half), 36);
        assert!(words(&Phase::Enriching { done: 1, total: 2 })
            .starts_with("Adding each Actor's defaults and memory…"));
        assert_eq!(percent(&Phase::Enriching { done: 0, total: 0 }), 100);
        assert_eq!(percent(&Phase::Done), 100);
    }
}
