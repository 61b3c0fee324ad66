//! `hallway backup FILE` and `hallway restore FILE`: one zip file with a consistent copy of a live SQLite
//! database and the media files, and its way back. (PostgreSQL is backed up with `pg_dump`, as the docs show.)

use std::fs::File;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use indicatif::{HumanBytes, ProgressBar, ProgressStyle};
use serde::{Deserialize, Serialize};
use zip::write::SimpleFileOptions;

use crate::config::{MediaStoreSettings, Settings};
use crate::db::pool::{sqlite_path, Backend};
use crate::db::Database;
use crate::storage;

const MANIFEST: &str = "hallway-backup.json";
const DATABASE: &str = "hallway.db";
const MEDIA_PREFIX: &str = "media/";
const FORMAT: u32 = 1;

/// What a backup holds, written first in the file.
#[derive(Debug, Serialize, Deserialize)]
struct Manifest {
    format: u32,
    hallway: String,
    domain: String,
    created_at: String,
    media_files: usize,
}

#[derive(Debug)]
pub struct Summary {
    pub database_bytes: u64,
    pub media_files: usize,
    pub media_bytes: u64,
}

impl std::fmt::Display for Summary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "database {}, {} media file(s) ({})", HumanBytes(self.database_bytes), self.media_files, HumanBytes(self.media_bytes))
    }
}

/// Writes the backup to `target` (through a file beside it, renamed when complete).
pub fn backup(db: &Database, settings: &Settings, target: &Path) -> Result<Summary, String> {
    let partial = with_suffix(target, ".partial");
    let database_copy = with_suffix(target, ".database");
    let written = write_backup(db, settings, &partial, &database_copy);
    let _ = std::fs::remove_file(&database_copy);
    if written.is_err() {
        let _ = std::fs::remove_file(&partial);
    }
    let summary = written?;
    std::fs::rename(&partial, target).map_err(|e| format!("cannot write {}: {e}", target.display()))?;
    Ok(summary)
}

fn write_backup(db: &Database, settings: &Settings, partial: &Path, copy: &Path) -> Result<Summary, String> {
    let _ = std::fs::remove_file(copy);
    let spinner = ProgressBar::new_spinner().with_message("copying the database");
    spinner.enable_steady_tick(std::time::Duration::from_millis(120));
    db.copy_sqlite_into(copy)?;
    spinner.finish_and_clear();
    // Media in an object store stay there: the bucket is backed up with the store's own tools.
    let media = match settings.media_store {
        MediaStoreSettings::Local => media_files(&storage::media_root(settings)).map_err(|e| format!("cannot read the media directory: {e}"))?,
        MediaStoreSettings::S3(_) => Vec::new(),
    };
    let database_bytes = file_size(copy);
    let media_bytes: u64 = media.iter().map(|(_, path)| file_size(path)).sum();
    let progress = bar(database_bytes + media_bytes, "writing the backup");

    let file = File::create(partial).map_err(|e| format!("cannot write {}: {e}", partial.display()))?;
    let mut zip = zip::ZipWriter::new(io::BufWriter::new(file));
    let manifest = Manifest {
        format: FORMAT,
        hallway: env!("CARGO_PKG_VERSION").into(),
        domain: settings.domain.clone(),
        created_at: crate::ids::now().and_utc().to_rfc3339(),
        media_files: media.len(),
    };
    let failed = |e: &dyn std::fmt::Display| format!("cannot write the backup: {e}");
    zip.start_file(MANIFEST, SimpleFileOptions::default()).map_err(|e| failed(&e))?;
    zip.write_all(&serde_json::to_vec_pretty(&manifest).map_err(|e| failed(&e))?).map_err(|e| failed(&e))?;
    let deflated = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated).large_file(true);
    add_file(&mut zip, DATABASE, copy, deflated, &progress).map_err(|e| failed(&e))?;
    // Images and videos are compressed already.
    let stored = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored).large_file(true);
    for (key, path) in &media {
        match add_file(&mut zip, &format!("{MEDIA_PREFIX}{key}"), path, stored, &progress) {
            // Removed (its post deleted) between the listing and now.
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            other => other.map_err(|e| failed(&e))?,
        }
    }
    zip.finish().map_err(|e| failed(&e))?.into_inner().map_err(|e| failed(&e.error()))?.sync_all().map_err(|e| failed(&e))?;
    progress.finish_and_clear();
    Ok(Summary { database_bytes, media_files: media.len(), media_bytes })
}

fn add_file(zip: &mut zip::ZipWriter<io::BufWriter<File>>, name: &str, path: &Path, options: SimpleFileOptions, progress: &ProgressBar) -> io::Result<()> {
    let mut source = File::open(path)?;
    zip.start_file(name, options).map_err(io::Error::other)?;
    io::copy(&mut progress.wrap_read(&mut source), zip)?;
    Ok(())
}

/// A bar on a terminal; nothing when the output goes elsewhere (a log, a cron job).
fn bar(total: u64, message: &'static str) -> ProgressBar {
    let style = ProgressStyle::with_template("{msg} [{bar:30}] {bytes}/{total_bytes} ({eta})").unwrap_or_else(|_| ProgressStyle::default_bar());
    ProgressBar::new(total).with_style(style.progress_chars("=> ")).with_message(message)
}

/// Every stored media file: (key, path), the partial files of uploads under way left out.
fn media_files(root: &Path) -> io::Result<Vec<(String, PathBuf)>> {
    let mut found = Vec::new();
    let mut directories = vec![root.to_path_buf()];
    while let Some(directory) = directories.pop() {
        let entries = match std::fs::read_dir(&directory) {
            Err(e) if e.kind() == io::ErrorKind::NotFound && directory == root => return Ok(found),
            entries => entries?,
        };
        for entry in entries {
            let entry = entry?;
            let path = entry.path();
            if entry.file_type()?.is_dir() {
                directories.push(path);
                continue;
            }
            let key = path.strip_prefix(root).ok().and_then(Path::to_str).map(|key| key.replace(std::path::MAIN_SEPARATOR, "/"));
            if let Some(key) = key.filter(|key| storage::is_valid_key(key) && !key.ends_with(".partial")) {
                found.push((key, path));
            }
        }
    }
    found.sort();
    Ok(found)
}

fn file_size(path: &Path) -> u64 {
    std::fs::metadata(path).map_or(0, |m| m.len())
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

/// Puts a backup's database and media where the settings say, before the instance starts. An existing
/// database is replaced only when `replace` says so; a backup of another domain is refused (every id in it
/// names its own domain).
pub fn restore(settings: &Settings, source: &Path, replace: bool) -> Result<Summary, String> {
    if Backend::from_url(&settings.database_url)? != Backend::Sqlite {
        return Err("the database is PostgreSQL: restore it with pg_restore (docs/operations.md)".into());
    }
    let unreadable = |e: &dyn std::fmt::Display| format!("cannot read the backup {}: {e}", source.display());
    let file = File::open(source).map_err(|e| unreadable(&e))?;
    let mut zip = zip::ZipArchive::new(io::BufReader::new(file)).map_err(|e| unreadable(&e))?;
    let manifest: Manifest = {
        let entry = zip.by_name(MANIFEST).map_err(|_| unreadable(&"it is not a Hallway backup"))?;
        serde_json::from_reader(entry.take(1 << 20)).map_err(|e| unreadable(&e))?
    };
    if manifest.format != FORMAT {
        return Err(unreadable(&format!("its format {} is not {FORMAT}", manifest.format)));
    }
    if manifest.domain != settings.domain {
        return Err(format!("the backup is of {}, and this instance is {}: every id in it names its domain", manifest.domain, settings.domain));
    }
    let database = PathBuf::from(sqlite_path(&settings.database_url));
    if database.exists() && !replace {
        return Err(format!("{} exists: pass --replace to put the backup in its place", database.display()));
    }
    let total: u64 = (0..zip.len()).filter_map(|i| zip.by_index_raw(i).ok().map(|entry| entry.size())).sum();
    let progress = bar(total, "restoring");
    let partial = with_suffix(&database, ".partial");
    let database_bytes = extract(&mut zip, DATABASE, &partial, &progress).map_err(|e| unreadable(&e))?;
    for stale in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(with_suffix(&database, stale));
    }
    std::fs::rename(&partial, &database).map_err(|e| format!("cannot write {}: {e}", database.display()))?;
    let (media_files, media_bytes) = restore_media(&mut zip, &storage::media_root(settings), &progress)?;
    progress.finish_and_clear();
    Ok(Summary { database_bytes, media_files, media_bytes })
}

fn restore_media(zip: &mut zip::ZipArchive<io::BufReader<File>>, root: &Path, progress: &ProgressBar) -> Result<(usize, u64), String> {
    let keys: Vec<String> = zip
        .file_names()
        .filter_map(Result::ok)
        .filter_map(|name| name.strip_prefix(MEDIA_PREFIX).map(str::to_owned))
        .filter(|key| storage::is_valid_key(key))
        .collect();
    let mut bytes = 0;
    for key in &keys {
        let target = root.join(key);
        bytes += extract(zip, &format!("{MEDIA_PREFIX}{key}"), &target, progress).map_err(|e| format!("cannot restore the media file {key}: {e}"))?;
    }
    Ok((keys.len(), bytes))
}

fn extract(zip: &mut zip::ZipArchive<io::BufReader<File>>, name: &str, target: &Path, progress: &ProgressBar) -> io::Result<u64> {
    let entry = zip.by_name(name).map_err(|e| io::Error::new(io::ErrorKind::NotFound, format!("{name}: {e}")))?;
    if let Some(parent) = target.parent() {
        std::fs::create_dir_all(parent)?;
    }
    let mut file = File::create(target)?;
    let copied = io::copy(&mut progress.wrap_read(entry), &mut file)?;
    file.sync_all()?;
    Ok(copied)
}
