//! Where a thing lives in Apify Console. Forge reads and starts; everything else (aborting a
//! run, reading its log or items, changing an Actor) is done there, so every Actor, run and
//! failure Forge shows links to its page.

const CONSOLE: &str = "https://console.apify.com";

/// An Actor's page.
pub fn actor_url(actor_id: &str) -> String {
    format!("{CONSOLE}/actors/{actor_id}")
}

/// A run's page (its log, dataset and storage are tabs there).
pub fn run_url(actor_id: &str, run_id: &str) -> String {
    format!("{CONSOLE}/actors/{actor_id}/runs/{run_id}")
}

/// A run's log.
pub fn run_log_url(actor_id: &str, run_id: &str) -> String {
    format!("{CONSOLE}/actors/{actor_id}/runs/{run_id}#log")
}

/// A dataset's page.
pub fn dataset_url(dataset_id: &str) -> String {
    format!("{CONSOLE}/storage/datasets/{dataset_id}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_name_the_console_pages() {
        assert_eq!(actor_url("a1"), "https://console.apify.com/actors/a1");
        assert_eq!(
            run_url("a1", "r1"),
            "https://console.apify.com/actors/a1/runs/r1"
        );
        assert_eq!(
            run_log_url("a1", "r1"),
            "https://console.apify.com/actors/a1/runs/r1#log"
        );
        assert_eq!(
            dataset_url("d1"),
            "https://console.apify.com/storage/datasets/d1"
        );
    }
}
