//! How commands print: JSON objects with the API's field names under
//! `--json`, short human text otherwise. Results go to stdout; errors and
//! logs to stderr.

use std::io::Write;

use serde::Serialize;

/// Output settings of one run.
#[derive(Debug, Clone, Copy)]
pub struct Output {
    /// Print JSON instead of text.
    pub json: bool,
}

impl Output {
    /// Prints `value` as JSON, or the text `human` renders from it.
    pub fn print<T: Serialize>(&self, value: &T, human: impl FnOnce(&T) -> String) {
        if self.json {
            print_json(value);
        } else {
            let text = human(value);
            if !text.is_empty() {
                print_line(text.trim_end_matches('\n'));
            }
        }
    }
}

/// Prints `value` as pretty JSON on stdout (see [`write_stdout`]).
pub fn print_json<T: Serialize>(value: &T) {
    print_line(&serde_json::to_string_pretty(value).expect("output types serialise"));
}

/// Prints `text` and a newline on stdout (see [`write_stdout`]).
pub fn print_line(text: &str) {
    write_stdout(format!("{text}\n").as_bytes());
}

/// Writes `bytes` to stdout. When the reader has gone (`memstore … | head`),
/// the run ends quietly with success, as ripgrep's does: the work is done and
/// committed, only the rest of its report is unwanted; `println!` would
/// panic with a backtrace instead. Any other failure to write ends the run
/// with exit code 1 and says why.
pub fn write_stdout(bytes: &[u8]) {
    let mut out = std::io::stdout().lock();
    match out.write_all(bytes).and_then(|()| out.flush()) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => std::process::exit(0),
        Err(e) => {
            eprintln!("memstore: cannot write the output: {e}");
            std::process::exit(1)
        }
    }
}
