//! Which columns the fleet table shows and how tall its rows are: the user's choice, kept in
//! this browser (`localStorage`), so the table looks the same the next morning. Not in the
//! address: a link sent to a colleague opens the view, in the colleague's own columns.
//!
//! Only the choices that differ from the defaults are stored (`+build,-flags;comfortable`), so
//! a column added later shows or hides by its own default.

use crate::view_model::fleet_table::Col;

/// The `localStorage` key.
pub const STORAGE_KEY: &str = "forge.table";

/// Row height.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Density {
    /// One line per Actor where it fits: about 20 Actors on a laptop screen.
    #[default]
    Compact,
    Comfortable,
}

impl Density {
    pub fn code(self) -> &'static str {
        match self {
            Density::Compact => "compact",
            Density::Comfortable => "comfortable",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TablePrefs {
    /// Indexed like [`Col::ALL`].
    shown: [bool; Col::ALL.len()],
    pub density: Density,
}

impl Default for TablePrefs {
    fn default() -> TablePrefs {
        TablePrefs {
            shown: Col::ALL.map(Col::shown_by_default),
            density: Density::default(),
        }
    }
}

fn index(c: Col) -> usize {
    Col::ALL.iter().position(|x| *x == c).unwrap_or(0)
}

impl TablePrefs {
    pub fn is_shown(&self, c: Col) -> bool {
        !c.can_hide() || self.shown[index(c)]
    }

    /// Shows or hides `c` (the Actor column always shows).
    pub fn set_shown(&mut self, c: Col, shown: bool) {
        if c.can_hide() {
            self.shown[index(c)] = shown;
        }
    }

    /// The columns shown, in table order.
    pub fn columns(&self) -> impl Iterator<Item = Col> + '_ {
        Col::ALL.into_iter().filter(|c| self.is_shown(*c))
    }

    /// The table's classes: its density and a `hide-…` per hidden column (the stylesheet hides
    /// those cells, so a change restyles the table instead of building it again). With
    /// `no_run_history` (no Actor's runs could be read) the columns of run figures hide too:
    /// one notice says why, instead of a row of dashes per Actor.
    pub fn table_class(&self, no_run_history: bool) -> String {
        let mut class = format!("data-table fleet-table density-{}", self.density.code());
        for c in Col::ALL {
            if !self.is_shown(c) || (no_run_history && c.needs_runs()) {
                class.push_str(" hide-");
                class.push_str(c.code());
            }
        }
        class
    }

    /// As stored: the differences from the defaults, then the density.
    pub fn encode(&self) -> String {
        let changes: Vec<String> = Col::ALL
            .into_iter()
            .filter(|c| c.can_hide() && self.is_shown(*c) != c.shown_by_default())
            .map(|c| format!("{}{}", if self.is_shown(c) { '+' } else { '-' }, c.code()))
            .collect();
        format!("{};{}", changes.join(","), self.density.code())
    }

    /// What [`TablePrefs::encode`] wrote; anything it does not know is ignored.
    pub fn decode(stored: &str) -> TablePrefs {
        let mut prefs = TablePrefs::default();
        let (changes, density) = stored.split_once(';').unwrap_or((stored, ""));
        for change in changes.split(',') {
            let (shown, code) = match change.split_at_checked(1) {
                Some(("+", code)) => (true, code),
                Some(("-", code)) => (false, code),
                _ => continue,
            };
            if let Some(c) = Col::ALL.into_iter().find(|c| c.code() == code) {
                prefs.set_shown(c, shown);
            }
        }
        if density == Density::Comfortable.code() {
            prefs.density = Density::Comfortable;
        }
        prefs
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_store_as_nothing_but_the_density() {
        let prefs = TablePrefs::default();
        assert_eq!(prefs.encode(), ";compact");
        assert_eq!(TablePrefs::decode(""), prefs);
        assert_eq!(TablePrefs::decode(&prefs.encode()), prefs);
        let shown: Vec<Col> = prefs.columns().collect();
        assert_eq!(shown[..3], [Col::Name, Col::Health, Col::Bucket]);
        assert!(!prefs.is_shown(Col::Signals));
        assert_eq!(
            prefs.table_class(false),
            "data-table fleet-table density-compact hide-p50 hide-cost-per-1000 hide-memory hide-build hide-signals"
        );
    }

    #[test]
    fn choices_survive_storage_and_the_actor_column_stays() {
        let mut prefs = TablePrefs::default();
        prefs.set_shown(Col::Build, true);
        prefs.set_shown(Col::Flags, false);
        prefs.set_shown(Col::Name, false);
        prefs.density = Density::Comfortable;
        assert_eq!(prefs.encode(), "-flags,+build;comfortable");
        assert_eq!(TablePrefs::decode(&prefs.encode()), prefs);
        assert!(prefs.is_shown(Col::Name));
        assert!(prefs.table_class(false).contains("density-comfortable"));
        assert!(prefs.table_class(false).contains("hide-flags"));
        assert!(!prefs.table_class(false).contains("hide-build"));
    }

    #[test]
    fn without_run_history_only_what_needs_none_shows() {
        let mut prefs = TablePrefs::default();
        prefs.set_shown(Col::Build, true);
        let class = prefs.table_class(true);
        for c in Col::ALL {
            assert_eq!(
                class.contains(&format!(" hide-{} ", c.code()))
                    || class.ends_with(&format!(" hide-{}", c.code())),
                c.needs_runs(),
                "{c:?} in {class}"
            );
        }
    }

    #[test]
    fn unknown_stored_values_are_ignored() {
        let prefs = TablePrefs::decode("+colour,-,x,-health;dense");
        let mut expected = TablePrefs::default();
        expected.set_shown(Col::Health, false);
        assert_eq!(prefs, expected);
    }
}
