//! A dropped terminal in the middle of `strata rollback`: the hangup an SSH session's end
//! sends to the foreground process group kills strata, but helm runs in a group of its own and
//! finishes the rollback, so the release is not left `pending-rollback` (real Helm v4 on the
//! simulator, `tests/charts/tiny` with pods that take a few seconds to start).

mod support;

use std::io::{BufRead, BufReader};
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use support::{Sim, SimOptions, find_tool, private_dirs};

fn chart() -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/charts/tiny")
        .display()
        .to_string()
}

/// `helm history tiny`'s newest (revision, status).
fn newest(sim: &Sim) -> (u64, String) {
    let history = sim
        .helm(&["history", "tiny", "-n", "hangup", "-o", "json"])
        .json();
    let last = history
        .as_array()
        .and_then(|h| h.last())
        .cloned()
        .unwrap_or_default();
    (
        last["revision"].as_u64().unwrap_or(0),
        last["status"].as_str().unwrap_or_default().to_string(),
    )
}

#[test]
fn a_rollback_survives_the_hangup_of_its_terminal() {
    let Some(helm) = find_tool("helm") else {
        return;
    };
    let Some(sim) = Sim::start(SimOptions {
        runs: false,
        helm: true,
        ..SimOptions::default()
    }) else {
        return;
    };
    sim.namespace("hangup");
    let chart = chart();
    // Revision 1's pods take 8 s to start, so rolling back to it keeps helm waiting.
    sim.helm(&[
        "install",
        "tiny",
        &chart,
        "-n",
        "hangup",
        "--set",
        "startDelay=8s",
        "--wait",
        "--timeout",
        "40s",
    ])
    .ok();
    // Revision 2 replaces those pods (a rolling update leaves the old ones only while the
    // new ones are not ready), so a rollback to revision 1 starts its slow pods again.
    sim.helm(&[
        "upgrade",
        "tiny",
        &chart,
        "-n",
        "hangup",
        "--set",
        "tag=2.0",
        "--wait",
        "--timeout",
        "40s",
    ])
    .ok();
    assert_eq!(newest(&sim), (2, "deployed".to_string()));

    let dir = private_dirs();
    // strata in a process group of its own, as a login shell's foreground job is.
    let mut strata = Command::new(env!("CARGO_BIN_EXE_strata"))
        .arg("rollback")
        .arg("--kubeconfig")
        .arg(&sim.kubeconfig)
        .args(["tiny", "-n", "hangup", "--yes", "--helm"])
        .arg(&helm)
        .env_clear()
        .env("HOME", dir.path().join("home"))
        .env("XDG_CONFIG_HOME", dir.path().join("config"))
        .env("XDG_STATE_HOME", dir.path().join("state"))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .process_group(0)
        .spawn()
        .expect("strata starts");
    let group = strata.id();
    let stdout = strata.stdout.take().expect("stdout");
    // Lines as strata writes them, read on a thread that keeps the pipe open (a closed pipe
    // would end strata on its next line, before the hangup under test).
    let (lines, said_rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            if lines.send(line.unwrap_or_default()).is_err() {
                return;
            }
        }
    });
    let mut said = Vec::new();
    while let Ok(line) = said_rx.recv_timeout(Duration::from_secs(60)) {
        // helm has started once strata says where its output goes.
        let started = line.starts_with("(helm's output:");
        said.push(line);
        if started {
            break;
        }
    }
    assert!(
        said.iter().any(|l| l.starts_with("(helm's output:")),
        "{said:?}"
    );
    // The terminal goes away: its hangup reaches strata's whole group.
    std::thread::sleep(Duration::from_millis(500));
    let hung_up = Command::new("kill")
        .args(["-HUP", "--", &format!("-{group}")])
        .status()
        .expect("kill runs");
    assert!(hung_up.success());
    let _ = strata.wait();
    assert_ne!(
        newest(&sim),
        (3, "deployed".to_string()),
        "the rollback was still waiting when the terminal went away"
    );

    // helm carries on by itself and finishes.
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut now = newest(&sim);
    while now != (3, "deployed".to_string()) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(500));
        now = newest(&sim);
    }
    let helm_said: String = std::fs::read_dir(dir.path().join("state/strata/helm"))
        .into_iter()
        .flatten()
        .flatten()
        .map(|f| std::fs::read_to_string(f.path()).unwrap_or_default())
        .collect();
    assert_eq!(
        now,
        (3, "deployed".to_string()),
        "helm finished the rollback after strata was gone; strata said {said:?}; helm said:\n{helm_said}"
    );
    let logs = std::fs::read_dir(dir.path().join("state/strata/helm"))
        .expect("helm's output is kept")
        .count();
    assert_eq!(logs, 1);
}
