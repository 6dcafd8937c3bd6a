//! `cargo xtask zip-wordpress`: packages the WordPress plugin as the zip that
//! WordPress' "Upload Plugin" takes (everything under a `causette/` folder).
//! The archive is reproducible: sorted entries, fixed timestamps.

use std::fs;
use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use anyhow::{bail, Context, Result};
use flate2::write::DeflateEncoder;
use flate2::{Compression, Crc};

use crate::project;

pub fn run() -> Result<()> {
    let plugin = project::root().join("wordpress/causette");
    if !plugin.is_dir() {
        bail!("{} does not exist", plugin.display());
    }
    let bytes = archive(&plugin)?;
    let out = project::target_dir().join("causette-wordpress.zip");
    fs::create_dir_all(project::target_dir())?;
    fs::write(&out, &bytes).with_context(|| format!("writing {}", out.display()))?;
    println!("✓ {} ({} bytes)", out.display(), bytes.len());
    Ok(())
}

/// The plugin folder as zip bytes, everything under `causette/`.
pub fn archive(plugin: &Path) -> Result<Vec<u8>> {
    let mut zip = Zip::default();
    add_dir(&mut zip, plugin, "causette/")?;
    zip.finish()
}

fn add_dir(zip: &mut Zip, dir: &Path, prefix: &str) -> Result<()> {
    zip.add_dir(prefix)?;
    let mut entries: Vec<_> = fs::read_dir(dir)
        .with_context(|| format!("listing {}", dir.display()))?
        .collect::<Result<_, _>>()?;
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let path = entry.path();
        let name = format!("{prefix}{}", entry.file_name().to_string_lossy());
        if path.is_dir() {
            add_dir(zip, &path, &format!("{name}/"))?;
        } else {
            let data = fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
            let mode = entry.metadata()?.permissions().mode() & 0o777;
            zip.add_file(&name, &data, mode)?;
        }
    }
    Ok(())
}

/// A minimal zip writer: deflated files, directory entries, UTF-8 names.
#[derive(Default)]
pub struct Zip {
    body: Vec<u8>,
    central: Vec<u8>,
    count: u16,
}

/// 1980-01-01 00:00, the earliest DOS date.
const DOS_DATE: u16 = (1 << 5) | 1;
const DOS_TIME: u16 = 0;
const UTF8_NAMES: u16 = 1 << 11;

impl Zip {
    pub fn add_dir(&mut self, name: &str) -> Result<()> {
        self.entry(name, 0, 0, &[], 0, (0o40755 << 16) | 0x10)
    }

    pub fn add_file(&mut self, name: &str, data: &[u8], mode: u32) -> Result<()> {
        let mut crc = Crc::new();
        crc.update(data);
        let mut encoder = DeflateEncoder::new(Vec::new(), Compression::best());
        encoder.write_all(data)?;
        let deflated = encoder.finish()?;
        let size = u32::try_from(data.len()).context("file too large for a zip")?;
        self.entry(name, 8, crc.sum(), &deflated, size, (0o100000 | mode) << 16)
    }

    fn entry(
        &mut self,
        name: &str,
        method: u16,
        crc: u32,
        stored: &[u8],
        size: u32,
        external: u32,
    ) -> Result<()> {
        let offset = u32::try_from(self.body.len()).context("zip too large")?;
        let stored_len = u32::try_from(stored.len()).context("zip too large")?;
        let name_len = u16::try_from(name.len()).context("name too long")?;
        self.count = self.count.checked_add(1).context("too many files")?;

        let b = &mut self.body;
        put32(b, 0x0403_4b50);
        for v in [20, UTF8_NAMES, method, DOS_TIME, DOS_DATE] {
            put16(b, v);
        }
        for v in [crc, stored_len, size] {
            put32(b, v);
        }
        put16(b, name_len);
        put16(b, 0);
        b.extend_from_slice(name.as_bytes());
        b.extend_from_slice(stored);

        let c = &mut self.central;
        put32(c, 0x0201_4b50);
        for v in [(3 << 8) | 20, 20, UTF8_NAMES, method, DOS_TIME, DOS_DATE] {
            put16(c, v);
        }
        for v in [crc, stored_len, size] {
            put32(c, v);
        }
        for v in [name_len, 0, 0, 0, 0] {
            put16(c, v);
        }
        put32(c, external);
        put32(c, offset);
        c.extend_from_slice(name.as_bytes());
        Ok(())
    }

    pub fn finish(mut self) -> Result<Vec<u8>> {
        let central_offset = u32::try_from(self.body.len()).context("zip too large")?;
        let central_len = u32::try_from(self.central.len()).context("zip too large")?;
        self.body.extend_from_slice(&self.central);
        let b = &mut self.body;
        put32(b, 0x0605_4b50);
        for v in [0, 0, self.count, self.count] {
            put16(b, v);
        }
        put32(b, central_len);
        put32(b, central_offset);
        put16(b, 0);
        Ok(self.body)
    }
}

fn put16(out: &mut Vec<u8>, v: u16) {
    out.extend_from_slice(&v.to_le_bytes());
}

fn put32(out: &mut Vec<u8>, v: u32) {
    out.extend_from_slice(&v.to_le_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn archives_a_plugin_tree() {
        let dir = std::env::temp_dir().join(format!("xtask-zip-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(dir.join("assets")).unwrap();
        fs::write(
            dir.join("causette.php"),
            "<?php\n/* Plugin Name: Causette */\n".repeat(20),
        )
        .unwrap();
        fs::write(dir.join("assets/admin.js"), "console.log(1)").unwrap();
        let bytes = archive(&dir).unwrap();
        fs::remove_dir_all(&dir).unwrap();
        let end = &bytes[bytes.len() - 22..];
        // causette/, causette/assets/, causette/assets/admin.js, causette/causette.php
        assert_eq!(u16::from_le_bytes([end[10], end[11]]), 4);
    }

    #[test]
    fn zip_has_headers_entries_and_end_record() {
        let mut zip = Zip::default();
        zip.add_dir("causette/").unwrap();
        zip.add_file("causette/causette.php", b"<?php // Causette", 0o644)
            .unwrap();
        let bytes = zip.finish().unwrap();
        assert_eq!(&bytes[..4], &[0x50, 0x4b, 0x03, 0x04]);
        let end = &bytes[bytes.len() - 22..];
        assert_eq!(&end[..4], &[0x50, 0x4b, 0x05, 0x06]);
        assert_eq!(u16::from_le_bytes([end[10], end[11]]), 2);
        let central_offset = u32::from_le_bytes([end[16], end[17], end[18], end[19]]) as usize;
        assert_eq!(
            &bytes[central_offset..central_offset + 4],
            &[0x50, 0x4b, 0x01, 0x02]
        );
    }
}
