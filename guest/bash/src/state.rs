//! The shell's state between calls (TOOL-06): working directory, exported
//! and shell variables, arrays, functions, aliases, traps and options, as a
//! JSON object the host saves with the session and hands back to the next
//! call. The wasm instance does not survive a call; this does.
//!
//! The saved form is canonical — object keys sorted, values that every
//! command changes left out — so a call that changed nothing hands back the
//! very same text and the host need not write it. Filesystem contents are
//! never part of it: memories live in the store, and `/tmp` is scratch.

use bashkit::{Bash, ShellState};
use serde::Deserialize as _;
use serde_json::Value;

/// Variables the shell updates on its own with every command; keeping them
/// would make every call's state look new. `$?` is reset to 0 and
/// `PIPESTATUS` to `(0)`: after each command the reference shell runs its
/// own `printf`, so that is what the next command sees.
const VOLATILE: &[&str] = &[
    "_",
    "BASH_COMMAND",
    "LINENO",
    "SECONDS",
    "RANDOM",
    "SRANDOM",
];

/// The `set -o` options that carry over between calls, with the variable
/// bashkit keeps each in and whether it is on in a fresh shell. bashkit
/// treats them (and traps) as per-`exec` and clears them as each `exec`
/// starts, where the reference's persistent `/bin/bash` keeps them; so a
/// call replays them first ([`prelude`]). Left out: the interactive editing
/// modes, and `noexec`/`onecmd`, which would stop the call's own script.
/// `xtrace` comes last, so the replay itself is not traced.
const SET_OPTIONS: &[(&str, &str, bool)] = &[
    ("allexport", "SHOPT_a", false),
    ("braceexpand", "SHOPT_B", true),
    ("errexit", "SHOPT_e", false),
    ("errtrace", "SHOPT_E", false),
    ("functrace", "SHOPT_T", false),
    ("hashall", "SHOPT_h", true),
    ("keyword", "SHOPT_k", false),
    ("noclobber", "SHOPT_C", false),
    ("noglob", "SHOPT_f", false),
    ("nounset", "SHOPT_u", false),
    ("physical", "SHOPT_P", false),
    ("pipefail", "SHOPT_pipefail", false),
    ("posix", "SHOPT_posix", false),
    ("verbose", "SHOPT_v", false),
    ("xtrace", "SHOPT_x", false),
];

/// Why a saved state could not be restored.
#[derive(Debug)]
pub struct StateError(pub String);

impl std::fmt::Display for StateError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "the saved shell state cannot be restored: {}", self.0)
    }
}

/// The interpreter's state as the canonical JSON object to save.
pub fn save(bash: &Bash) -> Value {
    let mut state = bash.shell_state();
    state.last_exit_code = 0;
    for name in VOLATILE {
        state.variables.remove(*name);
        state.env.remove(*name);
    }
    // Likewise the next command of the reference sees `PIPESTATUS` of its
    // framing's `printf`: one stage, status 0.
    state
        .arrays
        .insert("PIPESTATUS".into(), [(0, "0".to_owned())].into());
    // `serde_json::Value` keeps object keys sorted (no `preserve_order`), so
    // equal states give equal text whatever the hash maps' order was.
    serde_json::to_value(&state).unwrap_or(Value::Null)
}

/// Shell code that sets the saved `set -o` options and traps again, to run
/// before the command (bashkit clears them at each run). Trap commands are quoted, and
/// only signal names made of letters, digits and `+`/`-` are replayed, so
/// nothing in the saved state is run except as the trap it was.
pub fn prelude(saved: &Value) -> String {
    let mut out = String::new();
    let variables = &saved["variables"];
    let traps = saved["traps"].as_object().into_iter().flatten();
    for (signal, command) in traps {
        let Some(command) = command.as_str() else {
            continue;
        };
        if !signal.is_empty()
            && signal
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '+' || c == '-')
        {
            out.push_str(&format!("trap -- {} {signal}\n", quote(command)));
        }
    }
    for (name, var, default_on) in SET_OPTIONS {
        match (variables[*var].as_str(), default_on) {
            (Some("1"), false) => out.push_str(&format!("set -o {name}\n")),
            (Some("0"), true) => out.push_str(&format!("set +o {name}\n")),
            _ => {}
        }
    }
    out
}

/// `text` as one single-quoted shell word.
fn quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', "'\\''"))
}

/// Puts a state saved by [`save`] back into a fresh interpreter.
///
/// # Errors
/// The text is not a state this version of the shell can read; the caller
/// starts from a fresh shell and says so.
pub fn restore(bash: &mut Bash, saved: &Value) -> Result<(), StateError> {
    // (Options and traps are replayed by [`prelude`]: `exec` clears them.)
    let state = ShellState::deserialize(saved).map_err(|e| StateError(e.to_string()))?;
    bash.restore_shell_state(&state);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tool_06_options_and_traps_are_replayed_quoted() {
        let saved = serde_json::json!({
            "variables": {"SHOPT_pipefail": "1", "SHOPT_B": "0", "SHOPT_u": "0"},
            "traps": {"ERR": "echo 'it failed'", "EXIT; rm -rf x": "echo no"},
        });
        assert_eq!(
            prelude(&saved),
            "trap -- 'echo '\\''it failed'\\''' ERR\nset +o braceexpand\nset -o pipefail\n"
        );
    }
}
