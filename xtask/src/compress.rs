//! `compress`: precompressed siblings for the built app.
//!
//! Writes `NAME.br` (brotli, quality 11) and `NAME.gz` (gzip, level 9) beside every compressible
//! asset of `dist/` — WebAssembly, JavaScript, CSS, HTML, SVG, JSON, text and source maps of at
//! least 1 KiB — so the relay (`ServeDir::precompressed_br().precompressed_gzip()`) and static
//! hosts can send them as they are, with `Content-Encoding`, instead of the raw bytes.
//!
//! Idempotent: a sibling that already decodes to exactly its file is kept as it is; a stale one
//! (its file changed, even with an older modification time) is rewritten, or removed when the
//! file is no longer compressed (it shrank below 1 KiB, or compressing would not make it
//! smaller). The output is deterministic (the gzip header carries no name and no time), and
//! each sibling is written to a temporary name and renamed, so a server never sees half a file.
//!
//! Pure Rust (`brotli`, `flate2` on `miniz_oxide`): nothing to install.

use std::fmt;
use std::fs;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

/// Extensions worth compressing. Images, fonts (woff2 is already brotli inside) and archives
/// are left alone.
const COMPRESSIBLE: &[&str] = &[
    "wasm",
    "js",
    "mjs",
    "css",
    "html",
    "htm",
    "svg",
    "json",
    "txt",
    "map",
    "xml",
    "webmanifest",
];
/// Smaller files gain less than the extra round of headers costs.
pub const MIN_BYTES: u64 = 1024;
const BROTLI_QUALITY: i32 = 11;
const GZIP_LEVEL: u32 = 9;

/// The sizes of one file of the build and of its siblings, if it has them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileSizes {
    /// Relative to the folder compressed, with `/` separators.
    pub path: String,
    pub raw: u64,
    /// `None`: served raw to gzip clients (not compressible, too small, or no gain).
    pub gz: Option<u64>,
    /// `None`: served raw to brotli clients.
    pub br: Option<u64>,
    /// Siblings written (or rewritten) by this run; `false` when they were already up to date.
    pub written: bool,
}

/// What a gzip or brotli client downloads for a set of files (raw where there is no sibling).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Totals {
    pub files: usize,
    pub raw: u64,
    pub gz: u64,
    pub br: u64,
}

impl Totals {
    fn add(&mut self, f: &FileSizes) {
        self.files += 1;
        self.raw += f.raw;
        self.gz += f.gz.unwrap_or(f.raw);
        self.br += f.br.unwrap_or(f.raw);
    }
}

/// Every file of the build (the siblings themselves excepted), sorted by path.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    pub dir: PathBuf,
    pub files: Vec<FileSizes>,
}

impl Report {
    pub fn total(&self) -> Totals {
        self.sum(|_| true)
    }

    /// What a first visit downloads: the page, its CSS, JavaScript and WebAssembly.
    pub fn first_visit(&self) -> Totals {
        self.sum(|f| {
            let ext = extension(&f.path);
            f.path == "index.html" || matches!(ext.as_str(), "css" | "js" | "mjs" | "wasm")
        })
    }

    /// Files that got siblings.
    pub fn compressed(&self) -> impl Iterator<Item = &FileSizes> {
        self.files
            .iter()
            .filter(|f| f.gz.is_some() || f.br.is_some())
    }

    fn sum(&self, keep: impl Fn(&FileSizes) -> bool) -> Totals {
        let mut t = Totals::default();
        self.files.iter().filter(|f| keep(f)).for_each(|f| t.add(f));
        t
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let width = self
            .files
            .iter()
            .map(|x| x.path.len())
            .chain([30])
            .max()
            .unwrap_or(30);
        let size = |n: Option<u64>| n.map_or_else(|| "-".to_owned(), thousands);
        writeln!(
            f,
            "compress: {}: {} of {} files compressed (brotli q{BROTLI_QUALITY}, gzip -{GZIP_LEVEL})",
            self.dir.display(),
            self.compressed().count(),
            self.files.len()
        )?;
        writeln!(
            f,
            "  {:<width$} {:>11} {:>11} {:>11}",
            "file", "raw", "gzip", "brotli"
        )?;
        for x in &self.files {
            let note = if x.written { "  (written)" } else { "" };
            writeln!(
                f,
                "  {:<width$} {:>11} {:>11} {:>11}{note}",
                x.path,
                thousands(x.raw),
                size(x.gz),
                size(x.br)
            )?;
        }
        for (label, t) in [
            ("first visit (page+css+js+wasm)", self.first_visit()),
            ("all files", self.total()),
        ] {
            writeln!(
                f,
                "  {:<width$} {:>11} {:>11} {:>11}   ({} files; brotli = {:.1}% of raw)",
                label,
                thousands(t.raw),
                thousands(t.gz),
                thousands(t.br),
                t.files,
                percent(t.br, t.raw)
            )?;
        }
        Ok(())
    }
}

/// Writes `.br` and `.gz` beside every compressible file of `dir` (recursively) and reports the
/// sizes of every file.
pub fn compress_dist(dir: &Path) -> Result<Report, String> {
    if !dir.is_dir() {
        return Err(format!(
            "{} is not a folder: build the app first (trunk build --release)",
            dir.display()
        ));
    }
    let mut paths = Vec::new();
    walk(dir, &mut paths).map_err(|e| format!("cannot list {}: {e}", dir.display()))?;
    paths.sort();

    let mut files = Vec::new();
    for path in &paths {
        if is_sibling(path) {
            continue;
        }
        let rel = relative(dir, path);
        let entry = compress_file(path).map_err(|e| format!("{rel}: {e}"))?;
        files.push(FileSizes { path: rel, ..entry });
    }
    Ok(Report {
        dir: dir.to_path_buf(),
        files,
    })
}

/// The two encodings, each with its file suffix.
#[derive(Debug, Clone, Copy)]
enum Encoding {
    Gzip,
    Brotli,
}

impl Encoding {
    fn suffix(self) -> &'static str {
        match self {
            Encoding::Gzip => "gz",
            Encoding::Brotli => "br",
        }
    }

    fn sibling(self, path: &Path) -> PathBuf {
        let mut name = path.as_os_str().to_owned();
        name.push(".");
        name.push(self.suffix());
        PathBuf::from(name)
    }

    fn encode(self, raw: &[u8]) -> io::Result<Vec<u8>> {
        match self {
            Encoding::Gzip => {
                let mut enc = flate2::GzBuilder::new()
                    .mtime(0)
                    .write(Vec::new(), flate2::Compression::new(GZIP_LEVEL));
                enc.write_all(raw)?;
                enc.finish()
            }
            Encoding::Brotli => {
                let params = brotli::enc::BrotliEncoderParams {
                    quality: BROTLI_QUALITY,
                    lgwin: brotli_window(raw.len()),
                    size_hint: raw.len(),
                    ..Default::default()
                };
                let mut out = Vec::new();
                brotli::BrotliCompress(&mut &raw[..], &mut out, &params)?;
                Ok(out)
            }
        }
    }

    fn decode(self, data: &[u8], limit: usize) -> Option<Vec<u8>> {
        let mut out = Vec::new();
        let read = match self {
            Encoding::Gzip => flate2::read::GzDecoder::new(data)
                .take(limit as u64 + 1)
                .read_to_end(&mut out),
            Encoding::Brotli => brotli::Decompressor::new(data, 64 * 1024)
                .take(limit as u64 + 1)
                .read_to_end(&mut out),
        };
        read.ok().map(|_| out)
    }
}

/// The smallest brotli window that holds the whole file (10–24 bits).
fn brotli_window(len: usize) -> i32 {
    (10..24)
        .find(|bits| (1usize << bits) - 16 >= len)
        .unwrap_or(24)
}

/// Brings one file's siblings up to date; returns its sizes (with an empty `path`).
fn compress_file(path: &Path) -> io::Result<FileSizes> {
    let raw = fs::read(path)?;
    let len = raw.len() as u64;
    let wanted =
        len >= MIN_BYTES && COMPRESSIBLE.contains(&extension(&path.to_string_lossy()).as_str());
    // Both encodings at once: the .wasm dominates, and there are two of them to do.
    let (gz, br) = std::thread::scope(|s| {
        let gz = s.spawn(|| sync_sibling(path, &raw, Encoding::Gzip, wanted));
        let br = sync_sibling(path, &raw, Encoding::Brotli, wanted);
        (gz.join().expect("gzip thread panicked"), br)
    });
    let (gz, gz_written) = gz?;
    let (br, br_written) = br?;
    Ok(FileSizes {
        path: String::new(),
        raw: len,
        gz,
        br,
        written: gz_written || br_written,
    })
}

/// Makes `path.<suffix>` hold `raw` encoded (when `wanted` and smaller), or not exist.
/// Returns the sibling's size and whether it was written.
fn sync_sibling(
    path: &Path,
    raw: &[u8],
    encoding: Encoding,
    wanted: bool,
) -> io::Result<(Option<u64>, bool)> {
    let sibling = encoding.sibling(path);
    let existing = match fs::read(&sibling) {
        Ok(bytes) => Some(bytes),
        Err(e) if e.kind() == io::ErrorKind::NotFound => None,
        Err(e) => return Err(e),
    };
    let up_to_date = existing
        .as_deref()
        .is_some_and(|bytes| encoding.decode(bytes, raw.len()).as_deref() == Some(raw));
    if !wanted {
        // Only a sibling that no longer matches is ours to remove: serving it would be wrong.
        if existing.is_some() && !up_to_date {
            fs::remove_file(&sibling)?;
        }
        return Ok((None, false));
    }
    if let (true, Some(bytes)) = (up_to_date, &existing) {
        if bytes.len() < raw.len() {
            return Ok((Some(bytes.len() as u64), false));
        }
    }
    let encoded = encoding.encode(raw)?;
    if encoded.len() >= raw.len() {
        if existing.is_some() {
            fs::remove_file(&sibling)?;
        }
        return Ok((None, false));
    }
    debug_assert_eq!(
        encoding.decode(&encoded, raw.len()).as_deref(),
        Some(raw),
        "{} does not round-trip",
        encoding.suffix()
    );
    let tmp = PathBuf::from(format!("{}.tmp-{}", sibling.display(), std::process::id()));
    fs::write(&tmp, &encoded)?;
    fs::rename(&tmp, &sibling).inspect_err(|_| {
        let _ = fs::remove_file(&tmp);
    })?;
    Ok((Some(encoded.len() as u64), true))
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> io::Result<()> {
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        let kind = entry.file_type()?;
        let path = entry.path();
        if kind.is_dir() {
            walk(&path, out)?;
        } else if kind.is_file() && !path.to_string_lossy().contains(".tmp-") {
            out.push(path);
        }
    }
    Ok(())
}

/// `NAME.br` / `NAME.gz` next to an existing `NAME`: one of ours.
fn is_sibling(path: &Path) -> bool {
    let ext = extension(&path.to_string_lossy());
    (ext == "br" || ext == "gz") && path.with_extension("").is_file()
}

fn relative(dir: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(dir).unwrap_or(path);
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

fn extension(name: &str) -> String {
    let file = name.rsplit(['/', '\\']).next().unwrap_or(name);
    file.rsplit_once('.')
        .map(|(_, ext)| ext.to_ascii_lowercase())
        .unwrap_or_default()
}

fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn percent(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        0.0
    } else {
        part as f64 * 100.0 / whole as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_dir(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("xtask-compress-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(dir.join("snippets/x")).unwrap();
        dir
    }

    fn text(n: usize) -> Vec<u8> {
        let line = b"fn main() { println!(\"forge\"); }\n";
        (0..n).map(|i| line[i % line.len()]).collect()
    }

    #[test]
    fn writes_siblings_for_compressible_files_only_and_is_idempotent() {
        let dir = temp_dir("basic");
        fs::write(dir.join("app-0123456789abcdef_bg.wasm"), text(50_000)).unwrap();
        fs::write(dir.join("index.html"), text(2_000)).unwrap();
        fs::write(dir.join("snippets/x/inline0.js"), text(4_000)).unwrap();
        fs::write(dir.join("small.js"), text(1_000)).unwrap();
        fs::write(dir.join("logo.png"), text(5_000)).unwrap();
        fs::write(dir.join("_headers"), text(5_000)).unwrap();

        let first = compress_dist(&dir).unwrap();
        let names: Vec<&str> = first.compressed().map(|f| f.path.as_str()).collect();
        assert_eq!(
            names,
            [
                "app-0123456789abcdef_bg.wasm",
                "index.html",
                "snippets/x/inline0.js"
            ]
        );
        assert!(first.compressed().all(|f| f.written));
        for name in names {
            let raw = fs::read(dir.join(name)).unwrap();
            let br = fs::read(dir.join(format!("{name}.br"))).unwrap();
            let gz = fs::read(dir.join(format!("{name}.gz"))).unwrap();
            assert_eq!(Encoding::Brotli.decode(&br, raw.len()).unwrap(), raw);
            assert_eq!(Encoding::Gzip.decode(&gz, raw.len()).unwrap(), raw);
            assert!(br.len() < raw.len() && gz.len() < raw.len());
        }
        for skipped in ["small.js", "logo.png", "_headers"] {
            assert!(!dir.join(format!("{skipped}.br")).exists(), "{skipped}");
            assert!(!dir.join(format!("{skipped}.gz")).exists(), "{skipped}");
        }
        // The report lists every file once, siblings not as files of their own.
        assert_eq!(first.files.len(), 6);
        let t = first.total();
        assert_eq!(t.raw, 50_000 + 2_000 + 4_000 + 1_000 + 5_000 + 5_000);
        assert!(t.br < t.raw && t.gz < t.raw);
        let fv = first.first_visit();
        assert_eq!(fv.files, 4, "wasm, index.html and both js");

        // Again: nothing rewritten, same sizes.
        let again = compress_dist(&dir).unwrap();
        assert!(again.files.iter().all(|f| !f.written));
        let strip = |r: &Report| {
            r.files
                .iter()
                .map(|f| (f.path.clone(), f.raw, f.gz, f.br))
                .collect::<Vec<_>>()
        };
        assert_eq!(strip(&first), strip(&again));
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn stale_siblings_are_rewritten_or_removed() {
        let dir = temp_dir("stale");
        let page = dir.join("index.html");
        fs::write(&page, text(3_000)).unwrap();
        compress_dist(&dir).unwrap();
        // New content (whatever the modification times say): rewritten.
        fs::write(&page, text(3_001)).unwrap();
        let r = compress_dist(&dir).unwrap();
        assert!(r.files[0].written);
        let br = fs::read(dir.join("index.html.br")).unwrap();
        assert_eq!(Encoding::Brotli.decode(&br, 4000).unwrap(), text(3_001));
        // Below the threshold now: the siblings go, rather than serve the old page.
        fs::write(&page, text(100)).unwrap();
        let r = compress_dist(&dir).unwrap();
        assert_eq!((r.files[0].gz, r.files[0].br), (None, None));
        assert!(!dir.join("index.html.br").exists() && !dir.join("index.html.gz").exists());
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn incompressible_data_gets_no_sibling() {
        let dir = temp_dir("noise");
        // xorshift noise: neither encoder can make it smaller.
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        let noise: Vec<u8> = (0..8_192)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                x as u8
            })
            .collect();
        fs::write(dir.join("data.json"), noise).unwrap();
        let r = compress_dist(&dir).unwrap();
        assert_eq!((r.files[0].gz, r.files[0].br), (None, None));
        assert!(!dir.join("data.json.gz").exists());
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn small_helpers() {
        assert_eq!(thousands(1_385_456), "1,385,456");
        assert_eq!(thousands(999), "999");
        assert_eq!(brotli_window(1_000), 10);
        assert_eq!(brotli_window(1_385_456), 21);
        assert_eq!(brotli_window(100 << 20), 24);
        assert_eq!(extension("a/b/forge-app_bg.WASM"), "wasm");
        assert_eq!(extension("_headers"), "");
    }
}
