//! The cockpit driven by keys against the embedded simulator, asserting on the rendered
//! screen: the headless harness runs the real update loop, watches and fetches, and draws
//! into a TestBackend, so these are what an operator would see in a terminal.

use std::time::Duration;

use strata::app::harness::Harness;
use strata::cluster::{ConnectTarget, KubeconfigSource, NamespaceScope};
use strata_sim::{self as sim, RunningSim, SimConfig};

async fn cockpit(width: u16, height: u16) -> (RunningSim, Harness) {
    let sim = sim::start(SimConfig {
        runs: false,
        ..SimConfig::default()
    })
    .await
    .expect("the simulator starts on 127.0.0.1:0");
    let harness = Harness::start(
        ConnectTarget {
            source: KubeconfigSource::Inline(sim.kubeconfig_yaml()),
            context: Some("strata-sim".into()),
        },
        NamespaceScope::All,
        width,
        height,
    )
    .await
    .expect("the cockpit connects to the simulator");
    (sim, harness)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pods_filter_describe_and_back() {
    let (_sim, mut ui) = cockpit(120, 40).await;
    // Home is the layers screen, with the demo's tools in their layers.
    let screen = ui
        .wait_for("the layers", Duration::from_secs(20), |s| {
            s.contains("Orchestration") && s.contains("airflow")
        })
        .await
        .unwrap();
    assert!(
        screen.contains("<layers>") && screen.contains("Ingestion"),
        "{screen}"
    );

    ui.press(":").unwrap();
    ui.type_text("pods").unwrap();
    ui.press("enter").unwrap();
    let screen = ui.wait_for_text("● live").await.unwrap();
    assert!(screen.contains("<layers> <pods>"), "{screen}");

    ui.press("/").unwrap();
    ui.type_text("airflow-sch").unwrap();
    ui.press("enter").unwrap();
    let screen = ui.screen().unwrap();
    assert!(screen.contains("/airflow-sch"), "{screen}");
    assert!(screen.contains("airflow-scheduler"), "{screen}");
    assert!(
        !screen.contains("superset"),
        "the filter hides other pods:\n{screen}"
    );

    ui.press("d").unwrap();
    let screen = ui
        .wait_for("the describe text", Duration::from_secs(20), |s| {
            s.lines()
                .any(|l| l.contains("Namespace:") && l.contains("orchestration"))
        })
        .await
        .unwrap();
    assert!(
        screen.contains("describe pod/airflow-scheduler"),
        "{screen}"
    );

    ui.press("esc").unwrap();
    let screen = ui.screen().unwrap();
    assert!(
        screen.contains("/airflow-sch"),
        "back keeps the filter:\n{screen}"
    );
    assert!(screen.contains("airflow-scheduler"), "{screen}");
    ui.press("/").unwrap();
    ui.press("esc").unwrap();
    ui.press("esc").unwrap();
    let screen = ui.wait_for_layers().await.unwrap();
    assert!(!screen.contains("<pods>"), "back home:\n{screen}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deployments_drill_down_to_their_pods() {
    let (_sim, mut ui) = cockpit(120, 40).await;
    ui.press(":").unwrap();
    ui.type_text("deploy").unwrap();
    ui.press("enter").unwrap();
    ui.wait_for_text("airflow-scheduler").await.unwrap();
    ui.press("/").unwrap();
    ui.type_text("^airflow-scheduler$").unwrap();
    ui.press("enter").unwrap();
    ui.press("enter").unwrap();
    let screen = ui
        .wait_for("the scheduler's pods", Duration::from_secs(20), |s| {
            s.contains("pods · airflow-scheduler") && s.contains("● live")
        })
        .await
        .unwrap();
    let rows: Vec<&str> = screen.lines().filter(|l| l.contains("airflow-")).collect();
    assert!(
        rows.iter()
            .all(|l| l.contains("airflow-scheduler") || l.contains("pods · ")),
        "only the deployment's pods:\n{screen}"
    );
    ui.press("esc").unwrap();
    let screen = ui.wait_for_text("deployments(all)").await.unwrap();
    assert!(screen.contains("/^airflow-scheduler$"), "{screen}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn namespaces_favorites_and_secret_yaml_masking() {
    let (_sim, mut ui) = cockpit(80, 24).await;
    ui.wait_for_text("1 ").await.unwrap();
    ui.press(":").unwrap();
    ui.type_text("secrets platform").unwrap();
    ui.press("enter").unwrap();
    let screen = ui
        .wait_for("a secret row", Duration::from_secs(20), |s| {
            s.contains("secrets(platform)") && (s.contains("Opaque") || s.contains("helm.sh"))
        })
        .await
        .unwrap();
    assert!(screen.contains("TYPE"), "{screen}");
    ui.press("y").unwrap();
    let screen = ui.wait_for_text("values masked").await.unwrap();
    assert!(
        screen.contains("••••••••") || !screen.contains("data:"),
        "{screen}"
    );
    ui.press("x").unwrap();
    let screen = ui.screen().unwrap();
    assert!(screen.contains("values revealed"), "{screen}");
    ui.press("esc").unwrap();
    ui.press("0").unwrap();
    ui.wait_for_text("secrets(all)").await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_commands_and_contexts_are_explained() {
    let (_sim, mut ui) = cockpit(80, 24).await;
    ui.press(":").unwrap();
    ui.type_text("bogus").unwrap();
    ui.press("enter").unwrap();
    let screen = ui.screen().unwrap();
    assert!(screen.contains("unknown command or kind"), "{screen}");
    ui.press(":").unwrap();
    ui.type_text("ctx").unwrap();
    ui.press("enter").unwrap();
    let screen = ui.wait_for_text("contexts [2]").await.unwrap();
    assert!(screen.contains("* strata-sim "), "{screen}");
    ui.press("j").unwrap();
    ui.press("enter").unwrap();
    ui.wait_for_text("switched to context strata-sim-viewer")
        .await
        .unwrap();
    // Home again, on the other context; what the viewer may not list is said, not hidden.
    ui.wait_for_layers().await.unwrap();

    // The viewer may not read Secrets: a clear message, the cockpit carries on.
    ui.press(":").unwrap();
    ui.type_text("secrets").unwrap();
    ui.press("enter").unwrap();
    let screen = ui
        .wait_for_text("not allowed to watch secrets")
        .await
        .unwrap();
    assert!(screen.contains("secrets(all)"), "{screen}");
    ui.press("esc").unwrap();
    ui.wait_for_layers().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_component_on_the_layers_shows_its_workloads() {
    let (_sim, mut ui) = cockpit(120, 40).await;
    ui.wait_for_layers().await.unwrap();
    // Ingestion: airbyte, meltano; Transformation: analytics; Orchestration: airflow.
    for _ in 0..3 {
        ui.press("j").unwrap();
    }
    let screen = ui.screen().unwrap();
    assert!(screen.contains("▸ airflow"), "{screen}");
    ui.press("enter").unwrap();
    let screen = ui.screen().unwrap();
    assert!(screen.contains("<layers> <airflow>"), "{screen}");
    assert!(screen.contains("airflow(orchestration)"), "{screen}");
    assert!(
        screen.contains("Deployments (") && screen.contains("airflow-scheduler"),
        "the component's workloads by kind:\n{screen}"
    );
    assert!(!screen.contains("dagster"), "only airflow's:\n{screen}");
    ui.press("esc").unwrap();
    let screen = ui.wait_for_text("▸ airflow").await.unwrap();
    assert!(screen.contains("Orchestration"), "{screen}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_components_workload_opens_its_pods() {
    let (_sim, mut ui) = cockpit(120, 40).await;
    ui.wait_for_layers().await.unwrap();
    for _ in 0..3 {
        ui.press("j").unwrap();
    }
    ui.press("enter").unwrap();
    // The cursor onto the scheduler, wherever the sim lists it.
    for _ in 0..12 {
        if ui.screen().unwrap().contains("▸ airflow-scheduler") {
            break;
        }
        ui.press("j").unwrap();
    }
    let screen = ui.screen().unwrap();
    assert!(screen.contains("▸ airflow-scheduler"), "{screen}");
    ui.press("enter").unwrap();
    let screen = ui
        .wait_for("the workload's pods", Duration::from_secs(20), |s| {
            s.contains("pods · airflow-scheduler(orchestration)") && s.contains("● live")
        })
        .await
        .unwrap();
    assert!(screen.contains("airflow-scheduler-"), "{screen}");
    assert!(
        !screen.contains("airflow-worker"),
        "only the scheduler's:\n{screen}"
    );
    ui.press("esc").unwrap();
    ui.wait_for_text("▸ airflow-scheduler").await.unwrap();
    ui.press("esc").unwrap();
    ui.wait_for_text("▸ airflow").await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn custom_resources_show_their_printer_columns() {
    let (_sim, mut ui) = cockpit(160, 40).await;
    // Discovery has to answer before custom kinds resolve by name.
    ui.wait_for_state("discovery", Duration::from_secs(20), |s| {
        s.catalog.discovered
    })
    .await
    .unwrap();
    ui.press(":").unwrap();
    ui.type_text("crd").unwrap();
    ui.press("enter").unwrap();
    ui.wait_for_text("clickhouseinstallations.clickhouse.altinity.com")
        .await
        .unwrap();
    ui.press("/").unwrap();
    ui.type_text("^clickhouseinstallations").unwrap();
    ui.press("enter").unwrap();
    ui.press("enter").unwrap();
    let screen = ui
        .wait_for("the installation's row", Duration::from_secs(20), |s| {
            s.contains("clickhouseinstallations(") && s.contains("analytics")
        })
        .await
        .unwrap();
    // additionalPrinterColumns from the CRD, not just NAME and AGE.
    assert!(screen.contains("CLUSTERS"), "{screen}");
    assert!(screen.contains("STATUS"), "{screen}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_and_label_filters() {
    let (_sim, mut ui) = cockpit(120, 40).await;
    ui.press(":").unwrap();
    ui.type_text("ev").unwrap();
    ui.press("enter").unwrap();
    let screen = ui
        .wait_for("events", Duration::from_secs(20), |s| {
            s.contains("events(all)") && s.contains("● live")
        })
        .await
        .unwrap();
    assert!(
        screen.contains("LAST SEEN") && screen.contains("REASON"),
        "{screen}"
    );
    ui.press(":").unwrap();
    ui.type_text("po").unwrap();
    ui.press("enter").unwrap();
    ui.wait_for_text("airflow-scheduler").await.unwrap();
    ui.press("/").unwrap();
    ui.type_text("-l component=scheduler").unwrap();
    ui.press("enter").unwrap();
    let screen = ui.screen().unwrap();
    assert!(screen.contains("airflow-scheduler"), "{screen}");
    assert!(!screen.contains("airflow-triggerer"), "{screen}");
}
