//! One widget's visit, as a visitor makes it, in a fresh browser: the page
//! loaded with an empty cache and the launcher clicked as soon as it has
//! painted; once the widget is open and the network quiet, everything it
//! loaded is counted. Then the same page again (cached) and the launcher
//! again; then a question typed into the composer and sent with Enter,
//! and the reply watched until it has streamed in whole.

use std::path::PathBuf;
use std::thread;
use std::time::{Duration, Instant};

use anyhow::{anyhow, Context, Result};
use serde_json::Value;

use super::traffic::{self, Loaded};
use super::webdriver::{Driver, Session, ENTER};
use super::{reply, Widget};

/// No request started or finished for this long: the widget is done loading.
const QUIET: Duration = Duration::from_millis(1000);
const MAX_SETTLE: Duration = Duration::from_secs(15);
/// A reply whose end is not known is over once unchanged this long (ms).
const REPLY_QUIET_MS: u32 = 1500;
/// A reply that stops this long before its known end was cut short (ms).
const REPLY_STALL_MS: u32 = 5000;
/// How long the work after the reply's last words is still watched (ms).
const REPLY_SETTLE_MS: u32 = 500;
const REPLY_TIMEOUT_MS: u32 = 150_000;

pub struct Visit {
    /// What the first (cold) load requested, sized.
    pub loaded: Vec<Loaded>,
    /// Navigation start to the launcher painted, empty cache.
    pub launcher_ms: f64,
    /// Navigation start to the click, empty cache.
    pub click_ms: f64,
    pub launcher_warm_ms: f64,
    /// The click to a composer one can type in, empty cache and cached.
    pub open_cold_ms: f64,
    pub open_warm_ms: f64,
    /// Tasks over 50 ms from navigation to the opened widget, empty cache:
    /// how many, and the longest.
    pub load_tasks: (u64, f64),
    pub reply: Reply,
}

pub struct Reply {
    pub complete: bool,
    pub words: u64,
    /// Enter to the first words of the reply on screen.
    pub first_ms: f64,
    /// Enter to the last words on screen.
    pub last_ms: f64,
    pub long_task_supported: bool,
    pub long_tasks: u64,
    pub longest_task_ms: f64,
    pub longest_frame_gap_ms: f64,
}

pub fn visit(driver: &Driver, widget: &Widget, url: &str, profile: PathBuf) -> Result<Visit> {
    let session = driver.session(profile)?;
    session.network_events()?;

    session.navigate(url)?;
    let cold = open(&session).context("opening the widget, empty cache")?;
    let events = settle(&session)?;
    let tasks = session.execute("return __bench.longTasks();")?;
    let tasks: Vec<f64> = tasks
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|t| t["duration"].as_f64())
        .collect();
    let load_tasks = (
        tasks.len() as u64,
        tasks.iter().copied().fold(0.0, f64::max),
    );
    let resources = session.execute("return __bench.resources();")?;
    let started: Vec<(String, f64)> = resources
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|r| Some((r["url"].as_str()?.to_owned(), r["start"].as_f64()?)))
        .collect();
    let loaded = traffic::load(&session, &events, url, &started)?;

    session.navigate(url)?;
    let warm = open(&session).context("opening the widget, cached")?;
    settle(&session)?;

    let ending = if widget.long_reply {
        Value::from(reply::ending()).to_string()
    } else {
        "null".to_owned()
    };
    session.execute(&format!(
        "__bench.armReply({ending}, {REPLY_QUIET_MS}, {REPLY_STALL_MS}, {REPLY_SETTLE_MS}, {REPLY_TIMEOUT_MS});"
    ))?;
    let composer = session.element("return __bench.widget.composer();")?;
    session.type_text(&composer, &format!("{}{ENTER}", widget.question))?;
    let r = session
        .execute_async("__bench.reply.then(done);")
        .context("the reply")?;
    let sent = number(&r, "sent")?;
    let reply = Reply {
        complete: r["complete"] == true,
        words: r["words"].as_u64().unwrap_or(0),
        first_ms: r["first"].as_f64().map_or(f64::NAN, |t| t - sent),
        last_ms: number(&r, "last")? - sent,
        long_task_supported: r["longTaskSupported"] == true,
        long_tasks: r["longTasks"].as_u64().unwrap_or(0),
        longest_task_ms: number(&r, "longestTask")?,
        longest_frame_gap_ms: number(&r, "longestFrameGap")?,
    };
    Ok(Visit {
        loaded,
        launcher_ms: cold.launcher,
        launcher_warm_ms: warm.launcher,
        open_cold_ms: cold.composer - cold.click,
        open_warm_ms: warm.composer - warm.click,
        click_ms: cold.click,
        load_tasks,
        reply,
    })
}

/// When, after navigation start, the launcher painted, the click came and
/// a usable composer painted (ms).
struct Opened {
    launcher: f64,
    click: f64,
    composer: f64,
}

/// Waits for the launcher to paint, clicks it at once, and waits for a
/// composer one can type in.
fn open(session: &Session) -> Result<Opened> {
    let at = session.execute_async(
        "__bench.launcher.then((t) => {\n  \
           __bench.armClick();\n  \
           done({ painted: t.painted, ...__bench.middle(__bench.widget.launcher()) });\n\
         });",
    )?;
    let (x, y) = (number(&at, "x")?, number(&at, "y")?);
    session.click_at(x as i64, y as i64)?;
    let t = session.execute_async("__bench.opened.then(done);")?;
    Ok(Opened {
        launcher: number(&at, "painted")?,
        click: number(&t, "click")?,
        composer: number(&t, "painted")?,
    })
}

/// The network events until the page has been quiet for [`QUIET`].
fn settle(session: &Session) -> Result<Vec<Value>> {
    let started = Instant::now();
    let mut active = Instant::now();
    let mut events = Vec::new();
    loop {
        let new = session.network_events()?;
        if new.iter().any(|e| {
            matches!(
                e["method"].as_str(),
                Some("Network.requestWillBeSent" | "Network.loadingFinished")
            )
        }) {
            active = Instant::now();
        }
        events.extend(new);
        if active.elapsed() >= QUIET || started.elapsed() >= MAX_SETTLE {
            return Ok(events);
        }
        thread::sleep(Duration::from_millis(200));
    }
}

fn number(value: &Value, key: &str) -> Result<f64> {
    value[key]
        .as_f64()
        .ok_or_else(|| anyhow!("the page gave no `{key}` in {value}"))
}
