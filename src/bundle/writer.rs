//! The bundle being assembled: files added by path (every byte through the redactor), the
//! per-file and total size caps applied as they come, and what was cut or left out recorded
//! for the README. Adding a file is one call, [`BundleWriter::add`], whoever collects it.

use super::redact::Redactor;
use super::tar::{TarError, TarGz};

/// Room kept for the README, which is written last and never cut.
const README_RESERVE: u64 = 64 * 1024;

/// Below this, a cut file says too little: it is left out instead.
const MIN_USEFUL_BYTES: u64 = 4 * 1024;

/// Size caps, uncompressed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    pub max_total: u64,
    pub max_file: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_total: 20 * 1024 * 1024,
            max_file: 2 * 1024 * 1024,
        }
    }
}

/// Something not in the bundle, or not whole, and why (forbidden by RBAC, size cap…).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct LeftOut {
    pub what: String,
    pub why: String,
}

/// A file's path in the bundle from cluster names: each part reduced to letters, digits,
/// `.`, `-` and `_` and at most [`MAX_PART`] bytes (a longer one keeps its start, a hash of the
/// whole and its extension, so two long names never collide), so no name can climb out
/// (`..`), hide (`/`) or overflow the tar header.
pub fn bundle_path(parts: &[&str]) -> String {
    parts
        .iter()
        .map(|part| short_part(part, MAX_PART))
        .collect::<Vec<_>>()
        .join("/")
}

/// One part of a path: safe characters only, at most `max` bytes (start, `~`, a hash of the
/// whole, extension).
fn short_part(part: &str, max: usize) -> String {
    let mut clean: String = part
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect();
    if clean.len() > max {
        let ext = clean
            .rfind('.')
            .filter(|&at| clean.len() - at <= 16 && max >= 32)
            .map_or(String::new(), |at| clean[at..].to_string());
        let hash = clean.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
        });
        let keep = max.saturating_sub(ext.len() + 9);
        clean = format!("{}~{:08x}{ext}", &clean[..keep], hash as u32);
    }
    if clean.is_empty() || clean.chars().all(|c| c == '.') {
        clean = "_".repeat(clean.len().max(1));
    }
    clean
}

/// `path` (under `root`) made safe, and short enough for a tar header: its parts shortened
/// further (hashed, so still distinct) until root and path fit.
fn fitted_path(root: &str, path: &str) -> String {
    let parts: Vec<&str> = path.split('/').filter(|p| !p.is_empty()).collect();
    let mut max = MAX_PART;
    loop {
        let fitted = parts
            .iter()
            .map(|p| short_part(p, max))
            .collect::<Vec<_>>()
            .join("/");
        if max <= 16 || super::tar::fits(&format!("{root}/{fitted}")) {
            return fitted;
        }
        max -= 8;
    }
}

/// The longest part of a bundle path, in bytes.
pub const MAX_PART: usize = 80;

/// The files of a bundle so far.
pub struct BundleWriter {
    root: String,
    redactor: Redactor,
    limits: Limits,
    files: Vec<(String, Vec<u8>)>,
    total: u64,
    left_out: Vec<LeftOut>,
}

/// A finished bundle.
pub struct Finished {
    pub bytes: Vec<u8>,
    /// Files in it, the README included.
    pub files: usize,
    /// Their size before compression.
    pub uncompressed: u64,
}

impl BundleWriter {
    /// An empty bundle whose files go under the folder `root` (the archive's name without
    /// `.tar.gz`, so extracting it makes one folder).
    pub fn new(root: &str, redactor: Redactor, limits: Limits) -> BundleWriter {
        BundleWriter {
            root: bundle_path(&[root]),
            redactor,
            limits,
            files: Vec::new(),
            total: 0,
            left_out: Vec::new(),
        }
    }

    /// The redactor every added byte goes through.
    pub fn redactor(&self) -> &Redactor {
        &self.redactor
    }

    /// Adds a file at `path` (relative, `/`-separated; see [`bundle_path`]): its text goes
    /// through the redactor, then the caps. Whether any of it made it in.
    pub fn add(&mut self, path: &str, bytes: impl AsRef<[u8]>) -> bool {
        let path = &fitted_path(&self.root, path);
        let Ok(text) = std::str::from_utf8(bytes.as_ref()) else {
            self.leave_out(path, "binary content, which cannot be checked for secrets");
            return false;
        };
        let text = self.redactor.text(text);
        let size = text.len() as u64;
        let room = self
            .limits
            .max_total
            .saturating_sub(README_RESERVE)
            .saturating_sub(self.total);
        let keep = size.min(self.limits.max_file).min(room);
        if keep < size && keep < MIN_USEFUL_BYTES {
            self.leave_out(
                path,
                &format!(
                    "{} over the total cap of {} (--max-mib)",
                    human_bytes(size),
                    human_bytes(self.limits.max_total)
                ),
            );
            return false;
        }
        let data = if keep < size {
            let why = if keep == self.limits.max_file.min(size) && keep < room {
                format!("per-file cap of {}", human_bytes(self.limits.max_file))
            } else {
                format!(
                    "total cap of {} (--max-mib)",
                    human_bytes(self.limits.max_total)
                )
            };
            self.left_out.push(LeftOut {
                what: path.to_string(),
                why: format!(
                    "cut to {} of {} by the {why}",
                    human_bytes(keep),
                    human_bytes(size)
                ),
            });
            cut(&text, keep as usize, path.ends_with(".log"))
        } else {
            text
        };
        self.total += data.len() as u64;
        self.files.push((path.to_string(), data.into_bytes()));
        true
    }

    /// Records something that is not in the bundle and why (a 403, a cap).
    pub fn leave_out(&mut self, what: &str, why: &str) {
        self.left_out.push(LeftOut {
            what: what.to_string(),
            why: why.to_string(),
        });
    }

    /// What was cut or left out so far.
    pub fn left_out(&self) -> &[LeftOut] {
        &self.left_out
    }

    /// The paths added so far.
    pub fn paths(&self) -> impl Iterator<Item = &str> {
        self.files.iter().map(|(p, _)| p.as_str())
    }

    /// Bytes added so far (uncompressed).
    pub fn total(&self) -> u64 {
        self.total
    }

    /// The archive: `readme` (made from the writer's final state, redacted, never cut) first,
    /// then the files in the order added.
    pub fn finish(self, readme: &str) -> Result<Finished, TarError> {
        let readme = self.redactor.text(readme);
        let mtime = u64::try_from(chrono::Utc::now().timestamp()).unwrap_or(0);
        let mut tar = TarGz::new(mtime);
        tar.file(&format!("{}/README.md", self.root), readme.as_bytes())?;
        let mut uncompressed = readme.len() as u64;
        for (path, data) in &self.files {
            tar.file(&format!("{}/{path}", self.root), data)?;
            uncompressed += data.len() as u64;
        }
        Ok(Finished {
            bytes: tar.finish()?,
            files: self.files.len() + 1,
            uncompressed,
        })
    }
}

/// At most `keep` bytes of `text` at line boundaries where possible (the tail for logs: the
/// newest lines matter), with a line saying so.
fn cut(text: &str, keep: usize, tail: bool) -> String {
    let marker = "[… cut by strata bundle: size cap, see README.md …]\n";
    let keep = keep.saturating_sub(marker.len());
    if tail {
        let mut start = text.len() - keep.min(text.len());
        while !text.is_char_boundary(start) {
            start += 1;
        }
        if let Some(nl) = text[start..].find('\n') {
            start += nl + 1;
        }
        format!("{marker}{}", &text[start..])
    } else {
        let mut end = keep.min(text.len());
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        if let Some(nl) = text[..end].rfind('\n') {
            end = nl + 1;
        }
        format!("{}{marker}", &text[..end])
    }
}

/// `1.5 MiB`, `812 KiB`, `96 B`.
pub fn human_bytes(n: u64) -> String {
    const KIB: f64 = 1024.0;
    let f = n as f64;
    if f >= KIB * KIB {
        format!("{:.1} MiB", f / KIB / KIB)
    } else if f >= KIB {
        format!("{:.0} KiB", f / KIB)
    } else {
        format!("{n} B")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn writer(max_total: u64, max_file: u64) -> BundleWriter {
        BundleWriter::new(
            "b",
            Redactor::new(vec!["planted-Zz91".into()], &[]),
            Limits {
                max_total,
                max_file,
            },
        )
    }

    #[test]
    fn every_path_fits_a_tar_header() {
        let mut w = writer(1 << 20, 1 << 20);
        let long = "n".repeat(63);
        let path = format!("logs/{long}/{}/{long}.previous.log", "p".repeat(200));
        assert!(w.add(&path, "x\n"));
        assert!(w.add("../../etc/passwd", "x\n"));
        let added: Vec<&str> = w.paths().collect();
        assert!(added[0].starts_with("logs/n"), "{added:?}");
        assert_eq!(added[1], "__/__/etc/passwd");
        assert!(w.finish("r").is_ok(), "every header written");
    }

    #[test]
    fn paths_from_cluster_names_cannot_escape() {
        assert_eq!(
            bundle_path(&["logs", "ns", "pod-1", "c.log"]),
            "logs/ns/pod-1/c.log"
        );
        assert_eq!(bundle_path(&["..", "a/b", ""]), "__/a_b/_");
        let long = format!("Pod-{}.txt", "x".repeat(300));
        let cut = bundle_path(&[&long]);
        assert_eq!(cut.len(), MAX_PART);
        assert!(cut.ends_with(".txt") && cut.starts_with("Pod-xxx"), "{cut}");
        let other = bundle_path(&[&format!("Pod-{}y.txt", "x".repeat(299))]);
        assert_ne!(cut, other, "two long names stay two files");
    }

    #[test]
    fn added_text_is_redacted() {
        let mut w = writer(1 << 20, 1 << 20);
        assert!(w.add(
            "a.txt",
            "the value planted-Zz91 and password=hunter2 here\n"
        ));
        let text = String::from_utf8(w.files[0].1.clone()).unwrap();
        assert!(
            !text.contains("planted-Zz91") && !text.contains("hunter2"),
            "{text}"
        );
        assert!(!w.add("bin", [0xff, 0xfe, 0x00]));
        assert!(w.left_out()[0].why.contains("binary"));
    }

    #[test]
    fn per_file_and_total_caps_cut_and_say_so() {
        let line = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde\n";
        let big = line.repeat(1000); // 64 000 bytes
        let mut w = writer(README_RESERVE + 100_000, 10_000);
        assert!(w.add("x.log", &big));
        let kept = String::from_utf8(w.files[0].1.clone()).unwrap();
        assert!(kept.len() <= 10_000);
        assert!(kept.starts_with("[… cut"), "logs keep their tail");
        assert!(kept.ends_with(line));
        assert!(
            w.left_out()[0].why.contains("per-file cap"),
            "{:?}",
            w.left_out()
        );
        assert!(w.add("y.txt", &big[..9_000]));
        // 81 000 bytes left of 100 000 … then the total cap bites.
        for i in 0..20 {
            w.add(&format!("z{i}.txt"), &big[..9_000]);
        }
        assert!(w.total() <= 100_000, "{}", w.total());
        assert!(
            w.left_out().iter().any(|l| l.why.contains("total cap")),
            "{:?}",
            w.left_out()
        );
    }

    #[test]
    fn the_archive_holds_the_readme_then_the_files() {
        let mut w = writer(1 << 20, 1 << 20);
        w.add("status.json", "{}\n");
        let done = w.finish("# bundle\n").unwrap();
        assert_eq!(done.files, 2);
        assert_eq!(done.uncompressed, 12);
        assert_eq!(&done.bytes[..2], &[0x1f, 0x8b]);
    }
}
