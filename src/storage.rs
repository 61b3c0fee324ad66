//! Where uploaded files live. `MediaStore` is the interface; `LocalDisk` keeps files under the data
//! directory, `S3` in an S3-compatible object store (shared by every process of an instance). Keys are
//! relative paths like `media_attachments/117/.../original.png`, served at `/system/<key>` (the server
//! reads them from the store: clients never need to reach the object store).

use std::io;
use std::path::PathBuf;

use object_store::ObjectStore;

use crate::config::{MediaStoreSettings, S3Settings};

pub trait MediaStore: Send + Sync {
    fn put(&self, key: &str, bytes: &[u8]) -> io::Result<()>;
    fn get(&self, key: &str) -> io::Result<Vec<u8>>;
    fn delete(&self, key: &str) -> io::Result<()>;
}

/// The store an instance's settings name: local disk under `data_dir/media`, or an S3 bucket.
pub fn media_store(settings: &crate::config::Settings) -> Result<std::sync::Arc<dyn MediaStore>, String> {
    Ok(match &settings.media_store {
        MediaStoreSettings::Local => std::sync::Arc::new(LocalDisk::new(media_root(settings))),
        MediaStoreSettings::S3(s3) => std::sync::Arc::new(S3::new(s3, settings.ca_file.as_deref())?),
    })
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

/// An S3-compatible bucket, through `object_store`. Its calls are async; the store's callers are blocking
/// threads (media work is done off the async threads), so each call runs on a small runtime of the store's
/// own, shared by the process.
pub struct S3 {
    bucket: object_store::aws::AmazonS3,
}

fn s3_runtime() -> &'static tokio::runtime::Runtime {
    static RUNTIME: std::sync::OnceLock<tokio::runtime::Runtime> = std::sync::OnceLock::new();
    RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("hallway-s3")
            .enable_all()
            .build()
            .expect("a runtime for the object store")
    })
}

impl S3 {
    pub fn new(settings: &S3Settings, ca_file: Option<&std::path::Path>) -> Result<S3, String> {
        let mut options = object_store::ClientOptions::new().with_allow_http(settings.endpoint.starts_with("http://"));
        if let Some(ca_file) = ca_file {
            let pem = std::fs::read(ca_file).map_err(|e| format!("cannot read {}: {e}", ca_file.display()))?;
            for certificate in object_store::Certificate::from_pem_bundle(&pem).map_err(|e| format!("{}: {e}", ca_file.display()))? {
                options = options.with_root_certificate(certificate);
            }
        }
        let bucket = object_store::aws::AmazonS3Builder::new()
            .with_endpoint(&settings.endpoint)
            .with_bucket_name(&settings.bucket)
            .with_region(&settings.region)
            .with_access_key_id(&settings.access_key_id)
            .with_secret_access_key(&settings.secret_access_key)
            .with_virtual_hosted_style_request(!settings.path_style)
            .with_client_options(options)
            .build()
            .map_err(|e| format!("media.s3: {e}"))?;
        Ok(S3 { bucket })
    }

    fn path(key: &str) -> io::Result<object_store::path::Path> {
        if !is_valid_key(key) {
            return Err(io::Error::new(io::ErrorKind::NotFound, "not a media key"));
        }
        object_store::path::Path::parse(key).map_err(|e| io::Error::new(io::ErrorKind::NotFound, e))
    }
}

fn s3_error(error: object_store::Error) -> io::Error {
    match error {
        object_store::Error::NotFound { .. } => io::Error::new(io::ErrorKind::NotFound, error),
        other => io::Error::other(other),
    }
}

impl MediaStore for S3 {
    fn put(&self, key: &str, bytes: &[u8]) -> io::Result<()> {
        let (path, payload) = (S3::path(key)?, object_store::PutPayload::from(bytes.to_vec()));
        s3_runtime().block_on(self.bucket.put(&path, payload)).map(|_| ()).map_err(s3_error)
    }

    fn get(&self, key: &str) -> io::Result<Vec<u8>> {
        let path = S3::path(key)?;
        s3_runtime().block_on(async { self.bucket.get(&path).await?.bytes().await }).map(|bytes| bytes.to_vec()).map_err(s3_error)
    }

    fn delete(&self, key: &str) -> io::Result<()> {
        let path = S3::path(key)?;
        match s3_runtime().block_on(self.bucket.delete(&path)) {
            Err(object_store::Error::NotFound { .. }) => Ok(()),
            other => other.map_err(s3_error),
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
