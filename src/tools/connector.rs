//! How Strata reaches a tool's REST API (Airflow's, Airbyte's): a plain `http://` URL (TCP) or
//! a port-forward to a pod through the Kubernetes API (kube-rs' WebSocket port-forward). Either way it is one HTTP/1.1
//! exchange over a byte stream, with hyper's low-level client connection; a new connection
//! (and so a new port-forward stream, which kube-rs does not reuse) per request keeps it
//! simple and immune to idle connections the API server or a proxy dropped.

use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, HOST, USER_AGENT};
use http::{Request, Uri};
use http_body_util::{BodyExt, Full, Limited};
use hyper_util::rt::TokioIo;
use k8s_openapi::api::core::v1::Pod;
use kube::api::Portforwarder;
use kube::{Api, Client};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;

use serde_json::Value;

/// Answers larger than this are cut off with an error rather than filling memory; a full task
/// log is the largest thing Airflow sends and is far below it.
const MAX_ANSWER_BYTES: usize = 64 * 1024 * 1024;

/// Why a request did not get an answer: the way to the tool, not the tool's own refusal.
#[derive(Debug, thiserror::Error)]
pub enum TransportError {
    #[error("cannot reach {tool} at {target}: {reason}. {hint}")]
    Connect {
        tool: &'static str,
        target: String,
        reason: String,
        hint: String,
    },
    #[error("{target} is not a URL Strata can use: {reason}")]
    BadUrl { target: String, reason: String },
    #[error("{tool} at {target} did not answer {what} within {}s: it may be overloaded; try again", .after.as_secs())]
    Timeout {
        tool: &'static str,
        target: String,
        what: String,
        after: Duration,
    },
    #[error("cannot open a port-forward to pod {namespace}/{pod} port {port}: {reason}")]
    PortForward {
        namespace: String,
        pod: String,
        port: u16,
        reason: String,
    },
}

type Result<T, E = TransportError> = std::result::Result<T, E>;

/// One HTTP request as the connector sends it; each tool's request type says what it is.
pub trait HttpCall: Send + Sync {
    fn method(&self) -> &http::Method;
    /// Path and query, percent-encoded, without the connector's base path.
    fn target(&self) -> String;
    fn accept(&self) -> &str;
    fn body(&self) -> Option<&Value>;
    /// What the request does, in words, for error messages: "trigger DAG example".
    fn action(&self) -> &str;
}

/// Where a tool's API is.
#[derive(Clone)]
pub enum Connector {
    /// A base URL such as `http://localhost:8080` or `http://airflow.example/airflow`. Only
    /// plain HTTP: for an https endpoint use a port-forward to the pod instead.
    Url(Uri),
    /// A port of a pod, reached through the Kubernetes API server.
    PortForward {
        client: Client,
        namespace: String,
        pod: String,
        port: u16,
    },
}

impl std::fmt::Debug for Connector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.describe())
    }
}

impl Connector {
    /// A URL connector from text, checked up front so a typo is reported before any request.
    pub fn url(base: &str) -> Result<Self> {
        let bad = |reason: &str| TransportError::BadUrl {
            target: base.to_string(),
            reason: reason.to_string(),
        };
        let uri: Uri = base
            .trim()
            .parse()
            .map_err(|e: http::uri::InvalidUri| bad(&e.to_string()))?;
        match uri.scheme_str() {
            Some("http") => {}
            Some("https") => {
                return Err(bad(
                    "https is not supported yet; use a port-forward to the API pod (the default) or an http:// URL",
                ));
            }
            _ => {
                return Err(bad(
                    "it must start with http:// (e.g. http://localhost:8080)",
                ));
            }
        }
        if uri.host().is_none() {
            return Err(bad("it has no host"));
        }
        Ok(Connector::Url(uri))
    }

    /// A port-forward connector to `port` of `namespace/pod`.
    pub fn port_forward(client: Client, namespace: &str, pod: &str, port: u16) -> Self {
        Connector::PortForward {
            client,
            namespace: namespace.to_string(),
            pod: pod.to_string(),
            port,
        }
    }

    /// For messages: `http://host:port` or `pod orchestration/airflow-api-server-0 port 8080 (port-forward)`.
    pub fn describe(&self) -> String {
        match self {
            Connector::Url(uri) => uri.to_string().trim_end_matches('/').to_string(),
            Connector::PortForward {
                namespace,
                pod,
                port,
                ..
            } => format!("pod {namespace}/{pod} port {port} (port-forward)"),
        }
    }

    /// The path prefix of a URL connector (`/airflow` for an Airflow served under a path).
    fn base_path(&self) -> &str {
        match self {
            Connector::Url(uri) => uri.path().trim_end_matches('/'),
            Connector::PortForward { .. } => "",
        }
    }

    fn host_header(&self) -> String {
        match self {
            Connector::Url(uri) => uri
                .authority()
                .map_or_else(|| "localhost".to_string(), |a| a.to_string()),
            Connector::PortForward { port, .. } => format!("localhost:{port}"),
        }
    }

    async fn open(&self, tool: &'static str) -> Result<Stream> {
        match self {
            Connector::Url(uri) => {
                let host = uri.host().unwrap_or("localhost");
                let port = uri.port_u16().unwrap_or(80);
                // `[::1]` comes back bracketed from the URI; TcpStream wants it bare.
                let host = host.trim_start_matches('[').trim_end_matches(']');
                let tcp = TcpStream::connect((host, port)).await.map_err(|e| {
                    TransportError::Connect {
                        tool,
                        target: self.describe(),
                        reason: e.to_string(),
                        hint: format!(
                            "Check the URL and that {tool}'s API server is running there."
                        ),
                    }
                })?;
                // Small requests answered in one go: no Nagle delay.
                let _ = tcp.set_nodelay(true);
                Ok(Stream::Tcp(tcp))
            }
            Connector::PortForward {
                client,
                namespace,
                pod,
                port,
            } => {
                let failed = |reason: String| TransportError::PortForward {
                    namespace: namespace.clone(),
                    pod: pod.clone(),
                    port: *port,
                    reason,
                };
                let pods: Api<Pod> = Api::namespaced(client.clone(), namespace);
                let mut forwarder = pods.portforward(pod, &[*port]).await.map_err(|e| {
                    failed(format!(
                        "{e}. Check that the pod is running and that you may create pods/portforward in {namespace}"
                    ))
                })?;
                let stream = forwarder
                    .take_stream(*port)
                    .ok_or_else(|| failed("the API server opened no stream for the port".into()))?;
                let errors = forwarder.take_error(*port);
                Ok(Stream::Forward(Box::new(Forwarded {
                    stream,
                    forwarder,
                    errors: errors.map(|f| Box::pin(f) as _),
                })))
            }
        }
    }

    /// Sends one request to `tool` (its name, for messages) and reads the whole answer.
    pub async fn send(
        &self,
        tool: &'static str,
        request: &dyn HttpCall,
        authorization: Option<&str>,
        timeout: Duration,
    ) -> Result<Answer> {
        let exchange = self.exchange(tool, request, authorization);
        match tokio::time::timeout(timeout, exchange).await {
            Ok(answer) => answer,
            Err(_) => Err(TransportError::Timeout {
                tool,
                target: self.describe(),
                what: request.action().to_string(),
                after: timeout,
            }),
        }
    }

    async fn exchange(
        &self,
        tool: &'static str,
        request: &dyn HttpCall,
        authorization: Option<&str>,
    ) -> Result<Answer> {
        let target = format!("{}{}", self.base_path(), request.target());
        let body = match request.body() {
            Some(json) => Bytes::from(json.to_string()),
            None => Bytes::new(),
        };
        let mut builder = Request::builder()
            .method(request.method().clone())
            .uri(&target)
            .header(HOST, self.host_header())
            .header(ACCEPT, request.accept())
            .header(USER_AGENT, concat!("strata/", env!("CARGO_PKG_VERSION")));
        if request.body().is_some() {
            builder = builder.header(CONTENT_TYPE, "application/json");
        }
        if let Some(value) = authorization {
            builder = builder.header(AUTHORIZATION, value);
        }
        let http_request = builder
            .body(Full::new(body))
            .map_err(|e| TransportError::BadUrl {
                target: target.clone(),
                reason: e.to_string(),
            })?;

        let mut stream = self.open(tool).await?;
        let port_error = stream.take_errors();
        let exchange = exchange_over(tool, stream, http_request, || self.describe());
        // A port-forward reports "connection refused" inside the pod on its error channel,
        // not on the data stream: race the two so such a failure is said at once.
        match port_error {
            Some(error) => {
                tokio::pin!(exchange);
                tokio::select! {
                    answer = &mut exchange => answer,
                    message = error => match message {
                        Some(message) => Err(self.forward_failed(tool, message)),
                        // The channel closed without a word: only the data stream can tell.
                        None => exchange.await,
                    },
                }
            }
            None => exchange.await,
        }
    }

    fn forward_failed(&self, tool: &'static str, message: String) -> TransportError {
        match self {
            Connector::PortForward {
                namespace,
                pod,
                port,
                ..
            } => TransportError::PortForward {
                namespace: namespace.clone(),
                pod: pod.clone(),
                port: *port,
                reason: format!("{message}. Is {tool} listening on that port in the pod?"),
            },
            Connector::Url(_) => TransportError::Connect {
                tool,
                target: self.describe(),
                reason: message,
                hint: String::new(),
            },
        }
    }
}

/// One HTTP/1.1 request and its whole answer over any byte stream (a TCP connection, a
/// port-forward's duplex stream).
async fn exchange_over<S>(
    tool: &'static str,
    stream: S,
    request: Request<Full<Bytes>>,
    describe: impl Fn() -> String,
) -> Result<Answer>
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let lost = |e: &dyn std::fmt::Display| TransportError::Connect {
        tool,
        target: describe(),
        reason: e.to_string(),
        hint: "The connection was lost; try again.".into(),
    };
    let (mut sender, connection) =
        hyper::client::conn::http1::handshake::<_, Full<Bytes>>(TokioIo::new(stream))
            .await
            .map_err(|e| lost(&e))?;
    // The connection future drives the socket until the answer is read.
    let driver = tokio::spawn(connection);
    let response = sender.send_request(request).await.map_err(|e| lost(&e))?;
    let (parts, body) = response.into_parts();
    let bytes = Limited::new(body, MAX_ANSWER_BYTES)
        .collect()
        .await
        .map_err(|e| lost(&e.to_string()))?
        .to_bytes();
    drop(sender);
    driver.abort();
    let content_type = parts
        .headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    Ok(Answer {
        status: parts.status.as_u16(),
        content_type,
        body: bytes,
    })
}

/// The server's own words (`{"detail": ...}` of FastAPI and connexion, the problem JSON of
/// Airbyte's public API), as a suffix ": ..."
/// for a message, or an empty string when it said nothing useful. FastAPI's 422 detail is a
/// list of `{loc, msg}`; each is rendered `loc: msg`.
pub fn server_detail(body: &[u8]) -> String {
    let text = match serde_json::from_slice::<serde_json::Value>(body) {
        Ok(json) => detail_of(&json),
        Err(_) => String::from_utf8_lossy(body).trim().to_string(),
    };
    let text: String = text.chars().take(400).collect();
    if text.is_empty() {
        String::new()
    } else {
        format!(": {text}")
    }
}

fn detail_of(json: &serde_json::Value) -> String {
    use serde_json::Value;
    match json.get("detail").or_else(|| json.get("title")) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Array(items)) => items
            .iter()
            .map(|item| {
                let loc = item
                    .get("loc")
                    .and_then(Value::as_array)
                    .map(|parts| {
                        parts
                            .iter()
                            .map(|p| p.as_str().map_or_else(|| p.to_string(), str::to_string))
                            .collect::<Vec<_>>()
                            .join(".")
                    })
                    .unwrap_or_default();
                let msg = item.get("msg").and_then(Value::as_str).unwrap_or_default();
                if loc.is_empty() {
                    msg.to_string()
                } else {
                    format!("{loc}: {msg}")
                }
            })
            .collect::<Vec<_>>()
            .join("; "),
        Some(other) => other.to_string(),
        None => String::new(),
    }
}

/// A request target from a path and its query, each value percent-encoded.
pub fn request_target(path: &str, query: &[(&'static str, String)]) -> String {
    if query.is_empty() {
        return path.to_string();
    }
    let query: Vec<String> = query
        .iter()
        .map(|(k, v)| format!("{k}={}", encode(v)))
        .collect();
    format!("{path}?{}", query.join("&"))
}

/// Percent-encodes everything but RFC 3986's unreserved characters, as a browser's
/// `encodeURIComponent` does: for one path segment or one query value.
pub fn encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// An answer: status, content type and the whole body.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub content_type: String,
    pub body: Bytes,
}

type ErrorFuture = Pin<Box<dyn Future<Output = Option<String>> + Send>>;

/// A port-forward stream together with its forwarder, so the WebSocket behind it is closed
/// (the forwarder's task aborted) when the HTTP connection is done.
struct Forwarded {
    stream: tokio::io::DuplexStream,
    forwarder: Portforwarder,
    errors: Option<ErrorFuture>,
}

impl Drop for Forwarded {
    fn drop(&mut self) {
        self.forwarder.abort();
    }
}

enum Stream {
    Tcp(TcpStream),
    Forward(Box<Forwarded>),
}

impl Stream {
    fn take_errors(&mut self) -> Option<ErrorFuture> {
        match self {
            Stream::Tcp(_) => None,
            Stream::Forward(f) => f.errors.take(),
        }
    }
}

impl AsyncRead for Stream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            Stream::Tcp(s) => Pin::new(s).poll_read(cx, buf),
            Stream::Forward(f) => Pin::new(&mut f.stream).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for Stream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        match self.get_mut() {
            Stream::Tcp(s) => Pin::new(s).poll_write(cx, buf),
            Stream::Forward(f) => Pin::new(&mut f.stream).poll_write(cx, buf),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            Stream::Tcp(s) => Pin::new(s).poll_flush(cx),
            Stream::Forward(f) => Pin::new(&mut f.stream).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            Stream::Tcp(s) => Pin::new(s).poll_shutdown(cx),
            Stream::Forward(f) => Pin::new(&mut f.stream).poll_shutdown(cx),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::convert::Infallible;

    /// A port-forward hands the client an in-memory duplex stream, not a socket: the HTTP
    /// exchange must work over that (here the far end is a hyper server, as the pod's Airflow
    /// would be behind the API server).
    #[tokio::test]
    async fn an_exchange_works_over_an_in_memory_stream() {
        let (near, far) = tokio::io::duplex(64 * 1024);
        tokio::spawn(async move {
            let service =
                hyper::service::service_fn(|req: Request<hyper::body::Incoming>| async move {
                    let echo = format!(
                        "{} {} {}",
                        req.method(),
                        req.uri(),
                        req.headers()
                            .get(HOST)
                            .and_then(|h| h.to_str().ok())
                            .unwrap_or("-")
                    );
                    Ok::<_, Infallible>(
                        http::Response::builder()
                            .header(CONTENT_TYPE, "text/plain")
                            .body(Full::new(Bytes::from(echo)))
                            .unwrap(),
                    )
                });
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(far), service)
                .await;
        });
        let request = Request::builder()
            .uri("/api/v2/version")
            .header(HOST, "localhost:8080")
            .body(Full::new(Bytes::new()))
            .unwrap();
        let answer = exchange_over("Airflow", near, request, || "test".into())
            .await
            .unwrap();
        assert_eq!(answer.status, 200);
        assert_eq!(answer.content_type, "text/plain");
        assert_eq!(&answer.body[..], b"GET /api/v2/version localhost:8080");
    }

    #[tokio::test]
    async fn a_stream_closed_mid_answer_is_a_lost_connection() {
        let (near, far) = tokio::io::duplex(1024);
        drop(far);
        let request = Request::builder()
            .uri("/")
            .body(Full::new(Bytes::new()))
            .unwrap();
        let err = exchange_over("Airflow", near, request, || {
            "pod ns/p port 8080 (port-forward)".into()
        })
        .await
        .unwrap_err();
        let text = err.to_string();
        assert!(
            text.starts_with("cannot reach Airflow at pod ns/p"),
            "{text}"
        );
    }

    #[test]
    fn urls_are_checked_up_front() {
        let c = Connector::url("http://127.0.0.1:8080/").unwrap();
        assert_eq!(c.describe(), "http://127.0.0.1:8080");
        assert_eq!(c.host_header(), "127.0.0.1:8080");
        assert_eq!(c.base_path(), "");
        let sub = Connector::url("http://airflow.internal/airflow/").unwrap();
        assert_eq!(sub.base_path(), "/airflow");
        let err = Connector::url("https://airflow.example")
            .unwrap_err()
            .to_string();
        assert!(err.contains("port-forward"), "{err}");
        assert!(Connector::url("localhost:8080").is_err());
        assert!(Connector::url("not a url").is_err());
    }
}
