//! Where uploaded files live. `MediaStore` is the interface (an S3-compatible store can implement it);
//! `LocalDisk` keeps files under the data directory. Keys are relative paths like
//! `media_attachments/117/.../original.png`, served at `/system/<key>`.

use std::io;
use std::path::PathBuf;

pub trait MediaStore: Send + Sync {
    fn put(&self, key: &str, bytes: &[u8]) -> io::Result<()>;
    fn get(&self, key: &str) -> io::Result<Vec<u8>>;
    fn delete(&self, key: &str) -> io::Result<()>;
}

/// The store an instance's settings name: local disk under `data_dir/media`.
pub fn media_store(settings: &crate::config::Settings) -> std::sync::Arc<dyn MediaStore> {
    std::sync::Arc::new(LocalDisk::new(media_root(settings)))
}

/// Where local disk keeps media files.
pub fn media_root(settings: &crate::config::Settings) -> PathBuf {
    settings.data_dir.join("media")
}

pub struct LocalDisk {
    root: PathBuf,
}

impl LocalDisk {
    pub fn new(root: PathBuf) -> LocalDisk {
        LocalDisk { root }
    }

    fn path(&self, key: &str) -> io::Result<PathBuf> {
        if !is_valid_key(key) {
            return Err(io::Error::new(io::ErrorKind::NotFound, "not a media key"));
        }
        Ok(self.root.join(key))
    }
}

impl MediaStore for LocalDisk {
    fn put(&self, key: &str, bytes: &[u8]) -> io::Result<()> {
        let path = self.path(key)?;
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        // Written aside and renamed, so that a reader never sees half a file.
        let partial = path.with_extension("partial");
        std::fs::write(&partial, bytes)?;
        std::fs::rename(partial, path)
    }

    fn get(&self, key: &str) -> io::Result<Vec<u8>> {
        std::fs::read(self.path(key)?)
    }

    fn delete(&self, key: &str) -> io::Result<()> {
        match std::fs::remove_file(self.path(key)?) {
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
            other => other,
        }
    }
}

/// Keys are made by the server; anything else (`..`, absolute paths, odd characters) names nothing.
pub fn is_valid_key(key: &str) -> bool {
    !key.is_empty()
        && key.len() < 256
        && !key.starts_with('/')
        && key.split('/').all(|part| !part.is_empty() && part != "." && part != "..")
        && key.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '/' | '.' | '_' | '-'))
}

/// The content type of a stored file, from its extension.
pub fn content_type_of(key: &str) -> &'static str {
    match key.rsplit('.').next().unwrap_or("") {
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "mp4" => "video/mp4",
        "webm" => "video/webm",
        "mov" => "video/quicktime",
        "mp3" => "audio/mpeg",
        "ogg" => "audio/ogg",
        "wav" => "audio/wav",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_cannot_leave_the_root() {
        assert!(is_valid_key("media_attachments/1/2/original.png"));
        for bad in ["../etc/passwd", "/etc/passwd", "a/../../b", "a//b", "a/b c", ""] {
            assert!(!is_valid_key(bad), "{bad}");
        }
    }

    #[test]
    fn put_get_delete() {
        let dir = tempfile::tempdir().unwrap();
        let store = LocalDisk::new(dir.path().to_path_buf());
        store.put("x/y/original.png", b"png").unwrap();
        assert_eq!(store.get("x/y/original.png").unwrap(), b"png");
        store.delete("x/y/original.png").unwrap();
        assert!(store.get("x/y/original.png").is_err());
        store.delete("x/y/original.png").unwrap();
    }
}
