//! What the status line shows, derived from the diagnosis library's verdicts.

use causette_token::{Code, Diagnosis, VisitorState};

/// The connection as the visitor sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    /// Asking the server for a session.
    Connecting,
    /// Chatting.
    Online,
    /// Trying again after a failure; `attempt` counts from 1.
    Reconnecting {
        /// How many tries so far.
        attempt: u32,
    },
    /// The browser has no network; typing still works.
    Offline,
    /// The session was ended (revoked, expired); a new one can be started.
    SessionEnded,
    /// A problem only the site owner or operator can fix: no retry loop.
    Unavailable {
        /// The diagnosis code, for the console and tests.
        code: Code,
    },
}

impl Status {
    /// The state a failure leads to, as the diagnosis names it.
    pub fn after_failure(d: &Diagnosis, attempt: u32) -> Status {
        match d.visitor {
            VisitorState::Offline => Status::Offline,
            VisitorState::SessionEnded => Status::SessionEnded,
            VisitorState::Unavailable => Status::Unavailable { code: d.code },
            _ => Status::Reconnecting { attempt },
        }
    }

    /// Whether trying again could help without the site owner's action.
    pub fn retries(&self) -> bool {
        matches!(self, Status::Reconnecting { .. } | Status::Offline)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn site_owner_problems_stop_instead_of_retrying() {
        for code in [
            Code::OriginNotAllowed,
            Code::UnknownSite,
            Code::WrongIssuer,
            Code::WrongAudience,
        ] {
            let s = Status::after_failure(&Diagnosis::new(code), 1);
            assert_eq!(s, Status::Unavailable { code });
            assert!(!s.retries());
        }
    }

    #[test]
    fn transient_failures_reconnect() {
        for code in [Code::ServerError, Code::Network, Code::RateLimited] {
            let s = Status::after_failure(&Diagnosis::new(code), 3);
            assert_eq!(s, Status::Reconnecting { attempt: 3 });
            assert!(s.retries());
        }
        assert_eq!(
            Status::after_failure(&Diagnosis::new(Code::Offline), 1),
            Status::Offline
        );
    }

    #[test]
    fn revocation_ends_the_session() {
        assert_eq!(
            Status::after_failure(&Diagnosis::new(Code::Revoked), 1),
            Status::SessionEnded
        );
    }
}
