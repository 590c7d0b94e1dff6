//! A copy of a request's bytes in this thread's reused buffer, given back
//! when dropped: a callback is decoded in place, and a fresh buffer per
//! callback would cost an allocation and its release.

pub(super) struct Buffer(Vec<u8>);

thread_local! {
    static BUFFER: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
}

impl Buffer {
    pub(super) fn copy_of(bytes: &[u8]) -> Self {
        let mut buffer = BUFFER.with_borrow_mut(std::mem::take);
        buffer.clear();
        buffer.extend_from_slice(bytes);
        Buffer(buffer)
    }
}

impl Drop for Buffer {
    /// Kept for the next callback unless it grew past a callback's size.
    fn drop(&mut self) {
        let buffer = std::mem::take(&mut self.0);
        if buffer.capacity() <= 16 * 1024 {
            let _ = BUFFER.try_with(|kept| *kept.borrow_mut() = buffer);
        }
    }
}

impl std::ops::Deref for Buffer {
    type Target = Vec<u8>;

    fn deref(&self) -> &Vec<u8> {
        &self.0
    }
}

impl std::ops::DerefMut for Buffer {
    fn deref_mut(&mut self) -> &mut Vec<u8> {
        &mut self.0
    }
}
