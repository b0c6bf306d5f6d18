//! Authentication (SEC-01): every request carries an API key in `x-api-key`
//! or `Authorization: Bearer`; `anthropic-workspace-id` picks one of the
//! key's workspaces. Handlers take [`Caller`] and ask it for grants.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;

use super::AppState;
use super::error::{ApiError, ApiResult};
use super::extract::blocking;
use memstore_store::{Actor, ApiKey, MemoryStore};

/// The header the SDK sends to choose a workspace.
const WORKSPACE_HEADER: &str = "anthropic-workspace-id";

/// An authenticated caller: its key and the workspace it acts in.
#[derive(Debug, Clone)]
pub struct Caller {
    /// The key used.
    pub key: ApiKey,
    /// The workspace of this request.
    pub workspace: String,
}

impl Caller {
    /// The actor recorded on versions this caller writes (VER-02).
    pub fn actor(&self) -> Actor {
        Actor::Api {
            api_key_id: self.key.id.clone(),
        }
    }

    /// Refuses callers whose role cannot change data.
    ///
    /// # Errors
    /// [`ApiError::Permission`] for reader keys.
    pub fn require_write(&self) -> ApiResult<()> {
        if self.key.role.can_write() {
            Ok(())
        } else {
            Err(ApiError::Permission(format!(
                "API key {} has the reader role and cannot make changes",
                self.key.id
            )))
        }
    }

    /// Hides stores of other workspaces behind the same 404 an unknown id
    /// gets (STORE-05: never reveal existence).
    ///
    /// # Errors
    /// [`ApiError::Store`] not-found when the store belongs elsewhere.
    pub fn own(&self, store: MemoryStore) -> ApiResult<MemoryStore> {
        if store.workspace_id == self.workspace {
            Ok(store)
        } else {
            Err(memstore_store::StoreError::StoreNotFound(store.id).into())
        }
    }
}

/// The secret from `x-api-key` or `Authorization: Bearer …`.
fn secret(parts: &Parts) -> ApiResult<&str> {
    let header = |name| {
        parts.headers.get(name).map(|v| {
            v.to_str()
                .map_err(|_| ApiError::Authentication(format!("the {name} header is not text")))
        })
    };
    if let Some(key) = header("x-api-key") {
        return key.map(str::trim);
    }
    if let Some(auth) = header("authorization") {
        let auth = auth?;
        return match auth.split_once(' ') {
            Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") => Ok(token.trim()),
            _ => Err(ApiError::Authentication(
                "the authorization header must be `Bearer <API key>`".into(),
            )),
        };
    }
    Err(ApiError::Authentication(
        "an API key is required: send it in the x-api-key header or as \
         `Authorization: Bearer <key>`"
            .into(),
    ))
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> ApiResult<Self> {
        let secret = secret(parts)?.to_owned();
        let engine = state.engine.clone();
        let key = blocking(move || Ok(engine.authenticate_api_key(&secret)?))
            .await?
            .ok_or_else(|| ApiError::Authentication("invalid API key".into()))?;
        let workspace = match parts.headers.get(WORKSPACE_HEADER) {
            None => key
                .workspaces
                .first()
                .cloned()
                .ok_or_else(|| ApiError::Permission("the API key has no workspace".into()))?,
            Some(v) => {
                let asked = v.to_str().unwrap_or_default();
                key.workspaces
                    .iter()
                    .find(|w| *w == asked)
                    .cloned()
                    .ok_or_else(|| {
                        ApiError::Permission(format!(
                            "API key {} cannot act in the workspace named by {WORKSPACE_HEADER}",
                            key.id
                        ))
                    })?
            }
        };
        Ok(Self { key, workspace })
    }
}

/// A caller whose key may change data: readers are refused with 403 before
/// the body is even read (SEC-01).
#[derive(Debug, Clone)]
pub struct Writer(pub Caller);

impl FromRequestParts<AppState> for Writer {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> ApiResult<Self> {
        let caller = Caller::from_request_parts(parts, state).await?;
        caller.require_write()?;
        Ok(Self(caller))
    }
}
