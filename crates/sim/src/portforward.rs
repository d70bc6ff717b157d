//! `pods/portforward` over WebSocket, as kube-rs (`Api::<Pod>::portforward`) and kubectl
//! speak it: the kubelet's protocols relayed to an upstream TCP address the pod names in its
//! [`FORWARD_ANNOTATION`], since simulated pods run no containers.
//!
//! The wire protocol (subprotocol `v4.channel.k8s.io`, binary frames, as the kubelet serves
//! it): the i-th port of `?ports=` has data channel `2*i` and error channel `2*i+1`; the first
//! frame on each channel is the channel byte plus the port number as two little-endian bytes;
//! every later frame is the channel byte plus payload. One WebSocket carries one connection per
//! port: the relay ends, and the WebSocket closes, when every port's upstream has closed or
//! failed, or when the client closes. A port whose upstream refuses gets one message on its
//! error channel, worded like the kubelet's.
//!
//! kubectl (1.31+) asks for `SPDY/3.1+portforward.k8s.io` instead: SPDY/3.1 ([`spdy`])
//! carried in WebSocket binary messages. It names no ports in the URL; each local connection
//! opens a pair of streams (error, data) whose headers name the port and tie them by
//! `requestid`. The data stream carries the bytes, half-closed with FIN either way; a
//! refused upstream gets the kubelet's message on the error stream. Plain SPDY (kubectl's
//! fallback when the WebSocket upgrade fails) is refused with a message saying so.

use std::collections::HashMap;
use std::sync::Arc;

use bytes::Bytes;
use futures::{SinkExt, StreamExt};
use hyper::Response;
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::{mpsc, watch};
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;

use super::http::{ApiRequest, Body, SimState, Target};
use super::spdy;
use super::store::ApiError;

/// Annotation naming where a simulated pod's ports lead: `PORT=HOST:PORT[,PORT=HOST:PORT]`,
/// e.g. `8080=127.0.0.1:41873`. A port-forward to a port it does not name fails as a port
/// nothing listens on does.
pub const FORWARD_ANNOTATION: &str = "sim.strata.dev/forward";

/// The subprotocols served, preferred first: the kubelet's binary channel protocol, and its
/// older name (kube-rs offers `v5.channel.k8s.io, v4.channel.k8s.io`; the kubelet speaks v4
/// for port-forward), and the SPDY tunnel kubectl asks for.
const PROTOCOLS: [&str; 3] = ["v4.channel.k8s.io", "portforward.k8s.io", SPDY_TUNNEL];

/// kubectl's port-forward (1.31+): SPDY/3.1, as the kubelet speaks it, carried in WebSocket
/// binary messages.
const SPDY_TUNNEL: &str = "SPDY/3.1+portforward.k8s.io";

/// Whether the request offers WebSocket subprotocol `protocol`.
fn offers(req: &ApiRequest, protocol: &str) -> bool {
    req.headers
        .get_all("sec-websocket-protocol")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|p| p.trim() == protocol)
}

/// Bytes read from an upstream at a time (one WebSocket frame at most this big).
const CHUNK: usize = 32 * 1024;

/// The upstreams a pod's [`FORWARD_ANNOTATION`] names, by pod port. Malformed entries are
/// an error naming them, so a typo in a scenario or test is not a silent refusal.
pub fn upstreams(pod: &Value) -> Result<HashMap<u16, String>, String> {
    let Some(text) = pod["metadata"]["annotations"][FORWARD_ANNOTATION].as_str() else {
        return Ok(HashMap::new());
    };
    let mut out = HashMap::new();
    for entry in text.split(',').map(str::trim).filter(|e| !e.is_empty()) {
        let parsed = entry.split_once('=').and_then(|(port, addr)| {
            let port: u16 = port.trim().parse().ok()?;
            let addr = addr.trim();
            let (host, upstream_port) = addr.rsplit_once(':')?;
            (!host.is_empty() && upstream_port.parse::<u16>().is_ok())
                .then(|| (port, addr.to_string()))
        });
        match parsed {
            Some((port, addr)) => {
                out.insert(port, addr);
            }
            None => {
                return Err(format!(
                    "bad {FORWARD_ANNOTATION} entry {entry:?}: expected PORT=HOST:PORT, e.g. 8080=127.0.0.1:41873"
                ));
            }
        }
    }
    Ok(out)
}

/// The ports of `?ports=80,8080` (kube-rs joins them with commas; repeated parameters are
/// folded by the query parser, so commas are the form that reaches here).
fn requested_ports(req: &ApiRequest) -> Result<Vec<u16>, ApiError> {
    let raw = req.param("ports").unwrap_or_default();
    let mut ports = Vec::new();
    for p in raw.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        match p.parse::<u16>() {
            Ok(n) if n > 0 => ports.push(n),
            _ => {
                return Err(ApiError::bad_request(format!(
                    "invalid port {p:?}: ports must be numbers from 1 to 65535"
                )));
            }
        }
    }
    if ports.is_empty() {
        return Err(ApiError::bad_request(
            "query parameter \"ports\" is required: name at least one pod port, e.g. ?ports=8080",
        ));
    }
    Ok(ports)
}

/// Serves `GET|POST …/pods/{name}/portforward?ports=N[,M]` with a WebSocket upgrade.
pub async fn serve(
    state: &Arc<SimState>,
    t: &Target,
    mut req: ApiRequest,
) -> Result<Response<Body>, ApiError> {
    let (ns, name, pod) = t.object(state)?;
    // The SPDY tunnel names its ports per stream, in headers; the channel protocol in the URL.
    let ports = requested_ports(&req);
    if !offers(&req, SPDY_TUNNEL) {
        ports.clone()?;
    }
    super::websocket::check_scheduled(&pod, &name)?;
    let phase = pod["status"]["phase"].as_str().unwrap_or("Pending");
    if phase != "Running" {
        return Err(ApiError::bad_request(format!(
            "unable to forward port because pod is not running. Current status={phase}"
        )));
    }
    let accepted = super::websocket::accept(&mut req, &PROTOCOLS, |upgrade, offered| {
        ApiError::bad_request(format!(
            "the Strata simulator serves port-forward over WebSocket with subprotocol {} (as kube-rs Api::portforward asks) or {SPDY_TUNNEL} (kubectl), not plain SPDY; this request offered upgrade {upgrade:?} with subprotocols {offered:?}",
            PROTOCOLS[0],
        ))
    })?;
    let spdy = accepted.protocol == SPDY_TUNNEL;
    let upstreams = upstreams(&pod)
        .map_err(|why| ApiError::internal(format!("cannot forward to pod {ns}/{name}: {why}")))?;
    let forward = Forward {
        pod: format!("{name}_{ns}"),
        uid: pod["metadata"]["uid"]
            .as_str()
            .unwrap_or_default()
            .to_string(),
        ports: ports.unwrap_or_default(),
        upstreams,
    };
    let shutdown = req.shutdown.clone();
    let socket = accepted.socket;
    tokio::spawn(async move {
        // The client sees 101 first; the upgraded connection is ours once it is sent.
        if let Some(ws) = socket.connection().await {
            if spdy {
                forward.relay_spdy(ws, shutdown).await;
            } else {
                forward.relay(ws, shutdown).await;
            }
        }
    });
    Ok(accepted.response)
}

/// One accepted port-forward: which pod, which ports, and where they lead.
struct Forward {
    /// `name_namespace`, as the kubelet names pods in its messages.
    pod: String,
    uid: String,
    ports: Vec<u16>,
    upstreams: HashMap<u16, String>,
}

/// What the relay tasks tell the WebSocket writer.
enum Out {
    /// Bytes for a channel (v4: data or error channel; SPDY: the data stream).
    Frame(u32, Bytes),
    /// The upstream of this channel or stream is finished (closed or failed).
    Done(u32),
}

impl Forward {
    /// The kubelet's message for a port that could not be forwarded.
    fn error_message(&self, port: u16, why: &str) -> String {
        format!(
            "error forwarding port {port} to pod {}, uid {}: {why}",
            self.pod, self.uid
        )
    }

    async fn relay<S>(self, ws: WebSocketStream<S>, mut shutdown: watch::Receiver<bool>)
    where
        S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
    {
        let (mut sink, mut stream) = ws.split();
        let (out_tx, mut out_rx) = mpsc::channel::<Out>(16);
        // Port number frames first, on both channels of every port.
        for (i, port) in self.ports.iter().enumerate() {
            let le = port.to_le_bytes();
            for ch in [2 * i as u8, 2 * i as u8 + 1] {
                if sink
                    .send(Message::binary(vec![ch, le[0], le[1]]))
                    .await
                    .is_err()
                {
                    return;
                }
            }
        }
        // Per port: the writer half of its upstream, fed from the client's frames.
        let mut to_upstream: Vec<Option<mpsc::Sender<Bytes>>> = Vec::new();
        for (i, port) in self.ports.iter().enumerate() {
            let data_ch = 2 * i as u8;
            let connected = match self.upstreams.get(port) {
                None => Err(format!(
                    "nothing listens on port {port} in the simulated pod (its {FORWARD_ANNOTATION} annotation names no upstream for it)"
                )),
                Some(addr) => TcpStream::connect(addr.as_str())
                    .await
                    .map_err(|e| dial_error(addr, &e)),
            };
            match connected {
                Ok(tcp) => {
                    let (tx, rx) = mpsc::channel::<Bytes>(16);
                    to_upstream.push(Some(tx));
                    tokio::spawn(pump(tcp, data_ch.into(), rx, out_tx.clone()));
                }
                Err(why) => {
                    to_upstream.push(None);
                    let msg = self.error_message(*port, &why);
                    let _ = out_tx
                        .send(Out::Frame((data_ch + 1).into(), msg.into()))
                        .await;
                    let _ = out_tx.send(Out::Done(data_ch.into())).await;
                }
            }
        }
        drop(out_tx);
        let mut open_ports = self.ports.len();
        loop {
            tokio::select! {
                out = out_rx.recv() => match out {
                    Some(Out::Frame(ch, bytes)) => {
                        let mut frame = Vec::with_capacity(bytes.len() + 1);
                        frame.push(ch as u8);
                        frame.extend_from_slice(&bytes);
                        if sink.send(Message::binary(frame)).await.is_err() {
                            break;
                        }
                    }
                    Some(Out::Done(_)) => {
                        open_ports -= 1;
                        if open_ports == 0 {
                            break;
                        }
                    }
                    None => break,
                },
                msg = stream.next() => match msg {
                    Some(Ok(Message::Binary(mut bytes))) if bytes.len() > 1 => {
                        let ch = bytes.split_to(1)[0] as usize;
                        // Clients write only data channels; anything else is ignored, as the
                        // kubelet ignores it.
                        if ch.is_multiple_of(2)
                            && let Some(Some(tx)) = to_upstream.get(ch / 2)
                            && tx.send(bytes).await.is_err()
                        {
                            to_upstream[ch / 2] = None;
                        }
                    }
                    Some(Ok(Message::Close(_))) | None | Some(Err(_)) => break,
                    Some(Ok(_)) => {}
                },
                _ = shutdown.changed() => break,
            }
        }
        // Dropping the senders ends the pumps, which close their upstreams.
        drop(to_upstream);
        let _ = sink.send(Message::Close(None)).await;
        let _ = sink.close().await;
    }
}

/// One forwarded connection of the SPDY protocol: a pair of streams kubectl opens per local
/// connection, tied by their `requestid` header.
#[derive(Default)]
struct StreamPair {
    port: Option<u16>,
    error: Option<u32>,
    data: Option<u32>,
}

impl Forward {
    /// Serves kubectl's SPDY session: streams come in pairs (error, data) per local
    /// connection, each pair relayed to the upstream of its `port` header. Ends when the
    /// client closes the connection.
    async fn relay_spdy<S>(self, ws: WebSocketStream<S>, mut shutdown: watch::Receiver<bool>)
    where
        S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
    {
        let (mut sink, mut stream) = ws.split();
        let (out_tx, mut out_rx) = mpsc::channel::<Out>(16);
        let mut pending = Vec::new();
        let mut headers_in = spdy::HeaderReader::new();
        let mut headers_out = spdy::HeaderWriter::default();
        let mut pairs: HashMap<String, StreamPair> = HashMap::new();
        // Data stream → the writer to its upstream, and its error stream.
        let mut to_upstream: HashMap<u32, mpsc::Sender<Bytes>> = HashMap::new();
        let mut error_of: HashMap<u32, u32> = HashMap::new();
        loop {
            let mut outgoing: Vec<Vec<u8>> = Vec::new();
            tokio::select! {
                out = out_rx.recv() => match out {
                    Some(Out::Frame(stream, bytes)) => {
                        outgoing.push(spdy::data(stream, 0, &bytes));
                    }
                    Some(Out::Done(stream)) => {
                        to_upstream.remove(&stream);
                        outgoing.push(spdy::data(stream, spdy::FLAG_FIN, &[]));
                        if let Some(error) = error_of.remove(&stream) {
                            outgoing.push(spdy::data(error, spdy::FLAG_FIN, &[]));
                        }
                    }
                    None => break,
                },
                msg = stream.next() => match msg {
                    Some(Ok(Message::Binary(bytes))) => {
                        pending.extend_from_slice(&bytes);
                        loop {
                            let frame = match spdy::take_frame(&mut pending) {
                                Ok(Some(frame)) => frame,
                                Ok(None) => break,
                                Err(_) => return,
                            };
                            let step = self
                                .on_frame(frame, &mut headers_in, &mut headers_out, &mut pairs)
                                .await;
                            let Ok(step) = step else { return };
                            outgoing.extend(step.frames);
                            if let Some((data, error, tcp)) = step.connected {
                                let (tx, rx) = mpsc::channel::<Bytes>(16);
                                to_upstream.insert(data, tx);
                                error_of.insert(data, error);
                                tokio::spawn(pump(tcp, data, rx, out_tx.clone()));
                            }
                            for (stream, bytes) in step.client {
                                match bytes {
                                    Some(bytes) => {
                                        if let Some(tx) = to_upstream.get(&stream)
                                            && tx.send(bytes).await.is_err()
                                        {
                                            to_upstream.remove(&stream);
                                        }
                                    }
                                    // The client is done writing (FIN) or gave up (RST): the
                                    // upstream's write side closes; its answer still comes.
                                    None => {
                                        to_upstream.remove(&stream);
                                    }
                                }
                            }
                            if step.goaway {
                                return;
                            }
                        }
                    }
                    Some(Ok(Message::Close(_))) | None | Some(Err(_)) => break,
                    Some(Ok(_)) => {}
                },
                _ = shutdown.changed() => break,
            }
            for frame in outgoing {
                if sink.send(Message::binary(frame)).await.is_err() {
                    return;
                }
            }
        }
        drop(to_upstream);
        let _ = sink.send(Message::Close(None)).await;
        let _ = sink.close().await;
    }

    /// What one frame from the client asks for.
    async fn on_frame(
        &self,
        frame: spdy::Frame,
        headers_in: &mut spdy::HeaderReader,
        headers_out: &mut spdy::HeaderWriter,
        pairs: &mut HashMap<String, StreamPair>,
    ) -> Result<SpdyStep, String> {
        let mut step = SpdyStep::default();
        match frame {
            spdy::Frame::Data {
                stream,
                flags,
                payload,
            } => {
                if !payload.is_empty() {
                    step.client.push((stream, Some(payload.into())));
                }
                // A FIN may come with the last bytes: they go first, the close after them.
                if flags & spdy::FLAG_FIN != 0 {
                    step.client.push((stream, None));
                }
            }
            spdy::Frame::Control { kind, payload, .. } => match kind {
                spdy::SYN_STREAM => {
                    let stream = spdy::stream_of(&payload);
                    let headers = headers_in.read(payload.get(10..).unwrap_or_default())?;
                    let mut reply = stream.to_be_bytes().to_vec();
                    reply.extend(headers_out.write(&[]));
                    step.frames.push(spdy::control(spdy::SYN_REPLY, 0, &reply));
                    let first = |k: &str| headers.get(k).and_then(|v| v.first()).cloned();
                    let request = first("requestid").unwrap_or_default();
                    let pair = pairs.entry(request.clone()).or_default();
                    pair.port = first("port").and_then(|p| p.parse().ok()).or(pair.port);
                    match first("streamtype").as_deref() {
                        Some("error") => pair.error = Some(stream),
                        Some("data") => pair.data = Some(stream),
                        _ => {}
                    }
                    if let StreamPair {
                        port: Some(port),
                        error: Some(error),
                        data: Some(data),
                    } = *pair
                    {
                        pairs.remove(&request);
                        match self.dial(port).await {
                            Ok(tcp) => step.connected = Some((data, error, tcp)),
                            Err(why) => {
                                let msg = self.error_message(port, &why);
                                step.frames
                                    .push(spdy::data(error, spdy::FLAG_FIN, msg.as_bytes()));
                                step.frames.push(spdy::data(data, spdy::FLAG_FIN, &[]));
                            }
                        }
                    }
                }
                spdy::RST_STREAM => {
                    step.client.push((spdy::stream_of(&payload), None));
                }
                // Header blocks share one zlib stream: read, even when nothing needs them.
                spdy::HEADERS | spdy::SYN_REPLY => {
                    headers_in.read(payload.get(4..).unwrap_or_default())?;
                }
                spdy::PING => step.frames.push(spdy::control(spdy::PING, 0, &payload)),
                spdy::GOAWAY => step.goaway = true,
                // SETTINGS, WINDOW_UPDATE: nothing to do without flow control.
                _ => {}
            },
        }
        Ok(step)
    }

    /// Connects to the upstream of pod port `port`, or says why not as the kubelet would.
    async fn dial(&self, port: u16) -> Result<TcpStream, String> {
        match self.upstreams.get(&port) {
            None => Err(format!(
                "nothing listens on port {port} in the simulated pod (its {FORWARD_ANNOTATION} annotation names no upstream for it)"
            )),
            Some(addr) => TcpStream::connect(addr.as_str())
                .await
                .map_err(|e| dial_error(addr, &e)),
        }
    }
}

/// What handling one SPDY frame produced.
#[derive(Default)]
struct SpdyStep {
    /// Frames to send back, in order.
    frames: Vec<Vec<u8>>,
    /// A stream pair whose upstream is connected: (data stream, error stream, connection).
    connected: Option<(u32, u32, TcpStream)>,
    /// Bytes the client wrote on a stream, or `None` when it finished writing.
    client: Vec<(u32, Option<Bytes>)>,
    goaway: bool,
}

/// Go's wording of a failed dial, as the kubelet reports it.
fn dial_error(addr: &str, e: &std::io::Error) -> String {
    let why = match e.kind() {
        std::io::ErrorKind::ConnectionRefused => "connect: connection refused".to_string(),
        _ => e.to_string(),
    };
    format!("dial tcp {addr}: {why}")
}

/// Relays one upstream connection: client bytes from `rx` are written to it, its bytes go out
/// tagged `key` (a v4 data channel, a SPDY data stream). When the client is done writing the
/// upstream's write side closes and its answer is still read (a request, then its
/// response); the pump ends, and reports `key` done, when the upstream closes or the relay
/// is gone.
async fn pump(tcp: TcpStream, key: u32, mut rx: mpsc::Receiver<Bytes>, out: mpsc::Sender<Out>) {
    let (mut read, mut write) = tcp.into_split();
    let to_upstream = async move {
        while let Some(bytes) = rx.recv().await {
            if write.write_all(&bytes).await.is_err() {
                break;
            }
        }
        // The client is done writing (or the upstream stopped taking bytes): half-close,
        // and keep reading what the upstream still answers.
        let _ = write.shutdown().await;
        std::future::pending::<()>().await
    };
    let out2 = out.clone();
    let from_upstream = async move {
        let mut buf = vec![0u8; CHUNK];
        loop {
            match read.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => {
                    let chunk = Bytes::copy_from_slice(&buf[..n]);
                    if out2.send(Out::Frame(key, chunk)).await.is_err() {
                        return;
                    }
                }
            }
        }
    };
    tokio::select! {
        _ = to_upstream => {}
        _ = from_upstream => {}
        // The relay is over (the client closed, or the API went down): the upstream
        // connection closes with this task.
        _ = out.closed() => {}
    }
    let _ = out.send(Out::Done(key)).await;
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn pod(annotation: &str) -> Value {
        json!({"metadata": {"annotations": {FORWARD_ANNOTATION: annotation}}})
    }

    #[test]
    fn upstreams_are_read_from_the_annotation() {
        let u = upstreams(&pod("8080=127.0.0.1:41873, 8001=localhost:9")).unwrap();
        assert_eq!(u.get(&8080).map(String::as_str), Some("127.0.0.1:41873"));
        assert_eq!(u.get(&8001).map(String::as_str), Some("localhost:9"));
        assert_eq!(u.len(), 2);
        assert!(upstreams(&json!({"metadata": {}})).unwrap().is_empty());
    }

    #[test]
    fn a_malformed_upstream_is_named_in_the_error() {
        for bad in [
            "8080",
            "8080=127.0.0.1",
            "x=127.0.0.1:1",
            "8080=:80",
            "8080=h:port",
        ] {
            let err = upstreams(&pod(bad)).unwrap_err();
            assert!(err.contains("PORT=HOST:PORT"), "{bad}: {err}");
        }
    }
}
