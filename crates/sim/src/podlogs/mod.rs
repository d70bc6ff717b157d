//! Scripted container logs per tool (Airbyte sync, Airflow task, dbt run, Spark driver…) in
//! each tool's real output format, generated deterministically from the pod and its timeline.
//!
//! Pods in the simulator run no containers, so `pods/log` asks [`lines`] for what a container
//! run "wrote" in a time window. Each tool module turns the pod into a [`Plan`]: start-up lines
//! at fixed offsets (`head`), lines spread across the run (`body`), periodic lines computed on
//! demand (`beat`, so a server can log forever at O(window) cost) and closing lines just before
//! the exit that match the exit code (`tail`). [`Plan::window`] lays the plan out on the run's
//! timeline and cuts the requested window; every line's time and text depend only on the pod,
//! the container, the attempt and the line's slot, so adjacent windows partition the output.

mod airbyte;
mod airflow;
mod clickhouse;
mod dagster;
mod dbt;
mod detect;
mod generic;
mod lightdash;
mod meltano;
mod metabase;
mod noisy;
mod postgres;
mod prefect;
mod rate;
mod redis;
mod spark;
mod superset;
#[cfg(test)]
mod tests;
mod trino;

use chrono::{DateTime, TimeDelta, Utc};
use serde_json::Value;

use super::script::PodScript;

/// One line a container wrote, with the time it wrote it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogLine {
    pub at: DateTime<Utc>,
    pub text: String,
}

/// One run of one container: the pod it belongs to and when it started and ended.
#[derive(Clone, Copy, Debug)]
pub struct ContainerRun<'a> {
    pub pod: &'a Value,
    pub container: &'a str,
    /// 0 for the first start, then the restart count of this instance.
    pub attempt: u32,
    pub started: DateTime<Utc>,
    /// When it exited, and with which code; None while it runs.
    pub finished: Option<(DateTime<Utc>, i32)>,
}

/// Most lines one call returns. A follow stream asks for `[start, now)` first and keeps only
/// its tail, so clipping the oldest lines of a huge window loses nothing a client shows.
pub const MAX_LINES: usize = 10_000;

/// The lines this container run wrote with `from <= at < until`, in time order. Calling it for
/// adjacent windows yields each line exactly once (windows holding more than [`MAX_LINES`]
/// lines keep only their newest lines).
pub fn lines(run: &ContainerRun<'_>, from: DateTime<Utc>, until: DateTime<Utc>) -> Vec<LogLine> {
    if until <= from {
        return Vec::new();
    }
    let ctx = Ctx::new(run);
    if let Some(per_second) = ctx.log_rate {
        return rate::window(&ctx, per_second, from, until);
    }
    let plan = detect::plan(&ctx);
    plan.window(&ctx, from, until)
}

/// Milliseconds since the container started.
type Ms = i64;

/// Renders one entry at the time it is written; may return several lines joined by `\n`
/// (a stack trace is written at once).
type Render = Box<dyn Fn(DateTime<Utc>) -> String>;

/// Renders periodic slot `k` with its random draw `r`.
type BeatRender = Box<dyn Fn(u64, u64, DateTime<Utc>) -> String>;

/// How a run ends, as far as its log is concerned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum End {
    /// Still running with no planned exit: servers log forever, batch jobs hang.
    Open,
    /// Exits with this code at the planned or actual end.
    Exit(i32),
}

impl End {
    pub(crate) fn failed(self) -> bool {
        matches!(self, End::Exit(c) if c != 0)
    }
    pub(crate) fn code(self) -> Option<i32> {
        match self {
            End::Open => None,
            End::Exit(c) => Some(c),
        }
    }
    /// Killed by a signal (SIGTERM 143, SIGKILL 137): servers shut down, jobs just stop.
    pub(crate) fn killed(self) -> bool {
        matches!(self, End::Exit(137) | End::Exit(143))
    }
}

/// Everything the tool modules read about a container run.
pub(crate) struct Ctx<'a> {
    pub pod: &'a Value,
    pub name: &'a str,
    pub namespace: &'a str,
    pub container: &'a str,
    pub image: &'a str,
    /// The container's spec in the pod, when the pod has it.
    pub spec: Option<&'a Value>,
    /// Command then args of the container spec.
    pub argv: Vec<&'a str>,
    pub init: bool,
    pub attempt: u32,
    pub seed: u64,
    pub started: DateTime<Utc>,
    pub end: End,
    /// When the run stops writing (actual or planned exit).
    pub end_at: Option<DateTime<Utc>>,
    /// Lines a second from the pod script's `log-rate` (main containers only).
    pub log_rate: Option<f64>,
    /// Where a failing run fails, from the pod script's `fail-in`.
    pub fail_in: Option<String>,
}

impl<'a> Ctx<'a> {
    fn new(run: &ContainerRun<'a>) -> Ctx<'a> {
        let pod = run.pod;
        let meta = &pod["metadata"];
        let name = meta["name"].as_str().unwrap_or("");
        let namespace = meta["namespace"].as_str().unwrap_or("default");
        let spec = find_container(pod, run.container);
        let init = spec.is_some_and(|(_, init)| init);
        let spec = spec.map(|(s, _)| s);
        let image = spec.and_then(|s| s["image"].as_str()).unwrap_or("");
        let mut argv = Vec::new();
        for key in ["command", "args"] {
            if let Some(items) = spec.and_then(|s| s[key].as_array()) {
                argv.extend(items.iter().filter_map(Value::as_str));
            }
        }
        // The pod uid keeps two pods of the same name (a re-created Job pod) apart; the name is
        // the fallback for hand-written pods without one.
        let identity = meta["uid"]
            .as_str()
            .filter(|u| !u.is_empty())
            .map(str::to_string)
            .unwrap_or_else(|| format!("{namespace}/{name}"));
        let seed = mix(hash_str(&identity) ^ hash_str(run.container).rotate_left(17))
            ^ mix(u64::from(run.attempt).wrapping_add(0x51));
        // The script tells how the run will end even while it runs, so the log is laid out
        // once and a window asked before the exit sees the same lines as one asked after it.
        let script = PodScript::of_pod(pod);
        let planned = if init {
            None
        } else {
            script.ending().and_then(|(d, code)| {
                let d = TimeDelta::from_std(d).ok()?;
                Some((run.started.checked_add_signed(d)?, code))
            })
        };
        let (end, end_at) = match run.finished.or(planned) {
            Some((at, code)) => (End::Exit(code), Some(at.max(run.started))),
            None => (End::Open, None),
        };
        Ctx {
            pod,
            name,
            namespace,
            container: run.container,
            image,
            spec,
            argv,
            init,
            attempt: run.attempt,
            seed,
            started: run.started,
            end,
            end_at,
            log_rate: script.log_rate.filter(|_| !init),
            fail_in: script.fail_in,
        }
    }

    pub(crate) fn label(&self, key: &str) -> Option<&'a str> {
        self.pod["metadata"]["labels"][key].as_str()
    }

    pub(crate) fn annotation(&self, key: &str) -> Option<&'a str> {
        self.pod["metadata"]["annotations"][key].as_str()
    }

    /// A label's raw value: Airflow shortens label values and keeps the raw one in the
    /// annotation of the same key.
    pub(crate) fn meta_value(&self, key: &str) -> Option<&'a str> {
        self.annotation(key).or_else(|| self.label(key))
    }

    /// True when a word of the command line (split on whitespace and shell punctuation)
    /// equals `word` or ends with `/word`.
    pub(crate) fn argv_has(&self, word: &str) -> bool {
        self.words()
            .any(|w| w == word || w.ends_with(&format!("/{word}")))
    }

    /// The command line's words, shell strings split too (`sh -c "dbt run"`).
    pub(crate) fn words(&self) -> impl Iterator<Item = &'a str> + '_ {
        self.argv.iter().flat_map(|a| {
            a.split(|c: char| {
                c.is_whitespace() || matches!(c, ';' | '&' | '|' | '(' | ')' | '"' | '\'')
            })
            .filter(|w| !w.is_empty())
        })
    }

    /// The word after `flag` on the command line (`--select x`) or its `--flag=x` value.
    pub(crate) fn flag_value(&self, flags: &[&str]) -> Option<&'a str> {
        let words: Vec<&'a str> = self.words().collect();
        for (i, w) in words.iter().enumerate() {
            for f in flags {
                if w == f {
                    return words.get(i + 1).copied();
                }
                if let Some(v) = w.strip_prefix(f).and_then(|r| r.strip_prefix('=')) {
                    return Some(v);
                }
            }
        }
        None
    }

    /// The image reference without registry and tag, lowercased (`apache/airflow`).
    pub(crate) fn image_repo(&self) -> String {
        image_repo(self.image)
    }

    /// The image tag (`3.0.2`), empty without one.
    pub(crate) fn image_tag(&self) -> &'a str {
        image_tag(self.image)
    }

    /// A random stream for one purpose of this run.
    pub(crate) fn rng(&self, salt: &str) -> Rng {
        Rng::new(self.seed ^ hash_str(salt))
    }

    /// A random stream shared by all containers and attempts of the pod (a job id, a run id).
    pub(crate) fn pod_rng(&self, salt: &str) -> Rng {
        let uid = self.pod["metadata"]["uid"].as_str().unwrap_or(self.name);
        Rng::new(hash_str(uid) ^ hash_str(self.name) ^ hash_str(salt))
    }

    /// The pod's IP, or a stable made-up one.
    pub(crate) fn pod_ip(&self) -> String {
        match self.pod["status"]["podIP"].as_str() {
            Some(ip) => ip.to_string(),
            None => {
                let h = self.pod_rng("ip").next();
                format!("10.244.{}.{}", h % 8, 2 + (h >> 8) % 250)
            }
        }
    }

    /// Run length in ms when the end is known.
    pub(crate) fn span_ms(&self) -> Option<Ms> {
        self.end_at.map(|e| (e - self.started).num_milliseconds())
    }
}

/// The container spec named `name` and whether it is an init container.
fn find_container<'v>(pod: &'v Value, name: &str) -> Option<(&'v Value, bool)> {
    for (key, init) in [("containers", false), ("initContainers", true)] {
        if let Some(list) = pod["spec"][key].as_array()
            && let Some(c) = list.iter().find(|c| c["name"].as_str() == Some(name))
        {
            return Some((c, init));
        }
    }
    None
}

pub(crate) fn image_repo(image: &str) -> String {
    let no_digest = image.split('@').next().unwrap_or(image);
    // A tag is a `:` after the last `/` (a registry may have a port).
    let repo = match no_digest.rfind(':') {
        Some(i) if !no_digest[i..].contains('/') => &no_digest[..i],
        _ => no_digest,
    };
    let mut parts: Vec<&str> = repo.split('/').collect();
    if parts.len() > 1
        && (parts[0].contains('.') || parts[0].contains(':') || parts[0] == "localhost")
    {
        parts.remove(0);
    }
    if parts.first() == Some(&"library") && parts.len() > 1 {
        parts.remove(0);
    }
    parts.join("/").to_ascii_lowercase()
}

pub(crate) fn image_tag(image: &str) -> &str {
    let no_digest = image.split('@').next().unwrap_or(image);
    match no_digest.rfind(':') {
        Some(i) if !no_digest[i..].contains('/') => &no_digest[i + 1..],
        _ => "",
    }
}

/// A run's log laid out relative to its start.
pub(crate) struct Plan {
    /// Start-up lines: ms after the start.
    head: Vec<(Ms, Render)>,
    /// Work lines: position in [0, 1) across the middle of the run.
    body: Vec<(f64, Render)>,
    /// Length of the middle when the end is unknown (the body then plays at this pace).
    body_ms: Ms,
    /// Periodic lines across the middle: (period, render).
    beat: Option<(Ms, BeatRender)>,
    /// Closing lines: ms after the tail starts; the tail ends just before the exit.
    tail: Vec<(Ms, Render)>,
    /// Cursors for `step` and `tail_step`.
    head_cursor: Ms,
    tail_cursor: Ms,
}

impl Plan {
    pub(crate) fn new() -> Plan {
        Plan {
            head: Vec::new(),
            body: Vec::new(),
            body_ms: 30_000,
            beat: None,
            tail: Vec::new(),
            head_cursor: 0,
            tail_cursor: 0,
        }
    }

    /// A start-up line `dt` ms after the previous one.
    pub(crate) fn step(&mut self, dt: Ms, r: impl Fn(DateTime<Utc>) -> String + 'static) {
        self.head_cursor += dt.max(0);
        self.head.push((self.head_cursor, Box::new(r)));
    }

    /// A work line at position `pos` (0..1) of the middle of the run.
    pub(crate) fn body(&mut self, pos: f64, r: impl Fn(DateTime<Utc>) -> String + 'static) {
        self.body.push((pos.clamp(0.0, 0.999_999), Box::new(r)));
    }

    /// How long the middle lasts when the end is unknown.
    pub(crate) fn body_len(&mut self, ms: Ms) {
        self.body_ms = ms.max(1);
    }

    /// Periodic lines, one slot per `period` ms on average, for as long as the middle lasts.
    pub(crate) fn beat(
        &mut self,
        period: Ms,
        r: impl Fn(u64, u64, DateTime<Utc>) -> String + 'static,
    ) {
        self.beat = Some((period.max(1), Box::new(r)));
    }

    /// A closing line `dt` ms after the previous closing line.
    pub(crate) fn tail_step(&mut self, dt: Ms, r: impl Fn(DateTime<Utc>) -> String + 'static) {
        if !self.tail.is_empty() {
            self.tail_cursor += dt.max(0);
        }
        self.tail.push((self.tail_cursor, Box::new(r)));
    }

    /// Lays the plan out on the run's timeline and returns the lines in `[from, until)`.
    fn window(&self, ctx: &Ctx<'_>, from: DateTime<Utc>, until: DateTime<Utc>) -> Vec<LogLine> {
        let start = ctx.started;
        let until = match ctx.end_at {
            Some(end) => until.min(end),
            None => until,
        };
        if until <= from || until <= start {
            return Vec::new();
        }
        // Lines are laid out on a millisecond grid and then spread inside their millisecond
        // (see `stamp`), so every line whose spread time could fall in the window is made;
        // the window is cut on the final times below.
        let (want_from, want_until) = (from, until);
        let from = from
            .checked_sub_signed(TimeDelta::milliseconds(1))
            .unwrap_or(from);
        let head_len = self.head.last().map_or(0, |(o, _)| *o + 1);
        let tail_len = if self.tail.is_empty() {
            0
        } else {
            self.tail_cursor + 1
        };
        let has_middle = !self.body.is_empty() || self.beat.is_some();
        // With a known end, squeeze head and tail into a short run (a crash after 500 ms still
        // shows its start and its error) and leave room for the work in between.
        let (scale, mid_start, mid_end) = match ctx.span_ms() {
            Some(span) => {
                let budget = span as f64 * if has_middle { 0.6 } else { 0.98 };
                let natural = (head_len + tail_len) as f64;
                let f = if natural > budget && natural > 0.0 {
                    budget / natural
                } else {
                    1.0
                };
                let mid_start = (head_len as f64 * f).round() as Ms;
                let tail_start = span - (tail_len as f64 * f).round() as Ms;
                (f, mid_start, Some(tail_start.max(mid_start)))
            }
            None => (1.0, head_len, None),
        };
        // Offsets outside the clock's range (never for real runs) clamp to its end.
        let at = |ms: Ms| {
            start
                .checked_add_signed(TimeDelta::milliseconds(ms))
                .unwrap_or(DateTime::<Utc>::MAX_UTC)
        };
        let in_window = |t: DateTime<Utc>| from <= t && t < until;
        let mut lines = Vec::new();

        for (off, r) in &self.head {
            let t = at((*off as f64 * scale).round() as Ms);
            if in_window(t) {
                push_text(&mut lines, t, r(t));
            }
        }

        let body_end = mid_end.unwrap_or(mid_start + self.body_ms);
        let body_span = (body_end - mid_start).max(0) as f64;
        let mut body: Vec<(DateTime<Utc>, &Render)> = self
            .body
            .iter()
            .map(|(p, r)| (at(mid_start + (p * body_span) as Ms), r))
            .filter(|(t, _)| in_window(*t))
            .collect();
        body.sort_by_key(|(t, _)| *t);
        let beats = self.beat_slots(ctx, from, until, mid_start, mid_end);
        let (mut i, mut j) = (0, 0);
        while i < body.len() || j < beats.len() {
            if j >= beats.len() || (i < body.len() && body[i].0 <= beats[j].0) {
                let (t, r) = body[i];
                push_text(&mut lines, t, r(t));
                i += 1;
            } else {
                let (t, k, r) = beats[j];
                if let Some((_, b)) = &self.beat {
                    push_text(&mut lines, t, b(k, r, t));
                }
                j += 1;
            }
        }

        if let (Some(tail_start), Some(span)) = (mid_end, ctx.span_ms()) {
            for (rel, r) in &self.tail {
                // The last closing line lands at least 1 ms before the exit: nothing is
                // written at or after `finished`.
                let before = ((tail_len - rel) as f64 * scale).round().max(1.0) as Ms;
                let ms = (tail_start + (*rel as f64 * scale).round() as Ms).min(span - before);
                let t = at(ms.max(0));
                if in_window(t) {
                    push_text(&mut lines, t, r(t));
                }
            }
        }
        // Sections are laid out in time order already; a stable sort guards rounding.
        lines.sort_by_key(|l| l.at);
        stamp(&mut lines);
        lines.retain(|l| want_from <= l.at && l.at < want_until);
        if lines.len() > MAX_LINES {
            lines.drain(..lines.len() - MAX_LINES);
        }
        lines
    }

    /// The beat slots with a time in the window: (time, slot, random draw). Slot `k` falls in
    /// `[k * period, (k + 1) * period)` after the middle starts, so the slots of a window are
    /// found without walking the ones before it; a huge window keeps its newest slots.
    fn beat_slots(
        &self,
        ctx: &Ctx<'_>,
        from: DateTime<Utc>,
        until: DateTime<Utc>,
        mid_start: Ms,
        mid_end: Option<Ms>,
    ) -> Vec<(DateTime<Utc>, u64, u64)> {
        let Some((period, _)) = &self.beat else {
            return Vec::new();
        };
        let period = *period;
        let start = ctx.started;
        let lo = (from - start).num_milliseconds() - mid_start;
        let hi = (until - start).num_milliseconds() - mid_start;
        let mut last = hi.div_euclid(period) + 1;
        if let Some(me) = mid_end {
            last = last.min((me - mid_start).div_euclid(period) + 1);
        }
        let first = (lo.div_euclid(period) - 1)
            .max(0)
            .max(last - MAX_LINES as i64 - 1);
        let mut out = Vec::new();
        for k in first..last.max(first) {
            let k = k as u64;
            let r = mix(ctx.seed ^ mix(k.wrapping_add(0xbea7)));
            let ms = mid_start + k as Ms * period + (r % period as u64) as Ms;
            if mid_end.is_some_and(|me| ms >= me) {
                continue;
            }
            // A window reaching the end of time must not overflow the clock.
            let Some(t) = start.checked_add_signed(TimeDelta::milliseconds(ms)) else {
                break;
            };
            if from <= t && t < until {
                out.push((t, k, mix(r)));
            }
        }
        out
    }
}

/// Gives each line its own time, as a container runtime stamps every line it reads with
/// nanoseconds: lines laid out on the same millisecond move apart inside it, in their order,
/// from a stable pseudo-random start. Clients can then tell lines apart by (time, text).
/// `lines` are sorted; lines sharing a time are all present (a window is made whole).
fn stamp(lines: &mut [LogLine]) {
    /// Spacing of lines inside a millisecond; from a start below 0.5 ms, 1250 lines fit.
    const STEP_NS: i64 = 400;
    const LAST: i64 = 1249;
    let mut i = 0;
    while i < lines.len() {
        let at = lines[i].at;
        let base = (mix(at.timestamp_millis() as u64 ^ 0x5eed) % 500_000) as i64;
        let mut k = 0;
        while i < lines.len() && lines[i].at == at {
            let ns = base + k.min(LAST) * STEP_NS;
            lines[i].at = at
                .checked_add_signed(TimeDelta::nanoseconds(ns))
                .unwrap_or(at);
            k += 1;
            i += 1;
        }
    }
}

/// Splits a rendered entry into log lines written at the same time.
fn push_text(lines: &mut Vec<LogLine>, at: DateTime<Utc>, text: String) {
    if !text.contains('\n') {
        lines.push(LogLine { at, text });
        return;
    }
    for part in text.split('\n') {
        lines.push(LogLine {
            at,
            text: part.to_string(),
        });
    }
}

/// FNV-1a: a stable hash (std's hasher may change between releases).
pub(crate) fn hash_str(s: &str) -> u64 {
    crate::ids::fnv1a(s.bytes())
}

/// SplitMix64 finaliser: spreads close inputs (slot 7 vs 8) over the whole range.
pub(crate) use crate::ids::mix;

/// A tiny xorshift64* generator for the choices made while building a plan.
pub(crate) struct Rng(u64);

impl Rng {
    pub(crate) fn new(seed: u64) -> Rng {
        Rng(mix(seed) | 1)
    }

    pub(crate) fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// Uniform in `lo..=hi`.
    pub(crate) fn range(&mut self, lo: i64, hi: i64) -> i64 {
        if hi <= lo {
            return lo;
        }
        lo + (self.next() % ((hi - lo) as u64 + 1)) as i64
    }

    pub(crate) fn pick<'t, T>(&mut self, items: &'t [T]) -> &'t T {
        &items[(self.next() % items.len().max(1) as u64) as usize]
    }

    /// True with probability `pct` percent.
    pub(crate) fn chance(&mut self, pct: u64) -> bool {
        self.next() % 100 < pct
    }

    /// `n` lowercase hex digits.
    pub(crate) fn hex(&mut self, n: usize) -> String {
        let mut s = String::with_capacity(n);
        while s.len() < n {
            s.push_str(&format!("{:016x}", self.next()));
        }
        s.truncate(n);
        s
    }

    /// A UUID-shaped id (version 4 layout).
    pub(crate) fn uuid(&mut self) -> String {
        crate::ids::uuid_from_hex(&self.hex(32))
    }

    /// A UUID v7-shaped id, as Airflow 3 uses for task instances.
    pub(crate) fn uuid7(&mut self, at: DateTime<Utc>) -> String {
        let ms = at.timestamp_millis() as u64;
        let h = self.hex(20);
        format!(
            "{:08x}-{:04x}-7{}-{}-{}",
            ms >> 16,
            ms & 0xffff,
            &h[0..3],
            &h[3..7],
            &h[7..19]
        )
    }
}

/// Microseconds within the second: the ms part of `t` plus three stable made-up digits, so
/// timestamps do not all end in `000`.
pub(crate) fn micros(t: DateTime<Utc>) -> u32 {
    t.timestamp_subsec_millis() * 1000 + (mix(t.timestamp_millis() as u64) % 1000) as u32
}

/// `2026-11-26T11:43:25.614025Z`
pub(crate) fn iso_us(t: DateTime<Utc>) -> String {
    format!("{}.{:06}Z", t.format("%Y-%m-%dT%H:%M:%S"), micros(t))
}

/// `2026-11-26T11:43:25.614Z`
pub(crate) fn iso_ms(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

/// A JSON string literal (quotes included), escaping as serde_json does.
pub(crate) fn jstr(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".to_string())
}

/// JSON text as Python's `json.dumps(v, sort_keys=True)` writes it: `", "` and `": "`
/// separators, sorted keys, non-ASCII escaped (dbt's JSON log format).
pub(crate) fn py_json(v: &Value) -> String {
    let mut out = String::new();
    write_py_json(v, &mut out);
    out
}

fn write_py_json(v: &Value, out: &mut String) {
    match v {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push('{');
            for (i, k) in keys.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                out.push_str(&py_str(k));
                out.push_str(": ");
                write_py_json(&map[k.as_str()], out);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_py_json(item, out);
            }
            out.push(']');
        }
        Value::String(s) => out.push_str(&py_str(s)),
        other => out.push_str(&other.to_string()),
    }
}

/// A string literal with Python's `ensure_ascii` escaping.
fn py_str(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 || (c as u32) > 0x7e => {
                let mut buf = [0u16; 2];
                for unit in c.encode_utf16(&mut buf) {
                    out.push_str(&format!("\\u{unit:04x}"));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Compact JSON object from ordered pairs whose values are already JSON text (structlog and
/// the Airbyte protocol keep insertion order and write no spaces).
pub(crate) fn jobj(pairs: &[(&str, String)]) -> String {
    let mut out = String::from("{");
    for (i, (k, v)) in pairs.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(&jstr(k));
        out.push(':');
        out.push_str(v);
    }
    out.push('}');
    out
}
