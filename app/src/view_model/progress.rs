//! The fleet load's progress bar: its words and how full it is.

use crate::data::fleet::Phase;

/// The progress bar's words.
pub fn words(phase: &Phase) -> String {
    match phase {
        Phase::Idle => String::new(),
        Phase::Listing => "Listing your Actors…".into(),
        Phase::Actors { done, total } => format!("Loading {done} of {total} Actors…"),
        Phase::Enriching { done, total } => {
            format!("Adding memory and result counts… ({done} of {total} Actors)")
        }
        Phase::Done => "Up to date".into(),
        Phase::Failed(m) => m.clone(),
    }
}

/// 0–100 for the bar: the Actors are 70 %, enrichment the rest.
pub fn percent(phase: &Phase) -> u32 {
    let part = |d: usize, t: usize| if t == 0 { 1.0 } else { d as f64 / t as f64 };
    match phase {
        Phase::Idle | Phase::Listing | Phase::Failed(_) => 2,
        Phase::Actors { done, total } => (2.0 + 68.0 * part(*done, *total)) as u32,
        Phase::Enriching { done, total } => (70.0 + 30.0 * part(*done, *total)) as u32,
        Phase::Done => 100,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn progress_words_and_bar() {
        let half = Phase::Actors {
            done: 12,
            total: 24,
        };
        assert_eq!(words(&half), "Loading 12 of 24 Actors…");
        assert_eq!(percent(&half), 36);
        assert!(words(&Phase::Enriching { done: 1, total: 2 })
            .starts_with("Adding memory and result counts…"));
        assert_eq!(percent(&Phase::Enriching { done: 0, total: 0 }), 100);
        assert_eq!(percent(&Phase::Done), 100);
    }
}
