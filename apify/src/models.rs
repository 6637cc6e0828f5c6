//! Response models Forge reads from Apify. Only the fields Forge uses are declared; serde ignores
//! the rest, so a richer upstream answer never breaks parsing.

use serde::{Deserialize, Serialize};

/// Apify wraps single objects as `{"data": …}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Data<T> {
    pub data: T,
}

/// The subset of `GET /v2/users/me` the relay keeps when sealing: never the e-mail, never the
/// proxy password — those fields are not even declared, so they cannot be kept by accident.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserIdentity {
    pub id: String,
    pub username: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn users_me_keeps_only_id_and_username() {
        let body = r#"{"data":{"id":"u1","username":"ana","email":"a@x.io",
            "proxy":{"password":"p4ss"},"plan":{"id":"FREE"}}}"#;
        let me: Data<UserIdentity> = serde_json::from_str(body).unwrap();
        assert_eq!(
            me.data,
            UserIdentity {
                id: "u1".into(),
                username: "ana".into()
            }
        );
        let again = serde_json::to_string(&me.data).unwrap();
        assert!(!again.contains("p4ss") && !again.contains("a@x.io"));
    }
}
