//! Reading an HTML upload form (multipart/form-data) into its text fields and its `file`
//! part, with the same errors for every page that takes one.

use axum::extract::Multipart;
use axum::http::StatusCode;

use crate::error::AppError;
use crate::form_fields::FormFields;

/// An uploaded file: its name as the browser sent it, and its bytes (never empty).
pub struct UploadedFile {
    pub name: Option<String>,
    pub bytes: Vec<u8>,
}

/// A read upload form: every text field (clean UTF-8, untrimmed, in order) and the last
/// non-empty `file` part.
#[derive(Default)]
pub struct UploadForm {
    fields: FormFields,
    pub file: Option<UploadedFile>,
}

impl UploadForm {
    /// The text field `name`, as sent ("" when absent).
    pub fn text(&self, name: &str) -> &str {
        self.fields.text(name)
    }

    /// Whether the form has a text field `name` (even empty).
    pub fn has(&self, name: &str) -> bool {
        self.fields.has(name)
    }

    /// Every text field.
    pub fn fields(&self) -> &FormFields {
        &self.fields
    }

    /// The file, named `default_name` when the browser sent no name.
    pub fn take_file(&mut self, default_name: &str) -> Option<(String, Vec<u8>)> {
        self.file
            .take()
            .map(|f| (f.name.unwrap_or_else(|| default_name.to_string()), f.bytes))
    }
}

/// Reads the whole form. A part over the body limit is `AppError::TooLarge`, as is any part
/// over `max_part` bytes when given; a malformed form is a `BadRequest`.
pub async fn read_form(
    mut multipart: Multipart,
    max_part: Option<usize>,
) -> Result<UploadForm, AppError> {
    let read_error = |e: axum::extract::multipart::MultipartError| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            AppError::TooLarge
        } else {
            AppError::BadRequest(format!("表单读取失败：{e}"))
        }
    };
    let mut form = UploadForm::default();
    while let Some(field) = multipart.next_field().await.map_err(read_error)? {
        let name = field.name().unwrap_or("").to_string();
        let file_name = field.file_name().map(str::to_string);
        let data = field.bytes().await.map_err(read_error)?;
        if max_part.is_some_and(|max| data.len() > max) {
            return Err(AppError::TooLarge);
        }
        if name == "file" {
            if !data.is_empty() {
                form.file = Some(UploadedFile {
                    name: file_name,
                    bytes: data.to_vec(),
                });
            }
        } else {
            let text = crate::security::field_text(&name, &data)?;
            form.fields.push(name, text);
        }
    }
    Ok(form)
}
