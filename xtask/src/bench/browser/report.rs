//! The printed report: one row of figures per widget, each peer's figures
//! divided by Causette's, notes on each reply and request list, and
//! Causette's figures against DESIGN.md's budgets.

use std::fmt::Write;

use crate::size::{BUNDLE_GZIP_BUDGET, EMBED_GZIP_BUDGET};

/// Interactive within this long of the click, wasm cached (ms).
pub const OPEN_WARM_BUDGET_MS: f64 = 150.0;
/// No main-thread task longer than this while a long reply streams (ms).
pub const TASK_BUDGET_MS: f64 = 50.0;

pub struct Figures {
    pub label: String,
    /// gzip bytes requested before the launcher painted (the host page aside).
    pub before_launcher: u64,
    /// gzip bytes of everything requested until the opened widget was idle.
    pub opened: u64,
    pub launcher_ms: f64,
    pub open_cold_ms: f64,
    pub open_warm_ms: f64,
    /// The longest main-thread task while the reply streamed.
    pub longest_task_ms: f64,
    /// No task over 50 ms was reported: `longest_task_ms` is the bound
    /// the longest gap between two frames gives.
    pub task_bound: bool,
    /// The whole 2,000-word reply streamed in (tasks compare only then).
    pub long_reply: bool,
    pub notes: Vec<String>,
}

/// Causette's own figures for its budgets.
pub struct Budgets {
    pub before_launcher: u64,
    pub wasm_before_launcher: bool,
    /// gzip bytes under `/widget/`: wasm, JS glue, CSS.
    pub bundle: u64,
    pub open_warm_ms: f64,
    pub longest_task_ms: f64,
    pub task_bound: bool,
    /// The reply that streamed meanwhile, in words.
    pub reply: String,
}

pub fn kb(bytes: u64) -> String {
    format!("{:.1} KB", bytes as f64 / 1024.0)
}

pub fn ms(t: f64) -> String {
    if t.is_finite() {
        format!("{t:.0} ms")
    } else {
        "—".to_owned()
    }
}

fn task(t: f64, bound: bool) -> String {
    if bound {
        format!("≤{}", ms(t))
    } else {
        ms(t)
    }
}

fn ratio(peer: f64, causette: f64) -> String {
    if !(peer.is_finite() && causette.is_finite()) || causette <= 0.0 {
        return "—".to_owned();
    }
    let r = peer / causette;
    if r >= 10.0 {
        format!("×{r:.0}")
    } else {
        format!("×{r:.1}")
    }
}

const HEAD: [&str; 6] = [
    "before launcher",
    "opened",
    "launcher",
    "click→composer",
    "click→composer",
    "longest task",
];
const SUBHEAD: [&str; 6] = [
    "(gzip)",
    "(gzip, all)",
    "painted",
    "(cold)",
    "(warm)",
    "(reply streams)",
];

fn row(label: &str, cells: &[String; 6], width: usize) -> String {
    let mut line = format!("{label:<width$}");
    for ((cell, head), sub) in cells.iter().zip(HEAD).zip(SUBHEAD) {
        let w = head.chars().count().max(sub.chars().count()) + 2;
        let _ = write!(line, "{cell:>w$}");
    }
    line.trim_end().to_owned() + "\n"
}

/// The table: Causette first, then each peer; then each peer ÷ Causette.
pub fn table(causette: &Figures, peers: &[Figures]) -> String {
    let all: Vec<&Figures> = std::iter::once(causette).chain(peers).collect();
    let width = all.iter().map(|f| f.label.len()).max().unwrap_or(0).max(16) + 2;
    let mut out = String::new();
    out.push_str(&row("", &HEAD.map(str::to_owned), width));
    out.push_str(&row("", &SUBHEAD.map(str::to_owned), width));
    for f in &all {
        let cells = [
            kb(f.before_launcher),
            kb(f.opened),
            ms(f.launcher_ms),
            ms(f.open_cold_ms),
            ms(f.open_warm_ms),
            task(f.longest_task_ms, f.task_bound),
        ];
        out.push_str(&row(&f.label, &cells, width));
    }
    out.push('\n');
    out.push_str(&format!(
        "{:<width$}(peer ÷ Causette; above 1 is worse)\n",
        ""
    ));
    for p in peers {
        let cells = [
            ratio(p.before_launcher as f64, causette.before_launcher as f64),
            ratio(p.opened as f64, causette.opened as f64),
            ratio(p.launcher_ms, causette.launcher_ms),
            ratio(p.open_cold_ms, causette.open_cold_ms),
            ratio(p.open_warm_ms, causette.open_warm_ms),
            if p.long_reply && causette.long_reply {
                ratio(p.longest_task_ms, causette.longest_task_ms)
            } else {
                "—".to_owned()
            },
        ];
        out.push_str(&row(&p.label, &cells, width));
    }
    if !causette.long_reply {
        out.push_str(
            "(—: Causette's reply was not the 2,000-word one, so its tasks do not compare)\n",
        );
    }
    if all.iter().any(|f| f.task_bound) {
        out.push_str(
            "(≤: no task over 50 ms was reported; the longest gap between two frames bounds it)\n",
        );
    }
    for f in &all {
        for note in &f.notes {
            let _ = writeln!(out, "  {}: {note}", f.label);
        }
    }
    out
}

/// One line per budget, and whether all were met.
pub fn budgets(b: &Budgets) -> (String, bool) {
    let mut out = String::from("Causette against DESIGN.md's budgets:\n");
    let mut all = true;
    let mut check = |ok: bool, line: String| {
        all &= ok;
        let _ = writeln!(out, "  {} {line}", if ok { "✓" } else { "✗" });
    };
    check(
        b.before_launcher <= EMBED_GZIP_BUDGET && !b.wasm_before_launcher,
        format!(
            "before the launcher: {} gzip{} (budget {}, no wasm)",
            kb(b.before_launcher),
            if b.wasm_before_launcher {
                ", wasm among it"
            } else {
                ""
            },
            kb(EMBED_GZIP_BUDGET)
        ),
    );
    check(
        b.bundle <= BUNDLE_GZIP_BUDGET,
        format!(
            "widget bundle as loaded: {} gzip (budget {})",
            kb(b.bundle),
            kb(BUNDLE_GZIP_BUDGET)
        ),
    );
    check(
        b.open_warm_ms <= OPEN_WARM_BUDGET_MS,
        format!(
            "click to an interactive composer, wasm cached: {} (budget {})",
            ms(b.open_warm_ms),
            ms(OPEN_WARM_BUDGET_MS)
        ),
    );
    check(
        b.longest_task_ms <= TASK_BUDGET_MS,
        format!(
            "longest main-thread task while {} streams: {} (budget {})",
            b.reply,
            task(b.longest_task_ms, b.task_bound),
            ms(TASK_BUDGET_MS)
        ),
    );
    (out, all)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn figures(label: &str, scale: f64) -> Figures {
        Figures {
            label: label.to_owned(),
            before_launcher: (1300.0 * scale) as u64,
            opened: (90_000.0 * scale) as u64,
            launcher_ms: 40.0 * scale,
            open_cold_ms: 200.0 * scale,
            open_warm_ms: 80.0 * scale,
            longest_task_ms: 20.0 * scale,
            task_bound: false,
            long_reply: true,
            notes: vec![format!("{label} note")],
        }
    }

    #[test]
    fn the_table_has_a_row_per_widget_and_a_ratio_per_peer() {
        let table = table(&figures("causette", 1.0), &[figures("peer 1.0", 20.0)]);
        let lines: Vec<&str> = table.lines().collect();
        assert!(lines[0].contains("before launcher"), "{table}");
        assert!(
            lines[2].starts_with("causette") && lines[2].contains("1.3 KB"),
            "{table}"
        );
        assert!(
            lines[3].starts_with("peer 1.0") && lines[3].contains("25.4 KB"),
            "{table}"
        );
        let ratios = lines
            .iter()
            .find(|l| l.starts_with("peer 1.0") && l.contains('×'))
            .unwrap();
        assert_eq!(ratios.matches("×20").count(), 6, "{table}");
        assert!(table.contains("causette: causette note"), "{table}");

        let mut short = figures("causette", 1.0);
        short.long_reply = false;
        let table = super::table(&short, &[figures("peer 1.0", 20.0)]);
        assert!(
            table.contains("×20  ") && table.contains("do not compare"),
            "{table}"
        );
        let ratios = table
            .lines()
            .find(|l| l.starts_with("peer 1.0") && l.contains('×'))
            .unwrap();
        assert!(ratios.ends_with('—'), "{table}");
    }

    #[test]
    fn a_missed_budget_is_marked_and_fails() {
        let mut b = Budgets {
            before_launcher: 1300,
            wasm_before_launcher: false,
            bundle: 90_000,
            open_warm_ms: 80.0,
            longest_task_ms: 20.0,
            task_bound: true,
            reply: "the 2,000-word reply".to_owned(),
        };
        let (text, ok) = budgets(&b);
        assert!(ok, "{text}");
        assert_eq!(text.matches('✓').count(), 4, "{text}");
        b.open_warm_ms = 151.0;
        b.wasm_before_launcher = true;
        let (text, ok) = budgets(&b);
        assert!(!ok);
        assert_eq!(text.matches('✗').count(), 2, "{text}");
    }

    #[test]
    fn ratios_read_well() {
        assert_eq!(ratio(3.0, 2.0), "×1.5");
        assert_eq!(ratio(200.0, 2.0), "×100");
        assert_eq!(ratio(1.0, 0.0), "—");
        assert_eq!(ms(f64::NAN), "—");
    }
}
