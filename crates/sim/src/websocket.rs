//! The WebSocket upgrade of the streaming pod subresources (`portforward`, `exec`): the
//! subprotocol a client offered and the server speaks, the `101 Switching Protocols` answer,
//! and the upgraded connection as a tungstenite stream once the client has it.

use hyper::Response;
use hyper::upgrade::OnUpgrade;
use hyper_util::rt::TokioIo;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;
use tokio_tungstenite::tungstenite::protocol::Role;

use super::http::{ApiRequest, Body, bytes_response};
use super::store::ApiError;

/// The upgraded connection of an accepted request.
pub type Upgraded = WebSocketStream<TokioIo<hyper::upgrade::Upgraded>>;

/// An upgrade the server agreed to: answer `response`, then `socket` becomes the client's
/// WebSocket.
pub struct Accepted {
    pub response: Response<Body>,
    /// The subprotocol chosen, one of those the caller serves.
    pub protocol: &'static str,
    pub socket: PendingSocket,
}

/// The connection of an accepted upgrade, usable once the 101 has gone out.
pub struct PendingSocket(OnUpgrade);

impl PendingSocket {
    /// The WebSocket, once the client has read the 101 (`None` if it went away first).
    pub async fn connection(self) -> Option<Upgraded> {
        let upgraded = self.0.await.ok()?;
        Some(WebSocketStream::from_raw_socket(TokioIo::new(upgraded), Role::Server, None).await)
    }
}

/// The API server's refusal to stream to a pod no node runs yet (there is no kubelet to ask).
pub fn check_scheduled(pod: &serde_json::Value, name: &str) -> Result<(), ApiError> {
    if pod["spec"]["nodeName"]
        .as_str()
        .unwrap_or_default()
        .is_empty()
    {
        return Err(ApiError::bad_request(format!(
            "pod {name} does not have a host assigned"
        )));
    }
    Ok(())
}

/// Accepts `req`'s WebSocket upgrade with the first of `served` (preferred first) that the
/// client offered. A request that is not a WebSocket upgrade, or offers none of them (SPDY,
/// which kubectl falls back to), gets `refusal(upgrade header, offered subprotocols)`.
pub fn accept(
    req: &mut ApiRequest,
    served: &[&'static str],
    refusal: impl FnOnce(&str, &str) -> ApiError,
) -> Result<Accepted, ApiError> {
    let header = |n: &str| {
        req.headers
            .get(n)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string()
    };
    let offered = header("sec-websocket-protocol");
    let upgrade_header = header("upgrade");
    let protocol = served
        .iter()
        .find(|p| offered.split(',').any(|o| o.trim() == **p));
    let is_websocket = upgrade_header.eq_ignore_ascii_case("websocket");
    let (Some(protocol), true, Some(upgrade)) = (protocol, is_websocket, req.upgrade.take()) else {
        return Err(refusal(&upgrade_header, &offered));
    };
    let key = header("sec-websocket-key");
    if key.is_empty() {
        return Err(ApiError::bad_request(
            "WebSocket upgrade without Sec-WebSocket-Key",
        ));
    }
    let mut response = bytes_response(101, "application/octet-stream", Vec::new());
    let headers = response.headers_mut();
    headers.remove(hyper::header::CONTENT_TYPE);
    for (k, v) in [
        ("upgrade", "websocket".to_string()),
        ("connection", "Upgrade".to_string()),
        ("sec-websocket-accept", derive_accept_key(key.as_bytes())),
        ("sec-websocket-protocol", protocol.to_string()),
    ] {
        if let Ok(v) = hyper::header::HeaderValue::from_str(&v) {
            headers.insert(k, v);
        }
    }
    Ok(Accepted {
        response,
        protocol,
        socket: PendingSocket(upgrade),
    })
}
