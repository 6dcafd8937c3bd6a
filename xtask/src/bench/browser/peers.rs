//! The peer widgets: their npm packages, installed once into
//! `target/bench-peers/`, served from a local stand-in for the CDN their
//! docs load them from, and embedded as their READMEs show.

use std::fs;
use std::path::PathBuf;

use anyhow::{bail, Result};
use serde_json::Value;

use super::http::{self, Request, Response};
use super::mock::{flowise, typebot};
use super::reply;
use super::Widget;
use crate::{project, setup};

pub struct Package {
    pub name: &'static str,
    pub version: &'static str,
    /// Its folder under `target/bench-peers/`.
    folder: &'static str,
}

pub const TYPEBOT: Package = Package {
    name: "@typebot.io/js",
    version: "0.10.7",
    folder: "typebot",
};

pub const FLOWISE: Package = Package {
    name: "flowise-embed",
    version: "3.1.6",
    folder: "flowise",
};

const PACKAGES: [&Package; 2] = [&TYPEBOT, &FLOWISE];

impl Package {
    fn root(&self) -> PathBuf {
        project::target_dir()
            .join("bench-peers")
            .join(self.folder)
            .join("node_modules")
            .join(self.name)
    }

    fn installed(&self) -> bool {
        fs::read_to_string(self.root().join("package.json"))
            .ok()
            .and_then(|text| serde_json::from_str::<Value>(&text).ok())
            .is_some_and(|p| p["version"] == self.version)
    }

    /// Where the CDN stand-in serves the package: `/npm/NAME@VERSION`.
    fn path(&self) -> String {
        format!("/npm/{}@{}", self.name, self.version)
    }

    pub fn label(&self) -> String {
        format!("{} {}", self.name, self.version)
    }
}

/// Installs the pinned peer packages unless they are there.
pub fn install() -> Result<()> {
    for package in PACKAGES {
        if package.installed() {
            println!("✓ {} present (target/bench-peers)", package.label());
            continue;
        }
        println!(
            "→ installing {} from npm into target/bench-peers",
            package.label()
        );
        let folder = project::target_dir()
            .join("bench-peers")
            .join(package.folder);
        setup::npm_install(&folder, &format!("{}@{}", package.name, package.version))?;
        if !package.installed() {
            bail!("{} is not where npm was asked to put it", package.label());
        }
    }
    Ok(())
}

/// The CDN stand-in: each package's files, cached as a CDN's versioned
/// URLs are (a week).
pub fn serve(request: &Request) -> Response {
    PACKAGES
        .iter()
        .find_map(|p| http::file(&p.root(), &p.path(), request, "public, max-age=604800"))
        .unwrap_or_else(Response::not_found)
}

/// Typebot's bubble, as its README embeds it, against the local mock.
pub fn typebot(cdn: &str, api: &str) -> Widget {
    Widget {
        name: "Typebot",
        label: TYPEBOT.label(),
        snippet: format!(
            "<script type=\"module\">\n  import Typebot from \"{cdn}{path}/dist/web.js\";\n  \
             Typebot.initBubble({{ typebot: \"{bot}\", apiHost: \"{api}\" }});\n</script>",
            path = TYPEBOT.path(),
            bot = typebot::BOT_ID,
        ),
        hooks: "{\n  launcher: () => __bench.shadow('typebot-bubble')?.querySelector('button[part=\"button\"]'),\n  \
                composer: () => __bench.shadow('typebot-bubble')?.querySelector('.typebot-input-form input.text-input'),\n  \
                reply: () => __bench.after(__bench.shadow('typebot-bubble'), '.typebot-guest-bubble', '.typebot-streaming-container'),\n}"
            .to_owned(),
        question: reply::QUESTION,
        long_reply: true,
        remark: Some(
            "its input shows once the greeting bubble's 400 ms entrance is over \
             (typing emulation off)",
        ),
    }
}

/// Flowise's popup chatbot, as its README embeds it, against the local mock.
pub fn flowise(cdn: &str, api: &str) -> Widget {
    Widget {
        name: "Flowise",
        label: FLOWISE.label(),
        snippet: format!(
            "<script type=\"module\">\n  import Chatbot from \"{cdn}{path}/dist/web.js\";\n  \
             Chatbot.init({{ chatflowid: \"{flow}\", apiHost: \"{api}\" }});\n</script>",
            path = FLOWISE.path(),
            flow = flowise::CHATFLOW_ID,
        ),
        hooks: "{\n  launcher: () => __bench.shadow('flowise-chatbot')?.querySelector('button[part=\"button\"]'),\n  \
                composer: () => __bench.shadow('flowise-chatbot')?.querySelector('[data-testid=\"input\"] textarea'),\n  \
                reply: () => __bench.after(__bench.shadow('flowise-chatbot'), '.guest-container', '.chatbot-host-bubble'),\n}"
            .to_owned(),
        question: reply::QUESTION,
        long_reply: true,
        remark: None,
    }
}
