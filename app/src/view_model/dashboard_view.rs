//! What the dashboard's address keeps: the window and the table's name filter, bucket and sort,
//! so a reload, a bookmark or a link sent to a colleague opens the same view. Defaults are left
//! out (`/` is the default view); a value the app does not know is ignored, never an error.
//!
//! ```text
//! /?window=7&q=scraper&bucket=fix-now&sort=-cost-per-run
//! ```

use crate::view_model::fleet_table::Col;
use forge_fleet::window::{DEFAULT_WINDOW_DAYS, WINDOW_CHOICES};
use forge_fleet::Bucket;

/// The dashboard's view, as its address has it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DashboardView {
    pub days: u32,
    /// The table's name filter, as typed.
    pub filter: String,
    pub bucket: Option<Bucket>,
    /// The sorted column, and whether ascending.
    pub sort: (Col, bool),
}

/// The table's order when the address names none: the worst health first.
pub const DEFAULT_SORT: (Col, bool) = (Col::Health, true);

impl Default for DashboardView {
    fn default() -> DashboardView {
        DashboardView {
            days: DEFAULT_WINDOW_DAYS,
            filter: String::new(),
            bucket: None,
            sort: DEFAULT_SORT,
        }
    }
}

impl DashboardView {
    /// The view an address's query names (`get` reads one decoded parameter).
    pub fn from_query(get: impl Fn(&str) -> Option<String>) -> DashboardView {
        let mut view = DashboardView::default();
        if let Some(d) = get("window").and_then(|w| w.parse().ok()) {
            if WINDOW_CHOICES.contains(&d) {
                view.days = d;
            }
        }
        view.filter = get("q").unwrap_or_default();
        view.bucket = get("bucket").and_then(|b| Bucket::ALL.into_iter().find(|x| x.code() == b));
        if let Some(s) = get("sort") {
            let (code, ascending) = match s.strip_prefix('-') {
                Some(code) => (code.to_string(), false),
                None => (s, true),
            };
            if let Some(col) = Col::ALL
                .into_iter()
                .find(|c| c.sortable() && c.code() == code)
            {
                view.sort = (col, ascending);
            }
        }
        view
    }

    /// The query parameters of this view, defaults left out, in a fixed order.
    pub fn to_query(&self) -> Vec<(&'static str, String)> {
        let mut q = Vec::new();
        if self.days != DEFAULT_WINDOW_DAYS {
            q.push(("window", self.days.to_string()));
        }
        if !self.filter.trim().is_empty() {
            q.push(("q", self.filter.clone()));
        }
        if let Some(b) = self.bucket {
            q.push(("bucket", b.code().to_string()));
        }
        if self.sort != DEFAULT_SORT {
            let (col, ascending) = self.sort;
            let dash = if ascending { "" } else { "-" };
            q.push(("sort", format!("{dash}{}", col.code())));
        }
        q
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(query: &[(&'static str, String)]) -> DashboardView {
        DashboardView::from_query(|k| {
            query
                .iter()
                .find(|(name, _)| *name == k)
                .map(|(_, v)| v.clone())
        })
    }

    #[test]
    fn the_default_view_is_a_bare_address() {
        assert!(DashboardView::default().to_query().is_empty());
        assert_eq!(read(&[]), DashboardView::default());
    }

    #[test]
    fn a_view_survives_its_address() {
        let view = DashboardView {
            days: 7,
            filter: "shop scraper ü".into(),
            bucket: Some(Bucket::FixNow),
            sort: (Col::CostPerRun, false),
        };
        let q = view.to_query();
        assert_eq!(
            q,
            [
                ("window", "7".to_string()),
                ("q", "shop scraper ü".to_string()),
                ("bucket", "fix-now".to_string()),
                ("sort", "-cost-per-run".to_string()),
            ]
        );
        assert_eq!(read(&q), view);
        let by_name = DashboardView {
            sort: (Col::Name, true),
            ..DashboardView::default()
        };
        assert_eq!(by_name.to_query(), [("sort", "name".to_string())]);
        assert_eq!(read(&by_name.to_query()), by_name);
    }

    #[test]
    fn unknown_values_are_ignored() {
        let q = [
            ("window", "14".to_string()),
            ("bucket", "broken".to_string()),
            ("sort", "-colour".to_string()),
            ("q", "  ".to_string()),
        ];
        let view = read(&q);
        assert_eq!(view.days, DEFAULT_WINDOW_DAYS);
        assert_eq!(view.bucket, None);
        assert_eq!(view.sort, DEFAULT_SORT);
        // Spaces only filter nothing, and are not written back.
        assert!(view.to_query().is_empty());
    }
}
