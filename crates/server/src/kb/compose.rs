//! An answer written from the passages found: a short lead, the passages,
//! then their sources — or a plain "I don't know".

use super::{detect, Hit, Lang};

/// The demo's reply when its help has nothing on the question.
pub const DONT_KNOW: &str = "I don't know the answer to that yet. I can help with installing the widget, site keys and allowed origins, tokens and why they might be invalid, colours and languages, and what happens when the connection drops.";

/// The same, in French.
pub const DONT_KNOW_FR: &str = "Je ne connais pas encore la réponse à cette question. Je peux vous aider à installer le widget, avec les clés de site et les origines autorisées, les jetons et les raisons pour lesquelles ils peuvent être invalides, les couleurs et les langues, et ce qui se passe quand la connexion coupe.";

/// The reply when nothing relevant is found, in the question's language;
/// `demo` says what the bundled help covers.
pub fn dont_know(question: &str, demo: bool) -> String {
    match (detect(question), demo) {
        (Lang::En, true) => DONT_KNOW.to_owned(),
        (Lang::Fr, true) => DONT_KNOW_FR.to_owned(),
        (Lang::En, false) => "I don't know the answer to that: I found nothing about it in this site's help pages.".to_owned(),
        (Lang::Fr, false) => "Je ne connais pas la réponse : je n'ai rien trouvé à ce sujet dans les pages d'aide de ce site.".to_owned(),
    }
}

/// Whether a passage answers enough of the question: at least half of its
/// terms, and at least one.
pub(super) fn relevant(h: &Hit) -> bool {
    h.asked > 0 && h.matched > 0 && h.matched * 2 >= h.asked
}

/// Most passages quoted in one answer.
const MAX_PASSAGES: usize = 3;
/// Further passages stop being added past this many characters.
const MAX_CHARS: usize = 1200;

/// The answer to `question` from `hits` (best first), markdown.
pub fn compose(question: &str, hits: &[Hit], demo: bool) -> String {
    let Some(best) = hits.first().filter(|h| relevant(h)) else {
        return dont_know(question, demo);
    };
    let lang = detect(question);
    let mut chosen = vec![best];
    let mut size = best.body.len();
    for h in &hits[1..] {
        if chosen.len() == MAX_PASSAGES || size >= MAX_CHARS {
            break;
        }
        let same = chosen
            .iter()
            .any(|c| c.source == h.source && c.body == h.body);
        if relevant(h) && h.matched == best.matched && h.score >= best.score * 0.6 && !same {
            size += h.body.len();
            chosen.push(h);
        }
    }
    let mut out = String::new();
    let one_source = chosen.iter().all(|h| h.source == best.source);
    out.push_str(&match (lang, one_source) {
        (Lang::En, true) => format!("Here is what *{}* says:", best.title),
        (Lang::En, false) => "Here is what I found in the help pages:".to_owned(),
        (Lang::Fr, true) => format!("Voici ce qu'en dit *{}* :", best.title),
        (Lang::Fr, false) => "Voici ce que j'ai trouvé dans les pages d'aide :".to_owned(),
    });
    for h in &chosen {
        out.push_str("\n\n");
        if !h.heading.is_empty() && h.heading != h.title {
            out.push_str(&format!("**{}**\n\n", h.heading));
        }
        out.push_str(h.body.trim());
    }
    let mut sources: Vec<String> = Vec::new();
    for h in &chosen {
        let s = match h.web_link() {
            Some(l) => format!("[{}]({l})", h.title),
            None => format!("*{}* (`{}`)", h.title, h.file_name()),
        };
        if !sources.contains(&s) {
            sources.push(s);
        }
    }
    out.push_str(match lang {
        Lang::En => "\n\nSources: ",
        Lang::Fr => "\n\nSources : ",
    });
    out.push_str(&sources.join(", "));
    out
}
