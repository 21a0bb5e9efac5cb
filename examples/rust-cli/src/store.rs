//! The token file: one JSON document (`StoredTokens::to_json`), mode 0600, replaced
//! atomically (temporary file, `fsync`, `rename`), saved and cleared only while its stored
//! generation is the expected one (compare-and-swap; one CLI process at a time).

use std::fs::{self, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::PathBuf;

use authcore::tokens::StoredTokens;

/// A token file.
pub struct TokenFile {
    path: PathBuf,
}

impl TokenFile {
    /// The file at `path` (`~/` is the home directory).
    pub fn new(path: &str) -> Self {
        let path = match (path.strip_prefix("~/"), std::env::var_os("HOME")) {
            (Some(rest), Some(home)) => PathBuf::from(home).join(rest),
            _ => PathBuf::from(path),
        };
        Self { path }
    }

    /// What the file holds; `None` when there is no file. A document the core refuses is an
    /// error naming the core's code.
    pub fn load(&self) -> io::Result<Option<StoredTokens>> {
        match fs::read_to_string(&self.path) {
            Ok(text) => StoredTokens::from_json(&text).map(Some).map_err(|e| {
                io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!("{} ({})", e.detail(), e.code().as_str()),
                )
            }),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }

    fn generation(&self) -> io::Result<u64> {
        Ok(self.load()?.map_or(0, |s| s.generation))
    }

    /// Writes `stored` if the file's generation (0 when absent) is `expected`.
    pub fn save(&self, stored: &StoredTokens, expected: u64) -> io::Result<bool> {
        if self.generation()? != expected {
            return Ok(false);
        }
        if let Some(dir) = self.path.parent().filter(|d| !d.as_os_str().is_empty()) {
            fs::create_dir_all(dir)?;
        }
        let tmp = self.path.with_extension(format!("tmp{}", std::process::id()));
        let mut file = OpenOptions::new().write(true).create_new(true).mode(0o600).open(&tmp)?;
        file.write_all(stored.to_json().as_bytes())?;
        file.sync_all()?;
        fs::rename(&tmp, &self.path)?;
        Ok(true)
    }

    /// Deletes the file if its generation (0 when absent) is `expected`.
    pub fn clear(&self, expected: u64) -> io::Result<bool> {
        if self.generation()? != expected {
            return Ok(false);
        }
        match fs::remove_file(&self.path) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
            _ => Ok(true),
        }
    }
}
