//! The call protocol between host and component: `argv = [program, TOOL,
//! JSON_INPUT]` in, exactly one `{"content": …, "is_error": …}` object out.
//!
//! Also the typed access to the input object that every tool uses, so that
//! missing or mistyped fields get one consistent message
//! (`read: missing required field file_path`).

use std::fmt;

use serde_json::{Map, Value};

/// A tool's failure: the text the agent sees in a result with `is_error`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ToolError(pub String);

impl fmt::Display for ToolError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A successful tool's result text, or the error the agent should see.
pub type ToolOutcome = Result<String, ToolError>;

/// Shorthand for an `Err` outcome.
pub fn fail<T>(message: impl Into<String>) -> Result<T, ToolError> {
    Err(ToolError(message.into()))
}

/// What the component prints on stdout for one tool call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ToolResult {
    /// Result text for the agent.
    pub content: String,
    /// Whether `content` describes a failure.
    pub is_error: bool,
}

impl ToolResult {
    /// The single JSON object the host parses.
    pub fn to_json(&self) -> String {
        serde_json::json!({ "content": self.content, "is_error": self.is_error }).to_string()
    }
}

impl From<ToolOutcome> for ToolResult {
    fn from(outcome: ToolOutcome) -> Self {
        match outcome {
            Ok(content) => ToolResult {
                content,
                is_error: false,
            },
            Err(ToolError(content)) => ToolResult {
                content,
                is_error: true,
            },
        }
    }
}

/// The parsed JSON input object of one tool call, with the name of the tool
/// (or memory command) used to prefix error messages.
pub struct Input {
    label: String,
    fields: Map<String, Value>,
}

impl Input {
    /// Parses `json`, which must be a JSON object.
    ///
    /// # Errors
    /// A message naming `label` when `json` is not valid JSON or not an object.
    pub fn parse(label: &str, json: &str) -> Result<Input, ToolError> {
        match serde_json::from_str::<Value>(json) {
            Ok(Value::Object(fields)) => Ok(Input {
                label: label.to_string(),
                fields,
            }),
            Ok(_) => fail(format!("{label}: input must be a JSON object")),
            Err(e) => fail(format!("{label}: invalid JSON input: {e}")),
        }
    }

    /// The same fields, reported under another label (a memory command).
    pub fn relabel(self, label: &str) -> Input {
        Input {
            label: label.to_string(),
            fields: self.fields,
        }
    }

    fn present(&self, name: &str) -> Option<&Value> {
        self.fields.get(name).filter(|v| !v.is_null())
    }

    fn missing(&self, name: &str) -> ToolError {
        ToolError(format!("{}: missing required field {name}", self.label))
    }

    fn mistyped(&self, name: &str, what: &str) -> ToolError {
        ToolError(format!("{}: field {name} must be {what}", self.label))
    }

    /// A required string field.
    ///
    /// # Errors
    /// When the field is absent, `null` or not a string.
    pub fn str(&self, name: &str) -> Result<&str, ToolError> {
        self.opt_str(name)?.ok_or_else(|| self.missing(name))
    }

    /// An optional string field.
    ///
    /// # Errors
    /// When the field is present but not a string.
    pub fn opt_str(&self, name: &str) -> Result<Option<&str>, ToolError> {
        match self.present(name) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(_) => Err(self.mistyped(name, "a string")),
        }
    }

    /// An optional boolean field.
    ///
    /// # Errors
    /// When the field is present but not a boolean.
    pub fn opt_bool(&self, name: &str) -> Result<Option<bool>, ToolError> {
        match self.present(name) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(_) => Err(self.mistyped(name, "a boolean")),
        }
    }

    /// A required integer field.
    ///
    /// # Errors
    /// When the field is absent, `null` or not an integer.
    pub fn int(&self, name: &str) -> Result<i64, ToolError> {
        match self.present(name) {
            None => Err(self.missing(name)),
            Some(v) => v.as_i64().ok_or_else(|| self.mistyped(name, "an integer")),
        }
    }

    /// An optional list of integers (`view_range`).
    ///
    /// # Errors
    /// When the field is present but not a list of integers.
    pub fn opt_ints(&self, name: &str) -> Result<Option<Vec<i64>>, ToolError> {
        let Some(value) = self.present(name) else {
            return Ok(None);
        };
        let bad = || self.mistyped(name, "a list of integers");
        let items = value.as_array().ok_or_else(bad)?;
        items
            .iter()
            .map(|v| v.as_i64().ok_or_else(bad))
            .collect::<Result<_, _>>()
            .map(Some)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tool_result_serialises_to_one_object() {
        let r = ToolResult {
            content: "a\"b\n".into(),
            is_error: true,
        };
        assert_eq!(r.to_json(), r#"{"content":"a\"b\n","is_error":true}"#);
    }

    #[test]
    fn input_reports_missing_and_mistyped_fields() {
        let input = Input::parse("read", r#"{"file_path": 3, "x": null}"#).unwrap();
        assert_eq!(
            input.str("file_path").unwrap_err().0,
            "read: field file_path must be a string"
        );
        assert_eq!(
            input.str("x").unwrap_err().0,
            "read: missing required field x"
        );
        assert_eq!(input.opt_bool("y").unwrap(), None);
    }

    #[test]
    fn input_rejects_non_objects_and_bad_json() {
        assert_eq!(
            Input::parse("glob", "[]").err().unwrap().0,
            "glob: input must be a JSON object"
        );
        assert!(
            Input::parse("glob", "{")
                .err()
                .unwrap()
                .0
                .starts_with("glob: invalid JSON input: ")
        );
    }

    #[test]
    fn input_reads_integer_lists() {
        let input = Input::parse("read", r#"{"view_range": [1, -1], "bad": [1, "x"]}"#).unwrap();
        assert_eq!(input.opt_ints("view_range").unwrap(), Some(vec![1, -1]));
        assert!(input.opt_ints("bad").is_err());
    }
}
