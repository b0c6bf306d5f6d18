//! `edit {file_path, old_string, new_string, replace_all?}`: exact string
//! replacement, written with the read's content hash as precondition and
//! re-applied once if another writer changed the file meanwhile (TOOL-05).

use std::fs;

use super::{io_error, require_writable, resolve};
use crate::Session;
use crate::protocol::{Input, ToolError, ToolOutcome, fail};
use crate::store::StoreError;
use crate::update::{UpdateError, update};

/// Runs `edit` on its JSON input.
pub fn run(session: &Session, input: &str) -> ToolOutcome {
    let input = Input::parse("edit", input)?;
    let file_path = input.str("file_path")?;
    let old = input.str("old_string")?;
    let new = input.str("new_string")?;
    let replace_all = input.opt_bool("replace_all")?.unwrap_or(false);
    let target = resolve(session, "edit", file_path)?;
    require_writable(session, "edit", &target, file_path)?;
    let meta = fs::metadata(&target).map_err(|e| io_error("edit", file_path, &e))?;
    if !meta.is_file() {
        return fail(format!("edit: {file_path}: not a regular file"));
    }
    let store_error = |e: StoreError| ToolError(format!("edit: {file_path}: {e}"));
    let (_, replaced) = update(session.store, &target, |text| {
        replace(text, old, new, replace_all, file_path)
    })
    .map_err(|e| match e {
        UpdateError::Read(e) | UpdateError::Write(e) => store_error(e),
        UpdateError::Apply(e) => e,
        UpdateError::Raced => ToolError(format!(
            "edit: {file_path} was changed by another writer during the edit and \
                 old_string no longer matches as required; read the file again and retry"
        )),
    })?;
    Ok(format!("edited {file_path} ({replaced} replacement(s))"))
}

/// The edited text and the number of replacements made.
fn replace(
    text: &str,
    old: &str,
    new: &str,
    replace_all: bool,
    file_path: &str,
) -> Result<(String, usize), ToolError> {
    let count = text.matches(old).count();
    if count == 0 {
        return fail(format!("edit: old_string not found in {file_path}"));
    }
    if !replace_all && count > 1 {
        return fail(format!(
            "edit: old_string appears {count} times in {file_path} (must be unique)"
        ));
    }
    if replace_all {
        Ok((text.replace(old, new), count))
    } else {
        Ok((text.replacen(old, new, 1), 1))
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::Session;
    use crate::testing::{Interfering, Sandbox};

    #[test]
    fn tool_03_edit_reports_replacement_count() {
        let sb = Sandbox::new();
        let path = sb.file("notes", "a.md", "a b a b a");
        let r = sb.run(
            "edit",
            json!({"file_path": path, "old_string": "a", "new_string": "c", "replace_all": true}),
        );
        assert!(!r.is_error, "{}", r.content);
        assert_eq!(r.content, format!("edited {path} (3 replacement(s))"));
        assert_eq!(sb.read(&path), "c b c b c");
        let r = sb.run(
            "edit",
            json!({"file_path": path, "old_string": "b c b", "new_string": "x"}),
        );
        assert_eq!(r.content, format!("edited {path} (1 replacement(s))"));
        assert_eq!(sb.read(&path), "c x c");
    }

    #[test]
    fn tool_03_edit_refuses_missing_and_ambiguous_old_string() {
        let sb = Sandbox::new();
        let path = sb.file("notes", "a.md", "x y x");
        let r = sb.run(
            "edit",
            json!({"file_path": "notes/a.md", "old_string": "z", "new_string": ""}),
        );
        assert!(r.is_error);
        assert_eq!(r.content, "edit: old_string not found in notes/a.md");
        let r = sb.run(
            "edit",
            json!({"file_path": "notes/a.md", "old_string": "x", "new_string": ""}),
        );
        assert_eq!(
            r.content,
            "edit: old_string appears 2 times in notes/a.md (must be unique)"
        );
        assert_eq!(sb.read(&path), "x y x");
    }

    #[test]
    fn tool_03_edit_missing_file_and_read_only_mount() {
        let sb = Sandbox::new();
        let r = sb.run(
            "edit",
            json!({"file_path": "notes/no.md", "old_string": "a", "new_string": "b"}),
        );
        assert_eq!(r.content, "edit: notes/no.md: no such file or directory");
        sb.file("docs", "a.md", "a");
        let r = sb.run(
            "edit",
            json!({"file_path": "docs/a.md", "old_string": "a", "new_string": "b"}),
        );
        assert_eq!(
            r.content,
            format!(
                "edit: docs/a.md is inside read-only directory {}",
                sb.mount("docs")
            )
        );
        assert!(r.is_error);
    }

    #[test]
    fn tool_05_edit_reapplies_once_after_concurrent_change() {
        let sb = Sandbox::new();
        let path = sb.file("notes", "a.md", "alpha\nbeta\n");
        let store = Interfering::new(
            sb.store(),
            vec![(path.clone(), "alpha\nbeta\ngamma\n".into())],
        );
        let session = Session::new(&store, &sb.root(), None);
        let input = json!({"file_path": path, "old_string": "beta", "new_string": "BETA"});
        let r = session.run("edit", &input.to_string());
        assert!(!r.is_error, "{}", r.content);
        assert_eq!(sb.read(&path), "alpha\nBETA\ngamma\n");
    }

    #[test]
    fn tool_05_edit_gives_up_when_the_change_makes_it_ambiguous() {
        let sb = Sandbox::new();
        let path = sb.file("notes", "a.md", "alpha\nbeta\n");
        let store = Interfering::new(sb.store(), vec![(path.clone(), "beta\nbeta\n".into())]);
        let session = Session::new(&store, &sb.root(), None);
        let input = json!({"file_path": path, "old_string": "beta", "new_string": "BETA"});
        let r = session.run("edit", &input.to_string());
        assert!(r.is_error);
        assert!(
            r.content.contains("was changed by another writer"),
            "{}",
            r.content
        );
        assert!(r.content.ends_with("read the file again and retry"));
        assert_eq!(sb.read(&path), "beta\nbeta\n");
    }

    #[test]
    fn tool_05_edit_gives_up_after_losing_twice() {
        let sb = Sandbox::new();
        let path = sb.file("notes", "a.md", "beta\n");
        let meddle = vec![
            (path.clone(), "beta 1\n".into()),
            (path.clone(), "beta 2\n".into()),
        ];
        let store = Interfering::new(sb.store(), meddle);
        let session = Session::new(&store, &sb.root(), None);
        let input = json!({"file_path": path, "old_string": "beta", "new_string": "BETA"});
        let r = session.run("edit", &input.to_string());
        assert!(r.is_error);
        assert_eq!(sb.read(&path), "beta 2\n");
    }
}
