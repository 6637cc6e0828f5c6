//! The `/actors` list: filtering by name and the slug under each name.

use crate::view_model::format::fold_case;
use forge_apify::models::ActorShort;

/// Actors whose name or title contains `filter` (case-insensitive), by title.
pub fn filter_actors<'a>(items: &'a [ActorShort], filter: &str) -> Vec<&'a ActorShort> {
    let needle = fold_case(filter.trim());
    let mut by_name: Vec<(String, &ActorShort)> = items
        .iter()
        .filter(|a| {
            needle.is_empty()
                || fold_case(&a.name).contains(&needle)
                || a.title
                    .as_deref()
                    .is_some_and(|t| fold_case(t).contains(&needle))
        })
        .map(|a| (fold_case(display_name(a)), a))
        .collect();
    forge_apify::sort::sort_by(&mut by_name, |x, y| x.0.cmp(&y.0));
    by_name.into_iter().map(|(_, a)| a).collect()
}

/// `title`, or the name when there is none.
pub fn display_name(a: &ActorShort) -> &str {
    a.title
        .as_deref()
        .filter(|t| !t.trim().is_empty())
        .unwrap_or(&a.name)
}

/// `username/name`, or the name alone when the username is unknown.
pub fn slug(username: &str, name: &str) -> String {
    if username.is_empty() {
        name.to_string()
    } else {
        format!("{username}/{name}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn actor(name: &str, title: Option<&str>) -> ActorShort {
        ActorShort {
            id: name.into(),
            name: name.into(),
            username: "forge-demo".into(),
            title: title.map(str::to_string),
            created_at: None,
            modified_at: None,
            stats: None,
        }
    }

    #[test]
    fn filters_by_name_or_title_and_sorts_by_title() {
        let items = [
            actor("zeta", Some("A zeta scraper")),
            actor("shop", Some("Shop scraper")),
            actor("alpha", None),
        ];
        let names = |v: Vec<&ActorShort>| v.iter().map(|a| a.name.clone()).collect::<Vec<_>>();
        let cases: [(&str, &str, &[&str]); 3] = [
            ("everything", "", &["zeta", "alpha", "shop"]),
            ("a title word", " SCRAPER ", &["zeta", "shop"]),
            ("a name prefix", "alp", &["alpha"]),
        ];
        for (case, filter, want) in cases {
            assert_eq!(names(filter_actors(&items, filter)), want, "{case}");
        }
        assert_eq!(slug("forge-demo", "shop"), "forge-demo/shop");
        assert_eq!(slug("", "shop"), "shop");
    }
}
