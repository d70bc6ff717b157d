//! Content negotiation: which representation of a resource a client asked for in its Accept
//! header — the object itself, a server-side `Table`, or metadata only
//! (`PartialObjectMetadata`, `PartialObjectMetadataList`) — and the metadata-only encodings.

use serde_json::{Value, json};

use super::resources::ResourceInfo;
use super::store::ApiError;

/// The representation a response is served in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Output {
    /// The stored object (or `<Kind>List`).
    Object,
    /// A `meta.k8s.io` Table (kubectl's server-side printing).
    Table,
    /// One `PartialObjectMetadata` per object (get, and each event of a watch).
    Metadata(MetaVersion),
    /// A `PartialObjectMetadataList` (list).
    MetadataList(MetaVersion),
}

/// The `meta.k8s.io` version a metadata-only answer is written in (the one the client named).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MetaVersion {
    V1,
    V1beta1,
}

impl MetaVersion {
    pub fn api_version(self) -> &'static str {
        match self {
            MetaVersion::V1 => "meta.k8s.io/v1",
            MetaVersion::V1beta1 => "meta.k8s.io/v1beta1",
        }
    }
}

impl Output {
    /// The first representation of the Accept header the simulator can serve. Entries are
    /// tried in order, as the API server does: `as=` transforms it does not know are skipped,
    /// and a header naming none it knows gets the object (the simulator answers JSON whatever
    /// the media type; typed clients that prefer protobuf list JSON after it).
    pub fn negotiate(accept: &str) -> Output {
        for entry in accept.split(',') {
            let params = entry.split(';').skip(1).filter_map(|p| {
                let (k, v) = p.split_once('=')?;
                Some((k.trim(), v.trim().trim_matches('"')))
            });
            let (mut kind, mut group, mut version) = (None, None, None);
            for (k, v) in params {
                match k {
                    "as" => kind = Some(v),
                    "g" => group = Some(v),
                    "v" => version = Some(v),
                    _ => {}
                }
            }
            let Some(kind) = kind else {
                return Output::Object;
            };
            if group != Some("meta.k8s.io") {
                continue;
            }
            let version = match version {
                Some("v1") => MetaVersion::V1,
                Some("v1beta1") => MetaVersion::V1beta1,
                _ => continue,
            };
            match kind {
                "Table" => return Output::Table,
                "PartialObjectMetadata" => return Output::Metadata(version),
                "PartialObjectMetadataList" => return Output::MetadataList(version),
                _ => continue,
            }
        }
        Output::Object
    }

    /// Whether only metadata is served.
    pub fn metadata_only(self) -> bool {
        matches!(self, Output::Metadata(_) | Output::MetadataList(_))
    }

    /// 406 when a list is asked for as one object's metadata, or one object as a list, with
    /// the API server's message.
    pub fn check(self, info: &ResourceInfo, is_list: bool) -> Result<(), ApiError> {
        let list_type = || format!("*{}.{}List", info.version, info.kind);
        match self {
            Output::Metadata(_) if is_list => Err(ApiError::not_acceptable(format!(
                "you requested PartialObjectMetadata, but the requested object is a list ({})",
                list_type()
            ))),
            Output::MetadataList(_) if !is_list => Err(ApiError::not_acceptable(format!(
                "you requested PartialObjectMetadataList, but the requested object is not a list (*{}.{})",
                info.version, info.kind
            ))),
            _ => Ok(()),
        }
    }
}

/// The `PartialObjectMetadata` of an object, as a value.
pub fn partial(object: &Value, version: MetaVersion) -> Value {
    json!({
        "kind": "PartialObjectMetadata",
        "apiVersion": version.api_version(),
        "metadata": object["metadata"],
    })
}

/// Appends an object's `PartialObjectMetadata` to `out` without copying the object (lists
/// and initial watch events of tens of thousands of objects are written this way).
pub fn write_partial(out: &mut Vec<u8>, object: &Value, version: MetaVersion) {
    out.extend_from_slice(b"{\"kind\":\"PartialObjectMetadata\",\"apiVersion\":\"");
    out.extend_from_slice(version.api_version().as_bytes());
    out.extend_from_slice(b"\",\"metadata\":");
    match object.get("metadata") {
        Some(meta) => {
            let _ = serde_json::to_writer(&mut *out, meta);
        }
        None => out.extend_from_slice(b"{}"),
    }
    out.push(b'}');
}

#[cfg(test)]
mod tests {
    use super::*;

    const KUBE_RS_LIST: &str = "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1";
    const KUBE_RS_ONE: &str = "application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1";
    const CLIENT_GO_WATCH: &str = "application/vnd.kubernetes.protobuf;as=PartialObjectMetadata;g=meta.k8s.io;v=v1,application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1,application/json";
    const KUBECTL_TABLE: &str = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json";

    #[test]
    fn negotiates_what_real_clients_send() {
        assert_eq!(
            Output::negotiate(KUBE_RS_LIST),
            Output::MetadataList(MetaVersion::V1)
        );
        assert_eq!(
            Output::negotiate(KUBE_RS_ONE),
            Output::Metadata(MetaVersion::V1)
        );
        assert_eq!(
            Output::negotiate(CLIENT_GO_WATCH),
            Output::Metadata(MetaVersion::V1)
        );
        assert_eq!(Output::negotiate(KUBECTL_TABLE), Output::Table);
        assert_eq!(Output::negotiate("application/json"), Output::Object);
        assert_eq!(Output::negotiate(""), Output::Object);
        assert_eq!(Output::negotiate("*/*"), Output::Object);
    }

    #[test]
    fn unknown_transforms_fall_through_to_the_next_entry() {
        assert_eq!(
            Output::negotiate(
                "application/json;as=Scale;g=autoscaling;v=v1,application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1beta1"
            ),
            Output::MetadataList(MetaVersion::V1beta1)
        );
        // A wrong group is not a metadata request; nothing else listed means the object.
        assert_eq!(
            Output::negotiate("application/json;as=PartialObjectMetadata;g=apps;v=v1"),
            Output::Object
        );
    }

    #[test]
    fn partial_metadata_keeps_metadata_and_drops_everything_else() {
        let secret = json!({"kind": "Secret", "apiVersion": "v1",
            "metadata": {"name": "sh.helm.release.v1.a.v1", "labels": {"owner": "helm"}},
            "data": {"release": "c2VjcmV0"}});
        let mut bytes = Vec::new();
        write_partial(&mut bytes, &secret, MetaVersion::V1);
        let written: Value = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(written, partial(&secret, MetaVersion::V1));
        assert_eq!(written["kind"], "PartialObjectMetadata");
        assert_eq!(written["apiVersion"], "meta.k8s.io/v1");
        assert_eq!(written["metadata"]["labels"]["owner"], "helm");
        assert!(written.get("data").is_none());
        assert!(!String::from_utf8(bytes).unwrap().contains("c2VjcmV0"));
    }
}
