//! How commands print: JSON objects with the API's field names under
//! `--json`, short human text otherwise. Results go to stdout; errors and
//! logs to stderr.

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
            println!(
                "{}",
                serde_json::to_string_pretty(value).expect("output types serialise")
            );
        } else {
            let text = human(value);
            if !text.is_empty() {
                println!("{}", text.trim_end_matches('\n'));
            }
        }
    }
}
