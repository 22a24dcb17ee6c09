//! Attachments: their bytes from the cache or, when the cache lacks them, from Gmail; saved
//! into the downloads folder under a name that overwrites nothing.

use std::path::{Path, PathBuf};

use super::MailService;
use crate::error::{LibreOllamaError, Result};
use crate::mail::filename::{numbered_file_name, safe_file_name};
use crate::mail::import::ARCHIVE_ACCOUNT;
use crate::store::mail_parts;

/// How many numbered alternatives ("name (n).ext") are tried before saving gives up.
const MAX_NAME_TRIES: u32 = 1000;

/// Creates `dir/name`, or `dir/stem (n).ext` when that name is taken, and writes `data`.
/// Each candidate is created with `create_new`, which fails on any existing entry, a
/// symlink included: nothing is overwritten or written through a link, and two saves at the
/// same moment cannot pick the same name. `name` comes from [`safe_file_name`].
fn create_unused(dir: &Path, name: &str, data: &[u8]) -> Result<PathBuf> {
    use std::io::Write;
    for n in 0..=MAX_NAME_TRIES {
        let path = match n {
            0 => dir.join(name),
            n => dir.join(numbered_file_name(name, n)),
        };
        let mut file = match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
        {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(LibreOllamaError::io(&path, e)),
        };
        if let Err(e) = file.write_all(data).and_then(|_| file.flush()) {
            // Ours (create_new made it): no half-written file is left behind.
            drop(file);
            let _ = std::fs::remove_file(&path);
            return Err(LibreOllamaError::io(&path, e));
        }
        return Ok(path);
    }
    Err(LibreOllamaError::io(
        dir.join(name),
        std::io::Error::new(
            std::io::ErrorKind::AlreadyExists,
            format!("{MAX_NAME_TRIES} files with this name already exist"),
        ),
    ))
}

impl MailService {
    /// Saves an attachment into the downloads folder under a name that overwrites nothing.
    pub async fn save_attachment(
        &self,
        account: &str,
        message_id: &str,
        part_id: &str,
    ) -> Result<PathBuf> {
        let (filename, data) = self.attachment_data(account, message_id, part_id).await?;
        let dir = self.download_dir.clone();
        let name = safe_file_name(&filename);
        tokio::task::spawn_blocking(move || -> Result<PathBuf> {
            std::fs::create_dir_all(&dir).map_err(|e| LibreOllamaError::io(&dir, e))?;
            create_unused(&dir, &name, &data)
        })
        .await
        .map_err(|e| LibreOllamaError::Internal(format!("saving task failed: {e}")))?
    }

    /// An attachment's name and bytes: from the cache, else downloaded from Gmail.
    pub async fn attachment_data(
        &self,
        account: &str,
        message_id: &str,
        part_id: &str,
    ) -> Result<(String, Vec<u8>)> {
        let (acc, mid, pid) = (
            account.to_string(),
            message_id.to_string(),
            part_id.to_string(),
        );
        let (filename, cached) = self
            .store
            .read(move |c| mail_parts::attachment(c, &acc, &mid, &pid))
            .await?
            .ok_or_else(|| LibreOllamaError::NotFound {
                what: "This attachment in the local cache (sync and open the message again)".into(),
            })?;
        let data = match cached {
            Some(d) => d,
            None if account == ARCHIVE_ACCOUNT => {
                return Err(LibreOllamaError::NotFound {
                    what: "The attachment's content (it was larger than the archive keeps; import the file again to save it)".into(),
                })
            }
            None => {
                let r = self.download_part(account, message_id, part_id).await;
                self.note_outcome(&r);
                r?
            }
        };
        Ok((filename, data))
    }

    /// An attached message (`message/rfc822`), read: its headers, text and files.
    pub async fn attached_message(
        &self,
        account: &str,
        message_id: &str,
        part_id: &str,
    ) -> Result<crate::model::AttachedMessage> {
        let (name, data) = self.attachment_data(account, message_id, part_id).await?;
        let p = tokio::task::spawn_blocking(move || crate::mail::parse::parse(&data))
            .await
            .map_err(|e| LibreOllamaError::Internal(format!("reading task failed: {e}")))?
            .ok_or_else(|| {
                LibreOllamaError::InvalidInput(format!(
                    "“{name}” is not a message this app can read; use Save to open it elsewhere"
                ))
            })?;
        Ok(crate::model::AttachedMessage {
            subject: p.subject,
            from: p.from,
            to: p.to,
            cc: p.cc,
            date_ms: p.date_ms,
            text: p.text,
            files: p
                .attachments
                .into_iter()
                .map(|a| (a.filename, a.mime_type, a.size))
                .collect(),
        })
    }

    async fn download_part(
        &self,
        account: &str,
        message_id: &str,
        part_id: &str,
    ) -> Result<Vec<u8>> {
        let m = self
            .gmail(account)
            .messages_get(message_id, crate::google::gmail::messages::Format::Raw, &[])
            .await?;
        let raw = crate::google::gmail::decode_raw(m.raw.as_deref().unwrap_or_default())?;
        let parsed = crate::mail::parse::parse_with(&raw, crate::mail::parse::KeepParts::All)
            .ok_or_else(|| LibreOllamaError::Serialization {
                format: "MIME".into(),
                reason: "the message from Gmail could not be read".into(),
            })?;
        parsed
            .parts
            .into_iter()
            .find(|p| p.part_id == part_id)
            .map(|p| p.data)
            .ok_or_else(|| LibreOllamaError::NotFound {
                what: "This attachment in the message Gmail returned (it may be larger than 10 MB)"
                    .into(),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_never_overwrite() {
        assert_eq!(safe_file_name("../../etc/passwd"), "_.._etc_passwd");
        assert_eq!(safe_file_name("  "), "attachment");
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.pdf"), b"1").unwrap();
        assert_eq!(
            create_unused(dir.path(), "a.pdf", b"2").unwrap(),
            dir.path().join("a (1).pdf")
        );
        assert_eq!(
            create_unused(dir.path(), "b.pdf", b"3").unwrap(),
            dir.path().join("b.pdf")
        );
        assert_eq!(std::fs::read(dir.path().join("a.pdf")).unwrap(), b"1");
        assert_eq!(std::fs::read(dir.path().join("a (1).pdf")).unwrap(), b"2");
    }

    #[cfg(unix)]
    #[test]
    fn saving_never_follows_a_symlink() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("target.txt");
        std::fs::write(&target, b"keep").unwrap();
        std::os::unix::fs::symlink(&target, dir.path().join("a.txt")).unwrap();
        // A dangling link is not followed either (create_new would otherwise create its target).
        std::os::unix::fs::symlink(dir.path().join("nowhere"), dir.path().join("a (1).txt"))
            .unwrap();
        let saved = create_unused(dir.path(), "a.txt", b"new").unwrap();
        assert_eq!(saved, dir.path().join("a (2).txt"));
        assert_eq!(std::fs::read(&target).unwrap(), b"keep");
        assert!(!dir.path().join("nowhere").exists());
        assert_eq!(std::fs::read(&saved).unwrap(), b"new");
    }

    #[test]
    fn saving_gives_up_after_the_bound() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("x"), b"").unwrap();
        for n in 1..=MAX_NAME_TRIES {
            std::fs::write(dir.path().join(numbered_file_name("x", n)), b"").unwrap();
        }
        assert!(create_unused(dir.path(), "x", b"1").is_err());
    }
}
