//! Label and field selectors as the API server parses them (`a=b,c!=d,e in (f,g),!h,i`), and
//! matching of objects against them. Label selectors are shared with the cockpit (the common
//! crate); field selectors, which only the server evaluates, are here.

use serde_json::Value;

pub use strata_common::selector::{LabelReq, LabelSelector, SelectorError};

/// A parsed field selector: `field=value` / `field!=value` terms.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FieldSelector(pub Vec<(String, String, bool)>);

impl FieldSelector {
    /// Parses and checks the fields against those supported for `resource` (the API server
    /// rejects unsupported fields with 400 "field label not supported").
    pub fn parse(text: &str, resource: &str) -> Result<FieldSelector, SelectorError> {
        let mut terms = Vec::new();
        for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (field, value, eq) = if let Some((f, v)) = part.split_once("!=") {
                (f, v, false)
            } else if let Some((f, v)) = part.split_once("==") {
                (f, v, true)
            } else if let Some((f, v)) = part.split_once('=') {
                (f, v, true)
            } else {
                return Err(SelectorError(part.to_string()));
            };
            let field = field.trim();
            if !field_supported(resource, field) {
                return Err(SelectorError(format!("field label not supported: {field}")));
            }
            terms.push((field.to_string(), value.trim().to_string(), eq));
        }
        Ok(FieldSelector(terms))
    }

    pub fn matches(&self, obj: &Value) -> bool {
        self.0.iter().all(|(field, value, eq)| {
            let actual = field_value(obj, field);
            (actual == *value) == *eq
        })
    }
}

fn field_supported(resource: &str, field: &str) -> bool {
    if matches!(field, "metadata.name" | "metadata.namespace") {
        return true;
    }
    match resource {
        "pods" => matches!(
            field,
            "spec.nodeName"
                | "spec.restartPolicy"
                | "spec.schedulerName"
                | "spec.serviceAccountName"
                | "spec.hostNetwork"
                | "status.phase"
                | "status.podIP"
                | "status.nominatedNodeName"
        ),
        "events" => {
            field.starts_with("involvedObject.")
                || matches!(field, "reason" | "source" | "type" | "reportingComponent")
        }
        "secrets" => field == "type",
        "namespaces" => field == "status.phase",
        "nodes" => field == "spec.unschedulable",
        "jobs" => field == "status.successful",
        "replicasets" | "replicationcontrollers" => field == "status.replicas",
        _ => false,
    }
}

/// The string value of a dotted field path; missing fields compare as empty strings.
fn field_value(obj: &Value, field: &str) -> String {
    let mut cur = obj;
    for seg in field.split('.') {
        cur = &cur[seg];
    }
    match cur {
        Value::String(s) => s.clone(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn pod() -> Value {
        json!({"metadata": {"name": "a", "namespace": "ns", "labels": {"app": "web", "tier": "db"}},
               "spec": {"nodeName": "n1"}, "status": {"phase": "Running"}})
    }

    #[test]
    fn label_selector_operators() {
        let p = pod();
        for (sel, want) in [
            ("app=web", true),
            ("app==web", true),
            ("app!=web", false),
            ("app in (web, api)", true),
            ("app notin (web)", false),
            ("missing notin (x)", true),
            ("tier", true),
            ("!tier", false),
            ("!missing", true),
            ("app=web,tier=db", true),
            ("app=web,tier=x", false),
            ("", true),
        ] {
            assert_eq!(
                LabelSelector::parse(sel).unwrap().matches(&p),
                want,
                "{sel}"
            );
        }
        assert!(LabelSelector::parse("a=b=c").is_err());
        assert!(LabelSelector::parse("a in b").is_err());
    }

    #[test]
    fn selector_objects() {
        let sel = json!({"matchLabels": {"app": "web"}, "matchExpressions": [{"key": "tier", "operator": "In", "values": ["db"]}]});
        assert!(LabelSelector::from_object(&sel).matches(&pod()));
        assert!(!LabelSelector::from_map(&json!({"app": "api"})).matches(&pod()));
    }

    #[test]
    fn field_selectors() {
        let p = pod();
        let fs = FieldSelector::parse("status.phase=Running,spec.nodeName!=n2", "pods").unwrap();
        assert!(fs.matches(&p));
        assert!(
            !FieldSelector::parse("metadata.name=b", "pods")
                .unwrap()
                .matches(&p)
        );
        assert!(FieldSelector::parse("spec.foo=x", "pods").is_err());
        assert!(FieldSelector::parse("status.phase=Running", "deployments").is_err());
    }
}
