//! Causette in a real browser beside two peer widgets, on the same host
//! page in the same headless Chromium: bytes before the launcher shows and
//! once the widget is open, the launcher's paint, the click to a usable
//! composer (empty cache and cached), and the longest main-thread task
//! while a 2,000-word reply streams in.
//!
//! Nothing comes from the internet: the peers' npm packages are served by
//! a local stand-in for their CDN, and each talks to a local mock of its
//! backend that streams the same reply at the same pace (`mock/`).
//! Causette is the release server with its embedded bundle; its demo site
//! answers from the OpenAI-compatible mock when the server can use a
//! model, else from its knowledge base.

mod causette;
mod http;
mod mock;
mod page;
mod peers;
mod reply;
mod report;
mod traffic;
mod visit;
mod webdriver;

use std::collections::HashMap;
use std::fs;
use std::sync::{Arc, RwLock};

use anyhow::{Context, Result};

use self::http::{Response, Server};
use self::report::{Budgets, Figures, TASK_BUDGET_MS};
use self::visit::{Visit, VISITS};
use super::Measured;
use crate::project;

/// A widget as the host page embeds it.
pub struct Widget {
    pub name: &'static str,
    /// Its row in the report.
    pub label: String,
    /// The embed code, as the widget's docs give it.
    pub snippet: String,
    /// A JS object of three functions returning the launcher, the composer
    /// and the reply being streamed (see `probe.js`).
    pub hooks: String,
    pub question: &'static str,
    /// It answers with the 2,000-word reply.
    pub long_reply: bool,
    /// What a reader of its figures should know.
    pub remark: Option<&'static str>,
}

pub fn measure() -> Result<Measured> {
    peers::install()?;
    let work = project::target_dir().join("bench-browser");
    let _ = fs::remove_dir_all(&work);
    fs::create_dir_all(&work).with_context(|| format!("creating {}", work.display()))?;

    let model = mock::openai::start()?;
    let typebot = mock::typebot::start()?;
    let flowise = mock::flowise::start()?;
    let cdn = Server::start(peers::serve)?;
    let pages: Arc<RwLock<HashMap<String, String>>> = Arc::default();
    let host = {
        let pages = pages.clone();
        Server::start(
            move |req| match pages.read().expect("pages").get(&req.path) {
                Some(html) => Response::bytes(200, "text/html; charset=utf-8", html.clone())
                    .header("Cache-Control", "no-cache"),
                None => Response::not_found(),
            },
        )?
    };
    let causette = causette::Causette::start(&work, &host.origin(), &model)?;
    let widgets = [
        causette.widget(),
        peers::typebot(&cdn.origin(), &typebot.server.origin()),
        peers::flowise(&cdn.origin(), &flowise.server.origin()),
    ];
    let url = |w: &Widget| format!("{}/{}.html", host.origin(), w.name.to_lowercase());
    for w in &widgets {
        let path = format!("/{}.html", w.name.to_lowercase());
        pages.write().expect("pages").insert(path, page::html(w));
    }

    let driver = webdriver::Driver::start(&work.join("chromedriver.log"))?;
    let mut visits = Vec::new();
    for w in &widgets {
        println!(
            "→ {}: {} ({VISITS} visits, empty cache then cached; a question on the last)",
            w.label,
            url(w),
        );
        let profiles = work.join(format!("profiles-{}", w.name.to_lowercase()));
        let visit = visit::visit(&driver, w, &url(w), &profiles)
            .with_context(|| format!("measuring {} in Chromium", w.label))?;
        visits.push(visit);
    }
    // Which mocks were to stream the long reply, and how often they did.
    let streamed = [
        (
            "the OpenAI-compatible mock",
            causette.model,
            model.streamed.count(),
        ),
        ("the Typebot mock", true, typebot.streamed.count()),
        ("the Flowise mock", true, flowise.streamed.count()),
    ];

    let figures: Vec<Figures> = widgets
        .iter()
        .zip(&visits)
        .map(|(w, v)| figures(w, v))
        .collect();
    let mut report = format!(
        "Same host page, same headless Chromium, everything on loopback. Each widget is\n\
         visited {VISITS} times, each in a fresh browser: \"cold\" with an empty cache, then\n\
         \"warm\", the same page loaded again. The launcher is pressed as soon as it has\n\
         painted and times run from the press; each is the median of the {VISITS} visits.\n\
         gzip: the bytes on the wire when compressed, else each body gzipped at the best\n\
         level.\n\n",
    );
    if !causette.model {
        report.push_str(
            "Note: this server cannot answer with a model (`causette site update --help` lists\n\
             no --model), so Causette answers from the demo knowledge base: a reply much\n\
             shorter than the peers' 2,000 words.\n\n",
        );
    }
    report.push_str(&report::table(&figures[0], &figures[1..]));
    for (mock, expected, count) in streamed {
        if expected && count == 0 {
            report.push_str(&format!("  ! {mock} streamed no reply to the end\n"));
        }
    }
    let (budget_lines, within) = report::budgets(&budgets(&widgets[0], &visits[0]));
    report.push('\n');
    report.push_str(&budget_lines);
    Ok(Measured {
        report,
        within_budget: Some(within),
    })
}

/// The longest task while the reply streamed, and whether it is the
/// bound the frame gaps give (no task over 50 ms was reported).
fn longest_task(v: &Visit) -> (f64, bool) {
    let r = &v.reply;
    if r.long_tasks > 0 {
        (r.longest_task_ms, false)
    } else if r.long_task_supported {
        (r.longest_frame_gap_ms.min(TASK_BUDGET_MS), true)
    } else {
        (r.longest_frame_gap_ms, true)
    }
}

fn figures(w: &Widget, v: &Visit) -> Figures {
    let gzip = |until: f64| -> u64 {
        v.loaded
            .iter()
            .filter(|l| l.start.unwrap_or(f64::INFINITY) <= until)
            .map(|l| l.gzip_bytes)
            .sum()
    };
    let (longest_task_ms, task_bound) = longest_task(v);
    let r = &v.reply;
    let mut notes = vec![
        format!(
            "reply {} words{}, first words {} after Enter, last {} after; {} task(s) over 50 ms, \
             longest gap between frames {}",
            r.words,
            if r.complete { "" } else { " (incomplete)" },
            report::ms(r.first_ms),
            report::ms(r.last_ms),
            r.long_tasks,
            report::ms(r.longest_frame_gap_ms),
        ),
        format!(
            "first visit: {} requests, {} decoded; clicked {} after the launcher painted, \
             {} gzip loaded by then; {} task(s) over 50 ms until opened (longest {})",
            v.loaded.len(),
            report::kb(v.loaded.iter().map(|l| l.body_bytes).sum()),
            report::ms(v.first.click - v.first.launcher),
            report::kb(gzip(v.first.click)),
            v.load_tasks.0,
            report::ms(v.load_tasks.1),
        ),
        format!(
            "cached: launcher painted at {}, clicked {} after it",
            report::ms(v.warm.launcher),
            report::ms(v.warm.click - v.warm.launcher)
        ),
    ];
    let failed: Vec<String> = v
        .loaded
        .iter()
        .filter_map(|l| l.failed.as_ref().map(|why| format!("{} ({why})", l.url)))
        .collect();
    if !failed.is_empty() {
        notes.push(format!("failed requests: {}", failed.join(", ")));
    }
    if !w.long_reply {
        notes.push("asked the demo knowledge base (shorter reply)".to_owned());
    }
    notes.extend(w.remark.map(str::to_owned));
    Figures {
        label: w.label.clone(),
        before_launcher: gzip(v.first.launcher),
        opened: v.loaded.iter().map(|l| l.gzip_bytes).sum(),
        launcher_ms: v.cold.launcher,
        open_cold_ms: v.cold.open_ms(),
        open_warm_ms: v.warm.open_ms(),
        longest_task_ms,
        task_bound,
        long_reply: w.long_reply && r.complete,
        notes,
    }
}

fn budgets(w: &Widget, v: &Visit) -> Budgets {
    let (longest_task_ms, task_bound) = longest_task(v);
    let early = v
        .loaded
        .iter()
        .filter(|l| l.start.is_some_and(|t| t <= v.first.launcher));
    Budgets {
        before_launcher: early.clone().map(|l| l.gzip_bytes).sum(),
        wasm_before_launcher: early.clone().any(|l| l.url.ends_with(".wasm")),
        bundle: v
            .loaded
            .iter()
            .filter(|l| l.url.contains("/widget/"))
            .map(|l| l.gzip_bytes)
            .sum(),
        open_warm_ms: v.warm.open_ms(),
        longest_task_ms,
        task_bound,
        reply: if !w.long_reply {
            "the knowledge base's shorter reply".to_owned()
        } else if v.reply.complete {
            "the 2,000-word reply".to_owned()
        } else {
            format!(
                "a reply of {} words (the 2,000-word one did not come)",
                v.reply.words
            )
        },
    }
}
