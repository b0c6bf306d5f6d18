//! What a `bash` result says, exactly as the reference tool says it
//! (TOOL-06): the agent toolset's `bash` (anthropic ≥ 2.15.0,
//! `agent_toolset.BashSession.exec`) reads the command's combined output up
//! to its exit-status sentinel, keeps the last 100 KiB of that stream, then
//! decodes it (bad UTF-8 becomes U+FFFD), strips ANSI escapes and trailing
//! newlines, and puts `[output truncated]\n` in front when it cut.

/// Bytes of the output stream the reference keeps (`BASH_OUTPUT_LIMIT`).
pub const OUTPUT_LIMIT: usize = 100 * 1024;

/// Put in front of an output that was cut to its tail.
pub const TRUNCATED_PREFIX: &str = "[output truncated]\n";

/// Length of the reference's end-of-command sentinel line before the exit
/// status: `\n__ANT_CMD_<32 hex>_DONE__`. It shares the 100 KiB window with
/// the output, so a long output keeps that much less of its tail.
const SENTINEL_BYTES: usize = 1 + "__ANT_CMD_".len() + 32 + "_DONE__".len();

/// The result text of a command that printed `raw` (stdout and stderr
/// interleaved) and exited with `status`.
pub fn render(raw: &[u8], status: i32) -> String {
    // The window holds the output, the sentinel, the status and a newline.
    let trailer = SENTINEL_BYTES + status.to_string().len() + 1;
    let keep = OUTPUT_LIMIT.saturating_sub(trailer);
    let (kept, truncated) = if raw.len() + trailer > OUTPUT_LIMIT {
        (&raw[raw.len() - keep.min(raw.len())..], true)
    } else {
        (raw, false)
    };
    let text = strip_ansi(&String::from_utf8_lossy(kept));
    let text = text.trim_end_matches('\n');
    if truncated {
        format!("{TRUNCATED_PREFIX}{text}")
    } else {
        text.to_owned()
    }
}

/// The result text of a command that ended the shell (`exit`): the
/// reference never sees its end-of-command sentinel, so it keeps the last
/// 100 KiB as they are, without a marker, and trims whitespace at both ends.
pub fn render_exited(raw: &[u8]) -> String {
    let kept = &raw[raw.len().saturating_sub(OUTPUT_LIMIT)..];
    strip_ansi(&String::from_utf8_lossy(kept)).trim().to_owned()
}

/// Removes what the reference's `\x1b\[[0-9;?]*[ -/]*[@-~]` matches: CSI
/// sequences (colours, cursor moves). An `ESC [` that does not complete one
/// stays as it is.
pub fn strip_ansi(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find("\x1b[") {
        out.push_str(&rest[..i]);
        let after = &rest[i + 2..];
        let params = after
            .find(|c: char| !(c.is_ascii_digit() || c == ';' || c == '?'))
            .unwrap_or(after.len());
        let inter = after[params..]
            .find(|c: char| !(' '..='/').contains(&c))
            .map_or(after.len(), |n| params + n);
        match after[inter..].chars().next() {
            Some(c) if ('@'..='~').contains(&c) => rest = &after[inter + 1..],
            _ => {
                out.push('\x1b');
                rest = &rest[i + 1..];
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tool_06_trailing_newlines_go_and_leading_ones_stay() {
        assert_eq!(render(b"\nhello\n\n", 0), "\nhello");
        assert_eq!(render(b"", 0), "");
    }

    #[test]
    fn tool_06_a_shell_that_exited_answers_its_output_trimmed() {
        assert_eq!(render_exited(b"  before\n\n"), "before");
    }

    #[test]
    fn tool_06_ansi_escapes_are_stripped() {
        assert_eq!(strip_ansi("\x1b[1;31mred\x1b[0m \x1b[?25h!"), "red !");
        assert_eq!(strip_ansi("a\x1b[12"), "a\x1b[12");
        assert_eq!(strip_ansi("\x1b[\x1b[2Jx"), "\x1b[x");
    }

    #[test]
    fn tool_06_long_output_keeps_its_tail_after_a_marker() {
        let raw: Vec<u8> = (0..200_000u32).map(|i| b'a' + (i % 26) as u8).collect();
        let text = render(&raw, 0);
        let body = text.strip_prefix(TRUNCATED_PREFIX).expect("marker");
        assert_eq!(body.len(), OUTPUT_LIMIT - SENTINEL_BYTES - 2);
        assert!(raw.ends_with(body.as_bytes()));
    }

    #[test]
    fn tool_06_output_that_fits_is_not_marked() {
        let raw = vec![b'x'; OUTPUT_LIMIT - SENTINEL_BYTES - 2];
        assert!(!render(&raw, 0).starts_with('['));
        let raw = vec![b'x'; OUTPUT_LIMIT - SENTINEL_BYTES - 1];
        assert!(render(&raw, 0).starts_with(TRUNCATED_PREFIX));
    }
}
