//! The app's addresses: which page a path shows, which links a click keeps inside the app, and
//! which navigation link is the current page. The router ([`crate::components::router`]) is the
//! browser side of these rules.

/// A page of the app.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    Dashboard,
    Actors,
    /// `/actors/{id}`: the segment as written (the Actor page checks its shape).
    Actor(String),
    Settings,
    Guide,
    NotFound,
}

impl Route {
    /// The page at `path` (a URL's path, without query or fragment). A trailing slash is
    /// ignored: `/actors/` is the Actors page.
    pub fn of(path: &str) -> Route {
        let trimmed = path
            .strip_suffix('/')
            .filter(|p| !p.is_empty())
            .unwrap_or(path);
        match trimmed {
            "/" | "" => Route::Dashboard,
            "/actors" => Route::Actors,
            "/settings" => Route::Settings,
            "/guide" => Route::Guide,
            other => match other.strip_prefix("/actors/") {
                Some(id) if !id.is_empty() && !id.contains('/') => Route::Actor(id.to_string()),
                _ => Route::NotFound,
            },
        }
    }
}

/// The Actor an `/actors/{segment}` address names, as Apify's API takes it: an id
/// (`moJRLRc85AitArpNN`) or `username~name` as written, and a bare name
/// (`/actors/flaky-scraper`) as one of the signed-in account's own. Apify's ids are 17
/// letters and digits; a name holds lower-case letters, digits and dashes.
pub fn actor_ref(segment: &str, username: Option<&str>) -> String {
    let is_id = segment.len() == 17 && segment.bytes().all(|b| b.is_ascii_alphanumeric());
    match username {
        Some(user) if !is_id && !segment.contains('~') && !user.is_empty() => {
            format!("{user}~{segment}")
        }
        _ => segment.to_string(),
    }
}

/// A link the app follows itself, without a page load: `href` as written on an `<a>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InAppLink {
    /// Path and query, pushed onto the history.
    pub url: String,
    pub path: String,
    /// The fragment without `#`, scrolled into view once the page is shown.
    pub fragment: Option<String>,
}

/// `Some` for a same-origin absolute path (`/actors/x`, `/settings#scope-check`); `None` for
/// what the browser should follow itself: other origins (`https://…`, `//host`), a fragment of
/// the page shown (`#main`, which the skip link uses), `mailto:` and relative paths.
pub fn in_app_link(href: &str) -> Option<InAppLink> {
    if !href.starts_with('/') || href.starts_with("//") {
        return None;
    }
    let (url, fragment) = match href.split_once('#') {
        Some((u, f)) => (u, Some(f.to_string()).filter(|f| !f.is_empty())),
        None => (href, None),
    };
    let path = url.split('?').next().unwrap_or(url).to_string();
    Some(InAppLink {
        url: url.to_string(),
        path,
        fragment,
    })
}

/// Whether the navigation link to `link` marks the page at `path` as current
/// (`aria-current="page"`): the same path, or with `exact == false` a page under it.
pub fn is_current(link: &str, path: &str, exact: bool) -> bool {
    let path = path
        .strip_suffix('/')
        .filter(|p| !p.is_empty())
        .unwrap_or(path);
    path == link || (!exact && path.starts_with(link) && path[link.len()..].starts_with('/'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_path_shows_its_page() {
        for (path, route) in [
            ("/", Route::Dashboard),
            ("", Route::Dashboard),
            ("/actors", Route::Actors),
            ("/actors/", Route::Actors),
            (
                "/actors/moJRLRc85AitArpNN",
                Route::Actor("moJRLRc85AitArpNN".into()),
            ),
            (
                "/actors/flaky-scraper/",
                Route::Actor("flaky-scraper".into()),
            ),
            ("/actors/a/b", Route::NotFound),
            ("/settings", Route::Settings),
            ("/guide", Route::Guide),
            ("/guides", Route::NotFound),
            ("/nope", Route::NotFound),
        ] {
            assert_eq!(Route::of(path), route, "{path:?}");
        }
    }

    #[test]
    fn a_bare_name_is_an_actor_of_the_signed_in_account() {
        for (segment, user, expected) in [
            ("flaky-scraper", Some("ana"), "ana~flaky-scraper"),
            ("scraper", Some("ana"), "ana~scraper"),
            ("moJRLRc85AitArpNN", Some("ana"), "moJRLRc85AitArpNN"),
            ("bob~shop", Some("ana"), "bob~shop"),
            ("flaky-scraper", None, "flaky-scraper"),
        ] {
            assert_eq!(actor_ref(segment, user), expected, "{segment:?}");
        }
    }

    #[test]
    fn only_same_origin_paths_stay_in_the_app() {
        let link = in_app_link("/settings#scope-check").expect("in the app");
        assert_eq!(link.url, "/settings");
        assert_eq!(link.path, "/settings");
        assert_eq!(link.fragment.as_deref(), Some("scope-check"));
        let link = in_app_link("/actors?q=x#").expect("in the app");
        assert_eq!(
            (link.url.as_str(), link.path.as_str()),
            ("/actors?q=x", "/actors")
        );
        assert_eq!(link.fragment, None);
        for outside in [
            "#main",
            "https://console.apify.com/actors",
            "//evil.example/actors",
            "mailto:a@b.c",
            "actors",
            "",
        ] {
            assert_eq!(in_app_link(outside), None, "{outside:?}");
        }
    }

    #[test]
    fn a_section_link_is_current_below_it_and_the_dashboard_only_on_itself() {
        assert!(is_current("/actors", "/actors", false));
        assert!(is_current("/actors", "/actors/abc", false));
        assert!(!is_current("/actors", "/actorsx", false));
        assert!(is_current("/", "/", true));
        assert!(!is_current("/", "/actors", true));
        assert!(is_current("/settings", "/settings/", false));
    }
}
