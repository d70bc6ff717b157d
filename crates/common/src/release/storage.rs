//! Helm's release storage: the release JSON that Helm 3 and 4 keep in Secrets of type
//! `helm.sh/release.v1`, and its codec (JSON → gzip → base64 in `data.release`, under the
//! base64 layer Kubernetes itself adds to Secret data).
//!
//! Field names, omission rules and timestamp formats follow Helm's Go types
//! (`pkg/release/v1`, `pkg/chart/v2`) so that real `helm list`/`helm history` read what we
//! write, and we read what any Helm 3 or 4 wrote (Helm 3 writes zero times as `""`, Helm 4
//! omits them; both decode here).

use std::collections::BTreeMap;
use std::fmt;
use std::io::{Read, Write};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, Datelike, Utc};
use flate2::Compression;
use flate2::read::GzDecoder;
use flate2::write::GzEncoder;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value, json};

/// `type` of the Secrets Helm stores releases in.
pub const RELEASE_SECRET_TYPE: &str = "helm.sh/release.v1";

/// Decompressed release JSON larger than this is refused: Secrets are at most 1 MiB, and a
/// gzip bomb in a hostile Secret must not take the cockpit down.
pub const MAX_RELEASE_JSON_BYTES: u64 = 64 << 20;

/// The gzip magic Helm checks for before decompressing (older releases were stored plain).
const GZIP_MAGIC: [u8; 3] = [0x1f, 0x8b, 0x08];

/// One revision of a Helm release, as stored (Go `release.Release`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct HelmRelease {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name: String,
    #[serde(default, deserialize_with = "nullable")]
    pub info: ReleaseInfo,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chart: Option<Chart>,
    /// User-supplied values only (`helm get values`).
    #[serde(
        default,
        skip_serializing_if = "Map::is_empty",
        deserialize_with = "nullable"
    )]
    pub config: Map<String, Value>,
    /// The rendered objects without hooks (`helm get manifest`).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub manifest: String,
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "nullable"
    )]
    pub hooks: Vec<Hook>,
    /// The revision number (1, 2, …).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub version: u32,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub namespace: String,
    /// Helm 4 only: `csa` or `ssa`; empty means client-side apply.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub apply_method: String,
}

impl HelmRelease {
    /// `name-version` of the chart, as `helm list` prints it in the CHART column.
    pub fn chart_label(&self) -> String {
        match &self.chart {
            Some(c) => format!("{}-{}", c.metadata.name, c.metadata.version),
            None => String::new(),
        }
    }

    /// The chart's appVersion (`helm list` APP VERSION).
    pub fn app_version(&self) -> &str {
        self.chart
            .as_ref()
            .map(|c| c.metadata.app_version.as_str())
            .unwrap_or_default()
    }
}

/// Release bookkeeping (Go `release.Info`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ReleaseInfo {
    #[serde(default, with = "go_time", skip_serializing_if = "Option::is_none")]
    pub first_deployed: Option<DateTime<Utc>>,
    #[serde(default, with = "go_time", skip_serializing_if = "Option::is_none")]
    pub last_deployed: Option<DateTime<Utc>>,
    #[serde(default, with = "go_time", skip_serializing_if = "Option::is_none")]
    pub deleted: Option<DateTime<Utc>>,
    /// The "log entry" `helm history` shows (e.g. `Upgrade complete`).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    #[serde(default)]
    pub status: ReleaseStatus,
    /// Rendered NOTES.txt.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub notes: String,
    /// Deployed resources as `helm status --show-resources` reads them; kept opaque.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resources: Option<Value>,
}

/// Helm's release status values (`pkg/release/common/status.go`), written like
/// `pending-upgrade`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum ReleaseStatus {
    /// Also what any value this version does not know reads as.
    #[default]
    Unknown,
    Deployed,
    Uninstalled,
    Superseded,
    Failed,
    Uninstalling,
    PendingInstall,
    PendingUpgrade,
    PendingRollback,
}

impl ReleaseStatus {
    pub const ALL: [ReleaseStatus; 9] = [
        ReleaseStatus::Unknown,
        ReleaseStatus::Deployed,
        ReleaseStatus::Uninstalled,
        ReleaseStatus::Superseded,
        ReleaseStatus::Failed,
        ReleaseStatus::Uninstalling,
        ReleaseStatus::PendingInstall,
        ReleaseStatus::PendingUpgrade,
        ReleaseStatus::PendingRollback,
    ];

    /// The string Helm writes (also the `status` label of the Secret).
    pub fn as_str(self) -> &'static str {
        match self {
            ReleaseStatus::Unknown => "unknown",
            ReleaseStatus::Deployed => "deployed",
            ReleaseStatus::Uninstalled => "uninstalled",
            ReleaseStatus::Superseded => "superseded",
            ReleaseStatus::Failed => "failed",
            ReleaseStatus::Uninstalling => "uninstalling",
            ReleaseStatus::PendingInstall => "pending-install",
            ReleaseStatus::PendingUpgrade => "pending-upgrade",
            ReleaseStatus::PendingRollback => "pending-rollback",
        }
    }

    /// Reads Helm's string; values this version does not know are [`ReleaseStatus::Unknown`].
    pub fn parse(text: &str) -> ReleaseStatus {
        ReleaseStatus::ALL
            .into_iter()
            .find(|s| s.as_str() == text)
            .unwrap_or(ReleaseStatus::Unknown)
    }

    /// Whether Helm considers an operation in progress (and refuses `helm upgrade`).
    pub fn is_pending(self) -> bool {
        matches!(
            self,
            ReleaseStatus::PendingInstall
                | ReleaseStatus::PendingUpgrade
                | ReleaseStatus::PendingRollback
        )
    }
}

impl Serialize for ReleaseStatus {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for ReleaseStatus {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text: Option<String> = Option::deserialize(d)?;
        Ok(text.map(|t| ReleaseStatus::parse(&t)).unwrap_or_default())
    }
}

impl fmt::Display for ReleaseStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The chart a revision was made from (Go `chart.Chart`; subcharts are not serialized).
/// Go writes every key of this struct, `null` for absent ones, so we do too.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Chart {
    #[serde(default, deserialize_with = "nullable")]
    pub metadata: ChartMetadata,
    /// Chart.lock, kept opaque.
    #[serde(default)]
    pub lock: Option<Value>,
    #[serde(default, deserialize_with = "nullable")]
    pub templates: Vec<ChartFile>,
    /// The chart's default values.
    #[serde(default, deserialize_with = "nullable")]
    pub values: Map<String, Value>,
    /// values.schema.json, base64 in JSON like every Go `[]byte`.
    #[serde(default, with = "go_bytes_opt")]
    pub schema: Option<Vec<u8>>,
    #[serde(default, deserialize_with = "nullable")]
    pub files: Vec<ChartFile>,
}

/// A file of a chart (template, README…); Go `[]byte` data is base64 in the JSON.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ChartFile {
    #[serde(default)]
    pub name: String,
    #[serde(default, with = "go_bytes")]
    pub data: Vec<u8>,
}

/// Chart.yaml (Go `chart.Metadata`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChartMetadata {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub home: String,
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "nullable"
    )]
    pub sources: Vec<String>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub version: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "nullable"
    )]
    pub keywords: Vec<String>,
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "nullable"
    )]
    pub maintainers: Vec<Maintainer>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub icon: String,
    /// `v1` or `v2` (the chart API, not Kubernetes').
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub api_version: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub condition: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub tags: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub app_version: String,
    #[serde(default, skip_serializing_if = "is_false")]
    pub deprecated: bool,
    #[serde(
        default,
        skip_serializing_if = "BTreeMap::is_empty",
        deserialize_with = "nullable"
    )]
    pub annotations: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub kube_version: String,
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "nullable"
    )]
    pub dependencies: Vec<ChartDependency>,
    /// `application` or `library`.
    #[serde(default, rename = "type", skip_serializing_if = "String::is_empty")]
    pub chart_type: String,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Maintainer {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub email: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub url: String,
}

/// A `dependencies` entry of Chart.yaml (Go `chart.Dependency`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ChartDependency {
    #[serde(default)]
    pub name: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub version: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub repository: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub condition: String,
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "nullable"
    )]
    pub tags: Vec<String>,
    #[serde(default, skip_serializing_if = "is_false")]
    pub enabled: bool,
    #[serde(
        default,
        rename = "import-values",
        skip_serializing_if = "Option::is_none"
    )]
    pub import_values: Option<Value>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub alias: String,
}

/// A hook object of a release (Go `release.Hook`); hooks are not part of `manifest`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Hook {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub kind: String,
    /// Chart-relative template path (`airflow/templates/jobs/migrate-database-job.yaml`).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub path: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub manifest: String,
    /// `pre-install`, `post-upgrade`…
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "nullable"
    )]
    pub events: Vec<String>,
    /// Go's `omitempty` never omits a struct, so this is always written.
    #[serde(default, deserialize_with = "nullable")]
    pub last_run: HookExecution,
    #[serde(default, skip_serializing_if = "is_zero_i32")]
    pub weight: i32,
    /// `before-hook-creation`, `hook-succeeded`, `hook-failed`.
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "nullable"
    )]
    pub delete_policies: Vec<String>,
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "nullable"
    )]
    pub output_log_policies: Vec<String>,
}

/// The last run of a hook (Go `release.HookExecution`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct HookExecution {
    #[serde(default, with = "go_time", skip_serializing_if = "Option::is_none")]
    pub started_at: Option<DateTime<Utc>>,
    #[serde(default, with = "go_time", skip_serializing_if = "Option::is_none")]
    pub completed_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub phase: HookPhase,
}

/// Outcome of a hook run; Go writes `""` for a hook that never ran.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum HookPhase {
    #[default]
    NotRun,
    /// Helm's `Unknown`, and any value this version does not know.
    Unknown,
    Running,
    Succeeded,
    Failed,
}

impl HookPhase {
    pub fn as_str(self) -> &'static str {
        match self {
            HookPhase::NotRun => "",
            HookPhase::Unknown => "Unknown",
            HookPhase::Running => "Running",
            HookPhase::Succeeded => "Succeeded",
            HookPhase::Failed => "Failed",
        }
    }
}

impl Serialize for HookPhase {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for HookPhase {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text: Option<String> = Option::deserialize(d)?;
        Ok(match text.as_deref() {
            None | Some("") => HookPhase::NotRun,
            Some("Running") => HookPhase::Running,
            Some("Succeeded") => HookPhase::Succeeded,
            Some("Failed") => HookPhase::Failed,
            Some(_) => HookPhase::Unknown,
        })
    }
}

/// Why a stored release could not be read. The raw Secret stays viewable; only the decoded
/// views are unavailable.
#[derive(Debug, thiserror::Error)]
pub enum ReleaseDecodeError {
    #[error(
        "the Helm release data is empty: a Secret of type {RELEASE_SECRET_TYPE} must carry data.release"
    )]
    Empty,
    #[error(
        "the Helm release data is not base64 ({source}); expected data.release exactly as Helm writes it"
    )]
    Base64 { source: base64::DecodeError },
    #[error(
        "the Helm release data is gzip but does not decompress ({source}); the Secret is truncated or corrupt"
    )]
    Gzip { source: std::io::Error },
    #[error(
        "the Helm release decompresses to more than {limit} bytes; refusing to read it (not something Helm writes)"
    )]
    TooLarge { limit: u64 },
    #[error("the Helm release is not valid release JSON ({source})")]
    Json { source: serde_json::Error },
}

/// Encodes a release exactly as Helm stores it in `data.release` (before Kubernetes' own
/// base64): JSON, gzip at best compression, standard base64.
pub fn encode_release(release: &HelmRelease) -> String {
    // Serializing cannot fail: every map key is a string and the custom serializers only
    // write strings; writing into a Vec cannot fail either.
    let json = serde_json::to_vec(release).expect("a HelmRelease always serializes to JSON");
    let mut gz = GzEncoder::new(Vec::with_capacity(json.len() / 4), Compression::best());
    gz.write_all(&json)
        .expect("gzip into a Vec<u8> cannot fail");
    let compressed = gz.finish().expect("gzip into a Vec<u8> cannot fail");
    STANDARD.encode(compressed)
}

/// Decodes `data.release` of a Helm release Secret (as kube-rs hands it over, with
/// Kubernetes' base64 already removed). Also accepts the still-Kubernetes-encoded value a raw
/// API response carries, and the uncompressed JSON of Helm releases older than compression.
pub fn decode_release(data: &[u8]) -> Result<HelmRelease, ReleaseDecodeError> {
    let text = data.trim_ascii();
    if text.is_empty() {
        return Err(ReleaseDecodeError::Empty);
    }
    let mut bytes = STANDARD
        .decode(text)
        .map_err(|source| ReleaseDecodeError::Base64 { source })?;
    // Neither gzip nor JSON: this was the Secret's raw API value, with Kubernetes' base64
    // layer still on (Helm's own base64 is under it, "H4sI…" for gzip). A second layer that
    // does not decode is a base64 problem, not a JSON one.
    if !bytes.starts_with(&GZIP_MAGIC) && !bytes.trim_ascii_start().starts_with(b"{") {
        bytes = STANDARD
            .decode(bytes.trim_ascii())
            .map_err(|source| ReleaseDecodeError::Base64 { source })?;
    }
    let json = if bytes.starts_with(&GZIP_MAGIC) {
        let mut out = Vec::with_capacity(bytes.len() * 4);
        GzDecoder::new(bytes.as_slice())
            .take(MAX_RELEASE_JSON_BYTES + 1)
            .read_to_end(&mut out)
            .map_err(|source| ReleaseDecodeError::Gzip { source })?;
        if out.len() as u64 > MAX_RELEASE_JSON_BYTES {
            return Err(ReleaseDecodeError::TooLarge {
                limit: MAX_RELEASE_JSON_BYTES,
            });
        }
        out
    } else {
        bytes
    };
    serde_json::from_slice(&json).map_err(|source| ReleaseDecodeError::Json { source })
}

/// `sh.helm.release.v1.<name>.v<revision>`.
pub fn release_secret_name(name: &str, revision: u32) -> String {
    format!("sh.helm.release.v1.{name}.v{revision}")
}

/// The Secret Helm's storage driver writes for this revision: name, type, the labels Helm
/// selects on (`owner=helm`, `name`, `status`, `version`, plus `createdAt`/`modifiedAt` in
/// Unix seconds) and `data.release` with Kubernetes' base64 over [`encode_release`].
pub fn release_secret(release: &HelmRelease) -> Value {
    let at = release
        .info
        .last_deployed
        .or(release.info.first_deployed)
        .unwrap_or_else(Utc::now)
        .timestamp()
        .to_string();
    let mut metadata = json!({
        "name": release_secret_name(&release.name, release.version),
        "labels": {
            "owner": "helm",
            "name": release.name,
            "status": release.info.status.as_str(),
            "version": release.version.to_string(),
            "createdAt": at,
            "modifiedAt": at,
        },
    });
    if !release.namespace.is_empty() {
        metadata["namespace"] = json!(release.namespace);
    }
    json!({
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": metadata,
        "type": RELEASE_SECRET_TYPE,
        "data": { "release": STANDARD.encode(encode_release(release)) },
    })
}

/// Formats a time the way Go's `time.Time` marshals to JSON in UTC (RFC 3339 with up to nine
/// fractional digits, trailing zeros dropped, no fraction for whole seconds).
pub fn go_time_string(t: &DateTime<Utc>) -> String {
    let mut out = t.format("%Y-%m-%dT%H:%M:%S").to_string();
    // Leap seconds show up in chrono as nanos >= 1e9; Go has no such value.
    let nanos = t.timestamp_subsec_nanos().min(999_999_999);
    if nanos > 0 {
        let frac = format!("{nanos:09}");
        out.push('.');
        out.push_str(frac.trim_end_matches('0'));
    }
    out.push('Z');
    out
}

/// Optional Go timestamps: `""`, `null`, missing and Go's zero time (year 1) all mean unset.
mod go_time {
    use super::*;

    pub fn serialize<S: serde::Serializer>(
        value: &Option<DateTime<Utc>>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        match value {
            Some(t) => s.serialize_str(&go_time_string(t)),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<DateTime<Utc>>, D::Error> {
        let raw: Option<String> = Option::deserialize(d)?;
        match raw.as_deref().map(str::trim) {
            None | Some("") => Ok(None),
            Some(text) => DateTime::parse_from_rfc3339(text)
                .map(|t| Some(t.with_timezone(&Utc)).filter(|t| t.year() > 1))
                .map_err(|e| {
                    serde::de::Error::custom(format!("timestamp {text:?} is not RFC 3339: {e}"))
                }),
        }
    }
}

/// Go `[]byte`: standard base64 in JSON, `null` for nil.
mod go_bytes {
    use super::*;

    pub fn serialize<S: serde::Serializer>(value: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&STANDARD.encode(value))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        Ok(super::go_bytes_opt::deserialize(d)?.unwrap_or_default())
    }
}

mod go_bytes_opt {
    use super::*;

    pub fn serialize<S: serde::Serializer>(
        value: &Option<Vec<u8>>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        match value {
            Some(bytes) => s.serialize_str(&STANDARD.encode(bytes)),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<u8>>, D::Error> {
        let raw: Option<String> = Option::deserialize(d)?;
        raw.map(|text| {
            STANDARD
                .decode(text.trim())
                .map_err(|e| serde::de::Error::custom(format!("bytes field is not base64: {e}")))
        })
        .transpose()
    }
}

/// Go writes `null` for nil slices and maps; read it as empty.
fn nullable<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

fn is_zero(v: &u32) -> bool {
    *v == 0
}

fn is_zero_i32(v: &i32) -> bool {
    *v == 0
}

fn is_false(v: &bool) -> bool {
    !*v
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(secs: i64, nanos: u32) -> DateTime<Utc> {
        Utc.timestamp_opt(secs, nanos).single().unwrap()
    }

    fn sample() -> HelmRelease {
        let mut config = Map::new();
        config.insert("executor".into(), json!("KubernetesExecutor"));
        let mut values = Map::new();
        values.insert("images".into(), json!({"airflow": {"tag": "3.0.2"}}));
        HelmRelease {
            name: "airflow".into(),
            info: ReleaseInfo {
                first_deployed: Some(at(1_760_000_000, 123_456_789)),
                last_deployed: Some(at(1_760_086_400, 500_000_000)),
                deleted: None,
                description: "Preparing upgrade".into(),
                status: ReleaseStatus::PendingUpgrade,
                notes: "Thank you for installing Apache Airflow 3.0.2!".into(),
                resources: None,
            },
            chart: Some(Chart {
                metadata: ChartMetadata {
                    name: "airflow".into(),
                    version: "1.18.0".into(),
                    app_version: "3.0.2".into(),
                    api_version: "v2".into(),
                    description: "The official Helm chart to deploy Apache Airflow".into(),
                    kube_version: ">=1.30.0-0".into(),
                    chart_type: "application".into(),
                    annotations: BTreeMap::from([(
                        "artifacthub.io/license".to_string(),
                        "Apache-2.0".to_string(),
                    )]),
                    dependencies: vec![ChartDependency {
                        name: "postgresql".into(),
                        version: "13.2.24".into(),
                        repository: "https://charts.bitnami.com/bitnami".into(),
                        condition: "postgresql.enabled".into(),
                        ..Default::default()
                    }],
                    ..Default::default()
                },
                lock: None,
                templates: vec![ChartFile {
                    name: "templates/NOTES.txt".into(),
                    data: b"Thank you for installing {{ .Chart.Name }}\n\x00binary".to_vec(),
                }],
                values,
                schema: Some(b"{\"type\":\"object\"}".to_vec()),
                files: Vec::new(),
            }),
            config,
            manifest: "---\n# Source: airflow/templates/x.yaml\napiVersion: v1\nkind: ConfigMap\n"
                .into(),
            hooks: vec![Hook {
                name: "airflow-run-airflow-migrations".into(),
                kind: "Job".into(),
                path: "airflow/templates/jobs/migrate-database-job.yaml".into(),
                manifest: "apiVersion: batch/v1\nkind: Job\n".into(),
                events: vec!["post-install".into(), "post-upgrade".into()],
                last_run: HookExecution {
                    started_at: Some(at(1_760_086_410, 0)),
                    completed_at: Some(at(1_760_086_470, 1)),
                    phase: HookPhase::Succeeded,
                },
                weight: 1,
                delete_policies: vec!["before-hook-creation".into(), "hook-succeeded".into()],
                output_log_policies: Vec::new(),
            }],
            version: 4,
            namespace: "orchestration".into(),
            apply_method: "ssa".into(),
        }
    }

    fn gzip_b64(json: &str) -> String {
        let mut gz = GzEncoder::new(Vec::new(), Compression::best());
        gz.write_all(json.as_bytes()).unwrap();
        STANDARD.encode(gz.finish().unwrap())
    }

    /// The JSON inside an encoded release.
    fn inner_json(encoded: &str) -> Value {
        let gz = STANDARD.decode(encoded).unwrap();
        assert_eq!(
            &gz[..3],
            &GZIP_MAGIC,
            "Helm only gunzips data starting 1f 8b 08"
        );
        let mut json = Vec::new();
        GzDecoder::new(gz.as_slice())
            .read_to_end(&mut json)
            .unwrap();
        serde_json::from_slice(&json).unwrap()
    }

    #[test]
    fn round_trip() {
        let rel = sample();
        let encoded = encode_release(&rel);
        assert!(encoded.starts_with("H4sI"), "gzip then standard base64");
        let back = decode_release(encoded.as_bytes()).unwrap();
        assert_eq!(back, rel);
        // Whitespace around the value (a copied Secret) is tolerated.
        assert_eq!(
            decode_release(format!("\n{encoded}\n").as_bytes()).unwrap(),
            rel
        );
    }

    #[test]
    fn encodes_helm_field_names_and_go_timestamps() {
        let v = inner_json(&encode_release(&sample()));
        assert_eq!(
            v["info"]["first_deployed"],
            "2025-10-09T08:53:20.123456789Z"
        );
        assert_eq!(v["info"]["last_deployed"], "2025-10-10T08:53:20.5Z");
        assert!(
            v["info"].get("deleted").is_none(),
            "Helm 4 omits zero times"
        );
        assert_eq!(v["info"]["status"], "pending-upgrade");
        assert_eq!(v["info"]["description"], "Preparing upgrade");
        assert_eq!(v["version"], 4);
        assert_eq!(v["namespace"], "orchestration");
        assert_eq!(v["apply_method"], "ssa");
        let chart = &v["chart"];
        assert_eq!(chart["metadata"]["appVersion"], "3.0.2");
        assert_eq!(chart["metadata"]["apiVersion"], "v2");
        assert_eq!(chart["metadata"]["kubeVersion"], ">=1.30.0-0");
        assert_eq!(chart["metadata"]["type"], "application");
        assert!(chart["lock"].is_null() && chart.get("lock").is_some());
        assert_eq!(chart["schema"], STANDARD.encode(b"{\"type\":\"object\"}"));
        assert_eq!(
            chart["templates"][0]["data"],
            STANDARD.encode(b"Thank you for installing {{ .Chart.Name }}\n\x00binary")
        );
        let hook = &v["hooks"][0];
        assert_eq!(hook["events"], json!(["post-install", "post-upgrade"]));
        assert_eq!(hook["last_run"]["started_at"], "2025-10-10T08:53:30Z");
        assert_eq!(
            hook["last_run"]["completed_at"],
            "2025-10-10T08:54:30.000000001Z"
        );
        assert_eq!(hook["last_run"]["phase"], "Succeeded");
        assert_eq!(hook["delete_policies"][1], "hook-succeeded");
        assert_eq!(v["config"]["executor"], "KubernetesExecutor");
    }

    /// A release in the layout Helm 3's Go structs marshal (zero times as `""`, offsets,
    /// `null` slices, fields we do not model), gzipped and base64'd like the storage driver.
    #[test]
    fn decodes_what_helm_writes() {
        let json = r#"{"name":"trino","info":{"first_deployed":"2025-09-01T10:15:30.987654321+02:00","last_deployed":"2025-10-02T08:00:00Z","deleted":"","description":"Upgrade complete","status":"deployed","notes":"Get the application URL"},"chart":{"metadata":{"name":"trino","home":"https://trino.io/","sources":["https://github.com/trinodb/charts"],"version":"1.42.2","description":"Fast distributed SQL query engine","keywords":["sql"],"maintainers":[{"name":"Trino"}],"icon":"https://trino.io/assets/trino.png","apiVersion":"v2","appVersion":"480","type":"application"},"lock":null,"templates":[{"name":"templates/service.yaml","data":"YXBpVmVyc2lvbjogdjE="}],"values":{"server":{"workers":2}},"schema":null,"files":null},"config":{"server":{"workers":3}},"manifest":"---\n# Source: trino/templates/service.yaml\napiVersion: v1\n","hooks":[{"name":"t","kind":"Pod","path":"trino/templates/tests/test.yaml","manifest":"kind: Pod","events":["test"],"last_run":{"started_at":"","completed_at":"","phase":""}}],"version":3,"namespace":"warehouse","some_future_field":{"x":1}}"#;
        let rel = decode_release(gzip_b64(json).as_bytes()).unwrap();
        assert_eq!(rel.name, "trino");
        assert_eq!(rel.version, 3);
        assert_eq!(rel.namespace, "warehouse");
        assert_eq!(rel.info.status, ReleaseStatus::Deployed);
        assert_eq!(rel.info.deleted, None);
        assert_eq!(
            rel.info.first_deployed,
            Some(at(1_756_714_530, 987_654_321)),
            "offset times convert to UTC"
        );
        assert_eq!(rel.chart_label(), "trino-1.42.2");
        assert_eq!(rel.app_version(), "480");
        let chart = rel.chart.as_ref().unwrap();
        assert_eq!(chart.templates[0].data, b"apiVersion: v1");
        assert!(chart.files.is_empty() && chart.schema.is_none());
        assert_eq!(rel.config["server"]["workers"], 3);
        assert_eq!(rel.hooks[0].last_run.phase, HookPhase::NotRun);
        assert_eq!(rel.hooks[0].last_run.started_at, None);

        // Releases stored before Helm compressed them are plain JSON under base64.
        let plain = STANDARD.encode(json);
        assert_eq!(decode_release(plain.as_bytes()).unwrap(), rel);
        // The raw API value still has Kubernetes' base64 layer on top.
        let raw_api = STANDARD.encode(gzip_b64(json));
        assert_eq!(decode_release(raw_api.as_bytes()).unwrap(), rel);
    }

    #[test]
    fn every_status_round_trips_and_unknown_values_are_tolerated() {
        for status in ReleaseStatus::ALL {
            let text = serde_json::to_string(&status).unwrap();
            assert_eq!(text, format!("\"{}\"", status.as_str()));
            assert_eq!(
                serde_json::from_str::<ReleaseStatus>(&text).unwrap(),
                status
            );
        }
        assert_eq!(
            serde_json::from_str::<ReleaseStatus>("\"pending-teleport\"").unwrap(),
            ReleaseStatus::Unknown
        );
        assert!(ReleaseStatus::PendingUpgrade.is_pending());
        assert!(!ReleaseStatus::Failed.is_pending());
    }

    #[test]
    fn garbage_input_gives_clear_errors() {
        let err = decode_release(b"").unwrap_err();
        assert!(matches!(err, ReleaseDecodeError::Empty), "{err}");
        assert!(err.to_string().contains("data.release"));

        let err = decode_release(b"this is not base64!").unwrap_err();
        assert!(matches!(err, ReleaseDecodeError::Base64 { .. }), "{err}");
        assert!(err.to_string().contains("not base64"));

        let mut truncated = GZIP_MAGIC.to_vec();
        truncated.extend_from_slice(b"\x00\x00\x00\x00\x00\x03garbage");
        let err = decode_release(STANDARD.encode(&truncated).as_bytes()).unwrap_err();
        assert!(matches!(err, ReleaseDecodeError::Gzip { .. }), "{err}");

        let err = decode_release(gzip_b64("{\"name\": ").as_bytes()).unwrap_err();
        assert!(matches!(err, ReleaseDecodeError::Json { .. }), "{err}");
        assert!(err.to_string().contains("release JSON"));

        let err = decode_release(gzip_b64("[1, 2, 3]").as_bytes()).unwrap_err();
        assert!(matches!(err, ReleaseDecodeError::Json { .. }), "{err}");

        let err =
            decode_release(gzip_b64(r#"{"info": {"last_deployed": "yesterday"}}"#).as_bytes())
                .unwrap_err();
        assert!(err.to_string().contains("RFC 3339"), "{err}");

        // Neither JSON nor gzip under Kubernetes' layer: Helm's base64 is what is broken.
        let err = decode_release(STANDARD.encode([0xffu8, 0x00, 0x13]).as_bytes()).unwrap_err();
        assert!(matches!(err, ReleaseDecodeError::Base64 { .. }), "{err}");
        // `kubectl create secret generic --from-literal=release='not base64!!'`, as an API
        // response carries it.
        let err = decode_release(STANDARD.encode("not base64!!").as_bytes()).unwrap_err();
        assert!(matches!(err, ReleaseDecodeError::Base64 { .. }), "{err}");
        assert!(!err.to_string().contains("JSON"), "{err}");
    }

    #[test]
    fn secret_has_helm_name_type_labels_and_double_base64() {
        let rel = sample();
        let s = release_secret(&rel);
        assert_eq!(s["metadata"]["name"], "sh.helm.release.v1.airflow.v4");
        assert_eq!(s["metadata"]["namespace"], "orchestration");
        assert_eq!(s["type"], "helm.sh/release.v1");
        let labels = &s["metadata"]["labels"];
        assert_eq!(labels["owner"], "helm");
        assert_eq!(labels["name"], "airflow");
        assert_eq!(labels["status"], "pending-upgrade");
        assert_eq!(labels["version"], "4");
        assert_eq!(labels["createdAt"], "1760086400");
        assert_eq!(labels["modifiedAt"], "1760086400");
        let k8s_layer = s["data"]["release"].as_str().unwrap();
        let helm_layer = STANDARD.decode(k8s_layer).unwrap();
        assert_eq!(decode_release(&helm_layer).unwrap(), rel);
        assert_eq!(decode_release(k8s_layer.as_bytes()).unwrap(), rel);
    }

    #[test]
    fn go_time_format_matches_rfc3339nano() {
        assert_eq!(go_time_string(&at(0, 0)), "1970-01-01T00:00:00Z");
        assert_eq!(
            go_time_string(&at(0, 120_000_000)),
            "1970-01-01T00:00:00.12Z"
        );
        assert_eq!(go_time_string(&at(0, 7)), "1970-01-01T00:00:00.000000007Z");
    }
}
