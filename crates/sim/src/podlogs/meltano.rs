//! Meltano `meltano run tap-x target-y` (and bare Singer taps/targets): Meltano's structlog
//! console lines wrapping the Singer SDK's stderr lines of each plugin.

use chrono::{DateTime, Utc};

use super::{Ctx, End, Plan, iso_us};

pub(crate) fn detect(ctx: &Ctx<'_>) -> bool {
    let repo = ctx.image_repo();
    repo.starts_with("meltano/")
        || ctx.argv_has("meltano")
        || (ctx.words().any(|w| w.starts_with("tap-"))
            && ctx.words().any(|w| w.starts_with("target-")))
}

/// Meltano's console renderer: event padded to 30 columns, then sorted key=value pairs.
fn ml(at: DateTime<Utc>, level: &str, event: &str, kv: &str) -> String {
    if kv.is_empty() {
        format!("{} [{level:<9}] {event}", iso_us(at))
    } else {
        format!("{} [{level:<9}] {event:<30} {kv}", iso_us(at))
    }
}

fn py_bool(b: bool) -> &'static str {
    if b { "True" } else { "False" }
}

/// A Singer SDK stderr line as the plugin writes it, relayed by Meltano.
fn sdk(at: DateTime<Utc>, level: &str, logger: &str, msg: &str) -> String {
    format!(
        "{},{:03} | {level:<8} | {logger:<20} | {msg}",
        at.format("%Y-%m-%d %H:%M:%S"),
        at.timestamp_subsec_millis()
    )
}

pub(crate) fn plan(ctx: &Ctx<'_>) -> Plan {
    let mut p = Plan::new();
    let mut rng = ctx.rng("meltano");
    let tap = ctx
        .words()
        .find(|w| w.starts_with("tap-"))
        .unwrap_or("tap-github")
        .to_string();
    let target = ctx
        .words()
        .find(|w| w.starts_with("target-"))
        .unwrap_or("target-postgres")
        .to_string();
    let env = ctx
        .flag_value(&["--environment"])
        .unwrap_or("prod")
        .to_string();
    let job = format!("{env}:{tap}-to-{target}");
    let run_id = ctx.pod_rng("meltano-run").uuid();
    let streams: &[&str] = if tap.contains("github") {
        &["commits", "issues", "pull_requests"]
    } else if tap.contains("postgres") || tap.contains("mysql") {
        &["public-orders", "public-customers"]
    } else {
        &["users", "events"]
    };
    let relay = {
        let (tap, target, job, run_id) = (tap.clone(), target.clone(), job.clone(), run_id.clone());
        move |at: DateTime<Utc>, producer: bool, inner: &str| {
            let name = if producer { &tap } else { &target };
            ml(
                at,
                "info",
                inner,
                &format!(
                    "cmd_type=elb consumer={} job_name={job} name={name} producer={} run_id={run_id} stdio=stderr string_id={name}",
                    py_bool(!producer),
                    py_bool(producer)
                ),
            )
        }
    };
    let e = env.clone();
    p.step(0, move |at| {
        ml(at, "info", &format!("Environment '{e}' is active"), "")
    });
    if ctx.attempt == 0 {
        p.step(rng.range(300, 900), |at| {
            ml(at, "warning", "No state was found, complete import.", "")
        });
    }
    let (r, t) = (relay.clone(), tap.clone());
    p.step(rng.range(1500, 4000), move |at| {
        r(
            at,
            true,
            &sdk(at, "INFO", &t, "Skipping parse of env var settings..."),
        )
    });
    let (r, t) = (relay.clone(), target.clone());
    p.step(rng.range(200, 900), move |at| {
        r(
            at,
            false,
            &sdk(
                at,
                "INFO",
                &t,
                &format!("Target '{t}' is listening for input from tap."),
            ),
        )
    });
    for s in streams {
        let (r, t) = (relay.clone(), tap.clone());
        let logger = format!("{t}.{s}");
        p.step(rng.range(100, 800), move |at| {
            r(
                at,
                true,
                &sdk(
                    at,
                    "INFO",
                    &logger,
                    &format!("Beginning incremental sync of '{s}'..."),
                ),
            )
        });
    }
    let (r, t, tg) = (relay.clone(), tap.clone(), target.clone());
    p.beat(rng.range(6_000, 15_000), move |k, rnd, at| {
        let s = streams[(k as usize / 5) % streams.len()];
        if rnd % 4 == 0 {
            r(at, false, &sdk(at, "INFO", &tg, &format!("Target sink for '{s}' is full. Current size is '10000'. Draining...")))
        } else {
            r(at, true, &sdk(at, "INFO", "singer_sdk.metrics", &format!("METRIC: {{\"type\": \"counter\", \"metric\": \"record_count\", \"value\": {}, \"tags\": {{\"stream\": \"{s}\", \"context\": {{}}}}}}", 500 + rnd % 2000)))
        }
    });
    let _ = t;
    match ctx.end {
        End::Exit(0) => {
            let (r, tg) = (relay.clone(), target.clone());
            let lines = rng.range(5_000, 200_000);
            p.tail_step(0, move |at| r(at, false, &sdk(at, "INFO", &tg, &format!("Target '{tg}' completed reading {lines} lines of input ({} records, (0 batch manifests, {} state messages).", lines - 40, 1 + lines / 10_000))));
            p.tail_step(rng.range(100, 500), |at| {
                ml(
                    at,
                    "info",
                    &format!(
                        "Incremental state has been updated at {}.",
                        at.format("%Y-%m-%d %H:%M:%S%.6f")
                    ),
                    "",
                )
            });
            p.tail_step(rng.range(10, 50), |at| {
                ml(
                    at,
                    "info",
                    "Block run completed.",
                    "block_type=ExtractLoadBlocks err=None set_number=0 success=True",
                )
            });
        }
        End::Exit(c) if c != 137 && c != 143 => {
            let (r, t) = (relay.clone(), tap.clone());
            let s = streams[0];
            p.tail_step(0, move |at| {
                r(
                    at,
                    true,
                    &sdk(
                        at,
                        "ERROR",
                        &format!("{t}.{s}"),
                        &format!("An unhandled error occurred while syncing '{s}'"),
                    ),
                )
            });
            let (r, t) = (relay.clone(), tap.clone());
            p.tail_step(2, move |at| {
                r(at, true, &format!("Traceback (most recent call last):\n  File \"/project/.meltano/extractors/{t}/venv/lib/python3.11/site-packages/singer_sdk/streams/rest.py\", line 428, in request_records\n    resp = decorated_request(prepared_request, context)\nsinger_sdk.exceptions.FatalAPIError: 401 Client Error: Unauthorized for path: /repos/acme/app/{s}"))
            });
            p.tail_step(20, move |at| ml(at, "error", "Extraction failed", &format!("code=1 message=singer_sdk.exceptions.FatalAPIError: 401 Client Error: Unauthorized for path: /repos/acme/app/{s}")));
            p.tail_step(20, |at| ml(at, "error", "Block run completed.", "block_type=ExtractLoadBlocks err=RunnerError('Extractor failed') exit_codes={<PluginType.EXTRACTORS: 'extractors'>: 1} set_number=0 success=False"));
            p.tail_step(1, |_| "\nNeed help fixing this problem? Visit http://melta.no/ for troubleshooting steps, or to\njoin our friendly Slack community.\n\nRun invocation could not be completed as block failed: Extractor failed".to_string());
        }
        _ => {}
    }
    p
}
