//! The long reply every mock backend streams: the same 2,000 words, cut
//! into the same pieces, sent at the same pace, whatever the wire format.

use std::sync::OnceLock;
use std::time::Duration;

/// Words in the reply.
pub const WORDS: usize = 2000;
/// Words in one streamed piece (a model sends a token or two at a time).
pub const WORDS_PER_PIECE: usize = 2;
/// Time between two pieces: 200 words a second, a fast model.
pub const PIECE_INTERVAL: Duration = Duration::from_millis(10);
/// What the visitor asks; the mocks answer anything with the long reply.
pub const QUESTION: &str = "Tell me everything about your plans and prices.";

const VOCABULARY: &[&str] = &[
    "the",
    "widget",
    "answers",
    "visitors",
    "on",
    "every",
    "page",
    "of",
    "your",
    "site",
    "and",
    "keeps",
    "their",
    "conversation",
    "when",
    "they",
    "come",
    "back",
    "a",
    "plan",
    "includes",
    "monthly",
    "conversations",
    "with",
    "priority",
    "support",
    "for",
    "teams",
    "that",
    "need",
    "more",
    "than",
    "one",
    "seat",
    "prices",
    "are",
    "billed",
    "in",
    "euros",
    "per",
    "month",
    "or",
    "year",
    "you",
    "can",
    "change",
    "cancel",
    "at",
    "any",
    "time",
    "from",
    "account",
    "settings",
    "our",
    "assistant",
    "reads",
    "help",
    "pages",
    "quotes",
    "best",
    "passages",
    "links",
    "to",
    "sources",
    "it",
    "never",
    "invents",
    "an",
    "answer",
    "does",
    "not",
    "know",
    "says",
    "so",
    "plainly",
    "offers",
    "contact",
    "human",
    "shipping",
    "takes",
    "three",
    "days",
    "most",
    "countries",
    "returns",
    "free",
    "within",
    "thirty",
    "orders",
    "over",
    "fifty",
    "include",
    "gift",
    "wrapping",
    "request",
    "data",
    "stays",
    "region",
    "chose",
    "encrypted",
    "rest",
    "transit",
    "backups",
    "run",
    "nightly",
    "kept",
    "weeks",
    "is",
    "also",
    "after",
    "before",
    "this",
    "each",
    "new",
    "feature",
    "arrives",
    "first",
    "business",
    "customers",
    "then",
    "everyone",
    "else",
    "following",
    "release",
];

/// The reply: sentences of 8 to 19 words in paragraphs of 4 to 7
/// sentences, from a fixed pseudo-random sequence, exactly [`WORDS`] words.
pub fn text() -> &'static str {
    static TEXT: OnceLock<String> = OnceLock::new();
    TEXT.get_or_init(|| {
        let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
        let mut next = move |n: usize| {
            seed = seed
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            ((seed >> 33) as usize) % n
        };
        let mut out = String::new();
        let mut written = 0;
        while written < WORDS {
            let sentences = 4 + next(4);
            for s in 0..sentences {
                if written == WORDS {
                    break;
                }
                let len = (8 + next(12)).min(WORDS - written);
                for w in 0..len {
                    let word = VOCABULARY[next(VOCABULARY.len())];
                    if w == 0 {
                        if s > 0 {
                            out.push(' ');
                        }
                        let mut chars = word.chars();
                        let first = chars.next().expect("no empty word");
                        out.extend(first.to_uppercase());
                        out.push_str(chars.as_str());
                    } else {
                        out.push(' ');
                        out.push_str(word);
                    }
                }
                out.push('.');
                written += len;
            }
            if written < WORDS {
                out.push_str("\n\n");
            }
        }
        out
    })
}

/// The reply cut into the pieces a model streams: [`WORDS_PER_PIECE`]
/// words each, every piece but the first starting with the space or the
/// paragraph break before its first word. Joined, they are [`text`].
pub fn pieces() -> Vec<String> {
    let text = text();
    let starts: Vec<usize> = text
        .char_indices()
        .filter(|&(i, c)| {
            !c.is_whitespace() && (i == 0 || text[..i].ends_with(char::is_whitespace))
        })
        .map(|(i, _)| i)
        .collect();
    let mut cuts: Vec<usize> = starts
        .iter()
        .step_by(WORDS_PER_PIECE)
        .skip(1)
        .map(|&start| {
            // The piece begins with the whitespace before its word.
            text[..start].trim_end().len()
        })
        .collect();
    cuts.insert(0, 0);
    cuts.push(text.len());
    cuts.windows(2)
        .map(|w| text[w[0]..w[1]].to_owned())
        .collect()
}

/// The last few words, as the page reads them once the reply is complete.
pub fn ending() -> String {
    let words: Vec<&str> = text().split_whitespace().collect();
    words[words.len() - 6..].join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_reply_has_exactly_its_words_in_paragraphs() {
        assert_eq!(text().split_whitespace().count(), WORDS);
        assert!(text().contains("\n\n"));
        assert!(text().ends_with('.'));
        assert_eq!(text(), text(), "the same text every time");
    }

    #[test]
    fn the_pieces_join_into_the_reply() {
        let pieces = pieces();
        assert_eq!(pieces.concat(), text());
        assert_eq!(pieces.len(), WORDS / WORDS_PER_PIECE);
        assert!(pieces
            .iter()
            .all(|p| p.split_whitespace().count() == WORDS_PER_PIECE));
        assert!(pieces[1].starts_with(char::is_whitespace));
        assert!(text().ends_with(&ending()));
    }
}
