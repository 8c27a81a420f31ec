//! Handing freed memory back to the system.

/// Returns the heap's free pages to the system. glibc keeps what a program
/// frees for its next allocations and gives memory back only from the end of
/// its heap; a build frees most of its memory (the search words of every part,
/// once their file is written) in small blocks among long-lived ones (the
/// parts' HTML), so none of it would go back, and the render's larger pages,
/// which do not fit those holes, would grow the heap further. A no-op on other
/// systems.
pub fn release_free_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim takes the allocator's own locks and only releases
    // pages no allocation uses; it is safe to call from any thread.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// The most memory the process has held at once (its peak resident set),
/// in bytes, where the system tells it (Linux); `None` elsewhere.
pub fn peak_resident() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kilobytes: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kilobytes * 1024)
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    #[test]
    fn the_peak_counts_memory_that_was_touched_and_freed() {
        let before = peak_resident().expect("Linux reports the peak");
        assert!(before > 0);
        let block = vec![1u8; 64 << 20];
        assert_eq!(
            block
                .iter()
                .step_by(4096)
                .map(|&b| usize::from(b))
                .sum::<usize>(),
            16384
        );
        drop(block);
        let after = peak_resident().expect("Linux reports the peak");
        assert!(after >= before.max(64 << 20), "{before} then {after}");
    }
}
