//! The binary's allocator (Linux): the system's, except that large blocks (≥ 4 MiB: the
//! columns, matrices and file buffers of a big evaluation) are mapped on their own with
//! transparent huge pages asked for (`madvise`; the kernel's default mode here is "madvise").
//! Filling 1 GB then takes about 512 page faults instead of 262,144, and the random access of
//! writing results in rank order misses the TLB far less. A freed large block is unmapped
//! (as glibc does for its own large blocks); growing one is `mremap`, without a copy.

use std::alloc::{GlobalAlloc, Layout, System};

pub struct LargePages;

/// Blocks from this size on are mapped on their own.
const LARGE: usize = 4 << 20;

fn large(l: &Layout) -> bool {
    l.size() >= LARGE && l.align() <= 4096
}

/// A fresh zeroed mapping of `size` bytes with huge pages asked for, or null.
unsafe fn map(size: usize) -> *mut u8 {
    // SAFETY: an anonymous private mapping at an address the kernel picks: no existing memory
    // is touched.
    let p = unsafe {
        libc::mmap(
            std::ptr::null_mut(),
            size,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
            -1,
            0,
        )
    };
    if p == libc::MAP_FAILED {
        return std::ptr::null_mut();
    }
    // SAFETY: advice on the mapping just made; its failure only means small pages.
    unsafe { libc::madvise(p, size, libc::MADV_HUGEPAGE) };
    p.cast()
}

// SAFETY: every block is either the system allocator's (small, or over-aligned) or a mapping
// of exactly `layout.size()` bytes made here; `large(layout)` tells which, and the layout a
// block is freed or grown with is the one it was made with (the `GlobalAlloc` contract).
unsafe impl GlobalAlloc for LargePages {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if large(&layout) {
            unsafe { map(layout.size()) }
        } else {
            unsafe { System.alloc(layout) }
        }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        if large(&layout) {
            // Anonymous mappings are zeroed.
            unsafe { map(layout.size()) }
        } else {
            unsafe { System.alloc_zeroed(layout) }
        }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if large(&layout) {
            unsafe { libc::munmap(ptr.cast(), layout.size()) };
        } else {
            unsafe { System.dealloc(ptr, layout) }
        }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: `new_size` is valid for `layout.align()` (the `realloc` contract).
        let new_layout = unsafe { Layout::from_size_align_unchecked(new_size, layout.align()) };
        match (large(&layout), large(&new_layout)) {
            (false, false) => unsafe { System.realloc(ptr, layout, new_size) },
            (true, true) => {
                let p = unsafe {
                    libc::mremap(ptr.cast(), layout.size(), new_size, libc::MREMAP_MAYMOVE)
                };
                if p == libc::MAP_FAILED {
                    return std::ptr::null_mut();
                }
                unsafe { libc::madvise(p, new_size, libc::MADV_HUGEPAGE) };
                p.cast()
            }
            _ => {
                let p = unsafe { self.alloc(new_layout) };
                if !p.is_null() {
                    unsafe {
                        std::ptr::copy_nonoverlapping(ptr, p, layout.size().min(new_size));
                        self.dealloc(ptr, layout);
                    }
                }
                p
            }
        }
    }
}

#[cfg(test)]
mod tests {
    /// Large blocks are made, grown, shrunk below the threshold and freed with their contents.
    #[test]
    fn large_blocks_keep_their_contents() {
        let mut v: Vec<u64> = (0..(1u64 << 20)).collect(); // 8 MiB: mapped
        v.extend(0..(1u64 << 20)); // grown by mremap
        assert_eq!(v[(1 << 20) - 1], (1 << 20) - 1);
        assert_eq!(v[(2 << 20) - 1], (1 << 20) - 1);
        v.truncate(1000);
        v.shrink_to_fit(); // back to the system allocator
        assert_eq!(v.iter().sum::<u64>(), 999 * 1000 / 2);
        let z = vec![0u8; 16 << 20];
        assert!(z.iter().all(|&b| b == 0));
    }
}
