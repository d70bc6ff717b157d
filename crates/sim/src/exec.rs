//! `pods/exec` over WebSocket, as kubectl 1.35 (`v5.channel.k8s.io`) and kube-rs
//! `Api::<Pod>::exec` (`v5`, else `v4.channel.k8s.io`) speak it: the command runs in the
//! built-in [`shell`](super::shell) over a view of the container (its env with `valueFrom`
//! resolved, its ConfigMap and Secret mounts projected from the store), since simulated pods
//! run no processes.
//!
//! The wire protocol: binary frames, first byte the channel — 0 stdin, 1 stdout, 2 stderr,
//! 3 the exit `metav1.Status` (`Success`, or `Failure` with reason `NonZeroExitCode` and an
//! `ExitCode` cause), 4 terminal resizes; in v5 a client ends stdin with `[255, 0]`. The
//! server sends the status last and closes the WebSocket, which ends every stream.
//!
//! Errors follow the real path: the API server's validation (container name, no host) is a
//! `400 Status`; the kubelet's refusal of a container that is not running is its plain-text
//! answer, which kubectl prints as `unable to upgrade connection: container not found (…)`.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Duration;

use base64::Engine;
use futures::{SinkExt, StreamExt};
use hyper::Response;
use serde_json::{Value, json};
use tokio::sync::watch;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

use super::http::{ApiRequest, Body, SimState, Target, text_response};
use super::resources::ResKey;
use super::shell::{Container, Flow, Output, Session};
use super::store::{ApiError, Obj};
use super::websocket::Upgraded;

/// The subprotocols served, preferred first. v5 adds the stream close kubectl needs to end
/// stdin without closing the connection.
const PROTOCOLS: [&str; 2] = ["v5.channel.k8s.io", "v4.channel.k8s.io"];

const STDIN: u8 = 0;
const STDOUT: u8 = 1;
const STDERR: u8 = 2;
const STATUS: u8 = 3;
const RESIZE: u8 = 4;
/// v5: "this stream is finished" (payload: the channel).
const CLOSE: u8 = 255;

/// What the client asked the session to connect.
#[derive(Clone, Copy, Debug)]
struct Streams {
    stdin: bool,
    stdout: bool,
    stderr: bool,
    tty: bool,
}

/// Serves `GET|POST …/pods/{name}/exec?command=…&container=…` with a WebSocket upgrade.
pub async fn serve(
    state: &Arc<SimState>,
    t: &Target,
    mut req: ApiRequest,
) -> Result<Response<Body>, ApiError> {
    let (_, name, pod) = t.object(state)?;
    let command = req.params("command");
    if command.is_empty() {
        return Err(ApiError::bad_request("you must specify at least 1 command"));
    }
    let container = container_of(&pod, &name, req.param("container"))?;
    super::websocket::check_scheduled(&pod, &name)?;
    if let Some(why) = not_running(&pod, &container) {
        // The kubelet's own answer, passed through by the API server as it came.
        return Ok(text_response(500, &why));
    }
    let streams = Streams {
        stdin: req.flag("stdin"),
        stdout: req.flag("stdout"),
        stderr: req.flag("stderr"),
        tty: req.flag("tty"),
    };
    let accepted = super::websocket::accept(&mut req, &PROTOCOLS, |upgrade, offered| {
        ApiError::bad_request(format!(
            "the Strata simulator serves exec over WebSocket with subprotocol {} or {} (as kubectl 1.35 and kube-rs ask), not SPDY; this request offered upgrade {upgrade:?} with subprotocols {offered:?}",
            PROTOCOLS[0], PROTOCOLS[1],
        ))
    })?;
    let view = container_view(state, &pod, &container);
    let exec = Exec {
        command,
        view,
        streams,
    };
    let shutdown = req.shutdown.clone();
    let socket = accepted.socket;
    tokio::spawn(async move {
        if let Some(ws) = socket.connection().await {
            exec.run(ws, shutdown).await;
        }
    });
    Ok(accepted.response)
}

/// The container a request names, or the pod's only one; the API server's messages
/// otherwise.
fn container_of(pod: &Value, pod_name: &str, asked: Option<&str>) -> Result<Value, ApiError> {
    let containers: Vec<&Value> = ["containers", "initContainers", "ephemeralContainers"]
        .iter()
        .flat_map(|k| pod["spec"][k].as_array().into_iter().flatten())
        .collect();
    let named = |c: &&Value| c["name"].as_str().unwrap_or_default().to_string();
    match asked.filter(|c| !c.is_empty()) {
        Some(want) => containers
            .iter()
            .find(|c| c["name"] == want)
            .map(|c| (*c).clone())
            .ok_or_else(|| {
                ApiError::bad_request(format!("container {want} is not valid for pod {pod_name}"))
            }),
        None => {
            let main = pod["spec"]["containers"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            match main.as_slice() {
                [only] => Ok(only.clone()),
                _ => Err(ApiError::bad_request(format!(
                    "a container name must be specified for pod {pod_name}, choose one of: [{}]",
                    containers.iter().map(named).collect::<Vec<_>>().join(" ")
                ))),
            }
        }
    }
}

/// The kubelet's refusal when `container` has no running process to exec in.
fn not_running(pod: &Value, container: &Value) -> Option<String> {
    let name = container["name"].as_str().unwrap_or_default();
    let status = ["containerStatuses", "initContainerStatuses"]
        .iter()
        .flat_map(|k| pod["status"][k].as_array().into_iter().flatten())
        .find(|s| s["name"] == name);
    match status {
        Some(s) if s["state"]["running"].is_object() => None,
        // A container that ran before still exists in the runtime, stopped.
        Some(s)
            if s["state"]["terminated"].is_object() || s["lastState"]["terminated"].is_object() =>
        {
            let id = s["containerID"].as_str().unwrap_or_default();
            let id = id.rsplit("://").next().unwrap_or(id);
            Some(format!("container not running ({id})"))
        }
        _ => Some(format!("container not found ({name:?})")),
    }
}

/// What the shell sees of `container`: env (with `valueFrom` and `envFrom` read from the
/// store, as the kubelet resolved them when it started), files of its ConfigMap, Secret
/// and projected mounts, its other mounts as empty directories.
fn container_view(state: &SimState, pod: &Value, container: &Value) -> Container {
    let ns = pod["metadata"]["namespace"].as_str().unwrap_or_default();
    let hostname = pod["spec"]["hostname"]
        .as_str()
        .or(pod["metadata"]["name"].as_str())
        .unwrap_or_default()
        .to_string();
    let source = Source { state, ns };
    let mut env = vec![
        (
            "PATH".to_string(),
            "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin".to_string(),
        ),
        ("HOSTNAME".to_string(), hostname.clone()),
    ];
    for from in container["envFrom"].as_array().into_iter().flatten() {
        let prefix = from["prefix"].as_str().unwrap_or_default();
        let data = if let Some(name) = from["configMapRef"]["name"].as_str() {
            source.config_map(name)
        } else if let Some(name) = from["secretRef"]["name"].as_str() {
            source.secret(name)
        } else {
            BTreeMap::new()
        };
        for (k, v) in data {
            env.push((
                format!("{prefix}{k}"),
                String::from_utf8_lossy(&v).into_owned(),
            ));
        }
    }
    for var in container["env"].as_array().into_iter().flatten() {
        let Some(name) = var["name"].as_str() else {
            continue;
        };
        let value = match &var["valueFrom"] {
            Value::Null => Some(var["value"].as_str().unwrap_or_default().to_string()),
            from => source.value_from(pod, from),
        };
        // An optional reference that resolves to nothing leaves the variable unset.
        if let Some(value) = value {
            env.push((name.to_string(), value));
        }
    }
    env.push(("HOME".to_string(), "/root".to_string()));

    let volumes: BTreeMap<&str, &Value> = pod["spec"]["volumes"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|v| Some((v["name"].as_str()?, v)))
        .collect();
    let mut files = BTreeMap::new();
    let mut dirs = BTreeSet::new();
    files.insert(
        "/etc/hostname".to_string(),
        format!("{hostname}\n").into_bytes(),
    );
    for mount in container["volumeMounts"].as_array().into_iter().flatten() {
        let Some(path) = mount["mountPath"].as_str() else {
            continue;
        };
        let path = super::shell::resolve("/", path);
        let projected = volumes
            .get(mount["name"].as_str().unwrap_or_default())
            .map(|v| source.volume_files(v))
            .unwrap_or_default();
        match mount["subPath"].as_str().filter(|s| !s.is_empty()) {
            Some(sub) => {
                if let Some(bytes) = projected.get(sub) {
                    files.insert(path, bytes.clone());
                } else {
                    dirs.insert(path);
                }
            }
            None => {
                for (rel, bytes) in projected {
                    files.insert(super::shell::resolve(&path, &rel), bytes);
                }
                dirs.insert(path);
            }
        }
    }
    Container {
        hostname,
        workdir: container["workingDir"].as_str().unwrap_or("/").to_string(),
        env,
        files,
        dirs,
    }
}

/// Reads ConfigMaps and Secrets of the pod's namespace, as the kubelet does for env and
/// volumes.
struct Source<'a> {
    state: &'a SimState,
    ns: &'a str,
}

impl Source<'_> {
    fn get(&self, plural: &str, name: &str) -> Option<Obj> {
        self.state
            .store
            .get(&ResKey::new("", plural), self.ns, name)
    }

    fn config_map(&self, name: &str) -> BTreeMap<String, Vec<u8>> {
        let Some(cm) = self.get("configmaps", name) else {
            return BTreeMap::new();
        };
        let text = cm["data"].as_object().into_iter().flatten().map(|(k, v)| {
            (
                k.clone(),
                v.as_str().unwrap_or_default().as_bytes().to_vec(),
            )
        });
        let binary = cm["binaryData"]
            .as_object()
            .into_iter()
            .flatten()
            .map(|(k, v)| (k.clone(), decode(v)));
        text.chain(binary).collect()
    }

    fn secret(&self, name: &str) -> BTreeMap<String, Vec<u8>> {
        let Some(secret) = self.get("secrets", name) else {
            return BTreeMap::new();
        };
        secret["data"]
            .as_object()
            .into_iter()
            .flatten()
            .map(|(k, v)| (k.clone(), decode(v)))
            .collect()
    }

    /// An env var's `valueFrom`: a ConfigMap or Secret key, or a field of the pod.
    fn value_from(&self, pod: &Value, from: &Value) -> Option<String> {
        let bytes = if let Some(name) = from["configMapKeyRef"]["name"].as_str() {
            let key = from["configMapKeyRef"]["key"].as_str().unwrap_or_default();
            self.config_map(name).remove(key)?
        } else if let Some(name) = from["secretKeyRef"]["name"].as_str() {
            let key = from["secretKeyRef"]["key"].as_str().unwrap_or_default();
            self.secret(name).remove(key)?
        } else if let Some(path) = from["fieldRef"]["fieldPath"].as_str() {
            let pointer = format!("/{}", path.replace('.', "/"));
            return pod
                .pointer(&pointer)
                .and_then(Value::as_str)
                .map(str::to_string);
        } else {
            return None;
        };
        Some(String::from_utf8_lossy(&bytes).into_owned())
    }

    /// A volume's files by path inside the mount: ConfigMap and Secret keys (or their
    /// `items`), and projected sources of both.
    fn volume_files(&self, volume: &Value) -> BTreeMap<String, Vec<u8>> {
        let mut out = BTreeMap::new();
        let mut add = |data: BTreeMap<String, Vec<u8>>, items: &Value| match items.as_array() {
            Some(items) => {
                for item in items {
                    let key = item["key"].as_str().unwrap_or_default();
                    let path = item["path"].as_str().unwrap_or(key);
                    if let Some(bytes) = data.get(key) {
                        out.insert(path.to_string(), bytes.clone());
                    }
                }
            }
            None => out.extend(data),
        };
        if let Some(name) = volume["configMap"]["name"].as_str() {
            add(self.config_map(name), &volume["configMap"]["items"]);
        }
        if let Some(name) = volume["secret"]["secretName"].as_str() {
            add(self.secret(name), &volume["secret"]["items"]);
        }
        for src in volume["projected"]["sources"]
            .as_array()
            .into_iter()
            .flatten()
        {
            if let Some(name) = src["configMap"]["name"].as_str() {
                add(self.config_map(name), &src["configMap"]["items"]);
            }
            if let Some(name) = src["secret"]["name"].as_str() {
                add(self.secret(name), &src["secret"]["items"]);
            }
        }
        out
    }
}

fn decode(v: &Value) -> Vec<u8> {
    base64::engine::general_purpose::STANDARD
        .decode(v.as_str().unwrap_or_default())
        .unwrap_or_default()
}

/// One accepted exec: the command, the container it runs in, the streams asked for.
struct Exec {
    command: Vec<String>,
    view: Container,
    streams: Streams,
}

impl Exec {
    async fn run(self, ws: Upgraded, mut shutdown: watch::Receiver<bool>) {
        let (mut sink, mut stream) = ws.split();
        let program = self.command[0].clone();
        let interactive = self.streams.stdin
            && super::shell::is_shell(&program)
            && !self.command.iter().any(|a| a == "-c");
        let status = if !super::shell::is_known(&program) {
            // The runtime could not start the process at all: not an exit code.
            Err(format!(
                "Internal error occurred: error executing command in container: failed to exec in container: failed to start exec: OCI runtime exec failed: exec failed: unable to start container process: exec: {program:?}: executable file not found in $PATH: unknown"
            ))
        } else if interactive {
            let mut session = Session::new(self.view.clone(), self.streams.tty, &self.command[1..]);
            let mut code = None;
            if !self.send_output(&mut sink, session.start()).await {
                return;
            }
            while code.is_none() {
                let step = tokio::select! {
                    msg = stream.next() => match msg {
                        Some(Ok(Message::Binary(bytes))) => match bytes.first() {
                            Some(&STDIN) => session.feed(&bytes[1..]),
                            Some(&CLOSE) if bytes.get(1) == Some(&STDIN) => session.end_of_input(),
                            // Resizes change nothing for a line-based shell.
                            Some(&RESIZE) | Some(_) | None => continue,
                        },
                        // A v4 client closes the connection to end stdin; nothing can be
                        // sent back then.
                        Some(Ok(Message::Close(_))) | None | Some(Err(_)) => return,
                        Some(Ok(_)) => continue,
                    },
                    _ = shutdown.changed() => return,
                };
                code = step.exit;
                if !self.send_output(&mut sink, step.output).await {
                    return;
                }
            }
            Ok(code.unwrap_or_default())
        } else {
            let mut st = self.view.state();
            let mut out = Output::new(self.streams.tty);
            let code = match self.view.run(&self.command, &mut st, &mut out) {
                Flow::Continue(c) | Flow::Exit(c) => c,
            };
            if self.streams.tty {
                out.stdout = super::shell::terminal_lines(&out.stdout);
            }
            if !self.send_output(&mut sink, out).await {
                return;
            }
            Ok(code)
        };
        let status = exit_status(&self.command, status);
        let mut frame = vec![STATUS];
        frame.extend_from_slice(&serde_json::to_vec(&status).unwrap_or_default());
        if sink.send(Message::binary(frame)).await.is_err() {
            return;
        }
        // A normal closure, with its code: client-go reads a close without one (1005) as a
        // broken stream, not as the end of the streams.
        let _ = sink
            .send(Message::Close(Some(CloseFrame {
                code: CloseCode::Normal,
                reason: "".into(),
            })))
            .await;
        // Read until the client answers the close, so what was sent is not cut by a reset
        // of a connection the client still writes to.
        let _ = tokio::time::timeout(Duration::from_secs(2), async {
            while let Some(Ok(_)) = stream.next().await {}
        })
        .await;
    }

    /// Writes what the shell printed to the streams the client opened; false when the
    /// client is gone.
    async fn send_output<S>(&self, sink: &mut S, out: Output) -> bool
    where
        S: futures::Sink<Message> + Unpin,
    {
        for (ch, bytes, wanted) in [
            (STDOUT, out.stdout, self.streams.stdout),
            (STDERR, out.stderr, self.streams.stderr && !self.streams.tty),
        ] {
            if bytes.is_empty() || !wanted {
                continue;
            }
            let mut frame = Vec::with_capacity(bytes.len() + 1);
            frame.push(ch);
            frame.extend_from_slice(&bytes);
            if sink.send(Message::binary(frame)).await.is_err() {
                return false;
            }
        }
        true
    }
}

/// The status frame that ends an exec, as the kubelet words it.
fn exit_status(command: &[String], outcome: Result<i32, String>) -> Value {
    match outcome {
        Ok(0) => json!({"metadata": {}, "status": "Success"}),
        Ok(code) => json!({
            "metadata": {},
            "status": "Failure",
            "message": format!(
                "command terminated with non-zero exit code: error executing command [{}], exit code {code}",
                command.join(" ")
            ),
            "reason": "NonZeroExitCode",
            "details": {"causes": [{"reason": "ExitCode", "message": code.to_string()}]},
        }),
        Err(message) => json!({
            "metadata": {},
            "status": "Failure",
            "message": message,
            "reason": "InternalError",
            "code": 500,
        }),
    }
}
