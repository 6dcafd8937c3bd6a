//! Running subprocesses the same way everywhere: in the workspace root, with
//! the project's PATH and Trunk settings, echoing each command before it runs.

use std::ffi::{OsStr, OsString};
use std::fmt;
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};

use anyhow::{bail, Context, Result};

use crate::project;

pub struct Cmd {
    command: Command,
    /// Environment set for this command only, shown in the echo.
    shown_env: Vec<(OsString, OsString)>,
    shown_args: Vec<OsString>,
}

impl Cmd {
    pub fn new(program: impl AsRef<OsStr>) -> Cmd {
        let program = program.as_ref();
        let mut command = Command::new(program);
        command
            .current_dir(project::root())
            .env("PATH", project::search_path())
            .env("TRUNK_SKIP_VERSION_CHECK", "true");
        Cmd {
            command,
            shown_env: Vec::new(),
            shown_args: vec![program.to_owned()],
        }
    }

    pub fn arg(mut self, arg: impl AsRef<OsStr>) -> Cmd {
        self.shown_args.push(arg.as_ref().to_owned());
        self.command.arg(arg);
        self
    }

    pub fn args<I, S>(mut self, args: I) -> Cmd
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        for arg in args {
            self = self.arg(arg);
        }
        self
    }

    pub fn env(mut self, key: impl AsRef<OsStr>, value: impl AsRef<OsStr>) -> Cmd {
        self.shown_env
            .push((key.as_ref().to_owned(), value.as_ref().to_owned()));
        self.command.env(key, value);
        self
    }

    pub fn dir(mut self, dir: impl AsRef<Path>) -> Cmd {
        self.command.current_dir(dir);
        self
    }

    /// Runs to completion with inherited stdio; fails unless it exits 0.
    pub fn run(mut self) -> Result<()> {
        println!("$ {self}");
        let status = self
            .command
            .status()
            .with_context(|| format!("could not start `{}`", self.program()))?;
        self.check(status)
    }

    /// Runs quietly and returns stdout; fails unless it exits 0.
    pub fn read(mut self) -> Result<String> {
        let output = self
            .command
            .stdin(Stdio::null())
            .stderr(Stdio::inherit())
            .output()
            .with_context(|| format!("could not start `{}`", self.program()))?;
        self.check(output.status)?;
        String::from_utf8(output.stdout).with_context(|| format!("`{self}` printed non-UTF-8"))
    }

    /// Runs quietly; stdout when it started and exited 0, else `None`.
    /// For asking a tool whether it is there and which version it is.
    pub fn probe(mut self) -> Option<String> {
        let output = self
            .command
            .stdin(Stdio::null())
            .stderr(Stdio::null())
            .output()
            .ok()?;
        if !output.status.success() {
            return None;
        }
        String::from_utf8(output.stdout).ok()
    }

    /// Starts without waiting, with inherited stdio.
    pub fn spawn(mut self) -> Result<Child> {
        println!("$ {self}");
        self.command
            .spawn()
            .with_context(|| format!("could not start `{}`", self.program()))
    }

    fn program(&self) -> String {
        self.shown_args[0].to_string_lossy().into_owned()
    }

    fn check(&self, status: ExitStatus) -> Result<()> {
        if !status.success() {
            bail!("`{self}` failed ({})", describe(status));
        }
        Ok(())
    }
}

impl fmt::Display for Cmd {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let env = self
            .shown_env
            .iter()
            .map(|(k, v)| format!("{}={}", k.to_string_lossy(), quote(v)));
        let args = self.shown_args.iter().map(|a| quote(a));
        let words: Vec<String> = env.chain(args).collect();
        f.write_str(&words.join(" "))
    }
}

pub fn describe(status: ExitStatus) -> String {
    match status.code() {
        Some(code) => format!("exit code {code}"),
        None => format!("{status}"),
    }
}

/// Shell-style quoting, so an echoed command can be pasted back.
fn quote(word: &OsStr) -> String {
    let word = word.to_string_lossy();
    let plain = !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./:=@+,%".contains(c));
    if plain {
        word.into_owned()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn echo_shows_extra_env_and_quotes() {
        let cmd = Cmd::new("cargo")
            .env("CHROMEDRIVER", "/usr/bin/chromedriver")
            .args(["test", "--test", "*", "--", "--test-threads=2"]);
        assert_eq!(
            cmd.to_string(),
            "CHROMEDRIVER=/usr/bin/chromedriver cargo test --test '*' -- --test-threads=2"
        );
    }

    #[test]
    fn quoting_handles_spaces_and_quotes() {
        assert_eq!(quote(OsStr::new("a b")), "'a b'");
        assert_eq!(quote(OsStr::new("it's")), r"'it'\''s'");
        assert_eq!(quote(OsStr::new("")), "''");
    }
}
