//! The facts the posture checks need from one API object, projected once from its JSON next
//! to the stack's own projection: pod security (users, privileges, host access, service
//! account), Service and Ingress exposure, RBAC grants and bindings, and the *settings* the
//! per-tool rules ask about (from env, `--flags`, config files in ConfigMaps and Secrets, and
//! custom resources).
//!
//! Credentials are judged here and dropped: a projection keeps *that* a credential is a
//! literal or a chart default (and where), never its value, so nothing downstream — findings,
//! tables, JSON, the cockpit — can print one. Only settings a rule names are kept.

use std::borrow::Borrow;

use base64::Engine as _;
use serde_json::Value;
use strata_common::json::str_at;
use strata_common::sym::Sym;

use super::rules::PostureRules;
use crate::stack::{ObjectKind, StackObject};

/// Settings values longer than this are cut: rules compare short words.
const MAX_SETTING_BYTES: usize = 160;
/// Config files larger than this are not scanned (CRD bundles in ConfigMaps).
const MAX_FILE_BYTES: usize = 256 * 1024;

/// A setting's value as kept.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SettingValue {
    /// A literal, not a credential.
    Text(Sym),
    /// A literal credential: there is one, and it is not shown.
    Masked,
    /// From a Secret or ConfigMap reference (`valueFrom`): set, value unknown.
    Reference,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Setting {
    /// Lower-cased, for matching.
    pub key: Sym,
    /// As written, for evidence.
    pub shown: Sym,
    pub value: SettingValue,
}

impl Setting {
    /// The value for evidence: literals as they are, credentials masked.
    pub fn display(&self) -> String {
        match &self.value {
            SettingValue::Text(text) => format!("{} = {}", self.shown, text),
            SettingValue::Masked => format!("{} = ****** (masked)", self.shown),
            SettingValue::Reference => format!("{} from a secret or config reference", self.shown),
        }
    }
}

/// Where settings live.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PlaceKind {
    Container {
        name: Sym,
        /// The image's repository (`minio/minio`).
        image: Sym,
        /// The command line (`dagster-webserver -h 0.0.0.0 …`).
        command: Sym,
    },
    /// A key of a ConfigMap or Secret.
    File { name: Sym },
    /// A custom resource's settings (`spec.sparkConf`).
    Resource { field: &'static str },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Place {
    pub kind: PlaceKind,
    /// Only the settings some rule names.
    pub settings: Vec<Setting>,
    /// Also fed from elsewhere (`envFrom`): the absence of a key proves nothing.
    pub opaque: bool,
}

impl Place {
    /// How evidence names it, after the object.
    pub fn describe(&self) -> String {
        match &self.kind {
            PlaceKind::Container { name, .. } => format!("container {name}"),
            PlaceKind::File { name } => format!("key {name}"),
            PlaceKind::Resource { field } => (*field).to_string(),
        }
    }
}

/// A credential found in the object: where, whether it is a chart default (index into
/// [`PostureRules::defaults`]), and whether it sits in plain sight in a pod spec.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Credential {
    /// `env DB_PASSWORD of container db`, `args -p of container create-user`, `key connection`.
    pub place: String,
    pub default: Option<usize>,
    /// A literal in a pod spec (env value or args) instead of a `secretKeyRef`.
    pub plain: bool,
}

/// One container's runtime security.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ContainerPosture {
    pub name: Sym,
    /// As written.
    pub image: Sym,
    pub init: bool,
    pub privileged: bool,
    /// The effective `runAsUser` (container over pod).
    pub run_as_user: Option<i64>,
    /// The effective `runAsNonRoot`.
    pub run_as_non_root: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PodPosture {
    pub host_network: bool,
    /// `volume-name (/host/path)`.
    pub host_paths: Vec<String>,
    pub service_account: Sym,
    pub containers: Vec<ContainerPosture>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServicePosture {
    /// `ClusterIP`, `NodePort`, `LoadBalancer`, `ExternalName`.
    pub service_type: Sym,
    pub source_ranges: bool,
    /// `8080/TCP`, with `:30080` for a node port.
    pub ports: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IngressPosture {
    /// The first auth-marker annotation found.
    pub auth_marker: Option<Sym>,
    pub tls: bool,
    /// Backend Service names.
    pub backends: Vec<Sym>,
    pub hosts: Vec<Sym>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RolePosture {
    /// `pods/exec (create, get)`.
    pub exec: Option<String>,
    /// `secrets (create, update, patch, delete)`.
    pub secret_write: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BindingPosture {
    pub role_kind: Sym,
    pub role_name: Sym,
    /// (namespace, name) of each ServiceAccount subject.
    pub service_accounts: Vec<(Sym, Sym)>,
}

/// The kind-specific part.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Shape {
    Other,
    Workload(Box<PodPosture>),
    Service(ServicePosture),
    Ingress(IngressPosture),
    Role(RolePosture),
    Binding(BindingPosture),
    NetworkPolicy,
    /// Istio `AuthorizationPolicy`: whether it asks for request principals (a JWT), which is
    /// what makes a `RequestAuthentication` reject anonymous requests.
    AuthorizationPolicy {
        principals: bool,
    },
}

/// The posture projection of one API object.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PostureObject {
    /// The stack's projection: classification places the object in its component.
    pub stack: StackObject,
    pub shape: Shape,
    pub places: Vec<Place>,
    pub credentials: Vec<Credential>,
}

impl Borrow<StackObject> for PostureObject {
    fn borrow(&self) -> &StackObject {
        &self.stack
    }
}

impl PostureObject {
    /// Projects an API object (or a manifest). Secret values are read here, compared, and
    /// forgotten.
    pub fn from_json(object: &Value, rules: &PostureRules) -> PostureObject {
        let stack = StackObject::from_json(object);
        let mut places = Vec::new();
        let mut credentials = Vec::new();
        let kind = str_at(object, &["kind"]);
        let shape = match &stack.kind {
            k if k.runs_containers() => {
                let template = match k {
                    ObjectKind::Pod => Some(object),
                    ObjectKind::CronJob => Some(&object["spec"]["jobTemplate"]["spec"]["template"]),
                    _ => object["spec"].get("template"),
                };
                match template {
                    Some(t) => Shape::Workload(Box::new(pod(
                        &t["spec"],
                        rules,
                        &mut places,
                        &mut credentials,
                    ))),
                    None => Shape::Other,
                }
            }
            ObjectKind::Service => Shape::Service(service(&object["spec"])),
            _ => match kind {
                "ConfigMap" | "Secret" => {
                    files(
                        object,
                        kind == "Secret",
                        rules,
                        &mut places,
                        &mut credentials,
                    );
                    Shape::Other
                }
                "Ingress" => Shape::Ingress(ingress(object, rules)),
                "Role" | "ClusterRole" => Shape::Role(role(object)),
                "RoleBinding" | "ClusterRoleBinding" => Shape::Binding(binding(object)),
                "NetworkPolicy" => Shape::NetworkPolicy,
                "AuthorizationPolicy" => Shape::AuthorizationPolicy {
                    principals: object["spec"]["rules"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter_map(|r| r["from"].as_array())
                        .flatten()
                        .any(|f| {
                            f["source"]["requestPrincipals"]
                                .as_array()
                                .is_some_and(|p| !p.is_empty())
                        }),
                },
                "SparkApplication" | "ScheduledSparkApplication" => {
                    // A scheduled application's runs repeat its template: judged once, there.
                    let run_of_schedule = stack
                        .label("sparkoperator.k8s.io/scheduled-app-name")
                        .is_some()
                        || stack
                            .owners
                            .iter()
                            .any(|o| o.kind == "ScheduledSparkApplication");
                    if !run_of_schedule {
                        let spec = if kind == "ScheduledSparkApplication" {
                            &object["spec"]["template"]
                        } else {
                            &object["spec"]
                        };
                        places.push(resource_place(
                            "spec.sparkConf",
                            &spec["sparkConf"],
                            rules,
                            &mut credentials,
                        ));
                    }
                    Shape::Other
                }
                "ClickHouseInstallation" => {
                    places.push(resource_place(
                        "spec.configuration.users",
                        &object["spec"]["configuration"]["users"],
                        rules,
                        &mut credentials,
                    ));
                    Shape::Other
                }
                _ => Shape::Other,
            },
        };
        PostureObject {
            stack,
            shape,
            places,
            credentials,
        }
    }

    /// `Kind/name`.
    pub fn reference(&self) -> String {
        format!("{}/{}", self.stack.kind.as_str(), self.stack.name)
    }
}

fn pod(
    spec: &Value,
    rules: &PostureRules,
    places: &mut Vec<Place>,
    credentials: &mut Vec<Credential>,
) -> PodPosture {
    let pod_context = &spec["securityContext"];
    let host_paths = spec["volumes"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|v| v["hostPath"].is_object())
        .map(|v| {
            format!(
                "{} ({})",
                str_at(v, &["name"]),
                str_at(v, &["hostPath", "path"])
            )
        })
        .collect();
    let service_account = match str_at(spec, &["serviceAccountName"]) {
        "" => Sym::intern("default"),
        name => Sym::intern(name),
    };
    let mut containers = Vec::new();
    for (key, init) in [("initContainers", true), ("containers", false)] {
        for c in spec[key].as_array().into_iter().flatten() {
            let context = &c["securityContext"];
            let name = Sym::intern(str_at(c, &["name"]));
            let image = str_at(c, &["image"]);
            let user = context["runAsUser"]
                .as_i64()
                .or_else(|| pod_context["runAsUser"].as_i64());
            let non_root = context["runAsNonRoot"]
                .as_bool()
                .or_else(|| pod_context["runAsNonRoot"].as_bool())
                .unwrap_or(false);
            containers.push(ContainerPosture {
                name: name.clone(),
                image: Sym::intern(image),
                init,
                privileged: context["privileged"].as_bool().unwrap_or(false),
                run_as_user: user,
                run_as_non_root: non_root,
            });
            places.push(container_place(c, name, rules, credentials));
        }
    }
    PodPosture {
        host_network: spec["hostNetwork"].as_bool().unwrap_or(false),
        host_paths,
        service_account,
        containers,
    }
}

/// A container's env and flags as settings; its literal credentials.
fn container_place(
    c: &Value,
    name: Sym,
    rules: &PostureRules,
    credentials: &mut Vec<Credential>,
) -> Place {
    let mut settings = Vec::new();
    for e in c["env"].as_array().into_iter().flatten() {
        let key = str_at(e, &["name"]);
        let literal = e.get("value").and_then(Value::as_str);
        let credential_key = rules.is_credential_key(key);
        if let Some(value) = literal
            && is_literal_secret(value)
        {
            if credential_key {
                credentials.push(Credential {
                    place: format!("env {key} of container {name}"),
                    default: rules.default_of(value.trim()),
                    plain: true,
                });
            } else if let Some(password) = uri_password(value) {
                credentials.push(Credential {
                    place: format!("env {key} of container {name} (password in a URI)"),
                    default: rules.default_of(password),
                    plain: true,
                });
            }
        }
        let lower = key.to_lowercase();
        if rules.wants_key(&lower) {
            let value = match literal {
                None => SettingValue::Reference,
                Some(_) if credential_key => SettingValue::Masked,
                Some(v) => SettingValue::Text(Sym::intern(cut(v))),
            };
            settings.push(Setting {
                key: Sym::intern(&lower),
                shown: Sym::intern(key),
                value,
            });
        }
    }
    let words: Vec<&str> = ["command", "args"]
        .iter()
        .filter_map(|k| c[*k].as_array())
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    let command_line = words.join(" ");
    for word in command_line.split_whitespace() {
        if !word.starts_with('-') {
            continue;
        }
        let (flag, value) = match word.split_once('=') {
            Some((flag, value)) => (flag, Some(value)),
            None => (word, None),
        };
        let lower = flag.to_lowercase();
        if rules.wants_key(&lower) {
            settings.push(Setting {
                key: Sym::intern(&lower),
                shown: Sym::intern(flag),
                value: SettingValue::Text(Sym::intern(value.map(cut).unwrap_or("(set)"))),
            });
        }
    }
    for (flag, password) in password_arguments(&command_line, rules) {
        credentials.push(Credential {
            place: format!("args {flag} of container {name}"),
            default: rules.default_of(password),
            plain: true,
        });
    }
    Place {
        kind: PlaceKind::Container {
            name,
            image: crate::stack::object::ImageRef::parse(str_at(c, &["image"])).repository,
            command: Sym::intern(&command_line),
        },
        settings,
        opaque: c["envFrom"].as_array().is_some_and(|a| !a.is_empty()),
    }
}

/// Whether an env value is a credential written out, not a reference to one.
fn is_literal_secret(value: &str) -> bool {
    let value = value.trim();
    !value.is_empty()
        && !value.starts_with('$')
        && !value.contains("{{")
        && !value.starts_with('/')
        // Switches (`ALLOW_EMPTY_PASSWORD=yes`), not secrets.
        && !matches!(
            value.to_lowercase().as_str(),
            "true" | "false" | "yes" | "no" | "on" | "off" | "none" | "null"
        )
}

/// The password of `scheme://user:password@host…`.
fn uri_password(text: &str) -> Option<&str> {
    let (_, rest) = text.split_once("://")?;
    let authority = rest.split(['/', '?', '#']).next()?;
    let (userinfo, _) = authority.rsplit_once('@')?;
    let (_, password) = userinfo.split_once(':')?;
    (!password.is_empty() && is_literal_secret(password)).then_some(password)
}

/// The words after password flags (`--password X`, `--password=X`, and per-command flags
/// such as `airflow users create … -p X`) in a command line or script.
fn password_arguments<'a>(text: &'a str, rules: &PostureRules) -> Vec<(String, &'a str)> {
    let mut flags: Vec<&str> = Vec::new();
    for f in &rules.password_flags {
        if f.command.matches(text) {
            flags.extend(f.flags.iter().map(String::as_str));
        }
    }
    if flags.is_empty() {
        return Vec::new();
    }
    let unquote = |w: &'a str| w.trim_matches(|c| c == '\'' || c == '"');
    let words: Vec<&str> = text
        .split_whitespace()
        .filter(|w| *w != "\\")
        .map(unquote)
        .collect();
    let mut out = Vec::new();
    for (i, word) in words.iter().enumerate() {
        if let Some((flag, value)) = word.split_once('=')
            && flags.contains(&flag)
            && is_literal_secret(value)
        {
            out.push((flag.to_string(), unquote(value)));
        } else if flags.contains(word)
            && let Some(next) = words.get(i + 1)
            && is_literal_secret(next)
            && !next.starts_with('-')
        {
            out.push((word.to_string(), *next));
        }
    }
    out
}

fn cut(text: &str) -> &str {
    if text.len() <= MAX_SETTING_BYTES {
        return text;
    }
    let mut end = MAX_SETTING_BYTES;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// The keys of a ConfigMap or Secret as config files: the settings rules name (`key = value`,
/// `key: value`, `key=value` lines), and credentials that are chart defaults.
fn files(
    object: &Value,
    secret: bool,
    rules: &PostureRules,
    places: &mut Vec<Place>,
    credentials: &mut Vec<Credential>,
) {
    let mut texts: Vec<(&str, std::borrow::Cow<'_, str>)> = Vec::new();
    for (key, value) in object["data"].as_object().into_iter().flatten() {
        let Some(raw) = value.as_str() else { continue };
        if secret {
            // Secret data is base64; a value that does not decode to text is not a config.
            if let Ok(bytes) = base64::engine::general_purpose::STANDARD.decode(raw)
                && let Ok(text) = String::from_utf8(bytes)
            {
                texts.push((key, text.into()));
            }
        } else {
            texts.push((key, raw.into()));
        }
    }
    // Manifests (and the demo) may carry `stringData`.
    for (key, value) in object["stringData"].as_object().into_iter().flatten() {
        if let Some(text) = value.as_str() {
            texts.push((key, text.into()));
        }
    }
    for (key, text) in texts {
        if text.len() > MAX_FILE_BYTES {
            continue;
        }
        let whole = text.trim();
        let default = if rules.is_credential_key(key) {
            rules.default_of(whole)
        } else {
            uri_password(whole).and_then(|p| rules.default_of(p))
        };
        if let Some(default) = default {
            credentials.push(Credential {
                place: format!("key {key}"),
                default: Some(default),
                plain: false,
            });
        }
        let mut settings = Vec::new();
        if text.contains('\n') {
            for line in text.lines() {
                let Some((name, value)) = assignment(line) else {
                    continue;
                };
                let lower = name.to_lowercase();
                let credential = rules.is_credential_key(name);
                if credential && let Some(default) = rules.default_of(value) {
                    credentials.push(Credential {
                        place: format!("key {key}, line {name}"),
                        default: Some(default),
                        plain: false,
                    });
                }
                if rules.wants_key(&lower) {
                    settings.push(Setting {
                        key: Sym::intern(&lower),
                        shown: Sym::intern(name),
                        value: if credential {
                            SettingValue::Masked
                        } else {
                            SettingValue::Text(Sym::intern(cut(value)))
                        },
                    });
                }
            }
            for (flag, password) in password_arguments(&text, rules) {
                if let Some(default) = rules.default_of(password) {
                    credentials.push(Credential {
                        place: format!("key {key}, {flag} argument"),
                        default: Some(default),
                        plain: false,
                    });
                }
            }
        }
        places.push(Place {
            kind: PlaceKind::File {
                name: Sym::intern(key),
            },
            settings,
            opaque: false,
        });
    }
}

/// `key = value`, `key: value` or `key=value` (quotes and trailing commas dropped); `None`
/// for comments and anything else.
fn assignment(line: &str) -> Option<(&str, &str)> {
    let line = line.trim();
    if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
        return None;
    }
    let at = line.find(['=', ':'])?;
    let name = line[..at].trim();
    if name.is_empty()
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
    {
        return None;
    }
    let value = line[at + 1..]
        .trim()
        .trim_end_matches(',')
        .trim()
        .trim_matches(|c| c == '\'' || c == '"');
    Some((name, value))
}

/// A custom resource's settings map, flattened to `a/b/c` keys (ClickHouse writes users both
/// as `default/password` and as nested maps).
fn resource_place(
    field: &'static str,
    map: &Value,
    rules: &PostureRules,
    credentials: &mut Vec<Credential>,
) -> Place {
    let mut settings = Vec::new();
    let mut stack: Vec<(String, &Value)> = map
        .as_object()
        .into_iter()
        .flatten()
        .map(|(k, v)| (k.clone(), v))
        .collect();
    while let Some((key, value)) = stack.pop() {
        let value = match value {
            Value::Object(inner) if !inner.contains_key("valueFrom") => {
                stack.extend(inner.iter().map(|(k, v)| (format!("{key}/{k}"), v)));
                continue;
            }
            Value::Object(_) => None,
            Value::String(s) => Some(s.clone()),
            Value::Array(items) => Some(
                items
                    .iter()
                    .map(|i| i.as_str().map_or_else(|| i.to_string(), str::to_string))
                    .collect::<Vec<_>>()
                    .join(","),
            ),
            other => Some(other.to_string()),
        };
        let leaf = key.rsplit('/').next().unwrap_or(&key);
        let credential = rules.is_credential_key(leaf);
        if credential
            && let Some(v) = &value
            && let Some(default) = rules.default_of(v)
        {
            credentials.push(Credential {
                place: format!("{field} {key}"),
                default: Some(default),
                plain: false,
            });
        }
        let lower = key.to_lowercase();
        if rules.wants_key(&lower) {
            settings.push(Setting {
                key: Sym::intern(&lower),
                shown: Sym::intern(&key),
                value: match value {
                    None => SettingValue::Reference,
                    Some(_) if credential => SettingValue::Masked,
                    Some(v) => SettingValue::Text(Sym::intern(cut(&v))),
                },
            });
        }
    }
    Place {
        kind: PlaceKind::Resource { field },
        settings,
        opaque: false,
    }
}

fn service(spec: &Value) -> ServicePosture {
    let service_type = match str_at(spec, &["type"]) {
        "" => "ClusterIP",
        t => t,
    };
    let ports = spec["ports"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|p| {
            let protocol = match str_at(p, &["protocol"]) {
                "" => "TCP",
                p => p,
            };
            match p["nodePort"].as_i64() {
                Some(node) => format!("{}:{node}/{protocol}", p["port"]),
                None => format!("{}/{protocol}", p["port"]),
            }
        })
        .collect::<Vec<_>>()
        .join(",");
    ServicePosture {
        service_type: Sym::intern(service_type),
        source_ranges: spec["loadBalancerSourceRanges"]
            .as_array()
            .is_some_and(|r| !r.is_empty()),
        ports,
    }
}

fn ingress(object: &Value, rules: &PostureRules) -> IngressPosture {
    let annotations = &object["metadata"]["annotations"];
    let auth_marker = rules
        .ingress_auth_annotations
        .iter()
        .find(|a| !str_at(annotations, &[a.as_str()]).is_empty())
        .map(|a| Sym::intern(a));
    let spec = &object["spec"];
    let mut backends: Vec<Sym> = Vec::new();
    let mut hosts = Vec::new();
    let mut add = |name: &str| {
        if !name.is_empty() && !backends.iter().any(|b| b.as_str() == name) {
            backends.push(Sym::intern(name));
        }
    };
    add(str_at(spec, &["defaultBackend", "service", "name"]));
    for rule in spec["rules"].as_array().into_iter().flatten() {
        let host = str_at(rule, &["host"]);
        if !host.is_empty() {
            hosts.push(Sym::intern(host));
        }
        for path in rule["http"]["paths"].as_array().into_iter().flatten() {
            add(str_at(path, &["backend", "service", "name"]));
        }
    }
    IngressPosture {
        auth_marker,
        tls: spec["tls"].as_array().is_some_and(|t| !t.is_empty()),
        backends,
        hosts,
    }
}

fn role(object: &Value) -> RolePosture {
    const EXEC_VERBS: [&str; 3] = ["create", "get", "*"];
    const WRITE_VERBS: [&str; 6] = [
        "create",
        "update",
        "patch",
        "delete",
        "deletecollection",
        "*",
    ];
    let mut exec: Vec<&str> = Vec::new();
    let mut write: Vec<&str> = Vec::new();
    for rule in object["rules"].as_array().into_iter().flatten() {
        let strings = |key: &str| -> Vec<&str> {
            rule[key]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .collect()
        };
        let groups = strings("apiGroups");
        if !groups.iter().any(|g| g.is_empty() || *g == "*") {
            continue;
        }
        let resources = strings("resources");
        let verbs = strings("verbs");
        if resources.iter().any(|r| *r == "pods/exec" || *r == "*") {
            exec.extend(verbs.iter().filter(|v| EXEC_VERBS.contains(v)));
        }
        if resources.iter().any(|r| *r == "secrets" || *r == "*") {
            write.extend(verbs.iter().filter(|v| WRITE_VERBS.contains(v)));
        }
    }
    let describe = |what: &str, mut verbs: Vec<&str>| {
        verbs.dedup();
        (!verbs.is_empty()).then(|| format!("{what} ({})", verbs.join(", ")))
    };
    RolePosture {
        exec: describe("pods/exec", exec),
        secret_write: describe("secrets", write),
    }
}

fn binding(object: &Value) -> BindingPosture {
    let namespace = str_at(object, &["metadata", "namespace"]);
    BindingPosture {
        role_kind: Sym::intern(str_at(object, &["roleRef", "kind"])),
        role_name: Sym::intern(str_at(object, &["roleRef", "name"])),
        service_accounts: object["subjects"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|s| s["kind"] == "ServiceAccount")
            .map(|s| {
                let ns = match str_at(s, &["namespace"]) {
                    "" => namespace,
                    ns => ns,
                };
                (Sym::intern(ns), Sym::intern(str_at(s, &["name"])))
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn env_credentials_are_judged_and_never_kept() {
        let rules = PostureRules::builtin();
        let object = PostureObject::from_json(
            &json!({"kind": "Deployment", "metadata": {"name": "db", "namespace": "n"},
                "spec": {"template": {"spec": {"containers": [{"name": "db", "image": "airbyte/db:1",
                    "env": [{"name": "POSTGRES_PASSWORD", "value": "airbyte"},
                        {"name": "APP_TOKEN", "value": "s3cr3t-planted-value"},
                        {"name": "DATABASE_URL", "value": "postgres://u:uri-planted@h/db"},
                        {"name": "PASSWORD_FILE", "value": "/run/secret"},
                        {"name": "OTHER", "valueFrom": {"secretKeyRef": {"name": "x", "key": "y"}}}]}]}}}}),
            &rules,
        );
        let places: Vec<&str> = object
            .credentials
            .iter()
            .map(|c| c.place.as_str())
            .collect();
        assert_eq!(
            places,
            [
                "env POSTGRES_PASSWORD of container db",
                "env APP_TOKEN of container db",
                "env DATABASE_URL of container db (password in a URI)"
            ]
        );
        assert!(object.credentials.iter().all(|c| c.plain));
        assert_eq!(
            object.credentials[0]
                .default
                .map(|d| rules.defaults[d].value.as_str()),
            Some("airbyte")
        );
        assert_eq!(object.credentials[1].default, None);
        let debug = format!("{object:?}");
        assert!(!debug.contains("s3cr3t-planted-value") && !debug.contains("uri-planted"));
    }

    #[test]
    fn password_flags_follow_their_command() {
        let rules = PostureRules::builtin();
        let text = "bash -c exec \\\nairflow users create \"$@\" -- -r Admin -u admin -p 'admin'";
        let found = password_arguments(text, &rules);
        assert_eq!(found, [("-p".to_string(), "admin")]);
        // `-p` elsewhere is a port or a path.
        assert!(
            password_arguments("superset import_datasources -p /app/x.yaml", &rules).is_empty()
        );
        assert_eq!(
            password_arguments("superset fab create-admin --password=hunter2x", &rules),
            [("--password".to_string(), "hunter2x")]
        );
    }

    #[test]
    fn config_lines_and_uris() {
        assert_eq!(
            assignment("  AUTH_ROLE_PUBLIC = 'Admin'"),
            Some(("AUTH_ROLE_PUBLIC", "Admin"))
        );
        assert_eq!(
            assignment("http-server.authentication.type=PASSWORD"),
            Some(("http-server.authentication.type", "PASSWORD"))
        );
        assert_eq!(assignment("# x = y"), None);
        assert_eq!(assignment("if os.getenv(\"X\"):"), None);
        assert_eq!(
            uri_password("postgresql://airflow:pw@host:5432/db"),
            Some("pw")
        );
        assert_eq!(uri_password("redis://:pw@host:6379/0"), Some("pw"));
        assert_eq!(uri_password("http://host:8080/x"), None);
    }

    #[test]
    fn clickhouse_users_flatten_both_ways() {
        let rules = PostureRules::builtin();
        let object = PostureObject::from_json(
            &json!({"kind": "ClickHouseInstallation", "metadata": {"name": "a", "namespace": "w"},
                "spec": {"configuration": {"users": {
                    "reader/password": "clickhouse_operator_password",
                    "reader/networks/ip": ["::/0"],
                    "admin": {"password": {"valueFrom": {"secretKeyRef": {"name": "s", "key": "k"}}}}}}}}),
            &rules,
        );
        let place = &object.places[0];
        let mut keys: Vec<String> = place.settings.iter().map(Setting::display).collect();
        keys.sort();
        assert_eq!(
            keys,
            [
                "admin/password from a secret or config reference",
                "reader/networks/ip = ::/0",
                "reader/password = ****** (masked)"
            ]
        );
        assert_eq!(object.credentials.len(), 1);
    }
}
