//! Rules on user-supplied text shared by every boundary.

/// Unicode bidirectional controls (embeddings, overrides, isolates and marks). They let a
/// name display as something else (`\u{202E}gpj.exe` reads as "exe.jpg"), and no file name
/// or unit name of a Chinese office needs them.
pub fn is_bidi_control(c: char) -> bool {
    matches!(
        c,
        '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overrides_and_isolates_are_bidi_controls_and_chinese_is_not() {
        for c in ['\u{202E}', '\u{202A}', '\u{2066}', '\u{2069}', '\u{200F}'] {
            assert!(is_bidi_control(c), "{c:?}");
        }
        assert!(
            "省发展改革委 (fgw) 1.pdf"
                .chars()
                .all(|c| !is_bidi_control(c))
        );
    }
}
