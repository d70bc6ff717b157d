//! The security posture in the cockpit against the embedded simulator's demo: the layers
//! badge the components with high findings (Trino on a LoadBalancer, Airbyte's NodePort and
//! default passwords), a component lists its findings with their fixes, `:security` lists
//! every finding worst first and filters them, and Enter opens the object at the evidence.

mod cockpit_support;

use std::time::Duration;

use cockpit_support::{cockpit, command, line_of, quiet_sim};

const WAIT: Duration = Duration::from_secs(30);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_posture_is_badged_listed_and_opened() {
    let sim = quiet_sim().await;
    let mut ui = cockpit(&sim, 200, 50, None).await;
    ui.wait_for_layers().await.unwrap();
    // The posture is read when the layers open; its badges join the list.
    let screen = ui
        .wait_for("the posture badges", WAIT, |s| s.contains("POSTURE"))
        .await
        .unwrap();
    // Rows found by their TOOL column (the details pane names the component too).
    for tool in [" Trino ", " Airbyte "] {
        let row = line_of(&screen, tool);
        assert!(row.contains("⚑ high"), "{tool}: {row}\n{screen}");
    }
    // A clean component beside them has no badge.
    let postgres = line_of(&screen, " PostgreSQL ");
    assert!(postgres.contains("● healthy   - "), "{postgres}\n{screen}");

    // The component view lists Trino's findings, worst first, with their fixes.
    ui.press("/").unwrap();
    ui.type_text("trino").unwrap();
    ui.press("enter").unwrap();
    ui.press("enter").unwrap();
    let screen = ui.wait_for_text("Security findings").await.unwrap();
    assert!(screen.contains("⚑ security: 2 high"), "{screen}");
    assert!(
        screen.contains("exposure.load-balancer · Service/trino"),
        "{screen}"
    );
    assert!(
        screen.contains("fix: set the chart's service.type"),
        "{screen}"
    );

    // `:security`: every finding, worst first, the selected one's fix in full.
    command(&mut ui, "security");
    let screen = ui.wait_for_text("SEVERITY").await.unwrap();
    assert!(screen.contains("<security>"), "{screen}");
    // The rows of the list: the lines above its bottom border.
    let severities: Vec<u8> = screen
        .lines()
        .take_while(|l| !l.starts_with('└'))
        .filter_map(|l| {
            let l = l.trim_start_matches(['│', ' ']);
            [("⚑ high", 3), ("⚑ medium", 2), ("⚑ low", 1), ("⚑ info", 0)]
                .iter()
                .find(|(word, _)| l.starts_with(word))
                .map(|(_, rank)| *rank)
        })
        .collect();
    assert!(severities.len() > 5, "{screen}");
    assert!(severities.windows(2).all(|w| w[0] >= w[1]), "{screen}");
    assert_eq!(severities[0], 3, "{screen}");
    assert!(screen.contains("fix "), "{screen}");

    // `/` narrows it like any list; Enter opens the object at the evidence.
    ui.press("/").unwrap();
    ui.type_text("load-balancer").unwrap();
    ui.press("enter").unwrap();
    let screen = ui.screen().unwrap();
    assert!(screen.contains("/load-balancer [1/"), "{screen}");
    assert!(
        line_of(&screen, "Service/trino").contains("⚑ high"),
        "{screen}"
    );
    ui.press("enter").unwrap();
    let screen = ui
        .wait_for("the Service's YAML at the evidence", WAIT, |s| {
            s.contains("yaml service/trino") && s.contains("match 1/")
        })
        .await
        .unwrap();
    // The evidence's line is on screen (the first match, scrolled to).
    line_of(&screen, "type: LoadBalancer");

    // esc goes back to the list as it was left, still filtered.
    ui.press("esc").unwrap();
    let screen = ui.screen().unwrap();
    assert!(screen.contains("/load-balancer"), "{screen}");
}
