//! Writing a large result fast: parts (blocks of rows) are formatted in parallel, a group of
//! parts at a time on a thread of its own one group ahead of the writing, and written in
//! order; written buffers come back for later parts, so no fresh pages are faulted in per part.
//! Used by the evaluation writers (`eval_write`) and the 亩均 writers (`firm_format`).

use std::io::{self, Write};
use std::ops::Range;

use rayon::prelude::*;

/// Writes `parts` parts in order, formatting `per_group` of them at a time in parallel with
/// `format(part, buf)` (the buffer is empty, `capacity` bytes the first time it is made).
pub(crate) fn write_parts<W: Write + ?Sized>(
    out: &mut W,
    parts: usize,
    per_group: usize,
    capacity: usize,
    format: impl Fn(usize, &mut Vec<u8>) + Sync,
) -> io::Result<()> {
    let per_group = per_group.max(1);
    let spare: std::sync::Mutex<Vec<Vec<u8>>> = Default::default();
    let group = |parts: Range<usize>| -> Vec<Vec<u8>> {
        parts
            .into_par_iter()
            .map(|p| {
                let mut buf = spare
                    .lock()
                    .ok()
                    .and_then(|mut v| v.pop())
                    .unwrap_or_else(|| Vec::with_capacity(capacity));
                format(p, &mut buf);
                buf
            })
            .collect()
    };
    std::thread::scope(|s| {
        let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<Vec<u8>>>(1);
        let group = &group;
        s.spawn(move || {
            for first in (0..parts).step_by(per_group) {
                if tx
                    .send(group(first..(first + per_group).min(parts)))
                    .is_err()
                {
                    return; // the writer stopped (an I/O error): nothing more to format
                }
            }
        });
        for bufs in rx {
            for mut b in bufs {
                out.write_all(&b)?;
                b.clear();
                if let Ok(mut v) = spare.lock() {
                    v.push(b);
                }
            }
        }
        Ok(())
    })
}

/// Appends a short text (a formatted number: at most a few dozen bytes) with fixed-size,
/// possibly overlapping copies of 16, 8 or 4 bytes that the compiler turns into plain moves,
/// instead of a call to `memcpy` per number (8 % of a 1e6-row CSV result's CPU went to those
/// calls; safe `extend_from_slice` of a constant-length slice still made the call).
#[inline]
pub(crate) fn extend_short(buf: &mut Vec<u8>, b: &[u8]) {
    let n = b.len();
    if n > 32 {
        return buf.extend_from_slice(b);
    }
    buf.reserve(32);
    let start = buf.len();
    // SAFETY: `reserve(32)` leaves at least 32 writable bytes after `start`; every copy below
    // reads inside `b` (offsets + sizes ≤ n) and writes inside `start..start + n` (n ≤ 32),
    // and together they write every byte of it, so `set_len(start + n)` exposes only
    // initialised bytes.
    unsafe {
        let (src, dst) = (b.as_ptr(), buf.as_mut_ptr().add(start));
        let copy =
            |at: usize, size: usize| std::ptr::copy_nonoverlapping(src.add(at), dst.add(at), size);
        match n {
            16..=32 => {
                copy(0, 16);
                copy(n - 16, 16);
            }
            8..=15 => {
                copy(0, 8);
                copy(n - 8, 8);
            }
            4..=7 => {
                copy(0, 4);
                copy(n - 4, 4);
            }
            _ => {
                for i in 0..n {
                    *dst.add(i) = *src.add(i);
                }
            }
        }
        buf.set_len(start + n);
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn short_texts_are_appended_whole() {
        let text: Vec<u8> = (0..40u8).map(|i| b'a' + i % 26).collect();
        for n in 0..=text.len() {
            let mut buf = b"x,".to_vec();
            super::extend_short(&mut buf, &text[..n]);
            assert_eq!(&buf[..2], b"x,");
            assert_eq!(&buf[2..], &text[..n], "{n}");
        }
    }

    #[test]
    fn parts_are_written_in_order_across_groups() {
        let mut out = Vec::new();
        super::write_parts(&mut out, 1000, 7, 4, |p, buf| {
            assert!(buf.is_empty());
            buf.extend_from_slice(format!("{p}\n").as_bytes());
        })
        .unwrap();
        let want: String = (0..1000).map(|p| format!("{p}\n")).collect();
        assert_eq!(String::from_utf8(out).unwrap(), want);
        let mut none = Vec::new();
        super::write_parts(&mut none, 0, 7, 4, |_, _| unreachable!()).unwrap();
        assert!(none.is_empty());
    }
}
