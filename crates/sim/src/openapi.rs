//! A minimal OpenAPI v3 surface: enough for kubectl to learn that every kind accepts the
//! `fieldValidation` query parameter (so it validates server-side and needs no schema).
//! Component schemas are omitted; kubectl then computes strategic merge patches from its
//! built-in types.

use serde_json::{Map, Value, json};

use super::resources::ResourceInfo;

/// The group-version path of a resource as used in `/openapi/v3/<gv>`.
fn gv_path(r: &ResourceInfo) -> String {
    if r.group.is_empty() {
        format!("api/{}", r.version)
    } else {
        format!("apis/{}/{}", r.group, r.version)
    }
}

/// `GET /openapi/v3`: one entry per served group-version.
pub fn root(resources: &[ResourceInfo]) -> Value {
    let mut paths = Map::new();
    for r in resources {
        let gv = gv_path(r);
        let url = format!("/openapi/v3/{gv}?hash={:016X}", hash(&gv));
        paths.insert(gv, json!({"serverRelativeURL": url}));
    }
    json!({"paths": paths})
}

fn hash(s: &str) -> u64 {
    super::ids::fnv1a(s.bytes())
}

/// `GET /openapi/v3/<gv>`: PATCH/PUT/POST operations tagged with their kind, each accepting
/// `fieldValidation`, `dryRun` and `fieldManager`. None when the group-version is unknown.
pub fn group_version(resources: &[ResourceInfo], gv: &str) -> Option<Value> {
    let mut paths = Map::new();
    for r in resources.iter().filter(|r| gv_path(r) == gv) {
        let prefix = format!("/{gv}");
        let (collection, item) = if r.namespaced {
            (
                format!("{prefix}/namespaces/{{namespace}}/{}", r.plural),
                format!("{prefix}/namespaces/{{namespace}}/{}/{{name}}", r.plural),
            )
        } else {
            (
                format!("{prefix}/{}", r.plural),
                format!("{prefix}/{}/{{name}}", r.plural),
            )
        };
        let params = json!([
            {"name": "dryRun", "in": "query", "schema": {"type": "string", "uniqueItems": true}},
            {"name": "fieldManager", "in": "query", "schema": {"type": "string", "uniqueItems": true}},
            {"name": "fieldValidation", "in": "query", "schema": {"type": "string", "uniqueItems": true}},
        ]);
        let op = |action: &str| {
            json!({
                "operationId": format!("{action}{}", r.kind),
                "parameters": params,
                "responses": {"200": {"description": "OK"}},
                "x-kubernetes-action": action,
                "x-kubernetes-group-version-kind": {"group": r.group, "version": r.version, "kind": r.kind},
            })
        };
        paths.insert(collection, json!({"post": op("post")}));
        paths.insert(item, json!({"put": op("put"), "patch": op("patch")}));
    }
    if paths.is_empty() {
        return None;
    }
    Some(json!({
        "openapi": "3.0.0",
        "info": {"title": "Kubernetes", "version": "v1.35.0"},
        "paths": paths,
        "components": {"schemas": {}},
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resources::builtin;

    #[test]
    fn kinds_accept_field_validation_on_patch() {
        let all = builtin();
        assert!(
            root(&all)["paths"]["apis/apps/v1"]["serverRelativeURL"]
                .as_str()
                .unwrap()
                .starts_with("/openapi/v3/apis/apps/v1?hash=")
        );
        let doc = group_version(&all, "apis/apps/v1").unwrap();
        let patch =
            &doc["paths"]["/apis/apps/v1/namespaces/{namespace}/deployments/{name}"]["patch"];
        assert_eq!(
            patch["x-kubernetes-group-version-kind"]["kind"],
            "Deployment"
        );
        assert!(
            patch["parameters"]
                .as_array()
                .unwrap()
                .iter()
                .any(|p| p["name"] == "fieldValidation")
        );
        assert!(group_version(&all, "apis/nope/v1").is_none());
    }
}
