//! The OpenAPI document (API-05), generated from the handlers' `utoipa`
//! annotations and request types, served at `GET /v1/openapi.json`.

use axum::Json;
use utoipa::OpenApi;

/// The API description.
#[derive(OpenApi)]
#[openapi(
    info(title = "memstore", description = "Durable, versioned memory stores for AI agents; \
        wire-compatible with the reference memory-store API"),
    paths(
        super::stores::create, super::stores::list, super::stores::retrieve,
        super::stores::update, super::stores::archive, super::stores::delete,
        super::memories::create, super::memories::list, super::memories::retrieve,
        super::memories::update, super::memories::delete,
        super::versions::list, super::versions::retrieve, super::versions::redact,
        super::audit::verify, super::audit::rollback,
        super::events::store_events,
        super::sessions::create, super::sessions::list, super::sessions::retrieve,
        super::sessions::end,
        super::sessions::tool_call, super::sessions::tool_calls,
        super::sessions::system_prompt, super::sessions::events,
    ),
    components(schemas(
        super::stores::CreateStore, super::stores::UpdateStore,
        super::memories::CreateMemory, super::memories::UpdateMemory,
        super::memories::PreconditionBody,
        super::sessions::CreateSession, super::sessions::ResourceParam,
        super::sessions::AgentParam,
        super::sessions::ResourceType, super::sessions::ToolCall,
    )),
    modifiers(&Security),
    security(("api_key" = []), ("bearer" = [])),
)]
pub struct ApiDoc;

/// Declares the two ways to send an API key.
struct Security;

impl utoipa::Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{
            ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme,
        };
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "api_key",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::new("x-api-key"))),
        );
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// `GET /v1/openapi.json` (unauthenticated: it describes, it reveals nothing).
pub async fn document() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}
