//! Which model a site answers with: `vendor:model` strings, base URLs and
//! key names, checked when an operator sets them.

use std::fmt;

/// A model vendor, and with it the wire protocol, the default API address
/// and the default key name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Vendor {
    /// OpenAI (GPT-4o …), Chat Completions.
    OpenAi,
    /// Mistral, through its OpenAI-compatible Chat Completions.
    Mistral,
    /// A local Ollama server, through its OpenAI-compatible API.
    Ollama,
    /// A local llama.cpp server (`llama-server`), OpenAI-compatible.
    LlamaCpp,
    /// Anthropic (Claude), Messages API.
    Anthropic,
    /// Google Gemini, `streamGenerateContent`.
    Gemini,
}

/// The wire protocol a vendor speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    /// `POST {base}/chat/completions`.
    ChatCompletions,
    /// `POST {base}/v1/messages`.
    Messages,
    /// `POST {base}/v1beta/models/{model}:streamGenerateContent?alt=sse`.
    GenerateContent,
}

impl Vendor {
    /// Every vendor, in the order the help lists them.
    pub const ALL: [Vendor; 6] = [
        Vendor::OpenAi,
        Vendor::Anthropic,
        Vendor::Gemini,
        Vendor::Mistral,
        Vendor::Ollama,
        Vendor::LlamaCpp,
    ];

    /// The name before the colon in a model string; also the `provider`
    /// label in logs and metrics.
    pub const fn name(self) -> &'static str {
        match self {
            Vendor::OpenAi => "openai",
            Vendor::Mistral => "mistral",
            Vendor::Ollama => "ollama",
            Vendor::LlamaCpp => "llamacpp",
            Vendor::Anthropic => "anthropic",
            Vendor::Gemini => "gemini",
        }
    }

    /// The vendor named `name`.
    pub fn parse(name: &str) -> Option<Vendor> {
        Vendor::ALL.into_iter().find(|v| v.name() == name)
    }

    /// Its wire protocol.
    pub const fn protocol(self) -> Protocol {
        match self {
            Vendor::OpenAi | Vendor::Mistral | Vendor::Ollama | Vendor::LlamaCpp => {
                Protocol::ChatCompletions
            }
            Vendor::Anthropic => Protocol::Messages,
            Vendor::Gemini => Protocol::GenerateContent,
        }
    }

    /// The API address used when the site names none.
    pub const fn default_base_url(self) -> &'static str {
        match self {
            Vendor::OpenAi => "https://api.openai.com/v1",
            Vendor::Mistral => "https://api.mistral.ai/v1",
            Vendor::Ollama => "http://localhost:11434/v1",
            Vendor::LlamaCpp => "http://localhost:8080/v1",
            Vendor::Anthropic => "https://api.anthropic.com",
            Vendor::Gemini => "https://generativelanguage.googleapis.com",
        }
    }

    /// The environment variable (or secrets-file entry) holding its key
    /// when the site names none; `None` for local servers, which need none.
    pub const fn default_key_name(self) -> Option<&'static str> {
        match self {
            Vendor::OpenAi => Some("OPENAI_API_KEY"),
            Vendor::Mistral => Some("MISTRAL_API_KEY"),
            Vendor::Anthropic => Some("ANTHROPIC_API_KEY"),
            Vendor::Gemini => Some("GEMINI_API_KEY"),
            Vendor::Ollama | Vendor::LlamaCpp => None,
        }
    }
}

impl fmt::Display for Vendor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A model: its vendor and the vendor's name for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Model {
    /// Who serves it.
    pub vendor: Vendor,
    /// The vendor's model id (`gpt-4o`, `claude-sonnet-4-5`, `llama3.2:1b` …).
    pub name: String,
}

/// The model string that means "answer from the knowledge base".
pub const KNOWLEDGE_BASE: &str = "kb";

fn vendor_list() -> String {
    Vendor::ALL.map(Vendor::name).join(", ")
}

impl Model {
    /// Reads `vendor:model` (e.g. `openai:gpt-4o`, `ollama:llama3.2:1b`);
    /// `Ok(None)` for `kb`, the knowledge base. The error says what to write.
    pub fn parse(s: &str) -> Result<Option<Model>, String> {
        let s = s.trim();
        if s == KNOWLEDGE_BASE {
            return Ok(None);
        }
        let Some((vendor, name)) = s.split_once(':') else {
            return Err(format!(
                "{s:?} is not a model: write vendor:model, e.g. openai:gpt-4o, anthropic:claude-sonnet-4-5, gemini:gemini-2.0-flash, mistral:mistral-large-latest or ollama:llama3.2 (vendors: {}), or kb for the knowledge base",
                vendor_list()
            ));
        };
        let Some(vendor) = Vendor::parse(vendor) else {
            return Err(format!(
                "unknown model vendor {vendor:?} in {s:?}: use one of {} (any OpenAI-compatible server: openai with --model-base-url)",
                vendor_list()
            ));
        };
        if name.is_empty() {
            return Err(format!(
                "{s:?} names no model: write {vendor}:MODEL, e.g. {}",
                match vendor {
                    Vendor::OpenAi => "openai:gpt-4o",
                    Vendor::Mistral => "mistral:mistral-large-latest",
                    Vendor::Ollama => "ollama:llama3.2",
                    Vendor::LlamaCpp => "llamacpp:default",
                    Vendor::Anthropic => "anthropic:claude-sonnet-4-5",
                    Vendor::Gemini => "gemini:gemini-2.0-flash",
                }
            ));
        }
        // Gemini's model id goes into the URL path; the others travel in
        // the JSON body, where Hugging Face style `org/model` ids are common.
        let allowed = |c: char| {
            c.is_ascii_alphanumeric()
                || matches!(c, '.' | '-' | '_' | ':' | '@')
                || (c == '/' && vendor != Vendor::Gemini)
        };
        if name.len() > 200 || !name.chars().all(allowed) {
            return Err(format!(
                "{name:?} is not a model name: letters, digits and . - _ : @{} only, at most 200",
                if vendor == Vendor::Gemini { "" } else { " /" }
            ));
        }
        Ok(Some(Model {
            vendor,
            name: name.to_owned(),
        }))
    }
}

impl fmt::Display for Model {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.vendor, self.name)
    }
}

/// Checks an API base URL (`http(s)://host[:port][/path]`) and returns it
/// without a trailing slash. No credentials, query or fragment: keys never
/// go in the database nor in URLs.
pub fn parse_base_url(s: &str) -> Result<String, String> {
    let s = s.trim();
    let Some((scheme, rest)) = s.split_once("://") else {
        return Err(format!(
            "{s:?} is not a base URL: write it like https://api.example.com/v1 or http://localhost:11434/v1"
        ));
    };
    if !matches!(scheme, "http" | "https") {
        return Err(format!("{s:?}: a base URL starts with http:// or https://"));
    }
    let rest = rest.trim_end_matches('/');
    let host = rest.split('/').next().unwrap_or_default();
    if host.is_empty() {
        return Err(format!("{s:?} names no host"));
    }
    // These two errors do not repeat the URL: it may hold a key.
    if host.contains('@') {
        return Err(
            "the base URL holds credentials: keys go in the environment or the secrets file (--model-key), never in the URL".to_owned(),
        );
    }
    if rest.contains(['?', '#']) {
        return Err(
            "a base URL has no query or fragment: keys go in the environment or the secrets file (--model-key), never in the URL".to_owned(),
        );
    }
    if rest.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(format!("{s:?} is not a URL: it contains spaces"));
    }
    Ok(format!("{scheme}://{rest}"))
}

/// Checks the name of a key (an environment variable or a secrets-file
/// entry): letters, digits and `_`, not starting with a digit.
pub fn parse_key_name(s: &str) -> Result<String, String> {
    let s = s.trim();
    let ok = !s.is_empty()
        && s.len() <= 100
        && !s.starts_with(|c: char| c.is_ascii_digit())
        && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !ok {
        // Not repeated: an API key given here by mistake stays off the screen.
        return Err(
            "not a key name: give the NAME of an environment variable or secrets-file entry (letters, digits and _, e.g. SHOP_OPENAI_KEY), not the key itself".to_owned(),
        );
    }
    Ok(s.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn models_of_every_vendor() {
        for (s, vendor, name) in [
            ("openai:gpt-4o", Vendor::OpenAi, "gpt-4o"),
            (
                "anthropic:claude-sonnet-4-5",
                Vendor::Anthropic,
                "claude-sonnet-4-5",
            ),
            (
                "gemini:gemini-2.0-flash",
                Vendor::Gemini,
                "gemini-2.0-flash",
            ),
            (
                "mistral:mistral-large-latest",
                Vendor::Mistral,
                "mistral-large-latest",
            ),
            ("ollama:llama3.2", Vendor::Ollama, "llama3.2"),
            ("ollama:llama3.2:1b", Vendor::Ollama, "llama3.2:1b"),
            ("llamacpp:default", Vendor::LlamaCpp, "default"),
            (
                " openai:meta-llama/Llama-3.1-8B-Instruct ",
                Vendor::OpenAi,
                "meta-llama/Llama-3.1-8B-Instruct",
            ),
        ] {
            let m = Model::parse(s).unwrap().unwrap();
            assert_eq!((m.vendor, m.name.as_str()), (vendor, name), "{s}");
            assert_eq!(m.to_string(), s.trim());
        }
        assert_eq!(Model::parse("kb"), Ok(None));
    }

    #[test]
    fn bad_models_say_what_to_write() {
        for (s, says) in [
            ("gpt-4o", "write vendor:model"),
            ("", "write vendor:model"),
            ("openia:gpt-4o", "unknown model vendor \"openia\""),
            ("OpenAI:gpt-4o", "unknown model vendor"),
            ("openai:", "names no model"),
            ("openai:gpt 4o", "not a model name"),
            ("gemini:models/gemini-2.0-flash", "not a model name"),
            ("gemini:x?key=1", "not a model name"),
            ("anthropic:claude\tsonnet", "not a model name"),
        ] {
            let e = Model::parse(s).unwrap_err();
            assert!(e.contains(says), "{s:?}: {e}");
        }
        let long = format!("openai:{}", "x".repeat(201));
        assert!(Model::parse(&long).is_err());
    }

    #[test]
    fn vendors_round_trip_and_have_defaults() {
        for v in Vendor::ALL {
            assert_eq!(Vendor::parse(v.name()), Some(v));
            assert!(parse_base_url(v.default_base_url()).is_ok());
            let local = matches!(v, Vendor::Ollama | Vendor::LlamaCpp);
            assert_eq!(v.default_key_name().is_none(), local, "{v}");
        }
    }

    #[test]
    fn base_urls() {
        assert_eq!(
            parse_base_url("http://localhost:11434/v1/").unwrap(),
            "http://localhost:11434/v1"
        );
        assert_eq!(
            parse_base_url("https://api.mistral.ai/v1").unwrap(),
            "https://api.mistral.ai/v1"
        );
        for (bad, says) in [
            ("localhost:11434", "not a base URL"),
            ("ftp://x.com", "http:// or https://"),
            ("https://", "no host"),
            ("https://user:sk-123@api.example.com/v1", "credentials"),
            ("https://api.example.com/v1?key=sk-1", "no query"),
            ("https://api.example.com/v1?key=sk-1", "never in the URL"),
            ("https://api.example.com/v1#x", "no query"),
            ("https://api.example.com/a b", "spaces"),
        ] {
            let e = parse_base_url(bad).unwrap_err();
            assert!(e.contains(says), "{bad:?}: {e}");
            assert!(!e.contains("sk-"), "{e}");
        }
    }

    #[test]
    fn key_names() {
        assert_eq!(
            parse_key_name("SHOP_OPENAI_KEY").unwrap(),
            "SHOP_OPENAI_KEY"
        );
        for bad in ["", "sk-proj-abc123", "1KEY", "A KEY", "KEY=1"] {
            let e = parse_key_name(bad).unwrap_err();
            assert!(e.contains("not a key name"), "{bad:?}: {e}");
            assert!(!e.contains("sk-") && !e.contains("KEY=1"), "{e}");
        }
    }
}
