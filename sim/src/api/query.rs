//! Query strings: percent-decoding and [`Query`], the decoded pairs with typed getters.

use super::error::{bad, ApiError};
use forge_apify::ErrorKind;

/// `application/x-www-form-urlencoded`-style decoding. `plus_is_space` for query strings.
pub fn percent_decode(s: &str, plus_is_space: bool) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' => {
                let hex = std::str::from_utf8(b.get(i + 1..i + 3)?).ok()?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 3;
            }
            b'+' if plus_is_space => {
                out.push(b' ');
                i += 1;
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

/// Parsed query string: decoded pairs in order.
#[derive(Debug, Default)]
pub struct Query(pub Vec<(String, String)>);

impl Query {
    pub fn parse(raw: Option<&str>) -> Query {
        let mut out = Vec::new();
        for pair in raw.unwrap_or("").split('&').filter(|p| !p.is_empty()) {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            if let (Some(k), Some(v)) = (percent_decode(k, true), percent_decode(v, true)) {
                out.push((k, v));
            }
        }
        Query(out)
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    pub fn flag(&self, key: &str) -> bool {
        matches!(self.get(key), Some("1" | "true" | "TRUE" | "True"))
    }

    pub fn uint(&self, key: &str) -> Result<Option<u64>, ApiError> {
        match self.get(key) {
            None | Some("") => Ok(None),
            Some(v) => v
                .parse::<f64>()
                .ok()
                .filter(|n| n.is_finite() && *n >= 0.0)
                .map(|n| Some(n as u64))
                .ok_or_else(|| {
                    bad(
                        ErrorKind::InvalidParameter,
                        format!("Parameter '{key}' must be a non-negative number"),
                    )
                }),
        }
    }

    pub fn float(&self, key: &str) -> Result<Option<f64>, ApiError> {
        match self.get(key) {
            None | Some("") => Ok(None),
            Some(v) => v
                .parse::<f64>()
                .ok()
                .filter(|n| n.is_finite() && *n >= 0.0)
                .map(Some)
                .ok_or_else(|| {
                    bad(
                        ErrorKind::InvalidParameter,
                        format!("Parameter '{key}' must be a non-negative number"),
                    )
                }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_parsing() {
        let q = Query::parse(Some("a=1&b=x%20y&c=p+q&flag=true&n=12"));
        assert_eq!(q.get("b"), Some("x y"));
        assert_eq!(q.get("c"), Some("p q"));
        assert!(q.flag("flag") && !q.flag("a2"));
        assert_eq!(q.uint("n").unwrap(), Some(12));
        assert!(Query::parse(Some("n=-1")).uint("n").is_err());
    }
}
