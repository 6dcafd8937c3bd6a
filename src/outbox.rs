//! The outbox: visitor messages the server has not stored yet, kept in
//! `localStorage` beside the refresh token, so a reload, a crash or a
//! closed tab loses none. The session delivers them once, in order: each
//! one's id is its idempotency key, so a message sent twice (a retry, or
//! two tabs) is stored once.

/// The storage key of the widget namespaced `ns` (see [`crate::keeper`]).
fn key(ns: &str) -> String {
    [ns, ":outbox"].concat()
}

/// Separates one message from the next, and a message's id from its text:
/// ASCII's record and unit separators, which typed text never holds (they
/// are taken out of it before it is kept), so no escaping is needed.
const RECORD: char = '\u{1e}';
const UNIT: char = '\u{1f}';

/// The items as stored: `id UNIT text RECORD …`.
pub fn encode(items: &[(String, String)]) -> String {
    let mut out = String::new();
    for (id, text) in items {
        out.push_str(id);
        out.push(UNIT);
        out.extend(text.chars().filter(|c| *c != RECORD && *c != UNIT));
        out.push(RECORD);
    }
    out
}

/// The items of an encoded outbox; whatever is unreadable is skipped.
pub fn decode(text: &str) -> Vec<(String, String)> {
    text.split(RECORD)
        .filter_map(|r| r.split_once(UNIT))
        .filter(|(id, _)| !id.is_empty())
        .map(|(id, text)| (id.to_owned(), text.to_owned()))
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
        for bad in ["", "null", "no separators", "\u{1e}\u{1e}", "\u{1f}x\u{1e}"] {
            assert_eq!(decode(bad), vec![], "{bad:?}");
        }
        assert_eq!(
            decode("a\u{1f}x\u{1e}garbage\u{1e}c\u{1f}z\u{1e}"),
            vec![
                ("a".to_owned(), "x".to_owned()),
                ("c".to_owned(), "z".to_owned())
            ]
        );
    }

    #[test]
    fn separators_in_typed_text_cannot_split_a_message() {
        let items = vec![("c1".to_owned(), "a\u{1e}b\u{1f}c".to_owned())];
        assert_eq!(
            decode(&encode(&items)),
            vec![("c1".to_owned(), "abc".to_owned())]
        );
    }
}
