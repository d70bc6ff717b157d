//! The contexts of the kubeconfig the cockpit was started with, for `:ctx`: what each names
//! (cluster, user, namespace) so the operator can pick one and reconnect.

use super::ClusterError;
use super::connection::{KubeconfigSource, load_kubeconfig};

/// One kubeconfig context.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ContextEntry {
    pub name: String,
    pub cluster: String,
    pub user: String,
    pub namespace: String,
}

/// The contexts of `source`, in file order.
pub fn list_contexts(source: &KubeconfigSource) -> Result<Vec<ContextEntry>, ClusterError> {
    let kubeconfig = load_kubeconfig(source)?;
    Ok(kubeconfig
        .contexts
        .iter()
        .map(|named| {
            let context = named.context.as_ref();
            ContextEntry {
                name: named.name.clone(),
                cluster: context.map(|c| c.cluster.clone()).unwrap_or_default(),
                user: context.and_then(|c| c.user.clone()).unwrap_or_default(),
                namespace: context
                    .and_then(|c| c.namespace.clone())
                    .unwrap_or_default(),
            }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contexts_are_listed_in_file_order() {
        let yaml = "apiVersion: v1
kind: Config
clusters:
- name: c
  cluster: {server: 'http://127.0.0.1:1'}
contexts:
- name: prod
  context: {cluster: c, user: u, namespace: data}
- name: dev
  context: {cluster: c, user: u}
current-context: dev
users:
- name: u
  user: {token: t}
";
        let contexts = list_contexts(&KubeconfigSource::Inline(yaml.into())).unwrap();
        let names: Vec<&str> = contexts.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["prod", "dev"]);
        assert_eq!(contexts[0].namespace, "data");
        assert_eq!(contexts[1].cluster, "c");
    }
}
