//! The security posture checks on the chart fixtures (tests/fixtures/charts: real `helm
//! template` renders with their real defaults) and on their fixed versions: each check, exposure
//! raising severity, absence concluded only from what was read, planted credentials never
//! printed.

mod support;

use serde_json::{Value, json};
use strata::security::{
    Coverage, Finding, PostureObject, PostureRules, Severity, assess, finding, reaches,
};
use strata::stack::RuleSet;
use support::chart_documents;

fn chart(file: &str, namespace: &str) -> Vec<Value> {
    chart_documents(file, namespace)
}

fn run(docs: &[Value]) -> Vec<Finding> {
    let rules = PostureRules::builtin();
    let objects: Vec<PostureObject> = docs
        .iter()
        .map(|d| PostureObject::from_json(d, &rules))
        .collect();
    assess(&RuleSet::builtin(), &rules, &objects, &Coverage::complete())
}

/// The document `Kind/name` of a fixture, to fix or break it.
fn doc<'a>(docs: &'a mut [Value], kind: &str, name: &str) -> &'a mut Value {
    docs.iter_mut()
        .find(|d| d["kind"] == kind && d["metadata"]["name"] == name)
        .unwrap_or_else(|| panic!("no {kind}/{name}"))
}

/// (check, severity) of the findings about `object`.
fn about(findings: &[Finding], object: &str) -> Vec<(String, Severity)> {
    findings
        .iter()
        .filter(|f| f.object == object)
        .map(|f| (f.check.clone(), f.severity))
        .collect()
}

fn has(findings: &[Finding], object: &str, check: &str) -> Option<Severity> {
    findings
        .iter()
        .find(|f| f.object == object && f.check == check)
        .map(|f| f.severity)
}

fn pod_spec(docs: &mut [Value], kind: &str, name: &str) -> Value {
    doc(docs, kind, name)["spec"]["template"]["spec"].take()
}

#[test]
fn superset_runs_as_root_until_its_security_context_is_set() {
    let mut docs = chart("superset.yaml", "bi");
    let findings = run(&docs);
    let f = findings
        .iter()
        .find(|f| f.object == "Deployment/superset" && f.check == "runtime.root")
        .unwrap();
    assert_eq!(
        (f.component.as_str(), f.tool.as_str()),
        ("superset", "superset")
    );
    assert_eq!(f.severity, Severity::Medium);
    assert!(f.evidence.contains("runAsUser: 0"), "{}", f.evidence);
    assert!(f.fix.contains("runAsNonRoot"), "{}", f.fix);

    let mut spec = pod_spec(&mut docs, "Deployment", "superset");
    spec["securityContext"] = json!({"runAsUser": 1000, "runAsNonRoot": true});
    for key in ["containers", "initContainers"] {
        for c in spec[key].as_array_mut().into_iter().flatten() {
            c.as_object_mut().unwrap().remove("securityContext");
        }
    }
    doc(&mut docs, "Deployment", "superset")["spec"]["template"]["spec"] = spec;
    let fixed = run(&docs);
    assert_eq!(about(&fixed, "Deployment/superset"), []);
}

#[test]
fn airbytes_node_port_exposes_it_and_raises_its_open_auth_to_high() {
    let mut docs = chart("airbyte.yaml", "ingestion");
    let findings = run(&docs);
    let svc = "Service/airbyte-airbyte-connector-builder-server-svc";
    assert_eq!(
        about(&findings, svc),
        [("exposure.node-port".to_string(), Severity::Medium)]
    );
    let auth = findings
        .iter()
        .find(|f| f.check == "auth.airbyte.off")
        .unwrap();
    assert_eq!(auth.object, "Deployment/airbyte-server");
    assert_eq!(auth.severity, Severity::High);
    assert!(
        auth.evidence.contains("no AB_INSTANCE_ADMIN_PASSWORD"),
        "{}",
        auth.evidence
    );
    assert!(
        auth.evidence
            .contains(&format!("exposed by {svc} (NodePort)")),
        "{}",
        auth.evidence
    );
    // MinIO's secret key and the database password are the chart's defaults.
    let defaults: Vec<&str> = findings
        .iter()
        .filter(|f| f.check == "credentials.default")
        .map(|f| f.evidence.as_str())
        .collect();
    assert!(
        defaults.iter().any(|e| e.starts_with(
            "key MINIO_SECRET_ACCESS_KEY: the value is the Airbyte chart's default MinIO secret key"
        )),
        "{defaults:?}"
    );
    assert_eq!(
        has(&findings, "Role/airbyte-admin-role", "rbac.exec-or-secrets"),
        Some(Severity::Medium)
    );

    // Fixed: ClusterIP, auth on. In-cluster only, nothing is high.
    doc(
        &mut docs,
        "Service",
        "airbyte-airbyte-connector-builder-server-svc",
    )["spec"]["type"] = json!("ClusterIP");
    let fixed = run(&docs);
    assert_eq!(about(&fixed, svc), []);
    assert_eq!(
        has(&fixed, "Deployment/airbyte-server", "auth.airbyte.off"),
        Some(Severity::Low)
    );
    assert!(!reaches(&fixed, Severity::High), "{fixed:#?}");
    let server = doc(&mut docs, "Deployment", "airbyte-server");
    server["spec"]["template"]["spec"]["containers"][0]["env"]
        .as_array_mut()
        .unwrap()
        .push(json!({"name": "AB_INSTANCE_ADMIN_PASSWORD",
            "valueFrom": {"secretKeyRef": {"name": "airbyte-auth-secrets", "key": "instance-admin-password"}}}));
    let fixed = run(&docs);
    assert_eq!(
        has(&fixed, "Deployment/airbyte-server", "auth.airbyte.off"),
        None
    );
}

#[test]
fn airflows_create_user_job_carries_the_default_admin_password() {
    let mut docs = chart("airflow.yaml", "orchestration");
    let findings = run(&docs);
    let job = "Job/airflow-create-user";
    assert_eq!(
        about(&findings, job),
        [
            ("credentials.default".to_string(), Severity::Medium),
            ("runtime.plain-secret".to_string(), Severity::Medium)
        ]
    );
    let f = findings.iter().find(|f| f.object == job).unwrap();
    assert_eq!(
        f.evidence,
        "args -p of container create-user: the value is the Airflow and Superset charts' \
         default admin password (masked)"
    );
    // The chart's own login stays on (FabAuthManager): no auth finding for Airflow.
    assert!(
        !findings.iter().any(|f| f.check.starts_with("auth.")),
        "{findings:#?}"
    );

    // Fixed: another password (from the chart's values); it is still in the args.
    let args = &mut doc(&mut docs, "Job", "airflow-create-user")["spec"]["template"]["spec"]["containers"]
        [0]["args"];
    let last = args.as_array().unwrap().len() - 1;
    args[last] = json!("a-long-password-of-mine");
    let fixed = run(&docs);
    assert_eq!(
        about(&fixed, job),
        [("runtime.plain-secret".to_string(), Severity::Medium)]
    );
}

#[test]
fn trino_without_authentication_is_low_in_cluster_and_high_on_a_load_balancer() {
    let mut docs = chart("trino.yaml", "warehouse");
    let findings = run(&docs);
    assert_eq!(
        has(&findings, "ConfigMap/trino-coordinator", "auth.trino.none"),
        Some(Severity::Low)
    );
    doc(&mut docs, "Service", "trino")["spec"]["type"] = json!("LoadBalancer");
    let exposed = run(&docs);
    assert_eq!(
        has(&exposed, "Service/trino", "exposure.load-balancer"),
        Some(Severity::High)
    );
    let auth = exposed
        .iter()
        .find(|f| f.check == "auth.trino.none")
        .unwrap();
    assert_eq!(auth.severity, Severity::High);
    assert!(
        auth.evidence
            .ends_with("exposed by Service/trino (LoadBalancer)"),
        "{}",
        auth.evidence
    );
    assert_eq!(exposed[0].severity, Severity::High, "worst first");

    // Source ranges close the load balancer to the world; authentication closes Trino.
    doc(&mut docs, "Service", "trino")["spec"]["loadBalancerSourceRanges"] = json!(["10.0.0.0/8"]);
    let config = &mut doc(&mut docs, "ConfigMap", "trino-coordinator")["data"]["config.properties"];
    *config = json!(format!(
        "{}http-server.authentication.type=PASSWORD\n",
        config.as_str().unwrap()
    ));
    let fixed = run(&docs);
    assert_eq!(about(&fixed, "Service/trino"), []);
    assert_eq!(about(&fixed, "ConfigMap/trino-coordinator"), []);
}

#[test]
fn dagster_is_flagged_only_when_exposed_without_auth_or_read_only() {
    let mut docs = chart("dagster.yaml", "orchestration");
    assert!(!run(&docs).iter().any(|f| f.check == "auth.dagster.none"));
    let ingress = json!({"apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
        "metadata": {"name": "dagster", "namespace": "orchestration"},
        "spec": {"rules": [{"host": "dagster.example.com", "http": {"paths": [{"path": "/",
            "pathType": "Prefix", "backend": {"service": {"name": "dagster-dagster-webserver",
            "port": {"number": 80}}}}]}}]}});
    docs.push(ingress);
    let open = run(&docs);
    assert_eq!(
        has(
            &open,
            "Deployment/dagster-dagster-webserver",
            "auth.dagster.none"
        ),
        Some(Severity::High)
    );
    assert_eq!(
        has(&open, "Ingress/dagster", "exposure.ingress-no-tls"),
        Some(Severity::Medium)
    );
    assert_eq!(
        has(
            &open,
            "Service/dagster-dagster-webserver",
            "exposure.ingress-no-auth"
        ),
        Some(Severity::Low)
    );

    // An Istio RequestAuthentication alone lets anonymous requests through…
    docs.push(
        json!({"apiVersion": "security.istio.io/v1", "kind": "RequestAuthentication",
        "metadata": {"name": "jwt", "namespace": "orchestration"},
        "spec": {"jwtRules": [{"issuer": "https://idp.example.com"}]}}),
    );
    assert!(run(&docs).iter().any(|f| f.check == "auth.dagster.none"));
    // …an AuthorizationPolicy requiring a principal does not.
    docs.push(
        json!({"apiVersion": "security.istio.io/v1", "kind": "AuthorizationPolicy",
        "metadata": {"name": "require-jwt", "namespace": "orchestration"},
        "spec": {"rules": [{"from": [{"source": {"requestPrincipals": ["*"]}}]}]}}),
    );
    assert!(!run(&docs).iter().any(|f| f.check == "auth.dagster.none"));
    docs.pop();

    // So does an auth proxy annotation, with TLS.
    let ingress = docs.iter_mut().find(|d| d["kind"] == "Ingress").unwrap();
    ingress["metadata"]["annotations"] =
        json!({"nginx.ingress.kubernetes.io/auth-url": "https://oauth2.example.com/oauth2/auth"});
    ingress["spec"]["tls"] = json!([{"hosts": ["dagster.example.com"], "secretName": "tls"}]);
    let guarded = run(&docs);
    assert!(
        !guarded
            .iter()
            .any(|f| f.check.starts_with("exposure.") || f.check == "auth.dagster.none")
    );

    // And the read-only webserver may be exposed.
    let ingress = docs.iter_mut().find(|d| d["kind"] == "Ingress").unwrap();
    ingress["metadata"]["annotations"] = json!({});
    let web = doc(&mut docs, "Deployment", "dagster-dagster-webserver");
    let containers = web["spec"]["template"]["spec"]["containers"]
        .as_array_mut()
        .unwrap();
    let command = containers
        .iter_mut()
        .find(|c| c["name"] == "dagster")
        .unwrap();
    let last = command["command"].as_array().unwrap().len() - 1;
    let line = command["command"][last].as_str().unwrap().to_string();
    command["command"][last] = json!(format!("{line} --read-only"));
    assert!(!run(&docs).iter().any(|f| f.check == "auth.dagster.none"));
}

#[test]
fn prefect_and_spark_without_auth_and_their_fixes() {
    let mut docs = chart("prefect.yaml", "orchestration");
    assert_eq!(
        has(
            &run(&docs),
            "Deployment/prefect-server",
            "auth.prefect.none"
        ),
        Some(Severity::Low)
    );
    let server = doc(&mut docs, "Deployment", "prefect-server");
    server["spec"]["template"]["spec"]["containers"][0]["env"]
        .as_array_mut()
        .unwrap()
        .push(json!({"name": "PREFECT_SERVER_API_AUTH_STRING",
            "valueFrom": {"secretKeyRef": {"name": "prefect-auth", "key": "auth-string"}}}));
    assert_eq!(
        has(
            &run(&docs),
            "Deployment/prefect-server",
            "auth.prefect.none"
        ),
        None
    );

    let mut docs = chart("spark-operator.yaml", "spark");
    let app = json!({"apiVersion": "sparkoperator.k8s.io/v1beta2", "kind": "SparkApplication",
        "metadata": {"name": "pi", "namespace": "spark"},
        "spec": {"type": "Scala", "mode": "cluster", "image": "spark:3.5.3",
            "sparkConf": {"spark.eventLog.enabled": "true"}}});
    docs.push(app.clone());
    assert_eq!(
        has(&run(&docs), "SparkApplication/pi", "auth.spark.ui-open"),
        Some(Severity::Low)
    );
    docs.pop();
    let mut filtered = app;
    filtered["spec"]["sparkConf"]["spark.ui.filters"] = json!("org.example.AuthFilter");
    docs.push(filtered);
    assert_eq!(
        has(&run(&docs), "SparkApplication/pi", "auth.spark.ui-open"),
        None
    );
}

#[test]
fn superset_and_airflow_weakened_by_their_own_settings() {
    let mut docs = chart("superset.yaml", "bi");
    let config =
        &mut doc(&mut docs, "Secret", "superset-config")["stringData"]["superset_config.py"];
    *config = json!(format!(
        "{}\nAUTH_USER_REGISTRATION = True\nAUTH_USER_REGISTRATION_ROLE = \"Admin\"\nAUTH_ROLE_PUBLIC = 'Gamma'\n",
        config.as_str().unwrap()
    ));
    let findings = run(&docs);
    let checks = about(&findings, "Secret/superset-config");
    assert!(
        checks.contains(&(
            "auth.superset.self-registration-admin".into(),
            Severity::High
        )),
        "{checks:?}"
    );
    assert!(
        checks.contains(&("auth.superset.public-role".into(), Severity::Medium)),
        "{checks:?}"
    );

    let mut docs = chart("airflow.yaml", "orchestration");
    let api = doc(&mut docs, "Deployment", "airflow-api-server");
    api["spec"]["template"]["spec"]["containers"][0]["env"]
        .as_array_mut()
        .unwrap()
        .push(json!({"name": "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS", "value": "True"}));
    let f = run(&docs)
        .into_iter()
        .find(|f| f.check == "auth.airflow.all-admins")
        .unwrap();
    assert_eq!(f.object, "Deployment/airflow-api-server");
    assert!(
        f.evidence
            .contains("AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS = True"),
        "{}",
        f.evidence
    );
}

#[test]
fn clickhouse_users_open_to_any_network_or_with_literal_passwords() {
    let mut docs = chart("clickhouse.yaml", "warehouse");
    let chi = docs
        .iter_mut()
        .find(|d| d["kind"] == "ClickHouseInstallation")
        .unwrap();
    let name = chi["metadata"]["name"].as_str().unwrap().to_string();
    chi["spec"]["configuration"]["users"] = json!({
        "analyst/password": "planted-ch-password-1",
        "analyst/networks/ip": ["::/0"],
        "reader": {"password_sha256_hex": "ab12", "networks": {"ip": ["10.0.0.0/8"]}},
    });
    let findings = run(&docs);
    let object = format!("ClickHouseInstallation/{name}");
    let checks = about(&findings, &object);
    assert!(
        checks.contains(&("auth.clickhouse.open-network".into(), Severity::Medium)),
        "{checks:?}"
    );
    assert!(
        checks.contains(&("auth.clickhouse.plain-password".into(), Severity::Medium)),
        "{checks:?}"
    );
    let text = serde_json::to_string(&findings).unwrap();
    assert!(!text.contains("planted-ch-password-1"));
    assert!(text.contains("analyst/password = ****** (masked)"));
}

#[test]
fn minio_without_root_credentials_runs_on_its_default() {
    let minio = |env: Value| {
        json!({"apiVersion": "apps/v1", "kind": "StatefulSet",
            "metadata": {"name": "minio", "namespace": "platform",
                "labels": {"app.kubernetes.io/name": "minio", "app.kubernetes.io/instance": "minio"}},
            "spec": {"template": {"spec": {"securityContext": {"runAsUser": 1000, "runAsNonRoot": true},
                "containers": [{"name": "minio", "image": "minio/minio:RELEASE.2025-04-22T22-12-26Z",
                "args": ["server", "/data"], "env": env}]}}}})
    };
    let findings = run(&[minio(json!([]))]);
    let f = findings
        .iter()
        .find(|f| f.check == "credentials.default")
        .unwrap();
    assert_eq!(
        (f.tool.as_str(), f.object.as_str()),
        ("minio", "StatefulSet/minio")
    );
    assert!(
        f.evidence.contains("no MINIO_ROOT_PASSWORD"),
        "{}",
        f.evidence
    );
    let from_secret = json!([{"name": "MINIO_ROOT_USER", "valueFrom": {"secretKeyRef": {"name": "m", "key": "u"}}},
        {"name": "MINIO_ROOT_PASSWORD", "valueFrom": {"secretKeyRef": {"name": "m", "key": "p"}}}]);
    assert!(
        !run(&[minio(from_secret)])
            .iter()
            .any(|f| f.check == "credentials.default")
    );
    // envFrom may set them: absence proves nothing.
    let mut fed = minio(json!([]));
    fed["spec"]["template"]["spec"]["containers"][0]["envFrom"] =
        json!([{"secretRef": {"name": "minio-env"}}]);
    assert!(!run(&[fed]).iter().any(|f| f.check == "credentials.default"));
}

#[test]
fn runtime_privileges_host_access_and_mutable_images() {
    let workload = |pod: Value| {
        json!({"apiVersion": "apps/v1", "kind": "DaemonSet",
            "metadata": {"name": "agent", "namespace": "warehouse",
                "labels": {"app.kubernetes.io/name": "trino", "app.kubernetes.io/instance": "trino"}},
            "spec": {"template": {"spec": pod}}})
    };
    let bad = workload(json!({"hostNetwork": true,
        "volumes": [{"name": "root", "hostPath": {"path": "/"}}],
        "containers": [{"name": "a", "image": "acme/agent:latest", "securityContext": {"privileged": true}},
            {"name": "b", "image": "acme/sidecar"}]}));
    let findings = run(&[bad]);
    let checks = about(&findings, "DaemonSet/agent");
    for (check, severity) in [
        ("runtime.host-network", Severity::High),
        ("runtime.host-path", Severity::High),
        ("runtime.privileged", Severity::High),
        ("runtime.run-as-non-root", Severity::Low),
        ("runtime.mutable-image", Severity::Low),
    ] {
        assert!(
            checks.contains(&(check.to_string(), severity)),
            "{check}: {checks:?}"
        );
    }
    let evidence = |check: &str| {
        findings
            .iter()
            .find(|f| f.check == check)
            .map(|f| f.evidence.clone())
            .unwrap()
    };
    assert_eq!(evidence("runtime.host-path"), "hostPath volumes: root (/)");
    assert_eq!(
        evidence("runtime.mutable-image"),
        "image acme/agent:latest, acme/sidecar: `latest` or no tag"
    );

    let good = workload(
        json!({"securityContext": {"runAsUser": 1000, "runAsNonRoot": true},
        "containers": [{"name": "a", "image": "acme/agent:1.2.3"}]}),
    );
    assert_eq!(about(&run(&[good]), "DaemonSet/agent"), []);
}

#[test]
fn service_accounts_bound_to_cluster_admin_and_roles_with_exec() {
    let docs = vec![
        json!({"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "superset", "namespace": "bi", "labels": {"app": "superset", "release": "superset"}},
            "spec": {"template": {"spec": {"serviceAccountName": "superset",
                "securityContext": {"runAsUser": 1000, "runAsNonRoot": true},
                "containers": [{"name": "s", "image": "apache/superset:5.0.0"}]}}}}),
        json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
            "metadata": {"name": "superset-admin"},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "cluster-admin"},
            "subjects": [{"kind": "ServiceAccount", "name": "superset", "namespace": "bi"}]}),
        // The control plane's own bindings are not the stack's business.
        json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
            "metadata": {"name": "kubeadm"},
            "roleRef": {"kind": "ClusterRole", "name": "cluster-admin"},
            "subjects": [{"kind": "ServiceAccount", "name": "x", "namespace": "kube-system"}]}),
        json!({"apiVersion": "v1", "kind": "NetworkPolicy",
            "metadata": {"name": "deny", "namespace": "bi"}, "spec": {"podSelector": {}}}),
    ];
    let findings = run(&docs);
    assert_eq!(findings.len(), 1, "{findings:#?}");
    let f = &findings[0];
    assert_eq!(
        (
            f.component.as_str(),
            f.tool.as_str(),
            f.namespace.as_str(),
            f.object.as_str(),
            f.check.as_str(),
            f.severity
        ),
        (
            "superset",
            "superset",
            "bi",
            "ClusterRoleBinding/superset-admin",
            "rbac.cluster-admin",
            Severity::High
        )
    );
}

#[test]
fn no_network_policy_is_concluded_only_from_a_read_kind() {
    let docs = chart("trino.yaml", "warehouse");
    let rules = PostureRules::builtin();
    let objects: Vec<PostureObject> = docs
        .iter()
        .map(|d| PostureObject::from_json(d, &rules))
        .collect();
    let stack = RuleSet::builtin();
    let all = assess(&stack, &rules, &objects, &Coverage::complete());
    assert!(
        all.iter()
            .any(|f| f.check == "network.no-policy" && f.object == "Namespace/warehouse")
    );
    let coverage = Coverage {
        unread: ["NetworkPolicy".to_string()].into(),
    };
    let partial = assess(&stack, &rules, &objects, &coverage);
    assert!(!partial.iter().any(|f| f.check == "network.no-policy"));
}

/// Credentials planted everywhere a projection reads them never reach a finding, the table or
/// the JSON — only that they are there.
#[test]
fn planted_credentials_never_appear_in_the_output() {
    use base64::Engine as _;
    let b64 = |s: &str| base64::engine::general_purpose::STANDARD.encode(s);
    let planted = [
        "planted-env-Xk2",
        "planted-uri-Q9z",
        "planted-arg-W3m",
        "planted-secret-R7t",
        "planted-script-P4v",
        "planted-cfg-N8b",
    ];
    let mut docs = chart("airflow.yaml", "orchestration");
    let job = doc(&mut docs, "Job", "airflow-create-user");
    let container = &mut job["spec"]["template"]["spec"]["containers"][0];
    let last = container["args"].as_array().unwrap().len() - 1;
    container["args"][last] = json!(planted[2]);
    container["env"].as_array_mut().unwrap().extend([
        json!({"name": "SMTP_PASSWORD", "value": planted[0]}),
        json!({"name": "AIRFLOW_CONN_WAREHOUSE", "value": format!("postgres://etl:{}@db:5432/w", planted[1])}),
    ]);
    docs.push(json!({"apiVersion": "v1", "kind": "Secret",
        "metadata": {"name": "airflow-extra", "namespace": "orchestration", "labels": {"release": "airflow", "tier": "airflow"}},
        "data": {"password": b64(planted[3]), "init.sh": b64(&format!("#!/bin/sh\nairflow users create -u x -p {}\n", planted[4]))}}));
    docs.push(json!({"apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": "airflow-extra-config", "namespace": "orchestration", "labels": {"release": "airflow", "tier": "airflow"}},
        "data": {"webserver_config.py": format!("AUTH_ROLE_PUBLIC = 'Viewer'\nSECRET_KEY = '{}'\n", planted[5])}}));
    let findings = run(&docs);
    assert!(
        findings
            .iter()
            .filter(|f| f.check == "runtime.plain-secret")
            .count()
            >= 3,
        "{findings:#?}"
    );
    assert!(
        findings
            .iter()
            .any(|f| f.check == "auth.airflow.public-role")
    );
    let outputs = [
        serde_json::to_string(&findings).unwrap(),
        finding::to_table("ctx", &findings),
        format!("{findings:?}"),
    ];
    for output in &outputs {
        for value in planted {
            assert!(!output.contains(value), "{value} leaked");
        }
    }
}
