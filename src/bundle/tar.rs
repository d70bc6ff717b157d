//! A small ustar writer (POSIX.1-1988: 512-byte headers, octal fields, checksum, names up to
//! 255 bytes through the prefix field) gzipped with flate2: what a bundle needs from `tar`,
//! regular files only, without another dependency.

use std::io::Write;

use flate2::Compression;
use flate2::write::GzEncoder;

const BLOCK: usize = 512;
const NAME_LEN: usize = 100;
const PREFIX_LEN: usize = 155;

/// Why an entry could not be written.
#[derive(Debug, thiserror::Error)]
pub enum TarError {
    #[error(
        "the path {0:?} does not fit a tar header (at most 100 bytes after a '/' and 155 before)"
    )]
    PathTooLong(String),
    #[error("the path {0:?} is not a relative path of plain names")]
    BadPath(String),
    #[error("cannot compress the bundle: {0}")]
    Io(#[from] std::io::Error),
}

/// A `.tar.gz` being built in memory (a bundle is capped in size, so memory is fine, and
/// nothing half-written ever lands on disk).
pub struct TarGz {
    gz: GzEncoder<Vec<u8>>,
    mtime: u64,
}

impl TarGz {
    /// Entries stamped with `mtime` (Unix seconds): the bundle's time.
    pub fn new(mtime: u64) -> TarGz {
        TarGz {
            gz: GzEncoder::new(Vec::new(), Compression::default()),
            mtime,
        }
    }

    /// Appends a regular file (mode 0644).
    pub fn file(&mut self, path: &str, data: &[u8]) -> Result<(), TarError> {
        let header = header(path, data.len() as u64, self.mtime)?;
        self.gz.write_all(&header)?;
        self.gz.write_all(data)?;
        let pad = (BLOCK - data.len() % BLOCK) % BLOCK;
        self.gz.write_all(&[0u8; BLOCK][..pad])?;
        Ok(())
    }

    /// The two zero blocks that end an archive, then the gzip trailer.
    pub fn finish(mut self) -> Result<Vec<u8>, TarError> {
        self.gz.write_all(&[0u8; 2 * BLOCK])?;
        Ok(self.gz.finish()?)
    }
}

/// Whether `path` fits a header (a plain relative path, short enough).
pub fn fits(path: &str) -> bool {
    header(path, 0, 0).is_ok()
}

/// `path` split into ustar's `prefix` and `name`: the name alone when it fits, else cut at a
/// `/` so both parts fit.
fn split_path(path: &str) -> Result<(&str, &str), TarError> {
    if path.len() <= NAME_LEN {
        return Ok(("", path));
    }
    path.match_indices('/')
        .map(|(at, _)| at)
        .filter(|&at| at <= PREFIX_LEN && path.len() - at - 1 <= NAME_LEN && at > 0)
        .map(|at| (&path[..at], &path[at + 1..]))
        .next()
        .ok_or_else(|| TarError::PathTooLong(path.to_string()))
}

fn header(path: &str, size: u64, mtime: u64) -> Result<[u8; BLOCK], TarError> {
    if path.is_empty()
        || path.starts_with('/')
        || path.ends_with('/')
        || path
            .split('/')
            .any(|p| p.is_empty() || p == "." || p == "..")
        || path.bytes().any(|b| b == 0)
    {
        return Err(TarError::BadPath(path.to_string()));
    }
    let (prefix, name) = split_path(path)?;
    let mut h = [0u8; BLOCK];
    h[..name.len()].copy_from_slice(name.as_bytes());
    octal(&mut h[100..108], 0o644);
    octal(&mut h[108..116], 0);
    octal(&mut h[116..124], 0);
    octal(&mut h[124..136], size);
    octal(&mut h[136..148], mtime);
    h[156] = b'0';
    h[257..263].copy_from_slice(b"ustar\0");
    h[263..265].copy_from_slice(b"00");
    h[265..271].copy_from_slice(b"strata");
    h[297..303].copy_from_slice(b"strata");
    h[345..345 + prefix.len()].copy_from_slice(prefix.as_bytes());
    // The checksum is summed with its own field as spaces, then written as six octal digits,
    // NUL, space.
    h[148..156].fill(b' ');
    let sum: u32 = h.iter().map(|&b| u32::from(b)).sum();
    let digits = format!("{sum:06o}");
    h[148..154].copy_from_slice(digits.as_bytes());
    h[154] = 0;
    h[155] = b' ';
    Ok(h)
}

/// Zero-padded octal digits then NUL, filling `field`.
fn octal(field: &mut [u8], value: u64) {
    let width = field.len() - 1;
    let digits = format!("{value:0width$o}");
    field[..width].copy_from_slice(&digits.as_bytes()[digits.len() - width..]);
    field[width] = 0;
}

#[cfg(test)]
mod tests {
    use std::process::Command;

    use super::*;

    #[test]
    fn headers_carry_size_checksum_and_magic() {
        let h = header("a/b.txt", 1234, 1_700_000_000).unwrap();
        assert_eq!(&h[..7], b"a/b.txt");
        assert_eq!(&h[124..136], b"00000002322\0");
        assert_eq!(&h[257..263], b"ustar\0");
        let stored = u32::from_str_radix(std::str::from_utf8(&h[148..154]).unwrap(), 8).unwrap();
        let mut copy = h;
        copy[148..156].fill(b' ');
        assert_eq!(stored, copy.iter().map(|&b| u32::from(b)).sum::<u32>());
    }

    #[test]
    fn long_paths_use_the_prefix_and_too_long_ones_are_refused() {
        let long = format!("{}/{}", "d".repeat(120), "f".repeat(90));
        let (prefix, name) = split_path(&long).unwrap();
        assert_eq!((prefix.len(), name.len()), (120, 90));
        assert!(matches!(
            split_path(&"x".repeat(101)),
            Err(TarError::PathTooLong(_))
        ));
        for bad in ["/etc/passwd", "../x", "a//b", "a/./b", ""] {
            assert!(
                matches!(header(bad, 0, 0), Err(TarError::BadPath(_))),
                "{bad}"
            );
        }
    }

    #[test]
    fn real_tar_lists_and_extracts_what_was_written() {
        let dir = tempfile::tempdir().unwrap();
        let long_dir = format!("top/{}", "n".repeat(110));
        let mut tar = TarGz::new(1_700_000_000);
        tar.file("top/README.md", b"hello\n").unwrap();
        tar.file("top/empty.txt", b"").unwrap();
        let big: Vec<u8> = (0..5000u32).map(|i| b'a' + (i % 26) as u8).collect();
        tar.file(&format!("{long_dir}/big.log"), &big).unwrap();
        let bytes = tar.finish().unwrap();
        let archive = dir.path().join("t.tar.gz");
        std::fs::write(&archive, bytes).unwrap();

        let list = Command::new("tar")
            .arg("-tzf")
            .arg(&archive)
            .output()
            .unwrap();
        assert!(
            list.status.success(),
            "{}",
            String::from_utf8_lossy(&list.stderr)
        );
        let listed = String::from_utf8(list.stdout).unwrap();
        assert_eq!(
            listed.lines().collect::<Vec<_>>(),
            [
                "top/README.md",
                "top/empty.txt",
                &format!("{long_dir}/big.log")
            ]
        );
        let out = dir.path().join("out");
        std::fs::create_dir(&out).unwrap();
        let x = Command::new("tar")
            .arg("-xzf")
            .arg(&archive)
            .arg("-C")
            .arg(&out)
            .output()
            .unwrap();
        assert!(x.status.success(), "{}", String::from_utf8_lossy(&x.stderr));
        assert_eq!(
            std::fs::read(out.join("top/README.md")).unwrap(),
            b"hello\n"
        );
        assert_eq!(std::fs::read(out.join("top/empty.txt")).unwrap(), b"");
        assert_eq!(
            std::fs::read(out.join(&long_dir).join("big.log")).unwrap(),
            big
        );
    }
}
