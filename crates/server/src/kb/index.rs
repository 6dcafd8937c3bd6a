//! One site's search index: passages analyzed for English and French
//! (lower-cased, stop words removed, stemmed), scored with BM25.

use std::collections::{BTreeMap, HashSet};
use std::path::Path;

use anyhow::Context as _;
use tantivy::collector::TopDocs;
use tantivy::directory::MmapDirectory;
use tantivy::query::{AllQuery, BooleanQuery, BoostQuery, Occur, Query, TermQuery};
use tantivy::schema::{
    Field, IndexRecordOption, Schema, TextFieldIndexing, TextOptions, Value, STORED, STRING,
};
use tantivy::tokenizer::{
    AsciiFoldingFilter, Language, LowerCaser, RemoveLongFilter, SimpleTokenizer, Stemmer,
    StopWordFilter, TextAnalyzer,
};
use tantivy::{Index, IndexReader, IndexWriter, ReloadPolicy, TantivyDocument, Term};

use super::ingest::Document;
use super::Lang;

const EN: &str = "causette_en";
const FR: &str = "causette_fr";

/// Words too common to say what a question is about, beyond the stemmer's
/// own lists: question words and auxiliaries.
const EN_STOP: &[&str] = &[
    "a", "about", "an", "and", "any", "are", "as", "at", "be", "but", "by", "can", "could", "did",
    "do", "does", "for", "from", "get", "has", "have", "how", "i", "if", "in", "into", "is", "it",
    "its", "me", "my", "no", "not", "of", "on", "or", "our", "say", "says", "should", "so", "such",
    "that", "the", "their", "then", "there", "these", "they", "this", "to", "was", "we", "what",
    "when", "where", "which", "who", "why", "will", "with", "would", "you", "your",
];
const FR_STOP: &[&str] = &[
    "a", "ai", "au", "aux", "avec", "ce", "ces", "cette", "comment", "dans", "de", "des", "du",
    "elle", "en", "est", "et", "il", "ils", "je", "la", "le", "les", "leur", "lui", "ma", "mais",
    "me", "mes", "moi", "mon", "ne", "nos", "notre", "nous", "on", "ou", "où", "par", "pas",
    "pour", "pourquoi", "qu", "quand", "que", "quel", "quelle", "quels", "qui", "quoi", "sa", "se",
    "ses", "son", "sont", "sur", "ta", "te", "tes", "ton", "tu", "un", "une", "vos", "votre",
    "vous", "y", "l", "d", "j", "n", "s", "c", "t", "m", "dit", "faire", "fait",
];

fn analyzer(lang: Lang) -> TextAnalyzer {
    let (mine, language) = match lang {
        Lang::En => (EN_STOP, Language::English),
        Lang::Fr => (FR_STOP, Language::French),
    };
    let builder = TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(40))
        .filter(LowerCaser)
        .filter(StopWordFilter::remove(mine.iter().map(|w| w.to_string())));
    // tantivy's own lists: Lucene's English one, Snowball's French one.
    match StopWordFilter::new(language) {
        Some(lists) => builder
            .filter(lists)
            .filter(AsciiFoldingFilter)
            .filter(Stemmer::new(language))
            .build(),
        None => builder
            .filter(AsciiFoldingFilter)
            .filter(Stemmer::new(language))
            .build(),
    }
}

fn tokens_of(a: &mut TextAnalyzer, text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut stream = a.token_stream(text);
    while let Some(t) = stream.next() {
        out.push(t.text.clone());
    }
    out
}

/// The distinct index terms of `text` in `lang`.
pub fn terms(text: &str, lang: Lang) -> Vec<String> {
    let mut seen = HashSet::new();
    tokens_of(&mut analyzer(lang), text)
        .into_iter()
        .filter(|t| seen.insert(t.clone()))
        .collect()
}

#[derive(Clone, Copy)]
struct Fields {
    source: Field,
    link: Field,
    title: Field,
    heading: Field,
    body: Field,
    lang: Field,
    position: Field,
    en: Field,
    fr: Field,
    head_en: Field,
    head_fr: Field,
}

fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let analyzed = |name: &str| {
        TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(name)
                .set_index_option(IndexRecordOption::WithFreqsAndPositions),
        )
    };
    let fields = Fields {
        source: b.add_text_field("source", STRING | STORED),
        link: b.add_text_field("link", STORED),
        title: b.add_text_field("title", STORED),
        heading: b.add_text_field("heading", STORED),
        body: b.add_text_field("body", STORED),
        lang: b.add_text_field("lang", STRING | STORED),
        position: b.add_u64_field("position", STORED),
        en: b.add_text_field("text_en", analyzed(EN)),
        fr: b.add_text_field("text_fr", analyzed(FR)),
        head_en: b.add_text_field("head_en", analyzed(EN)),
        head_fr: b.add_text_field("head_fr", analyzed(FR)),
    };
    (b.build(), fields)
}

/// A passage found for a question.
#[derive(Debug, Clone)]
pub struct Hit {
    /// BM25 score, boosted when the passage is in the question's language.
    pub score: f32,
    /// The document's source (path or URL).
    pub source: String,
    /// A link to show, if the source has one.
    pub link: Option<String>,
    /// The document's title.
    pub title: String,
    /// The heading the passage sits under.
    pub heading: String,
    /// The passage text, markdown.
    pub body: String,
    /// The passage's language.
    pub lang: Lang,
    /// How many of the question's terms the passage contains.
    pub matched: usize,
    /// How many terms the question has.
    pub asked: usize,
}

impl Hit {
    /// Its link when it is a web page's (`http`/`https`), the only kind a
    /// reply may point a visitor to.
    pub fn web_link(&self) -> Option<&str> {
        self.link
            .as_deref()
            .filter(|l| l.starts_with("http://") || l.starts_with("https://"))
    }

    /// The file name of its source (a path's last part), to name a source
    /// that has no web link.
    pub fn file_name(&self) -> &str {
        self.source
            .rsplit(['/', '\\', ':'])
            .next()
            .unwrap_or(&self.source)
    }
}

/// A source in the index and its number of passages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceInfo {
    /// Path or URL.
    pub source: String,
    /// Title.
    pub title: String,
    /// Passages indexed.
    pub passages: usize,
}

/// One site's index on disk.
#[derive(Clone)]
pub struct SiteIndex {
    index: Index,
    reader: IndexReader,
    f: Fields,
}

impl SiteIndex {
    /// Opens the index in `dir`, creating it if `create`; `None` when it
    /// does not exist and `create` is false.
    pub fn open(dir: &Path, create: bool) -> anyhow::Result<Option<SiteIndex>> {
        let (schema, f) = schema();
        let exists = dir.join("meta.json").exists();
        if !exists && !create {
            return Ok(None);
        }
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        let directory = MmapDirectory::open(dir)
            .with_context(|| format!("cannot open the index in {}", dir.display()))?;
        let index = Index::open_or_create(directory, schema)
            .with_context(|| format!("cannot open the index in {}", dir.display()))?;
        index.tokenizers().register(EN, analyzer(Lang::En));
        index.tokenizers().register(FR, analyzer(Lang::Fr));
        // Documents added by `causette kb add` in another process show up
        // shortly after their commit.
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::OnCommitWithDelay)
            .try_into()?;
        Ok(Some(SiteIndex { index, reader, f }))
    }

    fn writer(&self) -> anyhow::Result<IndexWriter> {
        self.index
            .writer_with_num_threads(1, 15_000_000)
            .context("the index is being written by another process; try again")
    }

    /// Adds documents, replacing any earlier version of the same sources.
    pub fn add(&self, docs: &[Document]) -> anyhow::Result<usize> {
        let mut w = self.writer()?;
        let mut n = 0;
        for d in docs {
            w.delete_term(Term::from_field_text(self.f.source, &d.source));
            for (i, p) in d.passages.iter().enumerate() {
                let lang = super::detect(&format!("{} {}", d.title, p.text));
                let analyzed = format!("{}\n{}\n{}", d.title, p.heading, p.text);
                let mut doc = TantivyDocument::default();
                doc.add_text(self.f.source, &d.source);
                if let Some(l) = &d.link {
                    doc.add_text(self.f.link, l);
                }
                doc.add_text(self.f.title, &d.title);
                doc.add_text(self.f.heading, &p.heading);
                doc.add_text(self.f.body, &p.text);
                doc.add_text(self.f.lang, lang.code());
                doc.add_u64(self.f.position, i as u64);
                doc.add_text(self.f.en, &analyzed);
                doc.add_text(self.f.fr, &analyzed);
                // What a passage is about, said by its title and heading,
                // counts more than a word in passing.
                let head = format!("{}\n{}", d.title, p.heading);
                doc.add_text(self.f.head_en, &head);
                doc.add_text(self.f.head_fr, &head);
                w.add_document(doc)?;
                n += 1;
            }
        }
        w.commit()?;
        w.wait_merging_threads()?;
        self.reader.reload()?;
        Ok(n)
    }

    /// Removes the sources for which `pick` says so; returns how many.
    pub fn remove_where(&self, pick: impl Fn(&str) -> bool) -> anyhow::Result<usize> {
        let gone: Vec<String> = self
            .sources()?
            .into_iter()
            .map(|s| s.source)
            .filter(|s| pick(s))
            .collect();
        if gone.is_empty() {
            return Ok(0);
        }
        let mut w = self.writer()?;
        for s in &gone {
            w.delete_term(Term::from_field_text(self.f.source, s));
        }
        w.commit()?;
        w.wait_merging_threads()?;
        self.reader.reload()?;
        Ok(gone.len())
    }

    /// Every source with its passage count, sorted by source.
    pub fn sources(&self) -> anyhow::Result<Vec<SourceInfo>> {
        let searcher = self.reader.searcher();
        let n = searcher.num_docs() as usize;
        let mut by: BTreeMap<String, SourceInfo> = BTreeMap::new();
        if n == 0 {
            return Ok(Vec::new());
        }
        for (_, addr) in searcher.search(&AllQuery, &TopDocs::with_limit(n))? {
            let doc: TantivyDocument = searcher.doc(addr)?;
            let source = text(&doc, self.f.source);
            by.entry(source.clone())
                .or_insert_with(|| SourceInfo {
                    source,
                    title: text(&doc, self.f.title),
                    passages: 0,
                })
                .passages += 1;
        }
        Ok(by.into_values().collect())
    }

    /// The passages that best answer `question`, best first.
    pub fn search(&self, question: &str, limit: usize) -> anyhow::Result<Vec<Hit>> {
        let lang = super::detect(question);
        let en = terms(question, Lang::En);
        let fr = terms(question, Lang::Fr);
        let asked = match lang {
            Lang::En => en.len(),
            Lang::Fr => fr.len(),
        };
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        let (en_w, fr_w) = match lang {
            Lang::En => (1.0, 0.5),
            Lang::Fr => (0.5, 1.0),
        };
        for (field, words, boost) in [
            (self.f.en, &en, en_w),
            (self.f.fr, &fr, fr_w),
            (self.f.head_en, &en, en_w * 1.5),
            (self.f.head_fr, &fr, fr_w * 1.5),
        ] {
            for w in words {
                let q = TermQuery::new(
                    Term::from_field_text(field, w),
                    IndexRecordOption::WithFreqs,
                );
                clauses.push((Occur::Should, Box::new(BoostQuery::new(Box::new(q), boost))));
            }
        }
        if clauses.is_empty() {
            return Ok(Vec::new());
        }
        let query = BooleanQuery::new(clauses);
        let searcher = self.reader.searcher();
        let mut hits = Vec::new();
        for (score, addr) in searcher.search(&query, &TopDocs::with_limit(limit * 3))? {
            let doc: TantivyDocument = searcher.doc(addr)?;
            let passage_lang = Lang::from_code(&text(&doc, self.f.lang));
            let title = text(&doc, self.f.title);
            let heading = text(&doc, self.f.heading);
            let body = text(&doc, self.f.body);
            let own: HashSet<String> = terms(&format!("{title}\n{heading}\n{body}"), lang)
                .into_iter()
                .collect();
            let wanted = match lang {
                Lang::En => &en,
                Lang::Fr => &fr,
            };
            let matched = wanted.iter().filter(|t| own.contains(*t)).count();
            let link = doc
                .get_first(self.f.link)
                .and_then(|v| v.as_str())
                .map(str::to_owned);
            hits.push(Hit {
                score: if passage_lang == lang {
                    score * 1.5
                } else {
                    score
                },
                source: text(&doc, self.f.source),
                link,
                title,
                heading,
                body,
                lang: passage_lang,
                matched,
                asked,
            });
        }
        hits.sort_by(|a, b| {
            (b.matched, b.score)
                .partial_cmp(&(a.matched, a.score))
                .unwrap_or(std::cmp::Ordering::Equal)
        });
        hits.truncate(limit);
        Ok(hits)
    }
}

fn text(doc: &TantivyDocument, f: Field) -> String {
    doc.get_first(f)
        .and_then(|v| v.as_str())
        .unwrap_or_default()
        .to_owned()
}
