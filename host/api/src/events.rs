//! Events (VER-08): `GET /v1/memory_stores/{id}/events`, as a JSON page or,
//! when the client accepts `text/event-stream`, as Server-Sent Events that
//! resume after `Last-Event-ID`. `?agent_id=` keeps one agent's events
//! (issue 14); that query is strict, so an unknown parameter is a 400.
//!
//! The stream polls the engine's event log (a cheap indexed read) and stops
//! when the store is deleted or the server shuts down, so graceful shutdown
//! is never held open by a subscriber.

use std::convert::Infallible;
use std::time::Duration;

use axum::Json;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures_util::stream::{self, Stream};
use serde::Deserialize;

use super::AppState;
use super::auth::Caller;
use super::error::{ApiError, ApiResult};
use super::extract::{PathParams, QueryParams, blocking};
use super::stores::owned_store;
use memstore_store::{Engine, Event, EventQuery, Page};

/// How often a stream looks for new events when it has seen them all and
/// the engine cannot hear every writer (a SQLite file that another process
/// writes too); otherwise streams wake only on commits.
const POLL_INTERVAL: Duration = Duration::from_millis(200);
/// Events read per poll of a stream.
const STREAM_BATCH: usize = 100;

/// Query of the events endpoints.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct EventParams {
    /// Only events after this id (the JSON form's `next_page` is the same).
    pub after: Option<u64>,
    /// `next_page` of the previous page.
    pub page: Option<String>,
    /// Page size, 1–100 (default 20).
    pub limit: Option<u32>,
}

/// Query of `GET /v1/memory_stores/{id}/events`: [`EventParams`] and an
/// agent filter; unknown parameters are refused.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct StoreEventParams {
    /// Only events after this id (the JSON form's `next_page` is the same).
    pub after: Option<u64>,
    /// `next_page` of the previous page.
    pub page: Option<String>,
    /// Page size, 1–100 (default 20).
    pub limit: Option<u32>,
    /// memstore only: events caused by sessions of this agent (the
    /// `agent.id` a session was created with; 1–255 characters).
    pub agent_id: Option<String>,
    /// The SDKs' `?beta=true`: accepted, ignored.
    #[param(ignore)]
    #[serde(default)]
    pub beta: super::extract::Ignored,
}

impl EventParams {
    /// Where the listing starts: after `page` if given, else after `after`.
    ///
    /// # Errors
    /// [`ApiError::InvalidRequest`] for a `page` that is not a cursor.
    pub fn cursor(&self) -> ApiResult<Option<u64>> {
        let page = self
            .page
            .as_deref()
            .map(|p| {
                p.parse::<u64>()
                    .map_err(|_| ApiError::invalid("page: not a cursor this listing returned"))
            })
            .transpose()?;
        Ok(page.or(self.after))
    }

    /// The page size: `limit`, default 20.
    ///
    /// # Errors
    /// [`ApiError::InvalidRequest`] outside 1–100.
    pub fn page_size(&self) -> ApiResult<usize> {
        Ok(match super::page_limit(self.limit)? {
            0 => memstore_store::limits::DEFAULT_PAGE_LIMIT,
            n => n,
        })
    }
}

/// `GET /v1/memory_stores/{id}/events`
#[utoipa::path(get, path = "/v1/memory_stores/{memory_store_id}/events", tag = "events",
    params(StoreEventParams),
    responses((status = 200, description = "A page of events, oldest first, or an SSE stream \
        when the request accepts text/event-stream", body = super::schemas::EventPageSchema), (status = 400, description = "Invalid request, an invalid agent_id, or an unknown query parameter", body = super::schemas::ErrorSchema), (status = 404, description = "Not found", body = super::schemas::ErrorSchema)))]
pub async fn store_events(
    State(s): State<AppState>,
    caller: Caller,
    PathParams(store_id): PathParams<String>,
    QueryParams(q): QueryParams<StoreEventParams>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    if let Some(agent_id) = &q.agent_id {
        memstore_store::sessions::validate_agent_id("agent_id", agent_id)?;
    }
    let engine = s.engine.clone();
    let id = store_id.clone();
    blocking(move || owned_store(&engine, &caller, &id).map(drop)).await?;
    let query = EventQuery {
        memory_store_id: Some(store_id),
        agent_id: q.agent_id,
        ..EventQuery::default()
    };
    let paging = EventParams {
        after: q.after,
        page: q.page,
        limit: q.limit,
    };
    respond(s, query, paging, &headers).await
}

/// Answers with a JSON page or an SSE stream of the events `base` selects.
///
/// # Errors
/// Bad paging parameters, or an engine error.
pub async fn respond(
    s: AppState,
    base: EventQuery,
    q: EventParams,
    headers: &HeaderMap,
) -> ApiResult<Response> {
    let after = q.cursor()?;
    if wants_stream(headers) {
        let resume = last_event_id(headers)?.or(after);
        let query = EventQuery {
            after: resume,
            limit: STREAM_BATCH,
            ..base
        };
        return Ok(Sse::new(event_stream(s, query))
            .keep_alive(KeepAlive::default())
            .into_response());
    }
    let limit = q.page_size()?;
    let query = EventQuery {
        after,
        limit,
        ..base
    };
    let engine = s.engine.clone();
    let data = blocking(move || Ok(engine.events(&query)?)).await?;
    let next_page = (data.len() == limit)
        .then(|| data.last().map(|e| e.id.to_string()))
        .flatten();
    Ok(Json(Page { data, next_page }).into_response())
}

fn wants_stream(headers: &HeaderMap) -> bool {
    headers
        .get_all(axum::http::header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| v.contains("text/event-stream"))
}

fn last_event_id(headers: &HeaderMap) -> ApiResult<Option<u64>> {
    headers
        .get("last-event-id")
        .map(|v| {
            v.to_str()
                .ok()
                .and_then(|s| s.trim().parse().ok())
                .ok_or_else(|| ApiError::invalid("Last-Event-ID must be an event id"))
        })
        .transpose()
}

/// Where a stream is: the next query and events fetched but not yet sent.
struct Cursor {
    engine: Engine,
    query: EventQuery,
    pending: std::collections::VecDeque<Event>,
    shutdown: tokio::sync::watch::Receiver<bool>,
    commits: tokio::sync::watch::Receiver<u64>,
    /// Whether commits alone wake the stream (see [`POLL_INTERVAL`]).
    pushed: bool,
}

fn event_stream(
    s: AppState,
    query: EventQuery,
) -> impl Stream<Item = Result<SseEvent, Infallible>> {
    let cursor = Cursor {
        pushed: s.engine.hears_every_writer(),
        engine: s.engine,
        query,
        pending: Default::default(),
        shutdown: s.shutdown,
        commits: s.commits,
    };
    stream::unfold(cursor, |mut c| async move {
        loop {
            if let Some(e) = c.pending.pop_front() {
                let sse = SseEvent::default()
                    .id(e.id.to_string())
                    .event(e.event_type.as_str())
                    .json_data(&e)
                    .expect("events serialise");
                return Some((Ok(sse), c));
            }
            if *c.shutdown.borrow() {
                return None;
            }
            // Marked seen before the query, so a commit that lands while it
            // runs wakes the wait below rather than being missed.
            c.commits.borrow_and_update();
            let (engine, query) = (c.engine.clone(), c.query.clone());
            match tokio::task::spawn_blocking(move || engine.events(&query)).await {
                Ok(Ok(events)) if !events.is_empty() => {
                    c.query.after = events.last().map(|e| e.id);
                    c.pending.extend(events);
                }
                Ok(Ok(_)) => {
                    let poll = async {
                        if c.pushed {
                            std::future::pending::<()>().await;
                        }
                        tokio::time::sleep(POLL_INTERVAL).await;
                    };
                    tokio::select! {
                        () = poll => {}
                        changed = c.commits.changed() => if changed.is_err() { return None },
                        _ = c.shutdown.changed() => return None,
                    }
                }
                // The store was deleted, or the database failed: end the
                // stream; the client resumes with Last-Event-ID.
                Ok(Err(e)) => {
                    tracing::debug!(error = %e, "event stream ended");
                    return None;
                }
                Err(e) => {
                    tracing::error!(error = %e, "event stream task failed");
                    return None;
                }
            }
        }
    })
}
