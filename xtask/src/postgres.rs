//! A private, throwaway PostgreSQL server for the tests: a fresh data
//! directory under `target/postgres`, a free port on 127.0.0.1, no password
//! (trust), stopped when dropped.
//!
//! Each run works in `run-<pid>` of its own, so two runs in one checkout do
//! not stop each other's server; a run first removes the directories of runs
//! that are gone, stopping any server they left behind.
//!
//! PostgreSQL refuses to run as root, so as root the server runs as the
//! `postgres` user (Debian's package creates it) on a directory chowned to it.
//! A watchdog in its own session stops the server should this process die
//! without dropping it (Ctrl-C, a kill), so no postmaster outlives the run.

use std::fs;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use anyhow::{anyhow, bail, Context, Result};

use crate::cmd::Cmd;
use crate::project;

/// Why no server could be started.
pub enum StartError {
    /// PostgreSQL is not installed here (or cannot run at all): the tests
    /// that need it are skipped, for this reason.
    Unavailable(String),
    /// It is installed but failed to start: a real failure.
    Failed(anyhow::Error),
}

impl From<anyhow::Error> for StartError {
    fn from(err: anyhow::Error) -> StartError {
        StartError::Failed(err)
    }
}

/// A running PostgreSQL server owned by this process.
pub struct Cluster {
    bin: PathBuf,
    dir: PathBuf,
    port: u16,
    /// `Some("postgres")` when the server runs as that user (we are root).
    run_as: Option<&'static str>,
    watchdog: Option<Child>,
    stopped: bool,
}

/// The directory with PostgreSQL's server programs (Debian keeps them off
/// PATH, under /usr/lib/postgresql/<version>/bin); the newest version wins.
pub fn server_bin_dir() -> Option<PathBuf> {
    let mut dirs: Vec<(u32, PathBuf)> = fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|entry| {
            let entry = entry.ok()?;
            let version = entry.file_name().to_str()?.parse::<u32>().ok()?;
            let bin = entry.path().join("bin");
            (bin.join("pg_ctl").exists() && bin.join("initdb").exists()).then_some((version, bin))
        })
        .collect();
    dirs.sort();
    dirs.pop().map(|(_, bin)| bin)
}

fn is_root() -> bool {
    Cmd::new("id")
        .arg("-u")
        .probe()
        .is_some_and(|uid| uid.trim() == "0")
}

/// Whether process `pid` is a running xtask (a run that owns its directory).
fn xtask_running(pid: u32) -> bool {
    let Ok(status) = fs::read_to_string(format!("/proc/{pid}/status")) else {
        return false;
    };
    let field = |name: &str| {
        status
            .lines()
            .find_map(|line| line.strip_prefix(name))
            .map(str::trim)
    };
    // A killed process may linger as a zombie until it is reaped.
    field("Name:") == Some("xtask") && !field("State:").is_some_and(|s| s.starts_with(['Z', 'X']))
}

fn free_port() -> Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")
        .context("finding a free port")?
        .local_addr()?
        .port())
}

impl Cluster {
    /// Starts a fresh server in a directory of this run under `parent`,
    /// after clearing away what earlier runs left there.
    pub fn start(parent: &Path) -> Result<Cluster, StartError> {
        let bin = server_bin_dir().ok_or_else(|| {
            StartError::Unavailable(
                "PostgreSQL's server programs are not installed: no initdb and pg_ctl under \
                 /usr/lib/postgresql/<version>/bin. `cargo xtask setup` installs the Debian \
                 package `postgresql` when run as root; otherwise run \
                 `sudo apt-get install -y postgresql`."
                    .to_owned(),
            )
        })?;
        let run_as = if is_root() {
            if Cmd::new("id").arg("postgres").probe().is_none() {
                return Err(StartError::Unavailable(
                    "running as root, PostgreSQL must run as another user, and there is no \
                     `postgres` user (the Debian package `postgresql` creates it)"
                        .to_owned(),
                ));
            }
            if Cmd::new("runuser").arg("--help").probe().is_none() {
                return Err(StartError::Unavailable(
                    "running as root, PostgreSQL must run as the `postgres` user, and `runuser` \
                     (util-linux) is missing"
                        .to_owned(),
                ));
            }
            Some("postgres")
        } else {
            None
        };
        let dir = &parent.join(format!("run-{}", std::process::id()));
        let mut cluster = Cluster {
            bin,
            dir: dir.to_path_buf(),
            port: 0,
            run_as,
            watchdog: None,
            stopped: true,
        };
        cluster.clear_earlier_runs(parent)?;
        fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        if let Some(user) = run_as {
            Cmd::new("chown")
                .arg(format!("{user}:{user}"))
                .arg(dir)
                .read()
                .with_context(|| format!("giving {} to the {user} user", dir.display()))?;
        }
        cluster
            .pg("initdb")
            .arg("-D")
            .arg(cluster.data())
            .args(["-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-sync"])
            .read()
            .context("initdb failed")?;
        cluster.port = free_port()?;
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off \
             -c full_page_writes=off -c max_connections=300",
            cluster.port,
            dir.display()
        );
        cluster.stopped = false;
        let started = cluster
            .pg("pg_ctl")
            .arg("-D")
            .arg(cluster.data())
            .args(["-o", &options, "-l"])
            .arg(cluster.log())
            .args(["-w", "-t", "60", "start"])
            .read();
        if let Err(err) = started {
            let log = fs::read_to_string(cluster.log()).unwrap_or_default();
            let tail: Vec<&str> = log.lines().rev().take(15).collect();
            let tail: Vec<&str> = tail.into_iter().rev().collect();
            return Err(StartError::Failed(err.context(format!(
                "PostgreSQL did not start; the end of {}:\n{}",
                cluster.log().display(),
                tail.join("\n")
            ))));
        }
        cluster.watchdog = cluster.spawn_watchdog();
        println!(
            "✓ PostgreSQL running on 127.0.0.1:{} (data in {}{})",
            cluster.port,
            cluster.data().display(),
            run_as.map(|u| format!(", as user {u}")).unwrap_or_default()
        );
        Ok(cluster)
    }

    /// An admin URL: user `postgres`, no password, the `postgres` database.
    pub fn admin_url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    fn data(&self) -> PathBuf {
        self.dir.join("data")
    }

    fn log(&self) -> PathBuf {
        self.dir.join("log")
    }

    /// A PostgreSQL program, as the user the server runs as.
    fn pg(&self, program: &str) -> Cmd {
        let program = self.bin.join(program);
        match self.run_as {
            Some(user) => Cmd::new("runuser").args(["-u", user, "--"]).arg(program),
            None => Cmd::new(program),
        }
    }

    /// Removes the directories of earlier runs that are no longer running
    /// (and this run's, should a process of the same id have left one),
    /// stopping a server an interrupted run left behind.
    fn clear_earlier_runs(&self, parent: &Path) -> Result<()> {
        let Ok(entries) = fs::read_dir(parent) else {
            return Ok(());
        };
        // The older layout (`data` and `log` right here) has no owner to ask:
        // a server still running there belongs to a run that stops it itself.
        let older_running = parent.join("data/postmaster.pid").exists();
        for entry in entries {
            let path = entry?.path();
            let owner = path
                .file_name()
                .and_then(|n| n.to_str()?.strip_prefix("run-")?.parse::<u32>().ok());
            let data = match owner {
                Some(pid) if pid != std::process::id() && xtask_running(pid) => continue,
                Some(_) => path.join("data"),
                None if older_running => continue,
                None => path.clone(),
            };
            if data.join("postmaster.pid").exists() {
                println!(
                    "→ stopping the PostgreSQL server an earlier run left in {}",
                    data.display()
                );
                let _ = self
                    .pg("pg_ctl")
                    .arg("-D")
                    .arg(&data)
                    .args(["-m", "immediate", "-w", "stop"])
                    .read();
            }
            if path.is_dir() {
                fs::remove_dir_all(&path)
            } else {
                fs::remove_file(&path)
            }
            .with_context(|| format!("removing {}", path.display()))?;
        }
        Ok(())
    }

    /// A shell loop in a session of its own (Ctrl-C does not reach it) that
    /// stops the server once this process is gone, and ends by itself once
    /// the server is stopped.
    fn spawn_watchdog(&self) -> Option<Child> {
        let stop = self
            .pg("pg_ctl")
            .arg("-D")
            .arg(self.data())
            .args(["-m", "immediate", "-w", "stop"])
            .to_string();
        let script = format!(
            "while kill -0 {pid} 2>/dev/null && [ -e '{pidfile}' ]; do sleep 1; done; \
             [ -e '{pidfile}' ] && {stop}; true",
            pid = std::process::id(),
            pidfile = self.data().join("postmaster.pid").display(),
        );
        Command::new("setsid")
            .args(["sh", "-c", &script])
            .env("PATH", project::search_path())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|err| println!("(no watchdog for PostgreSQL: {err})"))
            .ok()
    }

    /// Stops the server (fast shutdown: open connections are cut).
    pub fn stop(mut self) -> Result<()> {
        self.stop_now()
    }

    fn stop_now(&mut self) -> Result<()> {
        if self.stopped {
            return Ok(());
        }
        self.stopped = true;
        let result = self
            .pg("pg_ctl")
            .arg("-D")
            .arg(self.data())
            .args(["-m", "fast", "-w", "-t", "60", "stop"])
            .run()
            .map_err(|err| anyhow!("{err:#}"))
            .context("stopping the test PostgreSQL server");
        if let Some(mut watchdog) = self.watchdog.take() {
            // It would end within a second by itself; end it now.
            let _ = watchdog.kill();
            let _ = watchdog.wait();
        }
        if result.is_ok() && self.data().join("postmaster.pid").exists() {
            bail!("PostgreSQL still has a postmaster.pid after stopping");
        }
        result
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        if let Err(err) = self.stop_now() {
            eprintln!("warning: {err:#}");
        }
    }
}

/// `cargo xtask postgres`: a server to run the server tests against by hand,
/// until Enter (or end of input, or Ctrl-C) stops it.
pub fn shell() -> Result<()> {
    let cluster = match Cluster::start(&project::target_dir().join("postgres-shell")) {
        Ok(cluster) => cluster,
        Err(StartError::Unavailable(reason)) => bail!("{reason}"),
        Err(StartError::Failed(err)) => return Err(err),
    };
    println!(
        "\nRun the server tests on it with:\n  CAUSETTE_TEST_POSTGRES={} cargo test -p causette-server\n\nPress Enter to stop it.",
        cluster.admin_url()
    );
    let mut line = String::new();
    let _ = std::io::stdin().read_line(&mut line);
    cluster.stop()
}
