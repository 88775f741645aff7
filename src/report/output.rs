//! Writing an output directory (a run's, or a comparison's) atomically, and never over a file
//! ftsim did not write.
//!
//! Every file goes into a fresh temporary directory beside the target, which is renamed into
//! place at the end: a failed run leaves the previous directory untouched. At the end the writer
//! adds a manifest, [`MANIFEST`], naming the ftsim version, the kind of directory and every file
//! it wrote. An existing target is replaced only when it is empty, or when it holds a manifest
//! of the same kind and nothing but the regular files that manifest lists (so `compare --out`
//! cannot replace a run it was given by mistake); anything else is refused before
//! anything is written ("nothing was changed"). The previous directory is then removed file by
//! file, by the names in its manifest, so that a file that appears in it meanwhile survives.

use std::cell::RefCell;
use std::collections::BTreeSet;
use std::fs;
use std::io::{BufWriter, ErrorKind, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// The report of a run directory; `ftsim plot` and `ftsim compare` read it.
pub const MARKER: &str = "report.json";

/// The page of a comparison directory.
pub const COMPARE_MARKER: &str = "compare.html";

/// The summary of a Monte Carlo directory (`ftsim mc`).
pub const MC_MARKER: &str = "mc.json";
/// The summary of a sweep directory (`ftsim sweep`).
pub const SWEEP_MARKER: &str = "sweep.json";

/// The manifest of a directory ftsim wrote.
pub const MANIFEST: &str = ".ftsim-manifest.json";

/// Largest manifest read back \[bytes\]: far above any real one (a few hundred bytes).
const MAX_MANIFEST_BYTES: u64 = 1024 * 1024;

/// What an output directory holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DirKind {
    /// `ftsim run` / `ftsim live`: report.json and the files drawn from it.
    Run,
    /// `ftsim compare`: compare.html, the overlay plot and the table.
    Compare,
    /// `ftsim mc`: mc.json, mc.csv, mc.html and the distribution plots.
    Mc,
    /// `ftsim sweep`: sweep.json, sweep.csv, sweep.html and the sweep plots.
    Sweep,
}

impl DirKind {
    fn name(self) -> &'static str {
        match self {
            DirKind::Run => "run",
            DirKind::Compare => "compare",
            DirKind::Mc => "mc",
            DirKind::Sweep => "sweep",
        }
    }
}

/// [`MANIFEST`]'s content.
#[derive(Debug, Serialize, Deserialize)]
struct Manifest {
    /// The ftsim version that wrote the directory.
    ftsim_version: String,
    /// `run`, `compare` or `mc`.
    kind: String,
    /// Every file written, sorted; the manifest itself is not listed.
    files: Vec<String>,
}

/// An output directory being written.
#[derive(Debug)]
pub struct RunDirWriter {
    target: PathBuf,
    kind: DirKind,
    /// Removed on drop unless committed.
    tmp: tempfile::TempDir,
    files: RefCell<BTreeSet<String>>,
}

fn io_err(path: &Path, what: &str, e: std::io::Error) -> String {
    format!("{what} {}: {e}", path.display())
}

/// The parent directory of `path` (`.` for a bare name).
fn parent_of(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// `path`'s last component, for temporary names beside it.
fn base_name(path: &Path) -> String {
    path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "out".into())
}

/// Reads `dir`'s manifest; `Ok(None)` when it has none.
fn read_manifest(dir: &Path) -> Result<Option<Manifest>, String> {
    let path = dir.join(MANIFEST);
    let meta = match fs::symlink_metadata(&path) {
        Ok(m) => m,
        Err(e) if e.kind() == ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(io_err(&path, "cannot read", e)),
    };
    let unreadable = |why: String| format!("its {MANIFEST} is not one ftsim wrote ({why}); nothing was changed");
    if !meta.is_file() || meta.len() > MAX_MANIFEST_BYTES {
        return Err(unreadable("not a small regular file".into()));
    }
    let bytes = fs::read(&path).map_err(|e| io_err(&path, "cannot read", e))?;
    serde_json::from_slice(&bytes).map(Some).map_err(|e| unreadable(e.to_string()))
}

/// The entries of `dir`, sorted by name.
fn entries(dir: &Path) -> Result<Vec<String>, String> {
    let mut names = Vec::new();
    for entry in fs::read_dir(dir).map_err(|e| io_err(dir, "cannot read", e))? {
        let entry = entry.map_err(|e| io_err(dir, "cannot read", e))?;
        names.push(entry.file_name().to_string_lossy().into_owned());
    }
    names.sort();
    Ok(names)
}

/// At most five of `names`, then how many more: enough for a user to recognise their own files.
fn brief_listing(names: &[String]) -> String {
    const SHOWN: usize = 5;
    let mut text = names.iter().take(SHOWN).map(String::as_str).collect::<Vec<_>>().join(", ");
    if names.len() > SHOWN {
        text.push_str(&format!(" and {} more", names.len() - SHOWN));
    }
    text
}

/// Whether `path` is a regular file (not a directory, not a symbolic link).
fn is_regular_file(path: &Path) -> bool {
    fs::symlink_metadata(path).is_ok_and(|m| m.is_file())
}

/// Checks that ftsim may replace `target` whole with a directory of `kind`. Returns the files to remove from it afterwards
/// (its manifest's files that exist, and the manifest), empty when there is nothing to remove.
fn replaceable(target: &Path, kind: DirKind) -> Result<Vec<String>, String> {
    let meta = match fs::symlink_metadata(target) {
        Ok(m) => m,
        // A path through a regular file: creating its parent then gives the clear error.
        Err(e) if matches!(e.kind(), ErrorKind::NotFound | ErrorKind::NotADirectory) => return Ok(Vec::new()),
        Err(e) => return Err(io_err(target, "cannot read", e)),
    };
    if meta.is_symlink() {
        return Err(format!("{} is a symbolic link; give the directory itself", target.display()));
    }
    if !meta.is_dir() {
        return Err(format!("{} exists and is not a directory", target.display()));
    }
    let names = entries(target)?;
    if names.is_empty() {
        return Ok(Vec::new());
    }
    let refuse = |why: String| format!("refusing to replace {}: {why}; nothing was changed", target.display());
    let manifest = read_manifest(target).map_err(&refuse)?.ok_or_else(|| {
        if let Some(marker) =
            [MARKER, COMPARE_MARKER, MC_MARKER, SWEEP_MARKER].into_iter().find(|m| names.iter().any(|n| n == m))
        {
            refuse(format!(
                "it holds {marker} but no {MANIFEST}, so ftsim cannot tell which of its files it wrote \
                 (output directories of older ftsim versions have none); it holds {}; if it is only \
                 an old ftsim output, remove it yourself, or choose another --out",
                brief_listing(&names)
            ))
        } else {
            refuse(format!("it is not empty and ftsim did not write it (no {MANIFEST})"))
        }
    })?;
    if manifest.kind != kind.name() {
        return Err(refuse(format!("it is an ftsim {} directory, not a {} directory", manifest.kind, kind.name())));
    }
    let listed: BTreeSet<&str> = manifest.files.iter().map(String::as_str).collect();
    for name in names.iter().filter(|n| *n != MANIFEST) {
        if !listed.contains(name.as_str()) || !is_regular_file(&target.join(name)) {
            return Err(refuse(format!("it holds {name}, which ftsim did not write")));
        }
    }
    Ok(names)
}

/// A file name ftsim may write inside an output directory: one plain component.
fn check_name(name: &str) -> Result<(), String> {
    let plain = !name.is_empty() && name != "." && name != ".." && !name.contains(['/', '\\']);
    if plain && name != MANIFEST { Ok(()) } else { Err(format!("invalid output file name {name:?}")) }
}

/// Checks, before anything is written, that `ftsim plot` may replace the files `names` of the
/// existing directory `dir`: ftsim wrote it as a run directory (its manifest says so), the
/// manifest lists each name, and each that exists is a regular file.
pub fn check_replace_files(dir: &Path, names: &[&str]) -> Result<(), String> {
    let refuse = |why: String| format!("refusing to write into {}: {why}; nothing was changed", dir.display());
    let manifest = read_manifest(dir)
        .map_err(&refuse)?
        .ok_or_else(|| refuse(format!("ftsim did not write it (no {MANIFEST}); rerun the scenario to redraw")))?;
    if manifest.kind != DirKind::Run.name() {
        return Err(refuse(format!("it is an ftsim {} directory, not a run directory", manifest.kind)));
    }
    for name in names {
        let path = dir.join(name);
        if !manifest.files.iter().any(|f| f == name) {
            let why = format!("its {MANIFEST} does not list {name} (another ftsim version?); rerun the scenario");
            return Err(refuse(why));
        }
        if path.exists() && !is_regular_file(&path) {
            return Err(refuse(format!("its {name} is not a regular file, so ftsim did not write it")));
        }
    }
    Ok(())
}

/// Replaces one file of an existing directory atomically: written beside it under a fresh
/// temporary name, then renamed over it. Call [`check_replace_files`] first.
pub fn replace_file(dir: &Path, name: &str, bytes: &[u8]) -> Result<(), String> {
    check_name(name)?;
    let tmp = synced_temp_file(dir, name, bytes)?;
    let path = dir.join(name);
    tmp.persist(&path).map_err(|e| io_err(&path, "cannot replace", e.error))?;
    Ok(())
}

/// `bytes` in a fresh, synced temporary file of `dir` named after `name`.
fn synced_temp_file(dir: &Path, name: &str, bytes: &[u8]) -> Result<tempfile::NamedTempFile, String> {
    let mut tmp = tempfile::Builder::new()
        .prefix(&format!(".{name}.tmp-"))
        .tempfile_in(dir)
        .map_err(|e| io_err(dir, "cannot create a temporary file in", e))?;
    tmp.write_all(bytes).map_err(|e| io_err(tmp.path(), "cannot write", e))?;
    tmp.as_file().sync_all().map_err(|e| io_err(tmp.path(), "cannot sync", e))?;
    Ok(tmp)
}

/// Writes the file `path` whole or not at all: a temporary file beside it, renamed into place.
/// An existing `path` is an error unless `replace` (and even then only a regular file is
/// replaced); without `replace`, a file that appears meanwhile is not overwritten either.
pub fn write_new_file(path: &Path, bytes: &[u8], replace: bool) -> Result<(), String> {
    let exists = fs::symlink_metadata(path).is_ok();
    if exists && !replace {
        return Err(format!("{}: already exists; nothing was written (--force replaces it)", path.display()));
    }
    if exists && !is_regular_file(path) {
        return Err(format!("{}: not a regular file; nothing was written", path.display()));
    }
    let dir = parent_of(path);
    let name = base_name(path);
    let tmp = synced_temp_file(&dir, &name, bytes)?;
    if replace {
        tmp.persist(path).map_err(|e| io_err(path, "cannot replace", e.error))?;
    } else {
        tmp.persist_noclobber(path).map_err(|e| io_err(path, "cannot create", e.error))?;
    }
    Ok(())
}

/// Writes `bytes` to a new file at `path` and syncs it.
fn write_synced(path: &Path, bytes: &[u8]) -> Result<(), String> {
    let mut f = fs::File::create(path).map_err(|e| io_err(path, "cannot create", e))?;
    f.write_all(bytes).map_err(|e| io_err(path, "cannot write", e))?;
    f.sync_all().map_err(|e| io_err(path, "cannot sync", e))
}

impl RunDirWriter {
    /// Prepares to write the run directory `target`. Fails, having changed nothing, if `target`
    /// exists and ftsim may not replace it (see the module doc), or if its parent cannot be
    /// created or written.
    pub fn create(target: &Path) -> Result<Self, String> {
        Self::create_as(target, DirKind::Run)
    }

    /// Like [`RunDirWriter::create`] for an output directory of another kind.
    pub fn create_as(target: &Path, kind: DirKind) -> Result<Self, String> {
        replaceable(target, kind)?;
        let parent = parent_of(target);
        fs::create_dir_all(&parent).map_err(|e| io_err(&parent, "cannot create output directory", e))?;
        let tmp = tempfile::Builder::new()
            .prefix(&format!(".{}.tmp-", base_name(target)))
            .tempdir_in(&parent)
            .map_err(|e| io_err(&parent, "cannot create a temporary directory in", e))?;
        Ok(RunDirWriter { target: target.to_path_buf(), kind, tmp, files: RefCell::new(BTreeSet::new()) })
    }

    /// Records `name` as written and returns its path in the temporary directory.
    fn record(&self, name: &str) -> Result<PathBuf, String> {
        check_name(name)?;
        self.files.borrow_mut().insert(name.to_string());
        Ok(self.tmp.path().join(name))
    }

    /// Writes one file into the directory.
    pub fn write(&self, name: &str, bytes: &[u8]) -> Result<(), String> {
        let path = self.record(name)?;
        fs::write(&path, bytes).map_err(|e| io_err(&path, "cannot write", e))
    }

    /// Opens one file of the directory for streaming; it is listed in the manifest like a file
    /// given to [`RunDirWriter::write`]. Flush the writer before [`RunDirWriter::commit`], which
    /// syncs the file.
    pub fn create_file(&self, name: &str) -> Result<BufWriter<fs::File>, String> {
        let path = self.record(name)?;
        fs::File::create(&path).map(BufWriter::new).map_err(|e| io_err(&path, "cannot create", e))
    }

    /// Writes the manifest and moves the finished directory into place, replacing a previous
    /// one that ftsim wrote. Checks the target again first: a foreign file that appeared in it
    /// since [`RunDirWriter::create`] makes this fail with nothing changed.
    pub fn commit(self) -> Result<PathBuf, String> {
        let files: Vec<String> = self.files.borrow().iter().cloned().collect();
        for name in &files {
            let path = self.tmp.path().join(name);
            fs::File::open(&path).and_then(|f| f.sync_all()).map_err(|e| io_err(&path, "cannot sync", e))?;
        }
        let manifest =
            Manifest { ftsim_version: env!("CARGO_PKG_VERSION").into(), kind: self.kind.name().into(), files };
        let mut bytes = serde_json::to_vec_pretty(&manifest).map_err(|e| format!("cannot serialize manifest: {e}"))?;
        bytes.push(b'\n');
        write_synced(&self.tmp.path().join(MANIFEST), &bytes)?;
        let previous = replaceable(&self.target, self.kind)?;
        if previous.is_empty() {
            // Renaming over an empty directory replaces it; a non-empty one makes this fail.
            fs::rename(self.tmp.path(), &self.target).map_err(|e| io_err(&self.target, "cannot create", e))?;
        } else {
            self.swap_in(&previous)?;
        }
        let _ = self.tmp.keep();
        Ok(self.target)
    }

    /// Moves the previous directory aside, the new one into place, then deletes the previous
    /// one's `files` and the emptied directory.
    fn swap_in(&self, files: &[String]) -> Result<(), String> {
        let parent = parent_of(&self.target);
        let aside = tempfile::Builder::new()
            .prefix(&format!(".{}.old-", base_name(&self.target)))
            .tempdir_in(&parent)
            .map_err(|e| io_err(&parent, "cannot create a temporary directory in", e))?
            .keep();
        // Renaming over the empty directory just made moves the previous run aside.
        if let Err(e) = fs::rename(&self.target, &aside) {
            let _ = fs::remove_dir(&aside);
            return Err(io_err(&self.target, "cannot move aside", e));
        }
        if let Err(e) = fs::rename(self.tmp.path(), &self.target) {
            let _ = fs::rename(&aside, &self.target);
            return Err(io_err(&self.target, "cannot create", e));
        }
        for name in files {
            let _ = fs::remove_file(aside.join(name));
        }
        let _ = fs::remove_dir(&aside);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Writes a run directory at `target` holding `files` (name, content).
    fn write_run(target: &Path, files: &[(&str, &str)]) -> Result<PathBuf, String> {
        let w = RunDirWriter::create(target)?;
        for (name, text) in files {
            w.write(name, text.as_bytes())?;
        }
        w.commit()
    }

    #[test]
    fn replaces_a_previous_run_and_refuses_foreign_directories() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("run");
        write_run(&target, &[(MARKER, "{}"), ("a.txt", "1")]).unwrap();
        write_run(&target, &[(MARKER, "{\"v\":2}")]).unwrap();
        assert_eq!(fs::read_to_string(target.join(MARKER)).unwrap(), "{\"v\":2}");
        assert!(!target.join("a.txt").exists());
        assert_eq!(entries(dir.path()).unwrap(), ["run"], "nothing left beside the run");

        let link = dir.path().join("link");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        assert!(RunDirWriter::create(&link).unwrap_err().contains("is a symbolic link"));

        let foreign = dir.path().join("foreign");
        fs::create_dir(&foreign).unwrap();
        fs::write(foreign.join("precious.txt"), "x").unwrap();
        assert!(RunDirWriter::create(&foreign).unwrap_err().contains("ftsim did not write it"));
    }

    #[test]
    fn the_manifest_lists_every_file_written_and_streamed() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("run");
        let w = RunDirWriter::create(&target).unwrap();
        w.write("b.txt", b"1").unwrap();
        let mut f = w.create_file("a.log").unwrap();
        f.write_all(b"streamed\n").unwrap();
        f.flush().unwrap();
        drop(f);
        w.commit().unwrap();
        assert_eq!(fs::read_to_string(target.join("a.log")).unwrap(), "streamed\n");
        let m: Manifest = serde_json::from_slice(&fs::read(target.join(MANIFEST)).unwrap()).unwrap();
        assert_eq!(m.files, ["a.log", "b.txt"]);
        assert_eq!((m.kind.as_str(), m.ftsim_version.as_str()), ("run", env!("CARGO_PKG_VERSION")));
    }

    #[test]
    fn a_file_or_directory_the_manifest_does_not_list_is_never_removed() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("run");
        write_run(&target, &[(MARKER, "{}")]).unwrap();
        fs::write(target.join("notes.txt"), "mine").unwrap();
        let err = RunDirWriter::create(&target).unwrap_err();
        assert!(err.contains("it holds notes.txt, which ftsim did not write; nothing was changed"), "{err}");
        fs::remove_file(target.join("notes.txt")).unwrap();
        // A listed name that became a directory is not ftsim's file either.
        fs::remove_file(target.join(MARKER)).unwrap();
        fs::create_dir(target.join(MARKER)).unwrap();
        assert!(RunDirWriter::create(&target).unwrap_err().contains("it holds report.json, which"));
    }

    #[test]
    fn a_foreign_file_that_appears_before_commit_stops_the_commit() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("run");
        write_run(&target, &[(MARKER, "{}")]).unwrap();
        let w = RunDirWriter::create(&target).unwrap();
        w.write(MARKER, b"new").unwrap();
        fs::write(target.join("late.txt"), "mine").unwrap();
        assert!(w.commit().unwrap_err().contains("late.txt"));
        assert_eq!(fs::read_to_string(target.join(MARKER)).unwrap(), "{}");
        assert_eq!(entries(dir.path()).unwrap(), ["run"], "the temporary directory is gone");
    }

    #[test]
    fn a_directory_of_another_kind_is_not_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("run");
        write_run(&target, &[(MARKER, "{}")]).unwrap();
        let err = RunDirWriter::create_as(&target, DirKind::Compare).unwrap_err();
        assert!(err.contains("it is an ftsim run directory, not a compare directory"), "{err}");
    }

    #[test]
    fn a_pre_manifest_run_directory_is_refused_with_advice() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("old");
        fs::create_dir(&target).unwrap();
        fs::write(target.join(MARKER), "{}").unwrap();
        let err = RunDirWriter::create(&target).unwrap_err();
        assert!(err.contains("holds report.json but no .ftsim-manifest.json"), "{err}");
        assert!(err.contains("remove it yourself"), "{err}");
        for i in 0..7 {
            fs::write(target.join(format!("f{i}")), "").unwrap();
        }
        let err = RunDirWriter::create(&target).unwrap_err();
        assert!(err.contains("it holds f0, f1, f2, f3, f4 and 3 more;"), "{err}");
    }

    #[test]
    fn file_names_are_one_plain_component() {
        let dir = tempfile::tempdir().unwrap();
        let w = RunDirWriter::create(&dir.path().join("run")).unwrap();
        for bad in ["", ".", "..", "a/b", MANIFEST] {
            assert!(w.write(bad, b"x").is_err(), "{bad:?}");
            assert!(w.create_file(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn plot_replaces_only_files_the_manifest_lists() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("run");
        write_run(&target, &[(MARKER, "{}"), ("plot.svg", "old")]).unwrap();
        check_replace_files(&target, &["plot.svg"]).unwrap();
        replace_file(&target, "plot.svg", b"new").unwrap();
        assert_eq!(fs::read_to_string(target.join("plot.svg")).unwrap(), "new");
        assert_eq!(entries(&target).unwrap(), [MANIFEST, "plot.svg", MARKER], "no temporary file left");
        assert!(check_replace_files(&target, &["other.png"]).unwrap_err().contains("other.png"));
        let bare = dir.path().join("bare");
        fs::create_dir(&bare).unwrap();
        assert!(check_replace_files(&bare, &["plot.svg"]).unwrap_err().contains("no .ftsim-manifest.json"));
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
