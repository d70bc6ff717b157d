//! Exposure: what makes a component reachable from outside the cluster — a LoadBalancer
//! Service without `loadBalancerSourceRanges`, a NodePort, an Ingress without an auth marker
//! (nginx auth-url/basic auth, a Traefik middleware, or an Istio AuthorizationPolicy asking
//! for request principals in its namespace) — and Ingresses without TLS. The front doors
//! themselves (ingress controllers, Istio gateways) are LoadBalancers by design and skipped.

use std::collections::{BTreeSet, HashMap};

use super::facts::Shape;
use super::{Finding, Scope, Severity};

/// Marks each exposed component and reports the exposures; returns, per component, how it is
/// reachable (the first way found).
pub fn check(scope: &Scope, out: &mut Vec<Finding>) -> Vec<Option<String>> {
    let mut exposure: Vec<Option<String>> = vec![None; scope.classification.components.len()];
    let mut services: HashMap<(&str, &str), usize> = HashMap::new();
    for i in scope.of_kind("Service") {
        let o = &scope.objects[i].stack;
        services.insert((o.namespace.as_str(), o.name.as_str()), i);
        let Shape::Service(service) = &scope.objects[i].shape else {
            continue;
        };
        if scope
            .tool_of(i)
            .is_some_and(|t| scope.rules.gateway_tools.iter().any(|g| g == t))
        {
            continue;
        }
        let component = scope.component_index(i);
        let reference = scope.objects[i].reference();
        match service.service_type.as_str() {
            "LoadBalancer" if !service.source_ranges => {
                exposure[component].get_or_insert(format!("{reference} (LoadBalancer)"));
                // A tool's UI or database on the internet is worse than an unknown app's port.
                let severity = if scope.tool_of(i).is_some() {
                    Severity::High
                } else {
                    Severity::Medium
                };
                out.push(scope.finding(
                    i,
                    "exposure.load-balancer",
                    severity,
                    format!(
                        "spec.type: LoadBalancer without spec.loadBalancerSourceRanges (ports {}): \
                         reachable from any address the load balancer faces",
                        service.ports
                    ),
                    "set the chart's service.type to ClusterIP (reach it through an authenticated \
                     Ingress or a port-forward), or list the clients in spec.loadBalancerSourceRanges",
                ));
            }
            "NodePort" => {
                exposure[component].get_or_insert(format!("{reference} (NodePort)"));
                out.push(scope.finding(
                    i,
                    "exposure.node-port",
                    Severity::Medium,
                    format!(
                        "spec.type: NodePort (ports {}): open on every node's address",
                        service.ports
                    ),
                    "set the chart's service.type to ClusterIP",
                ));
            }
            _ => {}
        }
    }
    // Namespaces where an Istio AuthorizationPolicy demands a request principal.
    let guarded: BTreeSet<&str> = scope
        .of_kind("AuthorizationPolicy")
        .filter(|&i| {
            matches!(
                scope.objects[i].shape,
                Shape::AuthorizationPolicy { principals: true }
            )
        })
        .map(|i| scope.objects[i].stack.namespace.as_str())
        .collect();
    for i in scope.of_kind("Ingress") {
        let Shape::Ingress(ingress) = &scope.objects[i].shape else {
            continue;
        };
        let namespace = scope.objects[i].stack.namespace.as_str();
        let reference = scope.objects[i].reference();
        let hosts = if ingress.hosts.is_empty() {
            "any host".to_string()
        } else {
            ingress
                .hosts
                .iter()
                .map(|h| h.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        };
        // The backends' components are the ones exposed; an Ingress to Services not seen
        // exposes its own component.
        let backends: Vec<usize> = ingress
            .backends
            .iter()
            .filter_map(|b| services.get(&(namespace, b.as_str())).copied())
            .collect();
        let targets: Vec<usize> = if backends.is_empty() {
            vec![i]
        } else {
            backends
        };
        let authenticated = ingress.auth_marker.is_some() || guarded.contains(namespace);
        if !authenticated {
            for &t in &targets {
                exposure[scope.component_index(t)]
                    .get_or_insert(format!("{reference} (no auth marker)"));
                out.push(scope.finding(
                    t,
                    "exposure.ingress-no-auth",
                    Severity::Low,
                    format!(
                        "{reference} routes {hosts} to {} with no auth annotation (nginx auth-url/\
                         auth-type, Traefik router.middlewares) and no Istio AuthorizationPolicy \
                         with requestPrincipals in {namespace}",
                        scope.objects[t].reference()
                    ),
                    "put an auth proxy in front (nginx.ingress.kubernetes.io/auth-url with \
                     oauth2-proxy, a Traefik forwardAuth middleware) or rely on the tool's own \
                     login only if it has one",
                ));
            }
        }
        if !ingress.tls {
            out.push(scope.finding(
                i,
                "exposure.ingress-no-tls",
                Severity::Medium,
                format!("spec.tls is empty: {hosts} is served over plain HTTP"),
                "add spec.tls with a certificate (the chart's ingress.tls; cert-manager can issue it)",
            ));
        }
    }
    exposure
}
