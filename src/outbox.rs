//! The outbox: visitor messages the server has not stored yet, kept in
//! `localStorage` beside the refresh token, so a reload, a crash or a
//! closed tab loses none. The session delivers them once, in order: each
//! one's id is its idempotency key, so a message sent twice (a retry, or
//! two tabs) is stored once.

use crate::json::{push_string, Object};

/// The storage key of the widget namespaced `ns` (see [`crate::keeper`]).
fn key(ns: &str) -> String {
    [ns, ":outbox"].concat()
}

/// `{"items":[{"id":…,"text":…},…]}`.
pub fn encode(items: &[(String, String)]) -> String {
    let mut out = String::from(r#"{"items":["#);
    for (i, (id, text)) in items.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(r#"{"id":"#);
        push_string(&mut out, id);
        out.push_str(r#","text":"#);
        push_string(&mut out, text);
        out.push('}');
    }
    out.push_str("]}");
    out
}

/// The items of an encoded outbox; whatever is unreadable is skipped.
pub fn decode(text: &str) -> Vec<(String, String)> {
    Object::parse(text)
        .and_then(|o| o.objects("items"))
        .unwrap_or_default()
        .iter()
        .filter_map(|o| Some((o.str("id")?, o.str("text")?)))
        .collect()
}

/// The messages waiting, oldest first.
pub fn load(ns: &str) -> Vec<(String, String)> {
    crate::keeper::storage()
        .and_then(|s| s.get_item(&key(ns)).ok().flatten())
        .map(|t| decode(&t))
        .unwrap_or_default()
}

fn save(ns: &str, items: &[(String, String)]) {
    if let Some(s) = crate::keeper::storage() {
        let _ = if items.is_empty() {
            s.remove_item(&key(ns))
        } else {
            s.set_item(&key(ns), &encode(items))
        };
    }
}

/// Keeps a message until the server has it. Read and written back at
/// once, so another tab's waiting messages stay too.
pub fn add(ns: &str, id: &str, text: &str) {
    let mut items = load(ns);
    if !items.iter().any(|(i, _)| i == id) {
        items.push((id.to_owned(), text.to_owned()));
        save(ns, &items);
    }
}

/// Forgets a message the server has stored.
pub fn remove(ns: &str, id: &str) {
    let mut items = load(ns);
    let before = items.len();
    items.retain(|(i, _)| i != id);
    if items.len() != before {
        save(ns, &items);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let items = vec![
            ("c1".to_owned(), "hello".to_owned()),
            (
                "c2".to_owned(),
                "quote \" backslash \\ line\nbreak ✓ <b>".to_owned(),
            ),
        ];
        assert_eq!(decode(&encode(&items)), items);
        assert_eq!(decode(&encode(&[])), vec![]);
    }

    #[test]
    fn damaged_storage_loses_only_the_damaged_items() {
        for bad in ["", "null", "[]", "{\"items\":3}", "{\"items\":[1]}", "{"] {
            assert_eq!(decode(bad), vec![], "{bad:?}");
        }
        assert_eq!(
            decode(r#"{"items":[{"id":"a","text":"x"},{"id":"b"},{"id":"c","text":"z"}]}"#),
            vec![
                ("a".to_owned(), "x".to_owned()),
                ("c".to_owned(), "z".to_owned())
            ]
        );
    }
}
