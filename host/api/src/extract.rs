//! Extractors that turn bad input into `invalid_request_error` (SEC-05):
//! axum's own rejections (plain-text bodies, 415/422 statuses) never reach
//! a client. Also the helper that runs blocking engine calls.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use super::error::{ApiError, ApiResult};

/// A JSON request body. Invalid UTF-8, malformed JSON, wrong types and
/// unknown fields (request types deny them) are 400; an oversized body is 413.
pub struct JsonBody<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> ApiResult<Self> {
        let bytes = Bytes::from_request(req, state).await.map_err(|e| match e {
            BytesRejection::FailedToBufferBody(_)
                if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE =>
            {
                ApiError::TooLarge(format!(
                    "request body is over the limit of {} bytes",
                    super::MAX_BODY_BYTES
                ))
            }
            other => ApiError::invalid(format!("could not read the request body: {other}")),
        })?;
        parse_json(&bytes).map(Self)
    }
}

/// Parses a JSON body with a message that says what is wrong and where.
///
/// # Errors
/// [`ApiError::InvalidRequest`].
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> ApiResult<T> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::invalid(
            "request body is empty; expected a JSON object",
        ));
    }
    if let Err(e) = std::str::from_utf8(bytes) {
        return Err(ApiError::invalid(format!(
            "request body is not valid UTF-8 (invalid byte at offset {})",
            e.valid_up_to()
        )));
    }
    serde_json::from_slice(bytes).map_err(|e| {
        let what = if e.is_syntax() || e.is_eof() {
            "request body is not valid JSON"
        } else {
            "invalid request body"
        };
        ApiError::invalid(format!("{what}: {e}"))
    })
}

/// A query parameter a strict query type accepts and ignores (the SDKs'
/// `?beta=true`): a type with `#[serde(deny_unknown_fields)]` refuses
/// every other parameter it does not name.
pub type Ignored = Option<serde::de::IgnoredAny>;

/// Query-string parameters; malformed values are 400. Unknown parameters
/// (such as the SDK's `?beta=true`) are ignored, unless the query type
/// denies unknown fields: then they are 400 naming the parameter (the
/// listings that take `agent_id`, issue 14).
pub struct QueryParams<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for QueryParams<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> ApiResult<Self> {
        axum::extract::Query::<T>::try_from_uri(&parts.uri)
            .map(|q| Self(q.0))
            .map_err(|e| ApiError::invalid(format!("invalid query parameter: {}", e.body_text())))
    }
}

/// Path parameters; a bad percent-encoding is 400, not axum's plain text.
pub struct PathParams<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for PathParams<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> ApiResult<Self> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|p| Self(p.0))
            .map_err(|e| ApiError::invalid(format!("invalid path parameter: {}", e.body_text())))
    }
}

/// Runs a blocking engine call on the blocking pool. Once started, the call
/// finishes even if the client goes away, so an acknowledged-or-not write is
/// never cut in half.
///
/// # Errors
/// What `f` returns, or [`ApiError::Internal`] if it panicked.
pub async fn blocking<T, F>(f: F) -> ApiResult<T>
where
    F: FnOnce() -> ApiResult<T> + Send + 'static,
    T: Send + 'static,
{
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| ApiError::Internal(format!("a blocking task failed: {e}")))?
}
