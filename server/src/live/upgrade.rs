//! WebSocket upgrades taken over from actix-http: the handshake for `/api/v1/live` is answered
//! here and the TCP stream handed to tungstenite, so that an idle connection keeps none of the
//! HTTP dispatcher's buffers (8 KiB to read and 8 KiB to write for the connection's life).
//!
//! actix-http sends every request with `Upgrade: websocket` here instead of to the
//! application; the answers that are not an upgrade are the ones the application gives.

use super::session;
use crate::error::ApiError;
use crate::ops::telemetry::Observation;
use crate::AppState;
use actix_codec::Framed;
use actix_http::body::{BoxBody, MessageBody};
use actix_http::{h1, ws, ConnectionType, Method, Request, Response};
use actix_web::{web, ResponseError};
use futures_util::SinkExt;
use serde::Deserialize;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::protocol::{Role, WebSocketConfig};
use tokio_tungstenite::WebSocketStream;

/// Where live connections are made.
pub const LIVE_PATH: &str = "/api/v1/live";

/// The largest frame, and message, a client may send.
const MAX_MESSAGE: usize = 64 * 1024;

/// What tungstenite reads into at a time, and keeps (zero-filled, so resident) for the
/// connection's life: most of an idle socket's own memory. Clients send small JSON messages
/// (an `auth` with its token fits); a larger frame gets room for its whole length once its
/// header has arrived, so a small buffer costs a few more reads, never a refusal.
const READ_BUFFER: usize = 1024;

#[derive(Deserialize)]
pub struct LiveQuery {
    pub access_token: Option<String>,
}

/// Checks `?access_token=` before the upgrade: `(member_id, expires_at)` if one was given.
pub fn authenticate(
    state: &AppState,
    access_token: Option<&str>,
) -> Result<Option<(i64, i64)>, ApiError> {
    match access_token {
        Some(token) => {
            state
                .tokens
                .verify_access_until(token)
                .map(Some)
                .ok_or(ApiError::Unauthorized(
                    "The access token is invalid or expired.",
                ))
        }
        None => Ok(None),
    }
}

/// The connection's socket settings: frames written as they come (the session flushes each
/// anyway), nothing buffered beyond one read.
fn socket_config() -> WebSocketConfig {
    WebSocketConfig::default()
        .read_buffer_size(READ_BUFFER)
        .write_buffer_size(0)
        .max_frame_size(Some(MAX_MESSAGE))
        .max_message_size(Some(MAX_MESSAGE))
}

/// Answers an upgrade request; on `/api/v1/live` with a valid handshake (and token, if one
/// is given) the connection then runs as a live session until it ends.
pub async fn take_over(
    state: web::Data<AppState>,
    request: Request,
    mut framed: Framed<TcpStream, h1::Codec>,
) -> Result<(), actix_web::Error> {
    let query = request.uri().query().unwrap_or_default();
    let observation = Observation::start(request.method(), request.path(), query);
    let route = if request.path() == LIVE_PATH {
        LIVE_PATH
    } else {
        "unmatched"
    };
    let (response, authenticated) = match observation.span.in_scope(|| answer(&state, &request)) {
        Ok((accept, authenticated)) => (accept, Some(authenticated)),
        Err(mut refusal) => {
            // Nothing else is read from a connection that asked for an upgrade.
            refusal
                .head_mut()
                .set_connection_type(ConnectionType::Close);
            (refusal, None)
        }
    };
    observation.finish(Some(state.get_ref()), route, response.status().as_u16());
    if respond(&mut framed, response).await.is_err() {
        return Ok(());
    }
    let Some(authenticated) = authenticated else {
        return Ok(());
    };
    drop(request);
    // The bytes a client sent after its request head (its first message, perhaps) are the
    // start of the WebSocket stream. The rest of the parts (the codec and actix's 8 KiB read
    // and write buffers) are dropped at the end of this block, not kept for the session.
    let (io, already_read) = {
        let parts = framed.into_parts();
        (parts.io, parts.read_buf.to_vec())
    };
    let socket =
        WebSocketStream::from_partially_read(io, already_read, Role::Server, Some(socket_config()))
            .await;
    session::run(state, socket, authenticated).await;
    Ok(())
}

type Answer = Result<(Response<BoxBody>, Option<(i64, i64)>), Response<BoxBody>>;

/// The 101 answer and who authenticated in the query string, or the answer the application
/// would give: 404 off the live path, 405 for another method, 422 for a bad query, 401 for a
/// bad token (checked before the handshake, as the route does), then handshake errors.
fn answer(state: &AppState, request: &Request) -> Answer {
    let problem = |err: ApiError| Response::from(err.error_response());
    if request.path() != LIVE_PATH {
        return Err(problem(ApiError::NotFound));
    }
    if request.method() != Method::GET {
        return Err(problem(ApiError::MethodNotAllowed));
    }
    let query = web::Query::<LiveQuery>::from_query(request.uri().query().unwrap_or_default())
        .map_err(|err| {
            problem(ApiError::invalid(
                "query",
                crate::extract_query_message(&err.to_string()),
            ))
        })?;
    let authenticated = authenticate(state, query.access_token.as_deref()).map_err(problem)?;
    let mut accept = ws::handshake(request.head()).map_err(Response::from)?;
    Ok((accept.finish().map_into_boxed_body(), authenticated))
}

/// Writes a whole response through the HTTP/1 codec, as the dispatcher would.
async fn respond(
    framed: &mut Framed<TcpStream, h1::Codec>,
    response: Response<BoxBody>,
) -> std::io::Result<()> {
    let (head, body) = response.into_parts();
    let size = body.size();
    let bytes = actix_http::body::to_bytes(body)
        .await
        .map_err(|err| std::io::Error::other(err.to_string()))?;
    framed.feed(h1::Message::Item((head, size))).await?;
    if !bytes.is_empty() {
        framed.feed(h1::Message::Chunk(Some(bytes))).await?;
    }
    framed.send(h1::Message::Chunk(None)).await
}
