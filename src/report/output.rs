//! Writing a run directory atomically: every file goes into a fresh temporary directory beside
//! the target, which is renamed into place at the end. A failed run leaves the previous run
//! directory untouched, and a directory that is not an ftsim run is never overwritten.

use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

/// The file that marks a directory as an ftsim run directory.
pub const MARKER: &str = "report.json";

/// An output directory being written.
#[derive(Debug)]
pub struct RunDirWriter {
    target: PathBuf,
    tmp: PathBuf,
    committed: bool,
}

/// Replaces one file of an existing directory atomically: written beside it under a temporary
/// name, then renamed over it.
pub fn replace_file(dir: &Path, name: &str, bytes: &[u8]) -> Result<(), String> {
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    let path = dir.join(name);
    let result = write_synced(&tmp, bytes)
        .and_then(|()| fs::rename(&tmp, &path).map_err(|e| io_err(&path, "cannot replace", e)));
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

/// Writes `bytes` to a new file at `path` and syncs it.
fn write_synced(path: &Path, bytes: &[u8]) -> Result<(), String> {
    let mut f = fs::File::create(path).map_err(|e| io_err(path, "cannot create", e))?;
    f.write_all(bytes).map_err(|e| io_err(path, "cannot write", e))?;
    f.sync_all().map_err(|e| io_err(path, "cannot sync", e))
}

fn io_err(path: &Path, what: &str, e: std::io::Error) -> String {
    format!("{what} {}: {e}", path.display())
}

impl RunDirWriter {
    /// Prepares to write `target`. Fails if `target` exists and is not an ftsim run directory
    /// (or is not a directory), or if its parent cannot be created or written.
    pub fn create(target: &Path) -> Result<Self, String> {
        Self::create_marked(target, MARKER)
    }

    /// Like [`RunDirWriter::create`] for a directory marked as ftsim's by the file `marker`
    /// (which the caller must write) instead of report.json.
    pub fn create_marked(target: &Path, marker: &str) -> Result<Self, String> {
        if target.exists() {
            if !target.is_dir() {
                return Err(format!("{} exists and is not a directory", target.display()));
            }
            let empty = fs::read_dir(target).map_err(|e| io_err(target, "cannot read", e))?.next().is_none();
            if !empty && !target.join(marker).is_file() {
                let what = if marker == MARKER { "run" } else { "output" };
                return Err(format!(
                    "refusing to overwrite {}: it is not empty and holds no {marker} (not an ftsim {what} directory)",
                    target.display()
                ));
            }
        }
        let parent = match target.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        fs::create_dir_all(&parent).map_err(|e| io_err(&parent, "cannot create output directory", e))?;
        let name = target.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "run".into());
        let tmp = parent.join(format!(".{name}.tmp-{}", std::process::id()));
        if tmp.exists() {
            fs::remove_dir_all(&tmp).map_err(|e| io_err(&tmp, "cannot remove stale", e))?;
        }
        fs::create_dir(&tmp).map_err(|e| io_err(&tmp, "cannot create", e))?;
        Ok(RunDirWriter { target: target.to_path_buf(), tmp, committed: false })
    }

    /// Writes one file into the run directory.
    pub fn write(&self, name: &str, bytes: &[u8]) -> Result<(), String> {
        write_synced(&self.tmp.join(name), bytes)
    }

    /// Creates one file in the run directory, for streaming into it while the run goes on.
    pub fn create_file(&self, name: &str) -> Result<BufWriter<File>, String> {
        let path = self.tmp.join(name);
        File::create(&path).map(BufWriter::new).map_err(|e| io_err(&path, "cannot create", e))
    }

    /// Moves the finished directory into place, replacing a previous run.
    pub fn commit(mut self) -> Result<PathBuf, String> {
        let old = self.tmp.with_file_name(format!(
            ".{}.old-{}",
            self.target.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default(),
            std::process::id()
        ));
        let had_old = self.target.exists();
        if had_old {
            fs::rename(&self.target, &old).map_err(|e| io_err(&self.target, "cannot move aside", e))?;
        }
        if let Err(e) = fs::rename(&self.tmp, &self.target) {
            if had_old {
                let _ = fs::rename(&old, &self.target);
            }
            return Err(io_err(&self.target, "cannot create", e));
        }
        self.committed = true;
        if had_old {
            let _ = fs::remove_dir_all(&old);
        }
        Ok(self.target.clone())
    }
}

impl Drop for RunDirWriter {
    fn drop(&mut self) {
        if !self.committed {
            let _ = fs::remove_dir_all(&self.tmp);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_a_previous_run_and_refuses_foreign_directories() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("run");
        let w = RunDirWriter::create(&target).unwrap();
        w.write(MARKER, b"{}").unwrap();
        w.write("a.txt", b"1").unwrap();
        w.commit().unwrap();
        let w = RunDirWriter::create(&target).unwrap();
        w.write(MARKER, b"{\"v\":2}").unwrap();
        w.commit().unwrap();
        assert_eq!(fs::read_to_string(target.join(MARKER)).unwrap(), "{\"v\":2}");
        assert!(!target.join("a.txt").exists());

        let foreign = dir.path().join("foreign");
        fs::create_dir(&foreign).unwrap();
        fs::write(foreign.join("precious.txt"), "x").unwrap();
        assert!(RunDirWriter::create(&foreign).unwrap_err().contains("refusing to overwrite"));
    }

    #[test]
    fn an_abandoned_write_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("run");
        {
            let w = RunDirWriter::create(&target).unwrap();
            w.write("x", b"1").unwrap();
        }
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 0);
    }
}
