//! Harness for real-client tests: starts `strata sim serve` as a subprocess with a private
//! kubeconfig and home, and runs the real kubectl and helm against it with a timeout on every
//! command, so no test can hang and no test touches the developer's own cluster config.
//!
//! The binaries come from `STRATA_KUBECTL` / `STRATA_HELM`, else from the cache that
//! `scripts/fetch-tools.sh` fills. Missing binaries skip loudly, except under `CI`, where they
//! fail: a green CI must mean the real clients ran.

// Each integration-test crate compiles this module and uses only part of it.
#![allow(dead_code)]

use std::fmt;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use serde_json::Value;
use tempfile::TempDir;

/// Default limit for one kubectl/helm command.
pub const COMMAND_TIMEOUT: Duration = Duration::from_secs(30);

/// Where `scripts/fetch-tools.sh` caches the binaries (keep the two in sync).
pub fn tools_cache_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("STRATA_TOOLS_DIR").filter(|d| !d.is_empty()) {
        return PathBuf::from(dir);
    }
    let cache = std::env::var_os("XDG_CACHE_HOME")
        .filter(|d| !d.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(std::env::var_os("HOME").unwrap_or_default()).join(".cache")
        });
    cache.join("strata").join("tools")
}

fn in_ci() -> bool {
    std::env::var_os("CI").is_some_and(|v| !v.is_empty() && v != "false" && v != "0")
}

/// Finds one real client binary, or says loudly why the test will not run.
///
/// Returns `None` (after printing `SKIPPED: ...`) outside CI; panics under CI.
pub fn find_tool(name: &str) -> Option<PathBuf> {
    let var = format!("STRATA_{}", name.to_uppercase());
    let path = std::env::var_os(&var)
        .filter(|p| !p.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| tools_cache_dir().join(name));
    if path.is_file() {
        return Some(path);
    }
    let msg = format!(
        "{name} not available at {} (set {var} or run scripts/fetch-tools.sh)",
        path.display()
    );
    if in_ci() {
        panic!("CI requires the real {name}: {msg}");
    }
    // Straight to the stderr handle: libtest captures `eprintln!` of passing tests, and a
    // skip must be seen.
    let _ = writeln!(std::io::stderr(), "SKIPPED: {msg}");
    None
}

/// How to start a simulator.
#[derive(Clone, Debug)]
pub struct SimOptions {
    pub scenario: &'static str,
    /// `--no-runs`: a cluster that only changes when a test changes it.
    pub runs: bool,
    /// `--pods N` extra pods for size tests.
    pub pods: usize,
    /// Also require helm (for Helm tests).
    pub helm: bool,
}

impl Default for SimOptions {
    fn default() -> Self {
        SimOptions {
            scenario: "demo",
            runs: false,
            pods: 0,
            helm: false,
        }
    }
}

/// A running `strata sim serve` plus a private environment for the clients; killed on drop.
pub struct Sim {
    /// Behind a lock so `&self` methods can ask whether it is still alive.
    child: Mutex<Child>,
    pub url: String,
    pub kubeconfig: PathBuf,
    kubectl: PathBuf,
    helm: Option<PathBuf>,
    stderr_log: PathBuf,
    dir: TempDir,
}

impl Sim {
    /// Starts a simulator, or returns `None` when the clients are missing (see [`find_tool`]).
    pub fn start(opts: SimOptions) -> Option<Sim> {
        let kubectl = find_tool("kubectl")?;
        let helm = if opts.helm {
            Some(find_tool("helm")?)
        } else {
            None
        };
        let dir = tempfile::tempdir().expect("create temp dir");
        for sub in ["home", "cache", "config", "data"] {
            std::fs::create_dir_all(dir.path().join(sub)).expect("create private dirs");
        }
        let kubeconfig = dir.path().join("kubeconfig");
        let stderr_log = dir.path().join("sim.stderr");
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_strata"));
        cmd.args([
            "sim",
            "serve",
            "--addr",
            "127.0.0.1:0",
            "--scenario",
            opts.scenario,
        ])
        .arg("--write-kubeconfig")
        .arg(&kubeconfig);
        if !opts.runs {
            cmd.arg("--no-runs");
        }
        if opts.pods > 0 {
            cmd.args(["--pods", &opts.pods.to_string()]);
        }
        let mut child = cmd
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&stderr_log).expect("create sim stderr log"))
            .spawn()
            .expect("spawn `strata sim serve`");

        // Line 1 is the URL, line 2 confirms the kubeconfig; read them off a thread so a
        // simulator that never prints cannot hang the test.
        let rx = line_channel(child.stdout.take().expect("sim stdout"));
        let mut sim = Sim {
            child: Mutex::new(child),
            url: String::new(),
            kubeconfig,
            kubectl,
            helm,
            stderr_log,
            dir,
        };
        // Size scenarios seed many objects before printing.
        let startup = Duration::from_secs(if opts.pods > 0 { 90 } else { 30 });
        sim.url = sim.expect_stdout_line(&rx, startup, "its URL");
        assert!(
            sim.url.starts_with("http://127.0.0.1:"),
            "sim printed {:?} instead of its URL on line 1",
            sim.url
        );
        let note = sim.expect_stdout_line(&rx, Duration::from_secs(10), "the kubeconfig note");
        assert!(
            sim.kubeconfig.is_file(),
            "sim said {note:?} but {} does not exist",
            sim.kubeconfig.display()
        );
        Some(sim)
    }

    fn expect_stdout_line(&mut self, rx: &Receiver<String>, wait: Duration, what: &str) -> String {
        match rx.recv_timeout(wait) {
            Ok(line) => line,
            Err(e) => {
                let _ = self.child.get_mut().expect("sim lock").kill();
                panic!(
                    "`strata sim serve` did not print {what} within {wait:?} ({e}); stderr:\n{}",
                    self.sim_stderr()
                );
            }
        }
    }

    /// Why the simulator is gone, with its stderr, if it exited (a crash, not a test bug).
    pub fn exit_report(&self) -> Option<String> {
        let status = self.child.lock().ok()?.try_wait().ok()??;
        Some(format!(
            "[the simulator exited ({status}); its stderr:\n{}]",
            clip(&self.sim_stderr())
        ))
    }

    /// What the simulator wrote to stderr so far (for failure messages).
    pub fn sim_stderr(&self) -> String {
        std::fs::read_to_string(&self.stderr_log).unwrap_or_default()
    }

    fn client(&self, program: &Path) -> Command {
        let mut cmd = Command::new(program);
        // A clean environment: no developer KUBECONFIG, helm config or kube cache leaks in,
        // and parallel tests never share a discovery cache.
        let root = self.dir.path();
        cmd.env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", root.join("home"))
            .env("XDG_CACHE_HOME", root.join("cache"))
            .env("XDG_CONFIG_HOME", root.join("config"))
            .env("XDG_DATA_HOME", root.join("data"))
            .env("KUBECONFIG", &self.kubeconfig)
            .env("TERM", "dumb");
        cmd
    }

    /// `kubectl ARGS` with the default timeout.
    pub fn kubectl(&self, args: &[&str]) -> Out {
        self.kubectl_with(args, None, COMMAND_TIMEOUT)
    }

    /// `kubectl ARGS` with text on stdin and a chosen timeout.
    pub fn kubectl_with(&self, args: &[&str], stdin: Option<&str>, timeout: Duration) -> Out {
        let out = run(self.client(&self.kubectl), "kubectl", args, stdin, timeout);
        self.blame_crash(out)
    }

    /// A failed command against a crashed simulator says so, with the simulator's stderr.
    fn blame_crash(&self, mut out: Out) -> Out {
        if !out.success()
            && let Some(report) = self.exit_report()
        {
            out.stderr.push_str(&report);
        }
        out
    }

    /// `kubectl ARGS -o json`, parsed; panics with the command's output when it fails.
    #[track_caller]
    pub fn json(&self, args: &[&str]) -> Value {
        let mut all = args.to_vec();
        all.extend(["-o", "json"]);
        self.kubectl(&all).ok().json()
    }

    /// `kubectl create --validate=false -f -` of test fixtures: setup for tests of other
    /// features, so it depends on as little of the API as possible (no OpenAPI, no patch).
    pub fn create(&self, namespace: &str, yaml: &str) -> Out {
        self.kubectl_with(
            &["create", "--validate=false", "-n", namespace, "-f", "-"],
            Some(yaml),
            COMMAND_TIMEOUT,
        )
        .ok()
    }

    /// Creates a namespace (setup). Through `create -f` rather than `kubectl create namespace`,
    /// whose typed client sends protobuf: that path has a test of its own.
    #[track_caller]
    pub fn namespace(&self, name: &str) {
        let manifest = format!("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: {name}\n");
        self.kubectl_with(
            &["create", "--validate=false", "-f", "-"],
            Some(&manifest),
            COMMAND_TIMEOUT,
        )
        .ok();
    }

    /// `helm ARGS --kube-context strata-sim`.
    pub fn helm(&self, args: &[&str]) -> Out {
        let helm = self
            .helm
            .as_ref()
            .expect("Sim started without SimOptions::helm");
        let mut all = args.to_vec();
        all.extend(["--kube-context", "strata-sim"]);
        let out = run(self.client(helm), "helm", &all, None, COMMAND_TIMEOUT);
        self.blame_crash(out)
    }

    /// Starts a long-running kubectl (watch, follow) whose stdout lines arrive on a channel.
    pub fn kubectl_background(&self, args: &[&str]) -> Background {
        let mut cmd = self.client(&self.kubectl);
        cmd.args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().expect("spawn kubectl");
        let rx = line_channel(child.stdout.take().expect("stdout"));
        let stderr = Arc::new(Mutex::new(String::new()));
        let sink = stderr.clone();
        let mut pipe = child.stderr.take().expect("stderr");
        thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = pipe.read(&mut buf) {
                if n == 0 {
                    break;
                }
                sink.lock()
                    .expect("stderr lock")
                    .push_str(&String::from_utf8_lossy(&buf[..n]));
            }
        });
        Background {
            cmdline: format!("kubectl {}", args.join(" ")),
            child,
            lines: rx,
            seen: Vec::new(),
            stderr,
        }
    }
}

impl Drop for Sim {
    fn drop(&mut self) {
        if let Ok(child) = self.child.get_mut() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// The lines a child writes, as they come, read off a thread so waiting on them can time out.
/// Reading goes on after the receiver is dropped: a closed pipe would make the child's next
/// write fail (Rust's `println!` panics on EPIPE).
fn line_channel(pipe: impl Read + Send + 'static) -> Receiver<String> {
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        for line in BufReader::new(pipe).lines() {
            let Ok(line) = line else { break };
            let _ = tx.send(line);
        }
    });
    rx
}

/// The outcome of one client command.
pub struct Out {
    pub cmdline: String,
    /// Exit code; `None` when killed (timeout) or ended by a signal.
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
    pub timed_out: bool,
}

impl Out {
    pub fn success(&self) -> bool {
        self.code == Some(0)
    }

    /// Panics with the whole output unless the command succeeded.
    #[track_caller]
    pub fn ok(self) -> Out {
        assert!(self.success(), "command failed:\n{self}");
        self
    }

    /// Panics unless the command ran to completion and failed.
    #[track_caller]
    pub fn failed(self) -> Out {
        assert!(
            !self.timed_out && !self.success(),
            "command should have failed:\n{self}"
        );
        self
    }

    #[track_caller]
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{self}"))
    }

    /// Non-empty stdout lines.
    pub fn lines(&self) -> Vec<&str> {
        self.stdout
            .lines()
            .filter(|l| !l.trim().is_empty())
            .collect()
    }
}

impl fmt::Display for Out {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let status = if self.timed_out {
            "TIMED OUT".to_string()
        } else {
            format!("exit {:?}", self.code)
        };
        writeln!(f, "$ {}  ({status})", self.cmdline)?;
        writeln!(f, "--- stdout ---\n{}", clip(&self.stdout))?;
        write!(f, "--- stderr ---\n{}", clip(&self.stderr))
    }
}

/// Keeps failure messages readable when a command printed thousands of lines.
fn clip(text: &str) -> String {
    const MAX: usize = 6000;
    if text.len() <= MAX {
        return text.to_string();
    }
    let mut cut = MAX;
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{}\n... [{} more bytes]", &text[..cut], text.len() - cut)
}

fn run(mut cmd: Command, name: &str, args: &[&str], stdin: Option<&str>, timeout: Duration) -> Out {
    let cmdline = format!("{name} {}", args.join(" "));
    cmd.args(args)
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {cmdline}: {e}"));
    if let Some(text) = stdin {
        let mut pipe = child.stdin.take().expect("stdin");
        let text = text.to_string();
        // Written off-thread: a client that does not read stdin must not block us.
        thread::spawn(move || {
            let _ = pipe.write_all(text.as_bytes());
        });
    }
    let reader = |mut pipe: Box<dyn Read + Send>| {
        thread::spawn(move || {
            let mut buf = Vec::new();
            let _ = pipe.read_to_end(&mut buf);
            String::from_utf8_lossy(&buf).into_owned()
        })
    };
    let out = reader(Box::new(child.stdout.take().expect("stdout")));
    let err = reader(Box::new(child.stderr.take().expect("stderr")));
    let deadline = Instant::now() + timeout;
    let mut timed_out = false;
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for client") {
            break Some(status);
        }
        if Instant::now() >= deadline {
            timed_out = true;
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        thread::sleep(Duration::from_millis(10));
    };
    Out {
        cmdline,
        code: status.and_then(|s| s.code()),
        stdout: out.join().unwrap_or_default(),
        stderr: err.join().unwrap_or_default(),
        timed_out,
    }
}

/// A long-running client (watch, follow); killed on drop.
pub struct Background {
    pub cmdline: String,
    child: Child,
    lines: Receiver<String>,
    /// Every stdout line received so far, for assertions and failure messages.
    pub seen: Vec<String>,
    stderr: Arc<Mutex<String>>,
}

impl Background {
    /// Waits for a stdout line matching `pred`; `None` after `timeout`.
    pub fn wait_for_line(
        &mut self,
        timeout: Duration,
        pred: impl Fn(&str) -> bool,
    ) -> Option<String> {
        let deadline = Instant::now() + timeout;
        if let Some(line) = self.seen.iter().find(|l| pred(l)) {
            return Some(line.clone());
        }
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    self.seen.push(line.clone());
                    if pred(&line) {
                        return Some(line);
                    }
                }
                Err(RecvTimeoutError::Timeout) => return None,
                // Exited: nothing more will come.
                Err(RecvTimeoutError::Disconnected) => return None,
            }
        }
    }

    /// Whether the process is still running.
    pub fn running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// A description of what the process did so far (for failure messages).
    pub fn report(&mut self) -> String {
        let status = match self.child.try_wait() {
            Ok(Some(s)) => format!("exited: {s}"),
            _ => "still running".to_string(),
        };
        // Give the stderr reader a moment to catch up with an exited process.
        thread::sleep(Duration::from_millis(50));
        format!(
            "$ {}  ({status})\n--- stdout so far ---\n{}\n--- stderr ---\n{}",
            self.cmdline,
            clip(&self.seen.join("\n")),
            clip(&self.stderr.lock().expect("stderr lock"))
        )
    }
}

impl Drop for Background {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Waits until pod `pod` in `ns` is Running, or panics after 30 s with what kubectl says.
#[track_caller]
pub fn wait_running(sim: &Sim, ns: &str, pod: &str) {
    wait_until(
        &format!("pod {ns}/{pod} Running"),
        Duration::from_secs(30),
        || {
            let out = sim.kubectl(&[
                "get",
                "pod",
                pod,
                "-n",
                ns,
                "-o",
                "jsonpath={.status.phase}",
            ]);
            if out.stdout.trim() == "Running" {
                Ok(())
            } else {
                Err(out.to_string())
            }
        },
    );
}

/// Polls `check` until it returns `Ok`, or panics after `timeout` with its last `Err`.
#[track_caller]
pub fn wait_until<T>(
    what: &str,
    timeout: Duration,
    mut check: impl FnMut() -> Result<T, String>,
) -> T {
    let deadline = Instant::now() + timeout;
    loop {
        match check() {
            Ok(v) => return v,
            Err(last) => {
                if Instant::now() >= deadline {
                    panic!("timed out after {timeout:?} waiting for {what}; last state:\n{last}");
                }
            }
        }
        thread::sleep(Duration::from_millis(250));
    }
}

/// The whitespace-separated words of a table's header line (multi-word headers such as
/// `LAST SEEN` become two words).
pub fn header_words(table: &str) -> Vec<&str> {
    table
        .lines()
        .next()
        .unwrap_or_default()
        .split_whitespace()
        .collect()
}

/// Whether `want` appears in `have` in order (other words may come between): the real API
/// server adds columns over releases, so tests pin the long-standing ones and their order.
pub fn is_subsequence(want: &[&str], have: &[&str]) -> bool {
    let mut it = have.iter();
    want.iter().all(|w| it.any(|h| h == w))
}

/// The `metadata.name`s of a List object.
pub fn item_names(list: &Value) -> Vec<String> {
    list["items"]
        .as_array()
        .map(|items| {
            items
                .iter()
                .filter_map(|i| i["metadata"]["name"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// The test fixtures (`tests/fixtures`: the Helm-rendered charts and their INDEX.md).
pub fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join("fixtures")
}

/// Kinds that have no namespace (a render leaves them without one, and so must we).
const CLUSTER_SCOPED: [&str; 6] = [
    "ClusterRole",
    "ClusterRoleBinding",
    "MutatingWebhookConfiguration",
    "ValidatingWebhookConfiguration",
    "CustomResourceDefinition",
    "Namespace",
];

/// The documents of a chart fixture (`tests/fixtures/charts/FILE`), placed in `namespace` as
/// `kubectl apply -n` would place them.
pub fn chart_documents(file: &str, namespace: &str) -> Vec<Value> {
    let path = fixtures_dir().join("charts").join(file);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read fixture {}: {e}", path.display()));
    let docs = serde_saphyr::from_multiple::<Value>(&text)
        .unwrap_or_else(|e| panic!("fixture {file} does not parse: {e}"));
    docs.into_iter()
        .filter(Value::is_object)
        .map(|mut doc| {
            let kind = doc["kind"].as_str().unwrap_or_default().to_string();
            if !CLUSTER_SCOPED.contains(&kind.as_str()) && doc["metadata"]["namespace"].is_null() {
                doc["metadata"]["namespace"] = serde_json::json!(namespace);
            }
            doc
        })
        .collect()
}

impl Sim {
    /// The simulator's request summary (`GET /strata-sim/requests`: totals, the mutating
    /// count, per-verb counts), read over plain HTTP/1.0 so the read is not itself a client
    /// under test.
    pub fn requests(&self) -> Value {
        let address = self
            .url
            .trim_start_matches("http://")
            .trim_end_matches('/')
            .to_string();
        let mut stream = std::net::TcpStream::connect(&address).expect("connect to the simulator");
        stream
            .set_read_timeout(Some(COMMAND_TIMEOUT))
            .expect("timeout");
        write!(
            stream,
            "GET /strata-sim/requests HTTP/1.0\r\nHost: {address}\r\n\r\n"
        )
        .expect("send");
        let mut response = String::new();
        stream.read_to_string(&mut response).expect("read");
        let body = response
            .split_once("\r\n\r\n")
            .map(|(_, b)| b)
            .unwrap_or_default();
        serde_json::from_str(body).unwrap_or_else(|e| panic!("not JSON ({e}): {response}"))
    }
}

/// What one run of the `strata` binary left behind.
pub struct StrataRun {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl StrataRun {
    #[track_caller]
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "stdout is not JSON ({e}):\n{}\nstderr:\n{}",
                self.stdout, self.stderr
            )
        })
    }
}

/// A home and config directory of the test's own (no user file leaks in).
pub fn private_dirs() -> TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    for sub in ["home", "config"] {
        std::fs::create_dir_all(dir.path().join(sub)).expect("private dirs");
    }
    dir
}

/// `strata SUBCOMMAND --kubeconfig KUBECONFIG ARGS…` with `dir`'s home and config, no
/// terminal on stdin, killed after `timeout`.
pub fn run_strata(kubeconfig: &Path, dir: &Path, args: &[&str], timeout: Duration) -> StrataRun {
    let (subcommand, args) = args.split_first().expect("a subcommand");
    let mut child = Command::new(env!("CARGO_BIN_EXE_strata"))
        .arg(subcommand)
        .arg("--kubeconfig")
        .arg(kubeconfig)
        .args(args)
        .env_clear()
        .env("HOME", dir.join("home"))
        .env("XDG_CONFIG_HOME", dir.join("config"))
        .env("XDG_STATE_HOME", dir.join("state"))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run strata");
    let mut stdout_pipe = child.stdout.take().expect("stdout");
    let mut stderr_pipe = child.stderr.take().expect("stderr");
    let out = thread::spawn(move || {
        let mut s = String::new();
        let _ = stdout_pipe.read_to_string(&mut s);
        s
    });
    let err = thread::spawn(move || {
        let mut s = String::new();
        let _ = stderr_pipe.read_to_string(&mut s);
        s
    });
    let deadline = Instant::now() + timeout;
    let code = loop {
        if let Some(exit) = child.try_wait().expect("wait") {
            break exit.code();
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("strata {subcommand} {args:?} did not finish within {timeout:?}");
        }
        thread::sleep(Duration::from_millis(20));
    };
    StrataRun {
        code,
        stdout: out.join().unwrap_or_default(),
        stderr: err.join().unwrap_or_default(),
    }
}
