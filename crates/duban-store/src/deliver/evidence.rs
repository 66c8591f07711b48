//! Evidence files of a report (佐证材料): stored once per SHA-256 content hash in the
//! database (a blob table: transactional on SQLite and PostgreSQL alike, so an
//! acknowledged upload survives kill -9), bounded in size and number, typed by sniffing
//! the bytes (never trusting the client's type).

use chrono::Utc;
use duban_core::report::{ReportAction, transition};

use super::DeliverResult;
use super::report::{ReportActor, record_event};
use crate::db::format_time;
use crate::{Result, Store, StoreError};

/// Largest evidence file: 20 MiB.
pub const MAX_EVIDENCE_BYTES: usize = 20 * 1024 * 1024;
/// Most evidence files per report.
pub const MAX_EVIDENCE_PER_REPORT: i64 = 10;

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Evidence {
    pub id: i64,
    pub report_id: i64,
    pub sha256: String,
    pub file_name: String,
    pub content_type: String,
    pub size: i64,
    pub user_name: Option<String>,
    pub at: String,
}

/// The content type of a file from its first bytes (PDF, images, Office/OpenDocument
/// zips, legacy Office, UTF-8 text); `application/octet-stream` otherwise.
pub fn sniff_content_type(bytes: &[u8], file_name: &str) -> &'static str {
    let ext = file_name
        .rsplit('.')
        .next()
        .unwrap_or("")
        .to_ascii_lowercase();
    if bytes.starts_with(b"%PDF-") {
        "application/pdf"
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        "image/png"
    } else if bytes.starts_with(b"\xff\xd8\xff") {
        "image/jpeg"
    } else if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
        "image/gif"
    } else if bytes.starts_with(b"PK\x03\x04") {
        match ext.as_str() {
            "docx" => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            "xlsx" => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "pptx" => "application/vnd.openxmlformats-officedocument.presentationml.presentation",
            "odt" => "application/vnd.oasis.opendocument.text",
            "ods" => "application/vnd.oasis.opendocument.spreadsheet",
            _ => "application/zip",
        }
    } else if bytes.starts_with(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1") {
        match ext.as_str() {
            "xls" => "application/vnd.ms-excel",
            "ppt" => "application/vnd.ms-powerpoint",
            _ => "application/msword",
        }
    } else if !bytes.contains(&0) && std::str::from_utf8(bytes).is_ok() {
        "text/plain; charset=utf-8"
    } else {
        "application/octet-stream"
    }
}

/// Extensions of programs and scripts: evidence is documents, pictures and data, and a
/// program passed on to the office (or to whoever downloads it) is a risk, not proof.
const PROGRAM_EXTENSIONS: &[&str] = &[
    // Programs, installers and disk images.
    "exe",
    "com",
    "scr",
    "pif",
    "msi",
    "msp",
    "msix",
    "appx",
    "dll",
    "sys",
    "cpl",
    "ocx",
    "drv",
    "jar",
    "jnlp",
    "apk",
    "app",
    "elf",
    "run",
    "deb",
    "rpm",
    "dmg",
    "pkg",
    "iso",
    "img",
    "vhd",
    "vhdx",
    // Scripts and what Windows runs when opened.
    "bat",
    "cmd",
    "ps1",
    "psm1",
    "psd1",
    "vbs",
    "vbe",
    "js",
    "jse",
    "mjs",
    "wsf",
    "wsh",
    "wsc",
    "hta",
    "sh",
    "bash",
    "zsh",
    "command",
    "py",
    "pyw",
    "pl",
    "rb",
    "php",
    "lnk",
    "url",
    "scf",
    "reg",
    "inf",
    "msc",
    "chm",
    "library-ms",
    "desktop",
    "settingcontent-ms",
    // Pages that run scripts when opened.
    "html",
    "htm",
    "xhtml",
    "mht",
    "mhtml",
    "svg",
    "svgz",
    // Office formats made to carry macros.
    "docm",
    "dotm",
    "xlsm",
    "xltm",
    "xlsb",
    "xlam",
    "pptm",
    "potm",
    "ppsm",
    "ppam",
    "sldm",
];

/// The extension a file would have on the user's disk: after the last dot of the name with
/// what Windows drops (trailing dots and spaces, an NTFS stream `::$DATA`) and invisible
/// characters removed, full-width letters folded, in lower case.
fn effective_extension(file_name: &str) -> String {
    let visible: String = duban_core::number::fold(file_name)
        .chars()
        .filter(|&c| {
            !c.is_control()
                && !matches!(c, '\u{200B}'..='\u{200F}' | '\u{2060}'..='\u{2064}' | '\u{FEFF}')
                && !duban_core::text::is_bidi_control(c)
        })
        .collect();
    let name = visible.split(':').next().unwrap_or("");
    let name = name.trim_end_matches(['.', ' ']);
    name.rsplit_once('.')
        .map(|(_, e)| e.trim().to_ascii_lowercase())
        .unwrap_or_default()
}

/// Why a file is not taken as evidence: a program or script by its name or its first
/// bytes (Windows PE, ELF, Mach-O, Java class, `#!` script); `None` when it may be stored.
pub fn refused_evidence(bytes: &[u8], file_name: &str) -> Option<String> {
    let ext = effective_extension(file_name);
    let program = PROGRAM_EXTENSIONS.contains(&ext.as_str())
        || bytes.starts_with(b"MZ")
        || bytes.starts_with(b"\x7fELF")
        || bytes.starts_with(b"#!")
        || [
            [0xfe, 0xed, 0xfa, 0xce],
            [0xfe, 0xed, 0xfa, 0xcf],
            [0xce, 0xfa, 0xed, 0xfe],
            [0xcf, 0xfa, 0xed, 0xfe],
            [0xca, 0xfe, 0xba, 0xbe],
        ]
        .iter()
        .any(|m| bytes.starts_with(m));
    if program {
        return Some(format!(
            "“{file_name}”是程序或脚本文件，不能作为佐证材料。请上传 PDF、图片、Word/Excel/PPT 文档、文本或压缩包"
        ));
    }
    // A name that promises a document the bytes are not (a picture renamed .pdf) would be
    // handed out under the wrong name.
    let magic: &[&[u8]] = match ext.as_str() {
        "pdf" => &[b"%PDF-"],
        "png" => &[b"\x89PNG\r\n\x1a\n"],
        "jpg" | "jpeg" => &[b"\xff\xd8\xff"],
        "gif" => &[b"GIF87a", b"GIF89a"],
        "docx" | "xlsx" | "pptx" | "odt" | "ods" | "zip" => &[b"PK\x03\x04"],
        _ => &[],
    };
    (!magic.is_empty() && !magic.iter().any(|m| bytes.starts_with(m))).then(|| {
        format!(
            "“{file_name}”的内容不是 .{ext} 文件（实为{}），请检查后重新选择",
            kind_label(sniff_content_type(bytes, file_name))
        )
    })
}

/// A stored file's type as people name it (application/pdf → PDF 文档).
pub fn kind_label(content_type: &str) -> &'static str {
    let ct = content_type.split(';').next().unwrap_or("").trim();
    match ct {
        "application/pdf" => "PDF 文档",
        "image/png" => "PNG 图片",
        "image/jpeg" => "JPEG 图片",
        "image/gif" => "GIF 图片",
        "application/msword" => "Word 文档",
        "application/vnd.ms-excel" => "Excel 表格",
        "application/vnd.ms-powerpoint" => "PPT 演示文稿",
        "application/zip" => "压缩包",
        "text/plain" => "文本",
        _ if ct.contains("wordprocessingml") => "Word 文档",
        _ if ct.contains("spreadsheetml") => "Excel 表格",
        _ if ct.contains("presentationml") => "PPT 演示文稿",
        _ if ct.contains("opendocument.text") => "ODF 文档",
        _ if ct.contains("opendocument.spreadsheet") => "ODF 表格",
        _ => "其他文件",
    }
}

/// A file name safe to store and to put in a header: the last path component, control
/// characters and quotes removed, at most 120 characters.
pub fn clean_file_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or("");
    let cleaned: String = base
        .chars()
        .filter(|&c| {
            !c.is_control() && !duban_core::text::is_bidi_control(c) && !matches!(c, '"' | ';')
        })
        .take(120)
        .collect();
    let cleaned = cleaned.trim().to_string();
    if cleaned.is_empty() || cleaned == "." || cleaned == ".." {
        "file".to_string()
    } else {
        cleaned
    }
}

pub use duban_core::hash::sha256_hex;

/// Stored bytes read back: `content` when its hash is the recorded `sha256`, otherwise the
/// row `table` `id` is corrupt.
pub(crate) fn verified<T: AsRef<[u8]>>(
    content: T,
    sha256: &str,
    table: &str,
    id: i64,
) -> Result<T> {
    if sha256_hex(content.as_ref()) != sha256 {
        return Err(StoreError::Corrupt(format!("{table} {id} hash mismatch")));
    }
    Ok(content)
}

impl Store {
    /// Attaches a file to an editable report of the actor's unit.
    pub async fn add_evidence(
        &self,
        report_id: i64,
        file_name: &str,
        bytes: &[u8],
        by: &ReportActor,
    ) -> DeliverResult<Evidence> {
        let r = self.report(report_id).await?;
        transition(r.state, &ReportAction::Edit, &by.actor, &r.unit_code)?;
        if bytes.is_empty() {
            return Err(StoreError::Invalid("文件为空".into()).into());
        }
        if bytes.len() > MAX_EVIDENCE_BYTES {
            return Err(StoreError::Invalid("单个佐证材料不能超过 20 MB".into()).into());
        }
        let name = clean_file_name(file_name);
        if let Some(why) = refused_evidence(bytes, &name) {
            return Err(StoreError::Invalid(why).into());
        }
        let content_type = sniff_content_type(bytes, &name);
        let hash = sha256_hex(bytes);
        let at = format_time(Utc::now());
        let mut tx = self.begin_write().await?;
        // Lock the report row (a no-op UPDATE) before counting: concurrent uploads to one
        // report queue here on both engines, so the cap holds; a report that left the state
        // checked above meanwhile is a conflict.
        let locked =
            sqlx::query("UPDATE report SET version = version WHERE id = $1 AND state = $2")
                .bind(report_id)
                .bind(r.state.as_str())
                .execute(&mut *tx)
                .await?;
        if locked.rows_affected() == 0 {
            return Err(StoreError::Conflict.into());
        }
        let (count,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM evidence WHERE report_id = $1")
            .bind(report_id)
            .fetch_one(&mut *tx)
            .await?;
        let (same,): (i64,) =
            sqlx::query_as("SELECT COUNT(*) FROM evidence WHERE report_id = $1 AND sha256 = $2")
                .bind(report_id)
                .bind(&hash)
                .fetch_one(&mut *tx)
                .await?;
        if same > 0 {
            return Err(StoreError::Invalid(format!(
                "“{name}”与本报告已有的一份佐证材料内容相同，无需重复上传"
            ))
            .into());
        }
        if count >= MAX_EVIDENCE_PER_REPORT {
            return Err(StoreError::Invalid(format!(
                "每份报告最多 {MAX_EVIDENCE_PER_REPORT} 个佐证材料"
            ))
            .into());
        }
        // DO UPDATE, not DO NOTHING: it locks an existing blob row, so a removal elsewhere
        // cannot delete the blob under this upload (its garbage collection then fails and is
        // skipped, see `remove_evidence`).
        sqlx::query(
            "INSERT INTO evidence_blob (sha256, size, content) VALUES ($1, $2, $3)
             ON CONFLICT (sha256) DO UPDATE SET size = excluded.size",
        )
        .bind(&hash)
        .bind(bytes.len() as i64)
        .bind(bytes.to_vec())
        .execute(&mut *tx)
        .await?;
        let (id,): (i64,) = sqlx::query_as(
            "INSERT INTO evidence (report_id, sha256, file_name, content_type, size, user_id, at)
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(report_id)
        .bind(&hash)
        .bind(&name)
        .bind(content_type)
        .bind(bytes.len() as i64)
        .bind(by.user_id)
        .bind(&at)
        .fetch_one(&mut *tx)
        .await?;
        record_event(
            &mut tx,
            report_id,
            "evidence_add",
            r.state,
            r.state,
            by.user_id,
            &at,
            Some(&name),
            None,
        )
        .await?;
        tx.commit().await?;
        Ok(self.evidence(id).await?)
    }

    /// Removes a file from an editable report of the actor's unit (the blob stays while
    /// other reports use it).
    pub async fn remove_evidence(&self, evidence_id: i64, by: &ReportActor) -> DeliverResult<()> {
        let e = self.evidence(evidence_id).await?;
        let r = self.report(e.report_id).await?;
        transition(r.state, &ReportAction::Edit, &by.actor, &r.unit_code)?;
        let at = format_time(Utc::now());
        let mut tx = self.begin_write().await?;
        sqlx::query("DELETE FROM evidence WHERE id = $1")
            .bind(evidence_id)
            .execute(&mut *tx)
            .await?;
        record_event(
            &mut tx,
            r.id,
            "evidence_remove",
            r.state,
            r.state,
            by.user_id,
            &at,
            Some(&e.file_name),
            None,
        )
        .await?;
        tx.commit().await?;
        // The blob goes when no evidence uses it any more, after the removal is committed and
        // on its own: an upload of the same file elsewhere at this moment holds the blob, and
        // the foreign key then refuses this delete — the blob is in use, which is fine (on
        // PostgreSQL the other upload's row was invisible to NOT EXISTS). A failure here
        // leaves at worst an unused blob, never a failed removal.
        if let Err(err) = sqlx::query(
            "DELETE FROM evidence_blob WHERE sha256 = $1 AND NOT EXISTS (SELECT 1 FROM evidence WHERE sha256 = $1)",
        )
        .bind(&e.sha256)
        .execute(self.pool())
        .await
        {
            tracing::info!(sha256 = %e.sha256, %err, "evidence blob kept (in use again)");
        }
        Ok(())
    }

    pub async fn evidence(&self, id: i64) -> Result<Evidence> {
        let (id, report_id, sha256, file_name, content_type, size, user_name, at): (
            i64,
            i64,
            String,
            String,
            String,
            i64,
            Option<String>,
            String,
        ) = sqlx::query_as(
            "SELECT e.id, e.report_id, e.sha256, e.file_name, e.content_type, e.size, u.name, e.at
             FROM evidence e LEFT JOIN app_user u ON u.id = e.user_id WHERE e.id = $1",
        )
        .bind(id)
        .fetch_one(self.pool())
        .await?;
        Ok(Evidence {
            id,
            report_id,
            sha256,
            file_name,
            content_type,
            size,
            user_name,
            at,
        })
    }

    pub async fn report_evidence(&self, report_id: i64) -> Result<Vec<Evidence>> {
        let ids: Vec<(i64,)> =
            sqlx::query_as("SELECT id FROM evidence WHERE report_id = $1 ORDER BY id")
                .bind(report_id)
                .fetch_all(self.pool())
                .await?;
        let mut out = Vec::with_capacity(ids.len());
        for (id,) in ids {
            out.push(self.evidence(id).await?);
        }
        Ok(out)
    }

    /// The stored bytes of a file, checked against their hash.
    pub async fn evidence_bytes(&self, e: &Evidence) -> Result<Vec<u8>> {
        let (content,): (Vec<u8>,) =
            sqlx::query_as("SELECT content FROM evidence_blob WHERE sha256 = $1")
                .bind(&e.sha256)
                .fetch_one(self.pool())
                .await?;
        verified(content, &e.sha256, "evidence", e.id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn programs_are_not_evidence() {
        for (bytes, name) in [
            (&b"hello"[..], "notes.exe"),
            (b"MZ\x90\x00", "report.pdf"),
            (b"\x7fELF\x02", "a"),
            (b"#!/bin/sh\nrm -rf /", "run.txt"),
            (b"\xca\xfe\xba\xbe", "x.class"),
            (b"text", "宏.XLSM"),
            (b"@echo off", "run.bat."),
            (b"@echo off", "run.bat. ."),
            (b"@echo off", "run.bat\u{200b}"),
            (b"@echo off", "run.bat::$DATA"),
            (b"@echo off", "run.ｂａｔ"),
            (b"<svg onload=1>", "图.svg"),
            (b"<html>", "页.html"),
            (b"x", "表.xlsb"),
        ] {
            assert!(refused_evidence(bytes, name).is_some(), "{name}");
        }
        // A picture renamed .pdf is not a PDF.
        let why = refused_evidence(b"\x89PNG\r\n\x1a\n..", "伪装.pdf").unwrap();
        assert!(why.contains("实为PNG 图片"), "{why}");
        for (bytes, name) in [
            (&b"%PDF-1.7"[..], "说明.pdf"),
            (b"PK\x03\x04", "表.xlsx"),
            (b"\x89PNG\r\n\x1a\n", "照片.png"),
            (b"plain notes", "记录.txt"),
        ] {
            assert_eq!(refused_evidence(bytes, name), None, "{name}");
        }
    }

    #[test]
    fn sniffing_and_names() {
        assert_eq!(
            sniff_content_type(b"%PDF-1.7 ...", "a.txt"),
            "application/pdf"
        );
        assert_eq!(sniff_content_type(b"\x89PNG\r\n\x1a\nxx", "x"), "image/png");
        assert!(sniff_content_type(b"PK\x03\x04..", "表.xlsx").contains("spreadsheetml"));
        assert_eq!(
            sniff_content_type("说明".as_bytes(), "x.bin"),
            "text/plain; charset=utf-8"
        );
        assert_eq!(
            sniff_content_type(b"\x00\x01\x02", "x.pdf"),
            "application/octet-stream"
        );
        assert_eq!(clean_file_name("C:\\dir\\材料\".pdf"), "材料.pdf");
        assert_eq!(clean_file_name("../../"), "file");
        // A right-to-left override would show "\u{202e}gpj.exe" as "exe.jpg".
        assert_eq!(clean_file_name("\u{202e}gpj.exe"), "gpj.exe");
        assert_eq!(sha256_hex(b"abc").len(), 64);
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
