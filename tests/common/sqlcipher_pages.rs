//! Reads a SQLCipher 4 file page by page with the key, independently of
//! SQLCipher (AES-256-CBC, raw key; each 4 KiB page ends with a 16-byte IV and
//! a 64-byte HMAC; page 1 starts with the 16-byte salt). Shared by the store's
//! unit tests and the governance tests (`#[path]`-included by both), so the
//! "nothing readable on disk" checks can prove they are not vacuous.

/// Every page of the file at `path`, decrypted with the raw 32-byte `key`.
pub fn decrypted_pages(path: &std::path::Path, key: &[u8]) -> Vec<Vec<u8>> {
    use aes::cipher::{BlockDecryptMut, KeyIvInit, block_padding::NoPadding};
    const PAGE: usize = 4096;
    const RESERVE: usize = 80;
    let raw = std::fs::read(path).unwrap();
    assert_eq!(raw.len() % PAGE, 0, "{}: whole pages", path.display());
    raw.chunks(PAGE)
        .enumerate()
        .map(|(i, page)| {
            let start = if i == 0 { 16 } else { 0 };
            let iv = &page[PAGE - RESERVE..PAGE - RESERVE + 16];
            let mut body = page[start..PAGE - RESERVE].to_vec();
            cbc::Decryptor::<aes::Aes256>::new_from_slices(key, iv)
                .unwrap()
                .decrypt_padded_mut::<NoPadding>(&mut body)
                .unwrap();
            if i == 0 {
                // The page size field of the header: proof the key decrypts.
                assert_eq!(
                    &body[0..2],
                    &[0x10, 0x00],
                    "page 1 decrypts to a SQLite header"
                );
            }
            body
        })
        .collect()
}
