//! Drawing cost of the cockpit: one frame of a 10k-row pod table at 200×60 (only the rows on
//! screen are formatted), and the bytes written to the terminal when one pod's status
//! changes (ratatui sends only the changed cells; measured through a counting writer).
//!
//! `cargo bench --bench render`; figures in benches/README.md.

use std::hint::black_box;
use std::io::{self, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use chrono::{DateTime, Duration, TimeZone, Utc};
use criterion::{Criterion, criterion_group, criterion_main};
use ratatui::backend::{CrosstermBackend, TestBackend};
use ratatui::layout::Rect;
use ratatui::{Terminal, TerminalOptions, Viewport};
use serde_json::json;
use strata::app::{Action, AppState, ContextInfo, Keymap, update};
use strata::cluster::resource::Projector;
use strata::cluster::{CacheEvent, Catalog, NamespaceScope, ResourceRow};
use strata::ui::{self, Theme};

const WIDTH: u16 = 200;
const HEIGHT: u16 = 60;
const PODS: usize = 10_000;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap()
}

fn pod(i: usize, waiting: Option<&str>) -> ResourceRow {
    let state = match waiting {
        Some(reason) => json!({"waiting": {"reason": reason}}),
        None => json!({"running": {"startedAt": (now() - Duration::hours(1)).to_rfc3339()}}),
    };
    let object = json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": format!("bench-pod-{i:05}-7d9f8c6b5-x2k4q"), "namespace": format!("bench-{:02}", i / 1000),
                     "uid": format!("uid-{i}"), "creationTimestamp": (now() - Duration::minutes(i as i64)).to_rfc3339(),
                     "labels": {"app": "bench"}},
        "spec": {"containers": [{"name": "main", "image": "busybox:1"}], "nodeName": "worker-1"},
        "status": {"phase": "Running", "podIP": "10.244.3.7",
                   "containerStatuses": [{"name": "main", "ready": waiting.is_none(), "restartCount": i % 4,
                                          "state": state}]}
    });
    let catalog = Catalog::builtin();
    let kind = catalog.resolve("pods").unwrap();
    Projector::for_kind(kind).row(kind, &object, true)
}

fn cockpit() -> AppState {
    cockpit_with(PODS)
}

fn cockpit_with(pods: usize) -> AppState {
    let mut state = AppState::new(
        ContextInfo {
            name: "bench".into(),
            cluster_url: "http://127.0.0.1:6443/".into(),
        },
        NamespaceScope::All,
        Keymap::builtin(),
        now(),
    )
    .starting_on_pods();
    update(
        &mut state,
        Action::Resized(ui::viewport(Rect::new(0, 0, WIDTH, HEIGHT))),
    );
    update(&mut state, Action::Started);
    update(&mut state, Action::ServerProbed(Ok("v1.35.0".into())));
    let generation = state.table().unwrap().generation;
    update(
        &mut state,
        Action::Resource {
            generation,
            // Like a real cluster, a few pods are crash-looping already.
            event: CacheEvent::Reset(
                (0..pods)
                    .map(|i| Arc::new(pod(i, (i % 97 == 50).then_some("CrashLoopBackOff"))))
                    .collect(),
            ),
        },
    );
    state
}

fn change(state: &mut AppState, row: ResourceRow) {
    let generation = state.table().unwrap().generation;
    update(
        state,
        Action::Resource {
            generation,
            event: CacheEvent::Applied(Arc::new(row)),
        },
    );
}

/// Counts what the backend writes, as a terminal would receive it.
#[derive(Clone, Default)]
struct CountingWriter(Arc<AtomicUsize>);

impl Write for CountingWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.fetch_add(buf.len(), Ordering::Relaxed);
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Bytes of the first full frame and of the frame after one pod's status changed.
fn bytes_for_one_status_change() -> (usize, usize) {
    let mut state = cockpit();
    let theme = Theme::default();
    let counter = CountingWriter::default();
    let mut terminal = Terminal::with_options(
        CrosstermBackend::new(counter.clone()),
        TerminalOptions {
            viewport: Viewport::Fixed(Rect::new(0, 0, WIDTH, HEIGHT)),
        },
    )
    .unwrap();
    terminal
        .draw(|frame| ui::render(&state, &theme, frame))
        .unwrap();
    let full = counter.0.swap(0, Ordering::Relaxed);
    // The third pod on screen starts crash-looping: STATUS, READY change.
    change(&mut state, pod(2, Some("CrashLoopBackOff")));
    terminal
        .draw(|frame| ui::render(&state, &theme, frame))
        .unwrap();
    (full, counter.0.load(Ordering::Relaxed))
}

fn render(c: &mut Criterion) {
    let (full, delta) = bytes_for_one_status_change();
    println!("bytes written: first frame {full}, after one pod's status change {delta}");

    let theme = Theme::default();
    let mut terminal = Terminal::new(TestBackend::new(WIDTH, HEIGHT)).unwrap();

    let state = cockpit();
    c.bench_function("frame_10k_pods_200x60_top", |b| {
        b.iter(|| {
            terminal
                .draw(|frame| ui::render(black_box(&state), &theme, frame))
                .map(|_| ())
                .unwrap()
        });
    });

    let mut middle = cockpit();
    for _ in 0..5_000 {
        update(
            &mut middle,
            Action::Key(strata::app::harness::key_event("j")),
        );
    }
    update(
        &mut middle,
        Action::Key(strata::app::harness::key_event("s")),
    );
    c.bench_function("frame_10k_pods_200x60_sorted_scrolled", |b| {
        b.iter(|| {
            terminal
                .draw(|frame| ui::render(black_box(&middle), &theme, frame))
                .map(|_| ())
                .unwrap()
        });
    });

    // A key at 50k rows, cursor mid-table: what one keystroke costs before its frame.
    let mut big = cockpit_with(50_000);
    for _ in 0..25_000 {
        update(&mut big, Action::Key(strata::app::harness::key_event("j")));
    }
    c.bench_function("key_down_up_50k_pods_mid_table", |b| {
        b.iter(|| {
            update(&mut big, Action::Key(strata::app::harness::key_event("j")));
            update(&mut big, Action::Key(strata::app::harness::key_event("k")));
        });
    });
    c.bench_function("frame_50k_pods_200x60_mid_table", |b| {
        b.iter(|| {
            terminal
                .draw(|frame| ui::render(black_box(&big), &theme, frame))
                .map(|_| ())
                .unwrap()
        });
    });

    c.bench_function("apply_one_pod_change_10k_sorted", |b| {
        let mut i = 0;
        b.iter(|| {
            i = (i + 1) % PODS;
            change(
                &mut middle,
                pod(
                    i,
                    if i % 2 == 0 {
                        Some("CrashLoopBackOff")
                    } else {
                        None
                    },
                ),
            );
        });
    });
}

criterion_group!(benches, render);
criterion_main!(benches);
