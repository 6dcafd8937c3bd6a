//! Hand-parsed command-line options: `--name value` or `--name=value`.

use anyhow::{bail, Result};

pub struct Flags {
    rest: Vec<String>,
}

impl Flags {
    pub fn new(args: Vec<String>) -> Flags {
        Flags { rest: args }
    }

    /// Takes `--name VALUE` or `--name=VALUE` out of the arguments.
    pub fn value(&mut self, name: &str) -> Result<Option<String>> {
        let prefix = format!("{name}=");
        let Some(at) = self
            .rest
            .iter()
            .position(|a| a == name || a.starts_with(&prefix))
        else {
            return Ok(None);
        };
        let arg = self.rest.remove(at);
        if let Some(value) = arg.strip_prefix(&prefix) {
            return Ok(Some(value.to_owned()));
        }
        if at >= self.rest.len() || self.rest[at].starts_with("--") {
            bail!("`{name}` needs a value");
        }
        Ok(Some(self.rest.remove(at)))
    }

    /// Fails on anything that was not taken.
    pub fn finish(self) -> Result<()> {
        if !self.rest.is_empty() {
            bail!(
                "unexpected argument(s): {} (see `cargo xtask help`)",
                self.rest.join(" ")
            );
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flags(args: &[&str]) -> Flags {
        Flags::new(args.iter().map(|s| s.to_string()).collect())
    }

    #[test]
    fn takes_separate_and_joined_values() {
        let mut f = flags(&["--addr", "0.0.0.0:9000", "--data=/tmp/d"]);
        assert_eq!(f.value("--addr").unwrap().as_deref(), Some("0.0.0.0:9000"));
        assert_eq!(f.value("--data").unwrap().as_deref(), Some("/tmp/d"));
        assert_eq!(f.value("--seconds").unwrap(), None);
        f.finish().unwrap();
    }

    #[test]
    fn missing_value_and_leftovers_are_errors() {
        assert!(flags(&["--addr"]).value("--addr").is_err());
        assert!(flags(&["--addr", "--data"]).value("--addr").is_err());
        assert!(flags(&["--verbose"]).finish().is_err());
    }
}
