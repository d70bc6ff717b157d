//! Lightdash backend and scheduler worker: Node.js winston lines
//! (`2026-11-26 12:00:01:123 [Lightdash] info: ...`).

use chrono::{DateTime, Utc};

use super::{Ctx, Plan};

pub(crate) fn detect(ctx: &Ctx<'_>) -> Option<bool> {
    let repo = ctx.image_repo();
    if repo.starts_with("lightdash/") || ctx.label("app.kubernetes.io/name") == Some("lightdash") {
        let worker = ctx
            .label("app.kubernetes.io/component")
            .is_some_and(|c| c.contains("worker"))
            || ctx.words().any(|w| w.contains("scheduler"));
        return Some(worker);
    }
    None
}

fn ld(at: DateTime<Utc>, level: &str, msg: &str) -> String {
    format!(
        "{}:{:03} [Lightdash] {level}: {msg}",
        at.format("%Y-%m-%d %H:%M:%S"),
        at.timestamp_subsec_millis()
    )
}

pub(crate) fn plan(ctx: &Ctx<'_>, worker: bool) -> Plan {
    let mut p = Plan::new();
    let mut rng = ctx.rng("lightdash");
    p.step(0, |at| ld(at, "info", "Running database migrations"));
    p.step(rng.range(500, 2000), |at| {
        ld(at, "info", "Database migrations complete")
    });
    if worker {
        p.step(rng.range(200, 800), |at| {
            ld(at, "info", "Starting scheduler worker")
        });
        p.beat(rng.range(20_000, 60_000), |_, r, at| {
            let job = [
                "handleScheduledDelivery",
                "compileProject",
                "downloadCsv",
                "validateProject",
            ][(r % 4) as usize];
            ld(
                at,
                "info",
                &format!("Scheduler task {job} started (jobId: {})", r % 100_000),
            )
        });
    } else {
        p.step(rng.range(200, 800), |at| {
            ld(at, "info", "Lightdash backend listening on port 8080")
        });
        p.beat(rng.range(5_000, 15_000), |_, r, at| {
            let path = [
                "/api/v1/health",
                "/api/v1/health",
                "/api/v1/org/projects",
                "/api/v1/saved/3f1c/results",
            ][(r % 4) as usize];
            ld(
                at,
                "http",
                &format!("GET {path} 200 - {}.{} ms", r % 90, r % 10),
            )
        });
    }
    p
}
