//! Memory paths (MEM-03) and the path arithmetic behind conflicts (MEM-04) and
//! listings (MEM-08).
//!
//! A path is validated once, at the edge of the engine, and rejected rather
//! than rewritten: silently normalising a path would let two spellings of one
//! name coexist in an agent's mind but not in the store.

use std::fmt;

use unicode_normalization::is_nfc;
use unicode_properties::{GeneralCategory, UnicodeGeneralCategory};

use crate::limits::{MAX_PATH_BYTES, MAX_PATH_SEGMENTS};

/// Which path rule a path broke.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathError {
    /// Does not start with `/`.
    NotAbsolute,
    /// Has no segment at all (`/`).
    NoSegments,
    /// Has an empty segment (`//` or a trailing `/`).
    EmptySegment,
    /// Has a `.` or `..` segment.
    DotSegment,
    /// Has more than 20 segments.
    TooManySegments(usize),
    /// Is longer than 1,024 bytes.
    TooLong(usize),
    /// Contains a control character (including NUL).
    ControlCharacter(char),
    /// Contains a Unicode format character or a line/paragraph separator.
    FormatCharacter(char),
    /// Is not in Unicode Normalization Form C.
    NotNfc,
    /// A directory prefix that does not end with `/`.
    PrefixWithoutTrailingSlash,
}

impl fmt::Display for PathError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotAbsolute => write!(f, "paths must start with '/'"),
            Self::NoSegments => write!(f, "a path needs at least one segment after '/'"),
            Self::EmptySegment => write!(f, "empty segment ('//' or a trailing '/')"),
            Self::DotSegment => write!(f, "'.' and '..' segments are not allowed"),
            Self::TooManySegments(n) => {
                write!(f, "{n} segments; at most {MAX_PATH_SEGMENTS} are allowed")
            }
            Self::TooLong(n) => write!(f, "{n} bytes; at most {MAX_PATH_BYTES} are allowed"),
            Self::ControlCharacter(c) => {
                write!(
                    f,
                    "control character U+{:04X} is not allowed",
                    u32::from(*c)
                )
            }
            Self::FormatCharacter(c) => {
                write!(f, "format character U+{:04X} is not allowed", u32::from(*c))
            }
            Self::NotNfc => write!(
                f,
                "not in Unicode Normalization Form C; normalise it (NFC) before writing"
            ),
            Self::PrefixWithoutTrailingSlash => write!(f, "a path prefix must end with '/'"),
        }
    }
}

impl std::error::Error for PathError {}

/// Checks a memory path against every rule of MEM-03.
///
/// # Errors
/// The first rule the path breaks, cheapest checks first.
pub fn validate(path: &str) -> Result<(), PathError> {
    if path.len() > MAX_PATH_BYTES {
        return Err(PathError::TooLong(path.len()));
    }
    let rest = path.strip_prefix('/').ok_or(PathError::NotAbsolute)?;
    if rest.is_empty() {
        return Err(PathError::NoSegments);
    }
    let mut count = 0;
    for segment in rest.split('/') {
        count += 1;
        match segment {
            "" => return Err(PathError::EmptySegment),
            "." | ".." => return Err(PathError::DotSegment),
            _ => {}
        }
    }
    if count > MAX_PATH_SEGMENTS {
        return Err(PathError::TooManySegments(count));
    }
    check_characters(path)
}

/// Checks a directory prefix for listings: `/`, or a valid path plus `/`.
///
/// # Errors
/// [`PathError::PrefixWithoutTrailingSlash`] or the rule the directory breaks.
pub fn validate_prefix(prefix: &str) -> Result<(), PathError> {
    if prefix == "/" {
        return Ok(());
    }
    let dir = prefix
        .strip_suffix('/')
        .ok_or(PathError::PrefixWithoutTrailingSlash)?;
    validate(dir)
}

fn check_characters(path: &str) -> Result<(), PathError> {
    for c in path.chars() {
        if c.is_control() {
            return Err(PathError::ControlCharacter(c));
        }
        if matches!(
            c.general_category(),
            GeneralCategory::Format
                | GeneralCategory::LineSeparator
                | GeneralCategory::ParagraphSeparator
        ) {
            return Err(PathError::FormatCharacter(c));
        }
    }
    if !is_nfc(path) {
        return Err(PathError::NotNfc);
    }
    Ok(())
}

/// The proper ancestors of a valid path, shortest first: `/a/b/c` → `/a`, `/a/b`.
pub fn ancestors(path: &str) -> impl Iterator<Item = &str> {
    path.match_indices('/')
        .skip(1)
        .map(move |(i, _)| &path[..i])
}

/// The half-open byte range `[lo, hi)` holding every path strictly below the
/// directory `dir` (given with or without its trailing `/`).
///
/// Paths compare as UTF-8 bytes; `'0'` is the byte after `'/'`, so every path
/// starting with `dir/` sorts in `[dir/, dir0)`.
pub fn subtree_range(dir: &str) -> (String, String) {
    let dir = dir.strip_suffix('/').unwrap_or(dir);
    (format!("{dir}/"), format!("{dir}0"))
}

/// The number of segments of a valid path or prefix (`/` has 0, `/a/b/` has 2).
pub fn depth(path: &str) -> usize {
    path.trim_end_matches('/').matches('/').count()
}

/// Cuts `path` (below `prefix`) to at most `levels` segments below `prefix`.
/// Returns `None` when the path is no deeper than that, else the directory
/// prefix (with its trailing `/`) that stands for it in a depth-limited listing.
pub fn rollup<'a>(path: &'a str, prefix: &str, levels: usize) -> Option<&'a str> {
    let below = &path[prefix.len()..];
    let (cut, _) = below.match_indices('/').nth(levels - 1)?;
    Some(&path[..prefix.len() + cut + 1])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mem_03_accepts_ordinary_paths() {
        for p in [
            "/a",
            "/notes/todo.md",
            "/ünïcödé/ok",
            "/a b/c-d_e.f",
            "/.hidden",
        ] {
            assert_eq!(validate(p), Ok(()), "{p}");
        }
    }

    #[test]
    fn mem_03_rejects_each_rule() {
        let cases: &[(&str, PathError)] = &[
            ("a/b", PathError::NotAbsolute),
            ("", PathError::NotAbsolute),
            ("/", PathError::NoSegments),
            ("/a//b", PathError::EmptySegment),
            ("/a/", PathError::EmptySegment),
            ("/a/./b", PathError::DotSegment),
            ("/a/..", PathError::DotSegment),
            ("/a\0b", PathError::ControlCharacter('\0')),
            ("/a\nb", PathError::ControlCharacter('\n')),
            ("/a\u{200B}b", PathError::FormatCharacter('\u{200B}')),
            ("/a\u{2028}b", PathError::FormatCharacter('\u{2028}')),
            ("/a\u{2029}b", PathError::FormatCharacter('\u{2029}')),
            ("/a\u{FEFF}", PathError::FormatCharacter('\u{FEFF}')),
            ("/cafe\u{301}", PathError::NotNfc),
        ];
        for (path, want) in cases {
            assert_eq!(validate(path).as_ref(), Err(want), "{path:?}");
        }
    }

    #[test]
    fn mem_03_segment_and_byte_limits() {
        let twenty = "/s".repeat(20);
        assert_eq!(validate(&twenty), Ok(()));
        assert_eq!(
            validate(&"/s".repeat(21)),
            Err(PathError::TooManySegments(21))
        );
        let long = format!("/{}", "x".repeat(1023));
        assert_eq!(validate(&long), Ok(()));
        let too_long = format!("/{}", "x".repeat(1024));
        assert_eq!(validate(&too_long), Err(PathError::TooLong(1025)));
    }

    #[test]
    fn mem_08_prefixes_end_with_slash() {
        assert_eq!(validate_prefix("/"), Ok(()));
        assert_eq!(validate_prefix("/a/b/"), Ok(()));
        assert_eq!(
            validate_prefix("/a/b"),
            Err(PathError::PrefixWithoutTrailingSlash)
        );
        assert_eq!(validate_prefix("/a//"), Err(PathError::EmptySegment));
    }

    #[test]
    fn mem_04_ancestors_and_subtree() {
        assert_eq!(ancestors("/a/b/c").collect::<Vec<_>>(), ["/a", "/a/b"]);
        assert!(ancestors("/a").next().is_none());
        let (lo, hi) = subtree_range("/a/b");
        assert!(lo.as_str() <= "/a/b/x" && "/a/b/x" < hi.as_str());
        assert!(!(lo.as_str() <= "/a/b-x" && "/a/b-x" < hi.as_str()));
        assert!(!(lo.as_str() <= "/a/bc" && "/a/bc" < hi.as_str()));
    }

    #[test]
    fn mem_08_rollup_cuts_to_depth() {
        assert_eq!(rollup("/a/b/c", "/", 1), Some("/a/"));
        assert_eq!(rollup("/a", "/", 1), None);
        assert_eq!(rollup("/a/b/c", "/a/", 1), Some("/a/b/"));
        assert_eq!(rollup("/a/b/c", "/", 2), Some("/a/b/"));
        assert_eq!(rollup("/a/b", "/", 2), None);
        assert_eq!(depth("/a/b/"), 2);
        assert_eq!(depth("/"), 0);
    }
}
