//! Files to upload, for the operations whose body is `multipart/form-data` (Pancake's
//! `upload_content`): the [`Upload`] a caller gives, and what the spec documents of it
//! ([`UploadRule`], from `x-pancake-upload`), checked before anything is sent.

use std::fmt;
use std::path::Path;

use bytes::Bytes;
use futures::TryStreamExt;

use crate::Error;

/// A file to upload: its bytes, name and MIME type, and the platform whose limits apply.
///
/// ```
/// let photo = pancake_sdk::Upload::bytes("ao-thun.png", b"\x89PNG...".to_vec());
/// assert_eq!(photo.content_type(), "image/png");
/// let clip = pancake_sdk::Upload::bytes("clip.mp4", vec![0; 1024]).platform("shopee");
/// assert_eq!(clip.platform_name(), Some("shopee"));
/// ```
#[derive(Clone)]
pub struct Upload {
    bytes: Bytes,
    file_name: String,
    mime_type: String,
    platform: Option<String>,
}

impl Upload {
    /// A file from memory, named `file_name`; its MIME type is guessed from the name
    /// (`application/octet-stream` when the name says nothing).
    pub fn bytes(file_name: impl Into<String>, bytes: impl Into<Bytes>) -> Upload {
        let file_name = clean_name(file_name.into());
        let mime_type = mime_guess::from_path(&file_name).first_or_octet_stream().essence_str().to_string();
        Upload { bytes: bytes.into(), file_name, mime_type, platform: None }
    }

    /// The file at `path`, read now; its name and MIME type come from the path.
    pub fn from_path(path: impl AsRef<Path>) -> Result<Upload, Error> {
        let path = path.as_ref();
        let bytes =
            std::fs::read(path).map_err(|e| Error::invalid("file", format!("{}: {e}", path.display())))?;
        let name = path.file_name().map_or_else(|| "file".to_string(), |n| n.to_string_lossy().into_owned());
        Ok(Upload::bytes(name, bytes))
    }

    /// The file's name, in place of the one given (its MIME type is guessed from it anew).
    pub fn named(mut self, file_name: impl Into<String>) -> Upload {
        self.file_name = clean_name(file_name.into());
        self.mime_type =
            mime_guess::from_path(&self.file_name).first_or_octet_stream().essence_str().to_string();
        self
    }

    /// The file's MIME type, in place of the one guessed from its name.
    pub fn mime_type(mut self, mime_type: impl Into<String>) -> Upload {
        self.mime_type = mime_type.into();
        self
    }

    /// The platform of the page the file goes to (`shopee`, `lazada`, ...), whose limits
    /// apply; without one, the limits of every other platform (`other`).
    pub fn platform(mut self, platform: impl Into<String>) -> Upload {
        self.platform = Some(platform.into());
        self
    }

    /// The file's size in bytes.
    pub fn len(&self) -> usize {
        self.bytes.len()
    }

    /// Whether the file is empty.
    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    /// The file's name.
    pub fn file_name(&self) -> &str {
        &self.file_name
    }

    /// The file's MIME type.
    pub fn content_type(&self) -> &str {
        &self.mime_type
    }

    /// The platform named with [`Upload::platform`].
    pub fn platform_name(&self) -> Option<&str> {
        self.platform.as_deref()
    }

    /// The request body: the `multipart/form-data` with the file as `field`, and its
    /// `Content-Type` (with the boundary).
    pub(crate) fn into_form(self, field: &'static str) -> Result<(String, Bytes), Error> {
        let length = self.bytes.len() as u64;
        let part = reqwest::multipart::Part::stream_with_length(reqwest::Body::from(self.bytes), length)
            .file_name(self.file_name)
            .mime_str(&self.mime_type)
            .map_err(|e| Error::invalid("mime_type", e.to_string()))?;
        let form = reqwest::multipart::Form::new().part(field, part);
        let content_type = format!("multipart/form-data; boundary={}", form.boundary());
        // Every part is in memory: the stream is ready at once.
        let chunks: Vec<Bytes> = futures::executor::block_on(form.into_stream().try_collect())
            .map_err(|e| Error::invalid(field, e.to_string()))?;
        Ok((content_type, chunks.concat().into()))
    }
}

impl fmt::Debug for Upload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Upload")
            .field("file_name", &self.file_name)
            .field("mime_type", &self.mime_type)
            .field("len", &self.bytes.len())
            .field("platform", &self.platform)
            .finish()
    }
}

/// What the spec documents of an upload (`x-pancake-upload`).
#[derive(Debug)]
pub struct UploadRule {
    /// The multipart field that carries the file.
    pub field: &'static str,
    /// The largest video each platform takes, in bytes; `other` is every platform not named.
    pub video_limits: &'static [(&'static str, u64)],
}

impl UploadRule {
    /// Refuses, naming the limit, what the API would refuse: an empty file, a video larger than
    /// its platform takes (a platform the spec does not name has the limit of `other`).
    pub fn check(&self, upload: &Upload) -> Result<(), String> {
        if upload.is_empty() {
            return Err(format!("{} is empty", upload.file_name));
        }
        let named = upload.platform.as_deref().unwrap_or("other");
        let find = |name: &str| self.video_limits.iter().find(|(platform, _)| *platform == name);
        let (platform, limit) = match find(named) {
            Some((platform, limit)) => (*platform, *limit),
            None => match find("other") {
                Some((_, limit)) => ("other", *limit),
                None => return Ok(()),
            },
        };
        if !upload.mime_type.starts_with("video/") || upload.len() as u64 <= limit {
            return Ok(());
        }
        Err(format!(
            "a video of {} is over the {} limit of {} (documented limits: {})",
            size(upload.len() as u64),
            size(limit),
            if platform == "other" {
                format!("{named} (every platform but those named)")
            } else {
                platform.to_string()
            },
            self.video_limits
                .iter()
                .map(|(name, bytes)| format!("{name} {}", size(*bytes)))
                .collect::<Vec<_>>()
                .join(", "),
        ))
    }
}

/// A file name that cannot break out of its multipart header: control characters (a line
/// break would start a header of its own) become `_`.
fn clean_name(name: String) -> String {
    if name.chars().any(char::is_control) {
        name.chars().map(|c| if c.is_control() { '_' } else { c }).collect()
    } else {
        name
    }
}

/// A size in MiB, as the limits are documented (`15 MiB`, `15.2 MiB`).
fn size(bytes: u64) -> String {
    const MIB: u64 = 1 << 20;
    if bytes.is_multiple_of(MIB) {
        format!("{} MiB", bytes / MIB)
    } else {
        format!("{:.1} MiB", bytes as f64 / MIB as f64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RULE: UploadRule =
        UploadRule { field: "file", video_limits: &[("shopee", 30 << 20), ("other", 15 << 20)] };

    #[test]
    fn videos_over_their_platforms_limit_are_refused_naming_it() {
        let clip = || Upload::bytes("clip.mp4", vec![0u8; (15 << 20) + 1]);
        assert_eq!(clip().content_type(), "video/mp4");
        let refusal = RULE.check(&clip()).unwrap_err();
        assert!(refusal.contains("over the 15 MiB limit"), "{refusal}");
        assert!(refusal.contains("shopee 30 MiB"), "{refusal}");
        assert_eq!(RULE.check(&clip().platform("shopee")), Ok(()));
        // A platform the spec does not name has the limit of every other platform.
        assert!(
            RULE.check(&clip().platform("facebook"))
                .unwrap_err()
                .contains("limit of facebook (every platform")
        );
        // Only videos are limited; an image of the same size goes.
        assert_eq!(RULE.check(&Upload::bytes("big.png", vec![0u8; (15 << 20) + 1])), Ok(()));
        assert!(RULE.check(&Upload::bytes("empty.png", Vec::new())).unwrap_err().contains("empty"));
    }

    #[test]
    fn the_form_carries_the_file_under_its_field() {
        let upload = Upload::bytes("ảnh.png", b"PNG bytes".to_vec());
        let (content_type, body) = upload.into_form("file").unwrap();
        let boundary = content_type.strip_prefix("multipart/form-data; boundary=").unwrap();
        let text = String::from_utf8_lossy(&body);
        assert!(text.starts_with(&format!("--{boundary}\r\n")), "{text}");
        assert!(text.contains("name=\"file\""), "{text}");
        assert!(text.contains("Content-Type: image/png\r\n\r\nPNG bytes\r\n"), "{text}");
        assert!(text.ends_with(&format!("--{boundary}--\r\n")), "{text}");
    }

    #[test]
    fn a_file_name_cannot_add_headers_to_the_form() {
        let upload = Upload::bytes("a.jpg\r\nContent-Type: video/mp4\r\n\r\ninjected", b"x".to_vec());
        assert_eq!(upload.file_name(), "a.jpg__Content-Type: video/mp4____injected");
        let (_, body) = upload.named("b.png\nX: y").into_form("file").unwrap();
        let text = String::from_utf8_lossy(&body);
        assert_eq!(text.matches("\r\nContent-Type:").count(), 1, "{text}");
        assert!(!text.contains("\nX: y"), "{text}");
    }

    #[test]
    fn debug_shows_the_size_not_the_bytes() {
        let upload = Upload::bytes("secret.pdf", b"the contents".to_vec());
        let shown = format!("{upload:?}");
        assert!(shown.contains("secret.pdf") && shown.contains("len: 12"), "{shown}");
        assert!(!shown.contains("the contents"), "{shown}");
    }
}
