//! Causette as the page gets it: the release `causette serve` on a free
//! port with a fresh data directory, the host page's origin allowed for
//! the demo site, and the demo site answering from the OpenAI-compatible
//! mock when the server can use a model (`causette site update --model`),
//! else from its knowledge base (a shorter reply).

use std::fs::{self, File};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};

use super::mock::openai;
use super::Widget;
use crate::cmd::Cmd;
use crate::project;

/// A question the demo knowledge base answers.
const KB_QUESTION: &str = "How do I add the widget to my site?";

pub struct Causette {
    child: Child,
    data: PathBuf,
    log: PathBuf,
    pub origin: String,
    /// The demo site answers from the model mock (the long reply).
    pub model: bool,
}

impl Causette {
    /// Starts the server; `host` is the host page's origin.
    pub fn start(work: &Path, host: &str, model: &openai::OpenAi) -> Result<Causette> {
        let data = work.join("causette-data");
        let _ = fs::remove_dir_all(&data);
        fs::create_dir_all(&data)?;
        let port = TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        let log = work.join("causette.log");
        let mut causette = Causette {
            child: spawn(port, &data, host, &log)?,
            data,
            log,
            origin: format!("http://127.0.0.1:{port}"),
            model: false,
        };
        causette.wait_up()?;
        if !model_option_exists() {
            return Ok(causette);
        }
        // The demo site exists once the server has started; it reads a
        // site's model when it starts again.
        causette.stop();
        Cmd::new(project::causette_bin(true))
            .args(["site", "update", "demo", "--model"])
            .arg(format!("openai:{}", openai::MODEL))
            .arg("--model-base-url")
            .arg(format!("{}/v1", model.server.origin()))
            .arg("--data")
            .arg(&causette.data)
            .read()
            .context("pointing the demo site at the model mock")?;
        causette.child = spawn(port, &causette.data, host, &causette.log)?;
        causette.wait_up()?;
        causette.model = true;
        Ok(causette)
    }

    fn wait_up(&self) -> Result<()> {
        let url = format!("{}/v1/diagnose?site=demo", self.origin);
        let started = Instant::now();
        loop {
            if ureq::get(&url).call().is_ok() {
                return Ok(());
            }
            if started.elapsed() > Duration::from_secs(30) {
                bail!(
                    "causette serve did not answer {url} within 30 s (log: {})",
                    self.log.display()
                );
            }
            thread::sleep(Duration::from_millis(100));
        }
    }

    fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    pub fn widget(&self) -> Widget {
        Widget {
            name: "Causette",
            label: "causette (this build)".to_owned(),
            snippet: format!(
                "<script async src=\"{}/embed.js\" data-site=\"demo\"></script>",
                self.origin
            ),
            hooks: "{\n  launcher: () => __bench.shadow('causette-widget')?.querySelector('.launcher'),\n  \
                    composer: () => __bench.shadow('causette-widget')?.querySelector('textarea.input'),\n  \
                    reply: () => __bench.after(__bench.shadow('causette-widget'), '.message.visitor', '.message.assistant .text'),\n}"
                .to_owned(),
            question: if self.model {
                super::reply::QUESTION
            } else {
                KB_QUESTION
            },
            long_reply: self.model,
            remark: None,
        }
    }
}

impl Drop for Causette {
    fn drop(&mut self) {
        self.stop();
        let _ = fs::remove_dir_all(&self.data);
    }
}

fn spawn(port: u16, data: &Path, host: &str, log: &Path) -> Result<Child> {
    let causette = project::causette_bin(true);
    let out = File::options().create(true).append(true).open(log)?;
    Command::new(&causette)
        .arg("serve")
        .arg("--addr")
        .arg(format!("127.0.0.1:{port}"))
        .arg("--data")
        .arg(data)
        .arg("--demo-origin")
        .arg(host)
        .env("RUST_LOG", "warn")
        .env("NO_COLOR", "1")
        // A local model server gets no key unless one is set: none is.
        .env_remove("OPENAI_API_KEY")
        .stdin(Stdio::null())
        .stdout(out.try_clone()?)
        .stderr(out)
        .spawn()
        .with_context(|| format!("could not start {}", causette.display()))
}

/// Whether this server can answer with a model (`site update --model`).
fn model_option_exists() -> bool {
    Cmd::new(project::causette_bin(true))
        .args(["site", "update", "--help"])
        .probe()
        .is_some_and(|help| help.contains("--model"))
}
