//! Server-side dry-run applies as an upgrade's preflight sends them: a new object is answered
//! and not stored, a changed object is answered and not stored, and a change to an immutable
//! field is the API server's 422 naming the field — dry run or not.

mod common;

use k8s_openapi::api::apps::v1::Deployment;
use kube::api::{Api, Patch, PatchParams};
use serde_json::{Value, json};

use common::{client, demo, start};

fn deployment(extra_label: Option<&str>, image: &str) -> Value {
    let mut labels = json!({"app": "preflight"});
    if let Some(extra) = extra_label {
        labels["tier"] = json!(extra);
    }
    let mut template_labels = labels.clone();
    template_labels["app"] = json!("preflight");
    json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "preflight"},
        "spec": {"selector": {"matchLabels": labels},
            "template": {"metadata": {"labels": template_labels},
                "spec": {"containers": [{"name": "app", "image": image}]}}}
    })
}

#[tokio::test]
async fn dry_run_applies_store_nothing_and_immutable_fields_are_refused() {
    let sim = start(demo()).await;
    let deployments: Api<Deployment> = Api::namespaced(client(&sim).await, "default");
    let dry = PatchParams::apply("strata-preflight").dry_run();
    let apply = PatchParams::apply("strata-test");

    // A new object: answered, not created.
    deployments
        .patch("preflight", &dry, &Patch::Apply(deployment(None, "a:1")))
        .await
        .expect("a dry-run apply of a new object is answered");
    assert!(deployments.get_opt("preflight").await.unwrap().is_none());

    deployments
        .patch("preflight", &apply, &Patch::Apply(deployment(None, "a:1")))
        .await
        .expect("the real apply creates it");

    // A changed image: answered with the change, stored unchanged.
    let answered = deployments
        .patch("preflight", &dry, &Patch::Apply(deployment(None, "a:2")))
        .await
        .expect("a template change is allowed");
    let image = |d: &Deployment| {
        d.spec
            .as_ref()
            .and_then(|s| s.template.spec.as_ref())
            .map(|p| p.containers[0].image.clone())
    };
    assert_eq!(image(&answered), Some(Some("a:2".to_string())));
    let stored = deployments.get("preflight").await.unwrap();
    assert_eq!(image(&stored), Some(Some("a:1".to_string())));

    // A new selector: 422, field named, dry run or not.
    for params in [&dry, &apply] {
        let refused = deployments
            .patch(
                "preflight",
                params,
                &Patch::Apply(deployment(Some("web"), "a:1")),
            )
            .await
            .expect_err("a selector change is refused");
        let kube::Error::Api(status) = refused else {
            panic!("an API error: {refused}");
        };
        assert_eq!(status.code, 422);
        assert!(
            status.message.contains("spec.selector")
                && status.message.contains("field is immutable"),
            "{}",
            status.message
        );
    }
}
