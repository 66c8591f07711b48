//! Why a document could not be read as a plan. Every message is one line.

/// The largest document accepted, in bytes (20 MiB).
pub const MAX_BYTES: usize = 20 * 1024 * 1024;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DocError {
    #[error("the document is empty (文档为空)")]
    Empty,
    #[error("the document is {size} bytes, over the 20 MB limit (文件超过 20 MB)")]
    TooLarge { size: usize },
    #[error("the file is binary, not a text, HTML, DOCX or XLSX document (不是文本文档)")]
    Binary,
    #[error("unknown text encoding{}: expected UTF-8, GBK/GB18030 or Big5 (无法识别的编码)", guess.as_ref().map(|g| format!(" (looks like {g})")).unwrap_or_default())]
    UnknownEncoding { guess: Option<String> },
    #[error("unsupported file format: {0}; save it as .docx, .xlsx, .html or .txt (不支持的格式)")]
    Unsupported(String),
    #[error("the DOCX file is truncated or corrupt: {0} (DOCX 文件损坏)")]
    CorruptDocx(String),
    #[error("the XLSX workbook is truncated or corrupt: {0} (XLSX 文件损坏)")]
    CorruptXlsx(String),
    #[error(
        "no numbered tasks found (1. / 1、 / （1）): this does not look like a work plan (未找到编号任务)"
    )]
    NoTasks,
}
