//! Where tokens live in the browser, and how tabs share them.
//!
//! - The access token lives in memory only.
//! - The refresh token is kept in `localStorage` under a key namespaced by
//!   API origin and site key, so a visitor keeps the conversation across
//!   page loads and two sites or widgets never collide.
//! - One refresh at a time across tabs: the Web Locks API
//!   (`navigator.locks`), when the browser has it.
//! - New tokens are posted to the other tabs (`BroadcastChannel`), so they
//!   do not refresh again.

use std::future::Future;

use js_sys::{Function, Object, Promise, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use crate::schedule::TokenTimes;

/// A session's tokens as this tab holds them.
#[derive(Debug, Clone, PartialEq)]
pub struct Tokens {
    /// The access token (memory only).
    pub access: String,
    /// Its life on the server's clock.
    pub times: TokenTimes,
    /// The current refresh token.
    pub refresh: String,
    /// Session id.
    pub session_id: String,
    /// Conversation id.
    pub conversation_id: String,
}

/// The storage key and channel name for one widget: `causette:API:SITE`.
pub fn namespace(api: &str, site: &str) -> String {
    ["causette:", api, ":", site].concat()
}

pub(crate) fn storage() -> Option<web_sys::Storage> {
    // Storage can be disabled or throw (private modes, sandboxed frames):
    // then the widget simply does not remember the session.
    web_sys::window()?.local_storage().ok()?
}

/// The refresh token remembered for this widget.
pub fn stored_refresh(ns: &str) -> Option<String> {
    storage()?.get_item(ns).ok()?
}

/// Remembers (or with `None` forgets) the refresh token.
pub fn store_refresh(ns: &str, token: Option<&str>) {
    if let Some(s) = storage() {
        let _ = match token {
            Some(t) => s.set_item(ns, t),
            None => s.remove_item(ns),
        };
    }
}

fn set(o: &Object, k: &str, v: &JsValue) {
    let _ = Reflect::set(o, &JsValue::from_str(k), v);
}

fn get_str(o: &JsValue, k: &str) -> Option<String> {
    Reflect::get(o, &JsValue::from_str(k)).ok()?.as_string()
}

fn get_num(o: &JsValue, k: &str) -> Option<f64> {
    Reflect::get(o, &JsValue::from_str(k)).ok()?.as_f64()
}

/// The tabs of one widget.
pub struct Channel {
    channel: Option<web_sys::BroadcastChannel>,
    _listener: Option<Closure<dyn FnMut(web_sys::MessageEvent)>>,
}

impl Channel {
    /// Joins the channel `ns`; `on_tokens` gets tokens another tab posted.
    pub fn open(ns: &str, mut on_tokens: impl FnMut(Tokens) + 'static) -> Channel {
        let Ok(channel) = web_sys::BroadcastChannel::new(ns) else {
            return Channel {
                channel: None,
                _listener: None,
            };
        };
        let listener =
            Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |e: web_sys::MessageEvent| {
                let d = e.data();
                let tokens = (|| {
                    Some(Tokens {
                        access: get_str(&d, "access")?,
                        times: TokenTimes {
                            issued_at: get_num(&d, "iat")? as i64,
                            expires_at: get_num(&d, "exp")? as i64,
                        },
                        refresh: get_str(&d, "refresh")?,
                        session_id: get_str(&d, "sid")?,
                        conversation_id: get_str(&d, "cid")?,
                    })
                })();
                if let Some(t) = tokens {
                    on_tokens(t);
                }
            });
        // addEventListener, not `onmessage =`: never overwrite a handler.
        let _ =
            channel.add_event_listener_with_callback("message", listener.as_ref().unchecked_ref());
        Channel {
            channel: Some(channel),
            _listener: Some(listener),
        }
    }

    /// Tells the other tabs about new tokens.
    pub fn post(&self, t: &Tokens) {
        let Some(c) = &self.channel else { return };
        let o = Object::new();
        set(&o, "access", &JsValue::from_str(&t.access));
        set(&o, "iat", &JsValue::from_f64(t.times.issued_at as f64));
        set(&o, "exp", &JsValue::from_f64(t.times.expires_at as f64));
        set(&o, "refresh", &JsValue::from_str(&t.refresh));
        set(&o, "sid", &JsValue::from_str(&t.session_id));
        set(&o, "cid", &JsValue::from_str(&t.conversation_id));
        let _ = c.post_message(&o);
    }
}

/// A promise and the function that resolves it.
fn deferred() -> (Promise, Function) {
    let mut resolve = None;
    let p = Promise::new(&mut |res, _| resolve = Some(res));
    (p, resolve.expect("the executor runs at once"))
}

/// Runs `work` holding the cross-tab lock `name` (Web Locks), or simply
/// runs it where the browser has no such API.
pub async fn with_lock<T, F: Future<Output = T>>(name: &str, work: F) -> T {
    let locks = web_sys::window()
        .and_then(|w| Reflect::get(&w.navigator(), &JsValue::from_str("locks")).ok())
        .filter(|l| l.is_object());
    let request = locks
        .as_ref()
        .and_then(|l| Reflect::get(l, &JsValue::from_str("request")).ok())
        .and_then(|r| r.dyn_into::<Function>().ok());
    let (Some(locks), Some(request)) = (locks, request) else {
        return work.await;
    };
    let (acquired, on_acquired) = deferred();
    let (release, on_release) = deferred();
    // The lock is held until the promise the callback returns settles.
    let callback = Closure::once_into_js(move |_lock: JsValue| -> JsValue {
        let _ = on_acquired.call0(&JsValue::NULL);
        release.into()
    });
    if request
        .call2(&locks, &JsValue::from_str(name), &callback)
        .is_err()
    {
        return work.await;
    }
    let _ = JsFuture::from(acquired).await;
    let out = work.await;
    let _ = on_release.call0(&JsValue::NULL);
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn namespaces_differ_per_api_and_site() {
        let a = super::namespace("https://a.example", "s1");
        assert_ne!(a, super::namespace("https://a.example", "s2"));
        assert_ne!(a, super::namespace("https://b.example", "s1"));
        assert!(a.starts_with("causette:"));
    }
}
