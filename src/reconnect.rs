//! The reconnect state machine: what the visitor sees, as one pure type.
//!
//! The session code feeds it events (a session came up, a call failed with
//! some diagnosis, the browser went offline, the page woke up…) and acts on
//! the state it lands in; the view only renders it. Time and randomness are
//! arguments, so every transition is tested natively.

use causette_token::{Code, Diagnosis, Recovery, VisitorState};

use crate::backoff;

/// The connection as the visitor sees it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum State {
    /// Not started.
    Idle,
    /// Getting a session or resuming one. `fresh`: drop the old session
    /// and start a new conversation.
    Connecting {
        /// Start over instead of resuming.
        fresh: bool,
    },
    /// Chatting.
    Online,
    /// Silently renewing the access token; shown only when slow.
    Refreshing {
        /// When it began (ms, page clock).
        since_ms: f64,
    },
    /// Waiting before the next try; a countdown and "Retry now" show.
    Reconnecting {
        /// Tries so far, from 1.
        attempt: u32,
        /// When the next try is due (ms, page clock).
        retry_at_ms: f64,
    },
    /// No network; the composer still works and messages queue.
    Offline,
    /// The session was ended (revoked, expired); the transcript stays
    /// readable and a new conversation can be started.
    SessionEnded,
    /// Only the site owner or operator can fix this: no retry loop.
    Unavailable {
        /// The diagnosis code.
        code: Code,
    },
}

/// Something that happened.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// The widget starts.
    Start,
    /// A session is up (created, resumed or refreshed) and streaming.
    Connected,
    /// The access token is close to expiry.
    NearExpiry {
        /// Now (ms).
        now_ms: f64,
    },
    /// A silent refresh succeeded.
    Refreshed,
    /// A call failed; the diagnosis says why.
    Failed {
        /// The verdict.
        diagnosis: Diagnosis,
        /// Now (ms).
        now_ms: f64,
        /// A uniform draw in [0, 1) for backoff jitter.
        random: f64,
    },
    /// The browser lost the network.
    WentOffline,
    /// The browser has the network again.
    WentOnline,
    /// The page became visible again, was restored from the back/forward
    /// cache, or a timer fired far too late (the machine slept).
    Woke {
        /// Now (ms).
        now_ms: f64,
    },
    /// A reconnect timer fired.
    RetryDue {
        /// Now (ms).
        now_ms: f64,
    },
    /// The visitor pressed "Retry now".
    RetryNow,
    /// The visitor pressed "Start a new conversation".
    StartOver,
}

impl State {
    /// The state after `event`.
    pub fn next(self, event: &Event) -> State {
        use State::*;
        // Dead ends: only the visitor can leave SessionEnded; nothing
        // automatic leaves Unavailable (a retry loop cannot fix it).
        match (self, event) {
            (Unavailable { .. }, _) => return self,
            (SessionEnded, Event::StartOver) => return Connecting { fresh: true },
            (SessionEnded, _) => return self,
            (Idle, Event::Start) => return Connecting { fresh: false },
            (Idle, _) => return self,
            _ => {}
        }
        match event {
            Event::Start | Event::StartOver => self,
            Event::Connected => Online,
            Event::NearExpiry { now_ms } => match self {
                Online => Refreshing { since_ms: *now_ms },
                other => other,
            },
            Event::Refreshed => match self {
                Refreshing { .. } => Online,
                other => other,
            },
            Event::Failed {
                diagnosis,
                now_ms,
                random,
            } => self.failed(diagnosis, *now_ms, *random),
            Event::WentOffline => Offline,
            Event::WentOnline => match self {
                Offline => Connecting { fresh: false },
                other => other,
            },
            Event::Woke { .. } | Event::RetryNow => match self {
                Reconnecting { .. } | Offline => Connecting { fresh: false },
                other => other,
            },
            Event::RetryDue { now_ms } => match self {
                Reconnecting { retry_at_ms, .. } if *now_ms >= retry_at_ms => {
                    Connecting { fresh: false }
                }
                other => other,
            },
        }
    }

    fn failed(self, d: &Diagnosis, now_ms: f64, random: f64) -> State {
        use State::*;
        if d.visitor == VisitorState::SessionEnded {
            return SessionEnded;
        }
        match d.recovery {
            Recovery::Stop => Unavailable { code: d.code },
            Recovery::WaitForNetwork => Offline,
            Recovery::DisableFeature => self,
            // A refresh that itself fails this way needs a new session.
            Recovery::RefreshSilently => match self {
                Refreshing { .. } | Connecting { .. } => Connecting { fresh: true },
                _ => Refreshing { since_ms: now_ms },
            },
            Recovery::NewSession => Connecting { fresh: true },
            Recovery::RetryAfter { .. } | Recovery::CorrectClockAndRetry => {
                let attempt = match self {
                    Reconnecting { attempt, .. } => attempt.saturating_add(1),
                    _ => 1,
                };
                let delay = if d.recovery == Recovery::CorrectClockAndRetry {
                    0
                } else {
                    backoff::delay_ms(attempt, random, d.retry_after)
                };
                Reconnecting {
                    attempt,
                    retry_at_ms: now_ms + delay as f64,
                }
            }
            _ => Reconnecting {
                attempt: 1,
                retry_at_ms: now_ms + backoff::BASE_MS as f64,
            },
        }
    }

    /// Whether the event stream should be open.
    pub fn is_live(self) -> bool {
        matches!(self, State::Online | State::Refreshing { .. })
    }

    /// Whether typed messages should wait in the outbox.
    pub fn queues_messages(self) -> bool {
        !self.is_live()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use State::*;

    fn fail(code: Code) -> Event {
        Event::Failed {
            diagnosis: Diagnosis::new(code),
            now_ms: 1_000.0,
            random: 0.5,
        }
    }

    fn online() -> State {
        Idle.next(&Event::Start).next(&Event::Connected)
    }

    const ALL_CODES: [Code; 20] = Code::ALL;

    fn all_states() -> Vec<State> {
        vec![
            Idle,
            Connecting { fresh: false },
            Connecting { fresh: true },
            Online,
            Refreshing { since_ms: 0.0 },
            Reconnecting {
                attempt: 3,
                retry_at_ms: 5_000.0,
            },
            Offline,
            SessionEnded,
            Unavailable {
                code: Code::UnknownSite,
            },
        ]
    }

    fn all_events() -> Vec<Event> {
        let mut e = vec![
            Event::Start,
            Event::Connected,
            Event::NearExpiry { now_ms: 1.0 },
            Event::Refreshed,
            Event::WentOffline,
            Event::WentOnline,
            Event::Woke { now_ms: 1.0 },
            Event::RetryDue { now_ms: 1e12 },
            Event::RetryNow,
            Event::StartOver,
        ];
        e.extend(ALL_CODES.iter().map(|c| fail(*c)));
        e
    }

    #[test]
    fn the_happy_path() {
        let s = Idle.next(&Event::Start);
        assert_eq!(s, Connecting { fresh: false });
        let s = s.next(&Event::Connected);
        assert_eq!(s, Online);
        let s = s.next(&Event::NearExpiry { now_ms: 10.0 });
        assert_eq!(s, Refreshing { since_ms: 10.0 });
        assert_eq!(s.next(&Event::Refreshed), Online);
    }

    #[test]
    fn every_failure_code_lands_where_its_diagnosis_says() {
        for code in ALL_CODES {
            let d = Diagnosis::new(code);
            let s = online().next(&fail(code));
            match d.visitor {
                VisitorState::SessionEnded => assert_eq!(s, SessionEnded, "{code:?}"),
                VisitorState::Unavailable => assert_eq!(s, Unavailable { code }, "{code:?}"),
                VisitorState::Offline => assert_eq!(s, Offline, "{code:?}"),
                VisitorState::ReconnectingIn => {
                    assert!(
                        matches!(s, Reconnecting { attempt: 1, .. }),
                        "{code:?} → {s:?}"
                    )
                }
                VisitorState::Nothing => assert!(
                    matches!(s, Refreshing { .. } | Reconnecting { .. }),
                    "{code:?} → {s:?}"
                ),
                VisitorState::Reconnecting => assert_eq!(s, Connecting { fresh: true }, "{code:?}"),
                VisitorState::FeatureHidden => assert_eq!(s, Online, "{code:?}"),
                _ => {}
            }
        }
    }

    #[test]
    fn no_event_leaves_unavailable_and_only_start_over_leaves_session_ended() {
        for e in all_events() {
            let u = Unavailable {
                code: Code::OriginNotAllowed,
            };
            assert_eq!(u.next(&e), u, "{e:?}");
            let after = SessionEnded.next(&e);
            if e == Event::StartOver {
                assert_eq!(after, Connecting { fresh: true });
            } else {
                assert_eq!(after, SessionEnded, "{e:?}");
            }
        }
    }

    #[test]
    fn every_state_and_event_pair_is_defined_and_sane() {
        for s in all_states() {
            for e in all_events() {
                let n = s.next(&e);
                // Nothing ever goes back to Idle.
                assert!(n != Idle || s == Idle, "{s:?} + {e:?} → Idle");
                // A site-owner problem never turns into a retry.
                if let Event::Failed { diagnosis, .. } = &e {
                    if diagnosis.recovery == Recovery::Stop && !matches!(s, Idle | SessionEnded) {
                        assert!(matches!(n, Unavailable { .. }), "{s:?} + {e:?} → {n:?}");
                    }
                }
            }
        }
    }

    #[test]
    fn backoff_grows_across_failures_and_retry_after_wins() {
        let mut s = online();
        let mut last = 0.0;
        for attempt in 1..=8u32 {
            s = s.next(&Event::Failed {
                diagnosis: Diagnosis::new(Code::ServerError),
                now_ms: 0.0,
                random: 0.999,
            });
            let Reconnecting {
                attempt: a,
                retry_at_ms,
            } = s
            else {
                panic!("{s:?}")
            };
            assert_eq!(a, attempt);
            assert!(retry_at_ms >= last && retry_at_ms <= 30_000.0);
            last = retry_at_ms;
        }
        let s = online().next(&Event::Failed {
            diagnosis: Diagnosis::new(Code::RateLimited).with_retry_after(Some(7)),
            now_ms: 100.0,
            random: 0.1,
        });
        assert_eq!(
            s,
            Reconnecting {
                attempt: 1,
                retry_at_ms: 7_100.0
            }
        );
    }

    #[test]
    fn retry_due_only_when_due() {
        let s = Reconnecting {
            attempt: 2,
            retry_at_ms: 5_000.0,
        };
        assert_eq!(s.next(&Event::RetryDue { now_ms: 4_999.0 }), s);
        assert_eq!(
            s.next(&Event::RetryDue { now_ms: 5_000.0 }),
            Connecting { fresh: false }
        );
        assert_eq!(s.next(&Event::RetryNow), Connecting { fresh: false });
    }

    #[test]
    fn offline_during_refresh_then_back() {
        let s = online().next(&Event::NearExpiry { now_ms: 1.0 });
        let s = s.next(&Event::WentOffline);
        assert_eq!(s, Offline);
        // The refresh's own failure arriving late changes nothing visible.
        assert_eq!(s.next(&fail(Code::Offline)), Offline);
        assert_eq!(s.next(&Event::WentOnline), Connecting { fresh: false });
    }

    #[test]
    fn revocation_arriving_while_reconnecting_ends_the_session() {
        let s = online().next(&fail(Code::ServerError));
        assert!(matches!(s, Reconnecting { .. }));
        assert_eq!(s.next(&fail(Code::Revoked)), SessionEnded);
        assert_eq!(
            SessionEnded.next(&Event::StartOver).next(&Event::Connected),
            Online
        );
    }

    #[test]
    fn visible_after_two_hours_asleep_reconnects_at_once() {
        let s = online().next(&fail(Code::Network));
        let s = s.next(&Event::Woke {
            now_ms: 7_200_000.0,
        });
        assert_eq!(s, Connecting { fresh: false });
        // Waking while online changes nothing here: the token keeper checks
        // the expiry and sends NearExpiry (or a failure) itself.
        assert_eq!(Online.next(&Event::Woke { now_ms: 1.0 }), Online);
    }

    #[test]
    fn a_refresh_that_says_expired_starts_over() {
        let s = online().next(&fail(Code::Expired));
        assert!(matches!(s, Refreshing { .. }));
        assert_eq!(s.next(&fail(Code::Expired)), Connecting { fresh: true });
        assert_eq!(s.next(&fail(Code::UnknownKey)), Connecting { fresh: true });
    }

    #[test]
    fn offline_is_left_by_online_or_a_manual_retry() {
        assert_eq!(Offline.next(&Event::RetryNow), Connecting { fresh: false });
        assert_eq!(
            Offline.next(&Event::Woke { now_ms: 0.0 }),
            Connecting { fresh: false }
        );
        assert_eq!(Offline.next(&Event::RetryDue { now_ms: 1e12 }), Offline);
        assert!(Offline.queues_messages());
        assert!(!Online.queues_messages());
    }
}
