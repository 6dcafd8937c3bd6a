//! One widget's visits, each as a visitor makes it, in a fresh browser: the
//! page loaded with an empty cache and the launcher clicked as soon as it
//! has painted; the same page again (cached) and the launcher again. On the
//! first visit, once the widget is open and the network quiet, everything
//! it loaded is counted; on the last, a question is typed into the composer
//! and sent with Enter, and the reply watched until it has streamed in.

use std::path::Path;
use std::thread;
use std::time::{Duration, Instant};

use anyhow::{anyhow, Context, Result};
use serde_json::Value;

use super::traffic::{self, Loaded};
use super::webdriver::{Driver, Session, ENTER};
use super::{reply, Widget};

/// Visits per widget; each time is the median of theirs.
pub const VISITS: usize = 3;
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
    /// What the first visit's (cold) load requested, sized.
    pub loaded: Vec<Loaded>,
    /// The first visit's times, empty cache.
    pub first: Opened,
    /// Tasks over 50 ms from navigation to the opened widget on the first
    /// visit: how many, and the longest.
    pub load_tasks: (u64, f64),
    /// Medians over the visits, empty cache and cached.
    pub cold: Opened,
    pub warm: Opened,
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

/// [`VISITS`] visits, each in a fresh browser with its profile under
/// `profiles`.
pub fn visit(driver: &Driver, widget: &Widget, url: &str, profiles: &Path) -> Result<Visit> {
    let mut cold = Vec::new();
    let mut warm = Vec::new();
    let mut counted = None;
    let mut reply = None;
    for n in 1..=VISITS {
        let session = driver.session(profiles.join(n.to_string()))?;
        session.network_events()?;
        session.navigate(url)?;
        cold.push(open(&session).context("opening the widget, empty cache")?);
        let events = settle(&session)?;
        if counted.is_none() {
            counted = Some(count(&session, &events, url)?);
        }
        session.navigate(url)?;
        warm.push(open(&session).context("opening the widget, cached")?);
        settle(&session)?;
        if n == VISITS {
            reply = Some(ask(&session, widget).context("the reply")?);
        }
    }
    let (loaded, load_tasks) = counted.expect("at least one visit");
    Ok(Visit {
        loaded,
        first: cold[0],
        load_tasks,
        cold: Opened::median(&cold),
        warm: Opened::median(&warm),
        reply: reply.expect("at least one visit"),
    })
}

/// What the page loaded, and its tasks over 50 ms so far.
fn count(session: &Session, events: &[Value], url: &str) -> Result<(Vec<Loaded>, (u64, f64))> {
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
    Ok((traffic::load(session, events, url, &started)?, load_tasks))
}

/// Types the widget's question into its composer, sends it with Enter,
/// and watches the reply.
fn ask(session: &Session, widget: &Widget) -> Result<Reply> {
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
    let r = session.execute_async("__bench.reply.then(done);")?;
    let sent = number(&r, "sent")?;
    Ok(Reply {
        complete: r["complete"] == true,
        words: r["words"].as_u64().unwrap_or(0),
        first_ms: r["first"].as_f64().map_or(f64::NAN, |t| t - sent),
        last_ms: number(&r, "last")? - sent,
        long_task_supported: r["longTaskSupported"] == true,
        long_tasks: r["longTasks"].as_u64().unwrap_or(0),
        longest_task_ms: number(&r, "longestTask")?,
        longest_frame_gap_ms: number(&r, "longestFrameGap")?,
    })
}

/// When, after navigation start, the launcher painted, the click came and
/// a usable composer painted (ms).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Opened {
    pub launcher: f64,
    pub click: f64,
    pub composer: f64,
}

impl Opened {
    /// The click to a usable composer.
    pub fn open_ms(&self) -> f64 {
        self.composer - self.click
    }

    /// The median of each time: the launcher's paint, the click's delay
    /// after it, and the composer's after the click.
    fn median(all: &[Opened]) -> Opened {
        let launcher = median(all.iter().map(|o| o.launcher));
        let click = launcher + median(all.iter().map(|o| o.click - o.launcher));
        Opened {
            launcher,
            click,
            composer: click + median(all.iter().map(Opened::open_ms)),
        }
    }
}

fn median(values: impl Iterator<Item = f64>) -> f64 {
    let mut values: Vec<f64> = values.collect();
    values.sort_by(f64::total_cmp);
    match values.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => values[n / 2],
        n => (values[n / 2 - 1] + values[n / 2]) / 2.0,
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn medians_are_taken_time_by_time() {
        let at = |launcher, click, composer| Opened {
            launcher,
            click,
            composer,
        };
        let all = [
            at(100.0, 120.0, 150.0),
            at(80.0, 130.0, 140.0),
            at(90.0, 100.0, 200.0),
        ];
        // Launchers 80/90/100, click delays 50/10/20, opening 10/100/30.
        assert_eq!(Opened::median(&all), at(90.0, 110.0, 140.0));
        assert_eq!(median([4.0, 1.0, 3.0, 2.0].into_iter()), 2.5);
        assert!(median(std::iter::empty()).is_nan());
    }
}
