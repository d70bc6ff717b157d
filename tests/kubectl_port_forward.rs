//! `kubectl port-forward` (v1.35: SPDY/3.1 tunnelled through a WebSocket,
//! `SPDY/3.1+portforward.k8s.io`) against `strata sim serve`: bytes both ways through the
//! pod's `sim.strata.dev/forward` upstream, several and concurrent connections, a half-close,
//! the kubelet's error for a refused upstream, and RBAC.
//!
//! Run: `cargo test --test kubectl_port_forward -- --test-threads=2`.

mod support;

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::thread;
use std::time::Duration;

use support::{Background, Sim, SimOptions, wait_running, wait_until};

const NS: &str = "forward";

/// A TCP echo server on 127.0.0.1 that answers a half-close with its own; its address.
fn echo_server() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr").to_string();
    thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(mut conn) = conn else { break };
            thread::spawn(move || {
                let mut buf = [0u8; 8192];
                while let Ok(n) = conn.read(&mut buf) {
                    if n == 0 || conn.write_all(&buf[..n]).is_err() {
                        break;
                    }
                }
                let _ = conn.shutdown(Shutdown::Write);
            });
        }
    });
    addr
}

/// An address nothing listens on (bound, then closed).
fn refused_addr() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.local_addr().expect("addr").to_string()
}

/// A simulator with pod `fwd` (Running) whose port 80 leads to `upstream80` and 81 to
/// `upstream81`.
fn sim_with_pod(upstream80: &str, upstream81: &str) -> Option<Sim> {
    let sim = Sim::start(SimOptions::default())?;
    sim.namespace(NS);
    sim.create(
        NS,
        &format!(
            r#"apiVersion: v1
kind: Pod
metadata:
  name: fwd
  annotations:
    sim.strata.dev/script: "start=1s"
    sim.strata.dev/forward: "80={upstream80},81={upstream81}"
spec:
  containers: [{{name: main, image: "nginx:1.27"}}]
"#
        ),
    );
    wait_running(&sim, NS, "fwd");
    Some(sim)
}

/// The local port kubectl says it forwards from.
fn local_port(pf: &mut Background) -> u16 {
    let line = pf
        .wait_for_line(Duration::from_secs(20), |l| {
            l.starts_with("Forwarding from 127.0.0.1:")
        })
        .unwrap_or_else(|| panic!("no forward:\n{}", pf.report()));
    line.trim_start_matches("Forwarding from 127.0.0.1:")
        .split(' ')
        .next()
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("no port in {line:?}"))
}

/// Sends `payload` through a fresh local connection to `port`, half-closes, and reads the
/// echo to its end.
fn round_trip(port: u16, payload: &[u8]) -> Vec<u8> {
    let mut conn = TcpStream::connect(("127.0.0.1", port)).expect("connect to the forward");
    conn.set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    let mut writer = conn.try_clone().expect("clone");
    let sent = payload.to_vec();
    let send = thread::spawn(move || {
        writer.write_all(&sent).expect("write");
        writer.shutdown(Shutdown::Write).expect("half-close");
    });
    let mut back = Vec::new();
    conn.read_to_end(&mut back)
        .expect("the echo ends when the upstream closes");
    send.join().expect("writer");
    back
}

#[test]
fn kubectl_port_forward_relays_connections_to_the_pods_upstream() {
    let echo = echo_server();
    let Some(sim) = sim_with_pod(&echo, &refused_addr()) else {
        return;
    };
    let mut pf = sim.kubectl_background(&["port-forward", "-n", NS, "pod/fwd", ":80"]);
    let port = local_port(&mut pf);

    assert_eq!(
        round_trip(port, b"hello through kubectl"),
        b"hello through kubectl"
    );
    // A payload of many frames and WebSocket messages comes back whole.
    let big: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
    assert_eq!(round_trip(port, &big), big);
    // Connections at the same time are separate stream pairs.
    let both: Vec<_> = (0..2)
        .map(|i| thread::spawn(move || round_trip(port, format!("conn {i}").as_bytes())))
        .collect();
    for (i, t) in both.into_iter().enumerate() {
        assert_eq!(t.join().expect("thread"), format!("conn {i}").as_bytes());
    }
    assert!(pf.running(), "port-forward still serving:\n{}", pf.report());
}

#[test]
fn a_refused_upstream_is_reported_as_the_kubelet_reports_it() {
    let refused = refused_addr();
    let Some(sim) = sim_with_pod(&echo_server(), &refused) else {
        return;
    };
    let mut pf = sim.kubectl_background(&["port-forward", "-n", NS, "pod/fwd", ":81"]);
    let port = local_port(&mut pf);
    let back = round_trip(port, b"anyone?");
    assert!(back.is_empty(), "{back:?}");
    // kubectl 1.35 reports the error and ends the port-forward ("lost connection to pod").
    wait_until("kubectl reports the error", Duration::from_secs(10), || {
        let report = pf.report();
        if report.contains(&format!("error forwarding port 81 to pod fwd_{NS}, uid "))
            && report.contains(&format!("dial tcp {refused}: connect: connection refused"))
        {
            Ok(())
        } else {
            Err(report)
        }
    });

    let out = sim
        .kubectl(&[
            "--context",
            "strata-sim-viewer",
            "port-forward",
            "-n",
            NS,
            "pod/fwd",
            ":80",
        ])
        .failed();
    assert!(
        out.stderr
            .contains("cannot create resource \"pods/portforward\""),
        "{out}"
    );
}
