//! The widget bundle, embedded at build time from `dist/`.

use sha2::{Digest, Sha256};

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/bundle.rs"));
}

/// The embedded widget files and their content hash.
#[derive(Debug)]
pub struct Bundle {
    /// Hex prefix of the SHA-256 over every file: the `/widget/<hash>/` path
    /// segment, so a new build never meets a stale cached copy.
    pub hash: String,
}

impl Bundle {
    /// Hashes the embedded files.
    pub fn load() -> Bundle {
        let mut h = Sha256::new();
        for (name, bytes) in embedded::FILES {
            h.update(name.as_bytes());
            h.update(bytes);
        }
        let hash = h
            .finalize()
            .iter()
            .take(8)
            .map(|b| format!("{b:02x}"))
            .collect();
        Bundle { hash }
    }

    /// Whether the widget was built before this binary (`cargo xtask build`).
    pub fn is_present(&self) -> bool {
        embedded::FILES.iter().any(|(n, _)| n.ends_with(".wasm"))
    }

    /// The bytes of one file.
    pub fn file(&self, name: &str) -> Option<&'static [u8]> {
        embedded::FILES
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, b)| *b)
    }
}

/// The Content-Type for a bundle file.
pub fn content_type(name: &str) -> &'static str {
    match name.rsplit('.').next() {
        Some("wasm") => "application/wasm",
        Some("js") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        _ => "application/octet-stream",
    }
}
