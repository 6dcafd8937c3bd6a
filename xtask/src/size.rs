//! `cargo xtask size`: raw and gzip bytes of the loader and the widget
//! bundle, checked against DESIGN.md's budgets.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use flate2::write::GzEncoder;
use flate2::Compression;

use crate::project;

/// embed.js: at most 1.5 KB gzip.
pub const EMBED_GZIP_BUDGET: u64 = 1536;
/// Widget bundle (wasm + JS glue + CSS): at most 100 KB gzip.
pub const BUNDLE_GZIP_BUDGET: u64 = 100 * 1024;

pub fn run() -> Result<()> {
    let report = measure(&project::root())?;
    print!("{}", report.render());
    report.check()
}

pub struct Entry {
    /// Path relative to the workspace root.
    pub name: String,
    pub raw: u64,
    pub gzip: u64,
}

impl Entry {
    pub fn of(name: String, bytes: &[u8]) -> Entry {
        Entry {
            name,
            raw: bytes.len() as u64,
            gzip: gzip_len(bytes),
        }
    }
}

pub struct Report {
    pub embed: Entry,
    pub bundle: Vec<Entry>,
}

pub struct Verdict {
    pub name: &'static str,
    pub gzip: u64,
    pub budget: u64,
}

impl Verdict {
    pub fn within(&self) -> bool {
        self.gzip <= self.budget
    }
}

/// Size of `bytes` gzipped at the best compression level.
pub fn gzip_len(bytes: &[u8]) -> u64 {
    let mut encoder = GzEncoder::new(Vec::new(), Compression::best());
    encoder.write_all(bytes).expect("writing to a Vec");
    encoder.finish().expect("writing to a Vec").len() as u64
}

/// Measures the loader as served (`dist/embed.js`, minified from
/// `www/embed.js` by the build; the source if there is none yet) and the
/// bundle files Trunk wrote to `dist/`.
pub fn measure(root: &Path) -> Result<Report> {
    let minified = root.join("dist/embed.js");
    let embed_path = if minified.is_file() {
        minified
    } else {
        root.join("www/embed.js")
    };
    let embed = fs::read(&embed_path).with_context(|| {
        format!(
            "reading {} (the loader site owners paste)",
            embed_path.display()
        )
    })?;
    let dist = root.join("dist");
    if !dist.is_dir() {
        bail!(
            "{} does not exist: build the widget first (`cargo xtask build`)",
            dist.display()
        );
    }
    let mut files = Vec::new();
    bundle_files(&dist, &mut files)?;
    files.sort();
    let mut bundle = Vec::new();
    for path in files {
        let bytes = fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
        bundle.push(Entry::of(relative(root, &path), &bytes));
    }
    if !bundle.iter().any(|e| e.name.ends_with(".wasm")) {
        bail!(
            "no .wasm file in {}: build the widget first (`cargo xtask build`)",
            dist.display()
        );
    }
    Ok(Report {
        embed: Entry::of(relative(root, &embed_path), &embed),
        bundle,
    })
}

/// What the widget downloads: wasm, JS (glue and snippets) and CSS. A copy
/// of embed.js in dist/ is the loader, not the bundle; HTML is the demo page;
/// hidden folders are Trunk's staging area.
fn bundle_files(dir: &Path, out: &mut Vec<PathBuf>) -> Result<()> {
    for entry in fs::read_dir(dir).with_context(|| format!("listing {}", dir.display()))? {
        let path = entry?.path();
        let hidden = path
            .file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with('.'));
        if hidden {
            continue;
        }
        if path.is_dir() {
            bundle_files(&path, out)?;
        } else if is_bundle_file(&path) {
            out.push(path);
        }
    }
    Ok(())
}

pub fn is_bundle_file(path: &Path) -> bool {
    let is_loader = path.file_name().is_some_and(|n| n == "embed.js");
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
    !is_loader && matches!(ext, "wasm" | "js" | "mjs" | "css")
}

fn relative(root: &Path, path: &Path) -> String {
    path.strip_prefix(root)
        .unwrap_or(path)
        .to_string_lossy()
        .into_owned()
}

impl Report {
    pub fn bundle_raw(&self) -> u64 {
        self.bundle.iter().map(|e| e.raw).sum()
    }

    /// Each file is served (and compressed) on its own, so the sum.
    pub fn bundle_gzip(&self) -> u64 {
        self.bundle.iter().map(|e| e.gzip).sum()
    }

    pub fn verdicts(&self) -> [Verdict; 2] {
        [
            Verdict {
                name: "embed.js",
                gzip: self.embed.gzip,
                budget: EMBED_GZIP_BUDGET,
            },
            Verdict {
                name: "widget bundle",
                gzip: self.bundle_gzip(),
                budget: BUNDLE_GZIP_BUDGET,
            },
        ]
    }

    pub fn render(&self) -> String {
        let total = Entry {
            name: "bundle total (wasm + JS + CSS)".to_owned(),
            raw: self.bundle_raw(),
            gzip: self.bundle_gzip(),
        };
        let rows: Vec<&Entry> = std::iter::once(&self.embed)
            .chain(&self.bundle)
            .chain(std::iter::once(&total))
            .collect();
        let width = rows.iter().map(|e| e.name.len()).max().unwrap_or(0);
        let mut out = format!("{:<width$}  {:>10}  {:>10}\n", "file", "raw B", "gzip B");
        for (i, e) in rows.iter().enumerate() {
            if i == 1 || i == rows.len() - 1 {
                out.push_str(&format!("{}\n", "-".repeat(width + 24)));
            }
            out.push_str(&format!(
                "{:<width$}  {:>10}  {:>10}\n",
                e.name, e.raw, e.gzip
            ));
        }
        out.push('\n');
        for v in self.verdicts() {
            out.push_str(&format!(
                "{} {:<13} {:>7} / {:>7} B gzip ({:.1}% of budget)\n",
                if v.within() { "✓" } else { "✗" },
                v.name,
                v.gzip,
                v.budget,
                v.gzip as f64 * 100.0 / v.budget as f64,
            ));
        }
        out
    }

    /// Fails when any budget is exceeded.
    pub fn check(&self) -> Result<()> {
        let over: Vec<String> = self
            .verdicts()
            .iter()
            .filter(|v| !v.within())
            .map(|v| {
                format!(
                    "{} is {} B gzip, {} B over its {} B budget",
                    v.name,
                    v.gzip,
                    v.gzip - v.budget,
                    v.budget
                )
            })
            .collect();
        if !over.is_empty() {
            bail!("over budget: {}", over.join("; "));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(name: &str, raw: u64, gzip: u64) -> Entry {
        Entry {
            name: name.to_owned(),
            raw,
            gzip,
        }
    }

    fn report(embed_gzip: u64, wasm_gzip: u64) -> Report {
        Report {
            embed: entry("www/embed.js", 3000, embed_gzip),
            bundle: vec![
                entry("dist/w_bg.wasm", 200_000, wasm_gzip),
                entry("dist/w.js", 30_000, 8_000),
                entry("dist/style.css", 4_000, 1_000),
            ],
        }
    }

    #[test]
    fn gzip_shrinks_repetitive_text_and_counts_the_header() {
        let text = "causette ".repeat(1000);
        let gz = gzip_len(text.as_bytes());
        assert!(gz < 100, "{gz}");
        // An empty input still has gzip's header and trailer.
        assert!(gzip_len(b"") >= 18);
    }

    #[test]
    fn bundle_sums_every_file() {
        let r = report(1000, 80_000);
        assert_eq!(r.bundle_raw(), 234_000);
        assert_eq!(r.bundle_gzip(), 89_000);
    }

    #[test]
    fn budgets_are_inclusive() {
        assert!(report(EMBED_GZIP_BUDGET, BUNDLE_GZIP_BUDGET - 9_000)
            .check()
            .is_ok());
        let err = report(EMBED_GZIP_BUDGET + 1, 1).check().unwrap_err();
        assert!(
            err.to_string()
                .contains("embed.js is 1537 B gzip, 1 B over"),
            "{err}"
        );
        let err = report(1, BUNDLE_GZIP_BUDGET - 9_000 + 1)
            .check()
            .unwrap_err();
        assert!(err.to_string().contains("widget bundle"), "{err}");
        assert!(!err.to_string().contains("embed.js"), "{err}");
    }

    #[test]
    fn table_lists_every_file_the_total_and_the_verdicts() {
        let table = report(1000, 200_000).render();
        for needle in [
            "www/embed.js",
            "dist/w_bg.wasm",
            "dist/style.css",
            "bundle total (wasm + JS + CSS)",
            "✓ embed.js",
            "✗ widget bundle",
            "209000",
        ] {
            assert!(table.contains(needle), "{needle} missing from\n{table}");
        }
    }

    #[test]
    fn bundle_is_wasm_js_css_but_not_the_loader_or_html() {
        assert!(is_bundle_file(Path::new("dist/causette_widget_bg.wasm")));
        assert!(is_bundle_file(Path::new("dist/causette_widget.js")));
        assert!(is_bundle_file(Path::new("dist/snippets/x/inline0.js")));
        assert!(is_bundle_file(Path::new("dist/styles.css")));
        assert!(!is_bundle_file(Path::new("dist/embed.js")));
        assert!(!is_bundle_file(Path::new("dist/index.html")));
    }

    #[test]
    fn measures_a_built_tree() {
        let root = std::env::temp_dir().join(format!("xtask-size-{}", std::process::id()));
        let _ = fs::remove_dir_all(&root);
        fs::create_dir_all(root.join("www")).unwrap();
        fs::create_dir_all(root.join("dist/snippets/a")).unwrap();
        fs::write(root.join("www/embed.js"), "x".repeat(500)).unwrap();
        fs::write(root.join("dist/w_bg.wasm"), vec![7u8; 4096]).unwrap();
        fs::write(root.join("dist/w.js"), "glue();".repeat(50)).unwrap();
        fs::write(root.join("dist/snippets/a/inline0.js"), "s").unwrap();
        fs::write(root.join("dist/embed.js"), "x").unwrap();
        fs::write(root.join("dist/index.html"), "<html>").unwrap();
        fs::create_dir_all(root.join("dist/.stage")).unwrap();
        fs::write(root.join("dist/.stage/old_bg.wasm"), "stale").unwrap();
        let r = measure(&root).unwrap();
        let names: Vec<&str> = r.bundle.iter().map(|e| e.name.as_str()).collect();
        assert_eq!(
            names,
            ["dist/snippets/a/inline0.js", "dist/w.js", "dist/w_bg.wasm"]
        );
        assert_eq!(r.embed.raw, 1, "the minified loader, as served");
        assert_eq!(r.embed.name, "dist/embed.js");
        assert_eq!(r.bundle_raw(), 1 + 350 + 4096);
        fs::remove_file(root.join("dist/embed.js")).unwrap();
        assert_eq!(
            measure(&root).unwrap().embed.raw,
            500,
            "the source, before a build"
        );
        fs::remove_file(root.join("dist/w_bg.wasm")).unwrap();
        assert!(measure(&root).is_err());
        fs::remove_dir_all(&root).unwrap();
    }
}
