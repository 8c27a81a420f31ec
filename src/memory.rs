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
