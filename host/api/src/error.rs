//! `ApiError`: every way a request can fail, and the one place that maps
//! store errors to HTTP statuses and the reference's error body (API-02):
//! `{"type":"error","error":{"type":…,"message":…}}`.
//!
//! Sandbox errors (sessions, tool calls) are mapped here too: a store error
//! inside one maps as the store error would, an unknown session is 404, an
//! ended session or a bad tool request 400, wasmtime failures 500.
//!
//! Internal failures are logged in full here and answered with a stable,
//! generic message; nothing about the database reaches the client.

use axum::Json;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use memstore_sandbox::SandboxError;
use memstore_store::{ErrorKind, StoreError};

/// What clients see instead of an internal error's details.
const INTERNAL_MESSAGE: &str = "Internal server error";

/// Errors of the HTTP API.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// A store-engine call failed; its kind decides the status.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A session or tool-call call failed (see [`SandboxError`]).
    #[error(transparent)]
    Sandbox(#[from] SandboxError),
    /// The request is malformed (400 `invalid_request_error`).
    #[error("{0}")]
    InvalidRequest(String),
    /// No or an unknown API key (401 `authentication_error`).
    #[error("{0}")]
    Authentication(String),
    /// The key may not do this (403 `permission_error`).
    #[error("{0}")]
    Permission(String),
    /// No such route or object (404 `not_found_error`).
    #[error("{0}")]
    NotFound(String),
    /// The body is over the size limit (413 `request_too_large`).
    #[error("{0}")]
    TooLarge(String),
    /// The server failed; `0` is logged, never sent.
    #[error("{0}")]
    Internal(String),
}

impl ApiError {
    /// Shorthand for [`ApiError::InvalidRequest`].
    pub fn invalid(message: impl Into<String>) -> Self {
        Self::InvalidRequest(message.into())
    }

    /// HTTP status and the reference's error `type`.
    pub fn status_and_type(&self) -> (StatusCode, &'static str) {
        match self {
            Self::Store(e) => kind_status(e.kind()),
            Self::Sandbox(e) => kind_status(e.kind()),
            Self::InvalidRequest(_) => (StatusCode::BAD_REQUEST, "invalid_request_error"),
            Self::Authentication(_) => (StatusCode::UNAUTHORIZED, "authentication_error"),
            Self::Permission(_) => (StatusCode::FORBIDDEN, "permission_error"),
            Self::NotFound(_) => (StatusCode::NOT_FOUND, "not_found_error"),
            Self::TooLarge(_) => (StatusCode::PAYLOAD_TOO_LARGE, "request_too_large"),
            Self::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "api_error"),
        }
    }

    /// The whole error body.
    fn body(&self, error_type: &'static str, internal: bool) -> ErrorBody<'_> {
        let message = if internal {
            INTERNAL_MESSAGE.to_owned()
        } else {
            self.to_string()
        };
        let (conflicting_memory_id, conflicting_path) = match self {
            Self::Store(StoreError::PathConflict {
                conflicting_memory_id,
                conflicting_path,
                ..
            }) => (
                Some(conflicting_memory_id.as_str()),
                Some(conflicting_path.as_str()),
            ),
            _ => (None, None),
        };
        ErrorBody {
            kind: "error",
            error: ErrorDetail {
                error_type,
                message,
                conflicting_memory_id,
                conflicting_path,
            },
        }
    }
}

/// Whether an answer with `status` gives the client a stable message
/// instead of the error's own: server faults, except a full disk, which the
/// operator must hear about to fix.
fn hides_details(status: StatusCode) -> bool {
    status.is_server_error() && status != StatusCode::INSUFFICIENT_STORAGE
}

/// Status and error type of a kind of store or sandbox error.
fn kind_status(kind: ErrorKind) -> (StatusCode, &'static str) {
    match kind {
        ErrorKind::NotFound => (StatusCode::NOT_FOUND, "not_found_error"),
        // STORE-03: archived stores answer 400, like the reference.
        ErrorKind::Invalid | ErrorKind::ReadOnly | ErrorKind::CapacityExceeded => {
            (StatusCode::BAD_REQUEST, "invalid_request_error")
        }
        ErrorKind::PathConflict => (StatusCode::CONFLICT, "memory_path_conflict_error"),
        ErrorKind::PreconditionFailed => (StatusCode::CONFLICT, "memory_precondition_failed_error"),
        // Not the server's fault and not secret: the operator must free space.
        ErrorKind::StorageFull => (StatusCode::INSUFFICIENT_STORAGE, "api_error"),
        ErrorKind::Internal => (StatusCode::INTERNAL_SERVER_ERROR, "api_error"),
    }
}

/// `{"type":"error","error":{…}}`, fields in the reference's order.
#[derive(Debug, Serialize)]
struct ErrorBody<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    error: ErrorDetail<'a>,
}

/// The `error` object; path conflicts name the memory in the way (MEM-04).
#[derive(Debug, Serialize)]
struct ErrorDetail<'a> {
    #[serde(rename = "type")]
    error_type: &'static str,
    message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    conflicting_memory_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    conflicting_path: Option<&'a str>,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, error_type) = self.status_and_type();
        let internal = hides_details(status);
        if internal {
            // The full chain goes to the log; the client gets a stable message.
            tracing::error!(error = %ErrorChain(&self), "request failed");
        } else {
            tracing::debug!(error = %self, status = status.as_u16(), "request refused");
        }
        let mut response = (status, Json(self.body(error_type, internal))).into_response();
        // The SDK retries 409s and 5xx unless told otherwise; a conflict or a
        // precondition failure will not change by retrying the same request.
        if status.is_client_error()
            && status != StatusCode::TOO_MANY_REQUESTS
            && status != StatusCode::REQUEST_TIMEOUT
        {
            response
                .headers_mut()
                .insert("x-should-retry", HeaderValue::from_static("false"));
        }
        response
    }
}

/// Displays an error with all its sources, for the log.
struct ErrorChain<'a>(&'a dyn std::error::Error);

impl std::fmt::Display for ErrorChain<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)?;
        let mut source = self.0.source();
        while let Some(e) = source {
            write!(f, ": {e}")?;
            source = e.source();
        }
        Ok(())
    }
}

/// Result of a handler.
pub type ApiResult<T> = Result<T, ApiError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_02_path_conflict_body_names_the_conflicting_memory() {
        let e = ApiError::Store(StoreError::PathConflict {
            path: "/a/b".into(),
            conflicting_memory_id: "mem_1".into(),
            conflicting_path: "/a".into(),
        });
        let (status, t) = e.status_and_type();
        assert_eq!(status, StatusCode::CONFLICT);
        let body = serde_json::to_value(e.body(t, false)).unwrap();
        assert_eq!(body["type"], "error");
        assert_eq!(body["error"]["type"], "memory_path_conflict_error");
        assert_eq!(body["error"]["conflicting_memory_id"], "mem_1");
        assert_eq!(body["error"]["conflicting_path"], "/a");
    }

    #[test]
    fn api_04_sandbox_errors_map_like_their_causes() {
        let status = |e: SandboxError| ApiError::from(e).status_and_type();
        assert_eq!(
            status(SandboxError::SessionNotFound("sesn_x".into())),
            (StatusCode::NOT_FOUND, "not_found_error")
        );
        assert_eq!(
            status(SandboxError::SessionEnded("sesn_x".into())),
            (StatusCode::BAD_REQUEST, "invalid_request_error")
        );
        assert_eq!(
            status(SandboxError::invalid("tool", "unknown")),
            (StatusCode::BAD_REQUEST, "invalid_request_error")
        );
        assert_eq!(
            status(SandboxError::Store(StoreError::StoreNotFound("m".into()))),
            (StatusCode::NOT_FOUND, "not_found_error")
        );
    }

    #[test]
    fn api_02_a_full_disk_is_a_507_that_says_so() {
        let e = ApiError::Store(StoreError::DiskFull {
            context: "committing",
        });
        let (status, t) = e.status_and_type();
        assert_eq!(status, StatusCode::INSUFFICIENT_STORAGE);
        assert!(!hides_details(status));
        let message = e.body(t, hides_details(status)).error.message;
        assert!(
            message.starts_with("disk full while committing"),
            "{message}"
        );
    }

    #[test]
    fn api_02_internal_errors_answer_a_stable_message() {
        let e = ApiError::Store(StoreError::Corrupt("secret detail".into()));
        let (status, t) = e.status_and_type();
        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(
            e.body(t, hides_details(status)).error.message,
            INTERNAL_MESSAGE
        );
    }
}
