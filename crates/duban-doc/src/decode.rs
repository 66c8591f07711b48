//! Bytes → text: byte-order marks, strict UTF-8, then a detected legacy Chinese encoding.

use crate::error::{DocError, MAX_BYTES};
use encoding_rs::{BIG5, Encoding, GB18030, GBK, UTF_8, UTF_16BE, UTF_16LE};

/// Decodes a text document. Accepts UTF-8 (with or without BOM), UTF-16 with a BOM, and
/// GBK/GB18030 or Big5 (detected with chardetng). Anything that decodes only with
/// replacement characters is an unknown encoding; control bytes mean a binary file.
/// Line endings are normalised to `\n` and a leading BOM is dropped.
pub fn decode(bytes: &[u8]) -> Result<String, DocError> {
    if bytes.len() > MAX_BYTES {
        return Err(DocError::TooLarge { size: bytes.len() });
    }
    if bytes.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(DocError::Empty);
    }
    let text = if let Some((enc, bom_len)) = Encoding::for_bom(bytes) {
        let (text, had_errors) = enc.decode_without_bom_handling(&bytes[bom_len..]);
        if had_errors {
            return Err(DocError::UnknownEncoding {
                guess: Some(enc.name().to_string()),
            });
        }
        text.into_owned()
    } else {
        if looks_binary(bytes) {
            return Err(DocError::Binary);
        }
        decode_without_bom(bytes)?
    };
    let text = normalise_newlines(&text);
    if text.chars().any(is_binary_char) {
        return Err(DocError::Binary);
    }
    if text.trim().is_empty() {
        return Err(DocError::Empty);
    }
    Ok(text)
}

fn decode_without_bom(bytes: &[u8]) -> Result<String, DocError> {
    if let Ok(s) = std::str::from_utf8(bytes) {
        return Ok(s.to_string());
    }
    let mut detector = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
    detector.feed(bytes, true);
    let guess = detector.guess(None, chardetng::Utf8Detection::Deny);
    // Only the encodings Chinese government documents come in; a guess outside them
    // (windows-1252, Shift_JIS …) is tried last against GB18030 and Big5.
    let candidates: &[&'static Encoding] = if guess == GBK || guess == GB18030 {
        &[GB18030, BIG5]
    } else if guess == BIG5 {
        &[BIG5, GB18030]
    } else {
        &[GB18030, BIG5]
    };
    for enc in candidates {
        let (text, had_errors) = enc.decode_without_bom_handling(bytes);
        if !had_errors && (guess == *enc || guess == GBK || mostly_han(&text)) {
            return Ok(text.into_owned());
        }
    }
    let name = if guess == UTF_8 || guess == UTF_16LE || guess == UTF_16BE {
        None
    } else {
        Some(guess.name().to_string())
    };
    Err(DocError::UnknownEncoding { guess: name })
}

/// NUL bytes (without a UTF-16 BOM) or many control bytes: not a text document.
fn looks_binary(bytes: &[u8]) -> bool {
    let sample = &bytes[..bytes.len().min(64 * 1024)];
    if sample.contains(&0) {
        return true;
    }
    let controls = sample
        .iter()
        .filter(|&&b| b < 0x20 && !matches!(b, b'\n' | b'\r' | b'\t' | 0x0c | 0x1b))
        .count();
    controls * 100 > sample.len().max(1)
}

fn is_binary_char(c: char) -> bool {
    c == '\0'
}

/// Whether most non-ASCII letters are Han characters, i.e. a legacy decode that produced
/// Chinese rather than mojibake.
fn mostly_han(text: &str) -> bool {
    let mut han = 0usize;
    let mut other = 0usize;
    for c in text.chars().filter(|c| !c.is_ascii()) {
        if ('\u{4e00}'..='\u{9fff}').contains(&c)
            || ('\u{3000}'..='\u{303f}').contains(&c)
            || ('\u{ff00}'..='\u{ffef}').contains(&c)
        {
            han += 1;
        } else {
            other += 1;
        }
    }
    han > 0 && han >= other * 4
}

pub(crate) fn normalise_newlines(text: &str) -> String {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if !text.contains('\r') {
        return text.to_string();
    }
    text.replace("\r\n", "\n").replace('\r', "\n")
}

/// Decodes with a charset named by the document itself (an HTML `<meta charset>`), if it
/// decodes cleanly; `None` otherwise.
pub(crate) fn decode_with_label(bytes: &[u8], label: &str) -> Option<String> {
    let enc = Encoding::for_label(label.trim().as_bytes())?;
    let enc = if enc == GBK { GB18030 } else { enc };
    if enc != UTF_8 && enc != GB18030 && enc != BIG5 {
        return None;
    }
    let (text, had_errors) = enc.decode_without_bom_handling(bytes);
    (!had_errors).then(|| normalise_newlines(&text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf8_gbk_big5() {
        let s = "2020年浙江省服务业发展工作要点，再建350个乡镇（街道）居家养老服务中心。";
        assert_eq!(decode(s.as_bytes()).unwrap(), s);
        let (gbk, _, _) = GBK.encode(s);
        assert_eq!(decode(&gbk).unwrap(), s);
        let t = "二〇二〇年臺灣地區服務業發展工作要點，新建三百五十個長照服務據點。";
        let (big5, _, bad) = BIG5.encode(t);
        assert!(!bad);
        assert_eq!(decode(&big5).unwrap(), t);
    }

    #[test]
    fn bom_and_newlines() {
        let mut b = vec![0xef, 0xbb, 0xbf];
        b.extend_from_slice("一、\r\n二、\r".as_bytes());
        assert_eq!(decode(&b).unwrap(), "一、\n二、\n");
    }

    #[test]
    fn rejects() {
        assert_eq!(decode(b""), Err(DocError::Empty));
        assert_eq!(decode(b" \n\t "), Err(DocError::Empty));
        assert_eq!(decode(&[0x00, 0x01, 0x02, 0x50]), Err(DocError::Binary));
        let (latin, _, _) =
            encoding_rs::WINDOWS_1252.encode("Le café à côté de l'école, déjà vu à Genève.");
        assert!(matches!(
            decode(&latin),
            Err(DocError::UnknownEncoding { .. })
        ));
    }
}
