//! The widget bundle, embedded at build time from `dist/`, and the loader
//! that points at it; each kept as is and gzipped once, at start-up.

use std::io::Write as _;

use bytes::Bytes;
use flate2::write::GzEncoder;
use flate2::Compression;
use sha2::{Digest, Sha256};

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/bundle.rs"));
}

// www/embed.js, minified when `cargo xtask build` made dist/embed.js.
const EMBED_JS: &str = include_str!(concat!(env!("OUT_DIR"), "/embed.js"));

/// One file as served: its bytes, and the same gzipped (cheap to clone
/// into a response).
#[derive(Debug)]
pub struct Served {
    /// The file as it is.
    pub plain: Bytes,
    /// The file gzipped at the best level.
    pub gzip: Bytes,
}

impl Served {
    fn new(plain: Vec<u8>) -> Served {
        let mut gz = GzEncoder::new(Vec::new(), Compression::best());
        // Writing to a Vec cannot fail.
        gz.write_all(&plain).expect("gzip into memory");
        let gzip = gz.finish().expect("gzip into memory");
        Served {
            plain: plain.into(),
            gzip: gzip.into(),
        }
    }
}

/// The embedded widget files and their content hash.
#[derive(Debug)]
pub struct Bundle {
    /// Hex prefix of the SHA-256 over every file: the `/widget/<hash>/` path
    /// segment, so a new build never meets a stale cached copy.
    pub hash: String,
    /// `embed.js`, pointing at this bundle.
    pub loader: Served,
    files: Vec<(&'static str, Served)>,
}

impl Bundle {
    /// Hashes and gzips the embedded files.
    pub fn load() -> Bundle {
        let mut h = Sha256::new();
        for (name, bytes) in embedded::FILES {
            h.update(name.as_bytes());
            h.update(bytes);
        }
        let hash: String = h
            .finalize()
            .iter()
            .take(8)
            .map(|b| format!("{b:02x}"))
            .collect();
        let loader = Served::new(EMBED_JS.replace("__CAUSETTE_BUNDLE__", &hash).into_bytes());
        let files = embedded::FILES
            .iter()
            .map(|(name, bytes)| (*name, Served::new(bytes.to_vec())))
            .collect();
        Bundle {
            hash,
            loader,
            files,
        }
    }

    /// Whether the widget was built before this binary (`cargo xtask build`).
    pub fn is_present(&self) -> bool {
        self.files.iter().any(|(n, _)| n.ends_with(".wasm"))
    }

    /// One file of the bundle.
    pub fn file(&self, name: &str) -> Option<&Served> {
        self.files.iter().find(|(n, _)| *n == name).map(|(_, f)| f)
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

/// Whether an `Accept-Encoding` value takes gzip (`gzip`, or `*`, and not
/// with `q=0`).
pub fn accepts_gzip(accept_encoding: &str) -> bool {
    accept_encoding.split(',').any(|item| {
        let mut parts = item.split(';').map(str::trim);
        let coding = parts.next().unwrap_or_default();
        let refused = parts.any(|p| {
            p.strip_prefix("q=")
                .and_then(|q| q.parse::<f32>().ok())
                .is_some_and(|q| q == 0.0)
        });
        (coding.eq_ignore_ascii_case("gzip") || coding == "*") && !refused
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gzip_is_accepted_as_browsers_and_rfc_9110_write_it() {
        for yes in [
            "gzip",
            "gzip, deflate, br, zstd",
            "br;q=1.0, GZIP;q=0.5",
            "*",
        ] {
            assert!(accepts_gzip(yes), "{yes}");
        }
        for no in ["", "identity", "br", "gzip;q=0", "gzip; q=0.0, br", "gzipx"] {
            assert!(!accepts_gzip(no), "{no}");
        }
    }

    #[test]
    fn the_loader_points_at_this_bundle_and_unzips_to_itself() {
        let b = Bundle::load();
        let text = String::from_utf8(b.loader.plain.to_vec()).unwrap();
        assert!(text.contains(&format!("/widget/{}/", b.hash)), "{text}");
        assert!(!text.contains("__CAUSETTE_BUNDLE__"));
        let mut back = Vec::new();
        std::io::Read::read_to_end(
            &mut flate2::read::GzDecoder::new(&b.loader.gzip[..]),
            &mut back,
        )
        .unwrap();
        assert_eq!(back, b.loader.plain);
    }
}
