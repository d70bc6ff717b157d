//! `pods/portforward` over WebSocket, the protocol kube-rs speaks (`Api::<Pod>::portforward`):
//! the kubelet's channel framing relayed to an upstream TCP address the pod names in its
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
//! Only WebSocket: kubectl's SPDY (and SPDY tunnelled over WebSocket) is refused with a
//! message saying so.

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
use super::store::ApiError;

/// Annotation naming where a simulated pod's ports lead: `PORT=HOST:PORT[,PORT=HOST:PORT]`,
/// e.g. `8080=127.0.0.1:41873`. A port-forward to a port it does not name fails as a port
/// nothing listens on does.
pub const FORWARD_ANNOTATION: &str = "sim.strata.dev/forward";

/// The subprotocols served, preferred first: the kubelet's binary channel protocol, and its
/// older name (kube-rs offers `v5.channel.k8s.io, v4.channel.k8s.io`; the kubelet speaks v4
/// for port-forward).
const PROTOCOLS: [&str; 2] = ["v4.channel.k8s.io", "portforward.k8s.io"];

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
    let ports = requested_ports(&req)?;
    super::websocket::check_scheduled(&pod, &name)?;
    let phase = pod["status"]["phase"].as_str().unwrap_or("Pending");
    if phase != "Running" {
        return Err(ApiError::bad_request(format!(
            "unable to forward port because pod is not running. Current status={phase}"
        )));
    }
    let accepted = super::websocket::accept(&mut req, &PROTOCOLS, |upgrade, offered| {
        ApiError::bad_request(format!(
            "the Strata simulator serves port-forward over WebSocket with subprotocol {} (as kube-rs Api::portforward asks), not SPDY; this request offered upgrade {upgrade:?} with subprotocols {offered:?}",
            PROTOCOLS[0],
        ))
    })?;
    let upstreams = upstreams(&pod)
        .map_err(|why| ApiError::internal(format!("cannot forward to pod {ns}/{name}: {why}")))?;
    let forward = Forward {
        pod: format!("{name}_{ns}"),
        uid: pod["metadata"]["uid"]
            .as_str()
            .unwrap_or_default()
            .to_string(),
        ports,
        upstreams,
    };
    let shutdown = req.shutdown.clone();
    let socket = accepted.socket;
    tokio::spawn(async move {
        // The client sees 101 first; the upgraded connection is ours once it is sent.
        if let Some(ws) = socket.connection().await {
            forward.relay(ws, shutdown).await;
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
    /// Bytes for a channel (data or error), the channel byte not yet added.
    Frame(u8, Bytes),
    /// A port's upstream is finished (closed or failed).
    PortDone,
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
                    tokio::spawn(pump(tcp, data_ch, rx, out_tx.clone()));
                }
                Err(why) => {
                    to_upstream.push(None);
                    let msg = self.error_message(*port, &why);
                    let _ = out_tx.send(Out::Frame(data_ch + 1, msg.into())).await;
                    let _ = out_tx.send(Out::PortDone).await;
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
                        frame.push(ch);
                        frame.extend_from_slice(&bytes);
                        if sink.send(Message::binary(frame)).await.is_err() {
                            break;
                        }
                    }
                    Some(Out::PortDone) => {
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

/// Go's wording of a failed dial, as the kubelet reports it.
fn dial_error(addr: &str, e: &std::io::Error) -> String {
    let why = match e.kind() {
        std::io::ErrorKind::ConnectionRefused => "connect: connection refused".to_string(),
        _ => e.to_string(),
    };
    format!("dial tcp {addr}: {why}")
}

/// Relays one upstream connection: client bytes from `rx` are written to it, its bytes go out
/// on `data_ch`. Ends when either side is done, then reports the port done.
async fn pump(tcp: TcpStream, data_ch: u8, mut rx: mpsc::Receiver<Bytes>, out: mpsc::Sender<Out>) {
    let (mut read, mut write) = tcp.into_split();
    let to_upstream = async move {
        while let Some(bytes) = rx.recv().await {
            if write.write_all(&bytes).await.is_err() {
                return;
            }
        }
        // The relay is over (the client closed, or the API went down): the upstream
        // connection closes with this task.
        let _ = write.shutdown().await;
    };
    let out2 = out.clone();
    let from_upstream = async move {
        let mut buf = vec![0u8; CHUNK];
        loop {
            match read.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => {
                    let chunk = Bytes::copy_from_slice(&buf[..n]);
                    if out2.send(Out::Frame(data_ch, chunk)).await.is_err() {
                        return;
                    }
                }
            }
        }
    };
    tokio::select! {
        _ = to_upstream => {}
        _ = from_upstream => {}
    }
    let _ = out.send(Out::PortDone).await;
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
