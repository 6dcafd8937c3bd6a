//! API keys. They never go in the database and never reach the browser:
//! they come from the secrets file given to `causette serve --secrets FILE`
//! or from the server's environment, looked up by name (`OPENAI_API_KEY`,
//! or the name a site gives with `--model-key`).
//!
//! The file holds one `NAME=value` a line (`export NAME=value` and quoted
//! values too, so a shell can source it); `#` starts a comment line. It is
//! refused when every user may read or write it. A changed file is read
//! again on the next lookup, so a key is replaced without a restart.

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::SystemTime;

use anyhow::{bail, Context as _};

/// A key. Its `Debug` and `Display` never show it.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// A key from its text.
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }

    /// The key itself, for the one header that carries it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret([redacted])")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

/// Where keys are looked up: the secrets file first, then the environment.
#[derive(Debug, Default)]
pub struct Secrets {
    file: Option<SecretsFile>,
}

#[derive(Debug)]
struct SecretsFile {
    path: PathBuf,
    loaded: Mutex<(Option<SystemTime>, HashMap<String, Secret>)>,
}

impl Secrets {
    /// Keys from the environment only.
    pub fn from_env() -> Secrets {
        Secrets::default()
    }

    /// Keys from `path` (read and checked now), then the environment.
    pub fn open(path: &Path) -> anyhow::Result<Secrets> {
        let (modified, keys) = read(path)?;
        Ok(Secrets {
            file: Some(SecretsFile {
                path: path.to_owned(),
                loaded: Mutex::new((modified, keys)),
            }),
        })
    }

    /// The key called `name`, if the file or the environment has one that
    /// is not empty.
    pub fn get(&self, name: &str) -> Option<Secret> {
        if let Some(file) = &self.file {
            if let Some(found) = file.get(name) {
                return Some(found);
            }
        }
        std::env::var(name)
            .ok()
            .filter(|v| !v.trim().is_empty())
            .map(|v| Secret(v.trim().to_owned()))
    }

    /// The secrets file, if one was given.
    pub fn path(&self) -> Option<&Path> {
        self.file.as_ref().map(|f| f.path.as_path())
    }
}

impl SecretsFile {
    fn get(&self, name: &str) -> Option<Secret> {
        let mut loaded = self.loaded.lock().expect("secrets lock");
        let modified = std::fs::metadata(&self.path)
            .and_then(|m| m.modified())
            .ok();
        if modified != loaded.0 {
            match read(&self.path) {
                Ok(fresh) => {
                    tracing::info!(file = %self.path.display(), keys = fresh.1.len(), "secrets file read again");
                    *loaded = fresh;
                }
                // The keys read before stay in use.
                Err(e) => {
                    tracing::error!(file = %self.path.display(), "{e:#}");
                    loaded.0 = modified;
                }
            }
        }
        loaded.1.get(name).cloned()
    }
}

fn read(path: &Path) -> anyhow::Result<(Option<SystemTime>, HashMap<String, Secret>)> {
    let meta = std::fs::metadata(path)
        .with_context(|| format!("cannot read the secrets file {}", path.display()))?;
    check_mode(path, &meta)?;
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the secrets file {}", path.display()))?;
    let keys = parse(&text).map_err(|e| anyhow::anyhow!("secrets file {}: {e}", path.display()))?;
    Ok((meta.modified().ok(), keys))
}

#[cfg(unix)]
fn check_mode(path: &Path, meta: &std::fs::Metadata) -> anyhow::Result<()> {
    use std::os::unix::fs::PermissionsExt as _;
    let mode = meta.permissions().mode() & 0o777;
    if mode & 0o006 != 0 {
        bail!(
            "the secrets file {} may be read or changed by every user (mode {mode:o}); run: chmod 600 {}",
            path.display(),
            path.display()
        );
    }
    if mode & 0o060 != 0 {
        tracing::warn!(file = %path.display(), mode = %format!("{mode:o}"), "the secrets file is open to its group; chmod 600 keeps it to its owner");
    }
    Ok(())
}

#[cfg(not(unix))]
fn check_mode(_: &Path, _: &std::fs::Metadata) -> anyhow::Result<()> {
    Ok(())
}

/// Reads the file format. Errors name the line, never its value.
pub fn parse(text: &str) -> Result<HashMap<String, Secret>, String> {
    let mut keys = HashMap::new();
    for (i, line) in text.lines().enumerate() {
        let n = i + 1;
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let line = line.strip_prefix("export ").unwrap_or(line).trim_start();
        let Some((name, value)) = line.split_once('=') else {
            return Err(format!("line {n} is not NAME=value"));
        };
        let name = super::model::parse_key_name(name.trim())
            .map_err(|_| format!("line {n}: the name before = is letters, digits and _"))?;
        let value = value.trim();
        let value = match value.as_bytes() {
            [q @ (b'"' | b'\''), .., last] if last == q && value.len() >= 2 => {
                &value[1..value.len() - 1]
            }
            [b'"' | b'\'', ..] => return Err(format!("line {n}: a quote is not closed")),
            _ => value,
        };
        if value.is_empty() {
            continue;
        }
        keys.insert(name, Secret(value.to_owned()));
    }
    Ok(keys)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_file_format() {
        let keys = parse(
            "# keys for production\n\
             OPENAI_API_KEY=sk-one\n\
             \n\
             export ANTHROPIC_API_KEY = \"sk-ant two\"\n\
             GEMINI_API_KEY='g=3'\r\n\
             EMPTY=\n",
        )
        .unwrap();
        assert_eq!(keys["OPENAI_API_KEY"].expose(), "sk-one");
        assert_eq!(keys["ANTHROPIC_API_KEY"].expose(), "sk-ant two");
        assert_eq!(keys["GEMINI_API_KEY"].expose(), "g=3");
        assert!(!keys.contains_key("EMPTY"));
        for (bad, says) in [
            ("sk-lonely-key", "line 1 is not NAME=value"),
            ("# c\nMY KEY=x", "line 2: the name"),
            ("A=\"sk-open", "line 1: a quote is not closed"),
        ] {
            let e = parse(bad).unwrap_err();
            assert!(e.starts_with(says), "{e}");
            assert!(!e.contains("sk-"), "{e}");
        }
    }

    #[test]
    fn keys_never_print() {
        let s = Secret::new("sk-very-secret");
        assert_eq!(format!("{s:?} {s}"), "Secret([redacted]) [redacted]");
    }

    #[cfg(unix)]
    #[test]
    fn a_file_every_user_may_read_is_refused_and_a_changed_one_is_read_again() {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("secrets.env");
        std::fs::write(&path, "SHOP_KEY=sk-first\n").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let e = format!("{:#}", Secrets::open(&path).unwrap_err());
        assert!(e.contains("every user") && e.contains("chmod 600"), "{e}");
        assert!(!e.contains("sk-first"), "{e}");

        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        let secrets = Secrets::open(&path).unwrap();
        assert_eq!(secrets.get("SHOP_KEY").unwrap().expose(), "sk-first");
        assert_eq!(secrets.path(), Some(path.as_path()));
        // A new modification time makes the next lookup read it again.
        std::fs::write(&path, "SHOP_KEY=sk-second\n").unwrap();
        let later = SystemTime::now() + std::time::Duration::from_secs(5);
        std::fs::File::options()
            .write(true)
            .open(&path)
            .unwrap()
            .set_modified(later)
            .unwrap();
        assert_eq!(secrets.get("SHOP_KEY").unwrap().expose(), "sk-second");
        // Opened to everyone later: the keys read before stay in use.
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o666)).unwrap();
        std::fs::File::options()
            .write(true)
            .open(&path)
            .unwrap()
            .set_modified(later + std::time::Duration::from_secs(5))
            .unwrap();
        assert_eq!(secrets.get("SHOP_KEY").unwrap().expose(), "sk-second");
        assert!(secrets.get("CAUSETTE_TEST_NO_SUCH_KEY").is_none());
    }
}
