//! Charts to upgrade the demo's releases to, written to a folder for `strata demo`: the demo's
//! story has superset's 5.0 upgrade failed in its post-upgrade `superset-init-db` hook, and
//! here is superset 0.15.3 — the same rendered chart (templated from the fixture, so nothing in
//! it is invented) at app 5.0.1, whose init Job ends — so the upgrade wizard can be tried end
//! to end with the real helm.

use std::path::{Path, PathBuf};

/// The chart's version and the app version it installs.
pub const SUPERSET_NEXT: (&str, &str) = ("0.15.3", "5.0.1");

const CHART_YAML: &str = "apiVersion: v2
name: superset
description: Apache Superset, the demo's next chart (the vendored 0.15.2 render at app 5.0.1)
type: application
version: 0.15.3
appVersion: \"5.0.1\"
";

const VALUES_YAML: &str = "image:
  # Superset's image tag.
  tag: \"5.0.1\"
";

/// The rendered chart, with this version's image and chart label; its init Job is scripted to
/// end in the simulator (the failed 0.15.2 one never did).
const TEMPLATE: &str = r#"{{- /* The vendored render of superset 0.15.2, moved to this version. */ -}}
{{ .Files.Get "rendered.yaml" | replace "superset:5.0.0" (printf "superset:%s" .Values.image.tag) | replace "superset-0.15.2" (printf "superset-%s" .Chart.Version) | replace "    metadata:\n      name: superset-init-db\n" "    metadata:\n      name: superset-init-db\n      annotations:\n        sim.strata.dev/script: exit=3s,code=0\n" }}
"#;

/// Writes the charts under `dir` (`dir/superset`); the folder holding them.
pub fn write_next_charts(dir: &Path) -> std::io::Result<PathBuf> {
    let superset = dir.join("superset");
    std::fs::create_dir_all(superset.join("templates"))?;
    std::fs::write(superset.join("Chart.yaml"), CHART_YAML)?;
    std::fs::write(superset.join("values.yaml"), VALUES_YAML)?;
    std::fs::write(
        superset.join("rendered.yaml"),
        include_str!("charts/superset.yaml"),
    )?;
    std::fs::write(superset.join("templates/superset.yaml"), TEMPLATE)?;
    Ok(dir.to_path_buf())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_next_superset_chart_is_a_chart_of_the_fixture() {
        let dir = tempfile::tempdir().unwrap();
        let charts = write_next_charts(dir.path()).unwrap();
        let chart = std::fs::read_to_string(charts.join("superset/Chart.yaml")).unwrap();
        assert!(chart.contains(&format!("version: {}", SUPERSET_NEXT.0)));
        let rendered = std::fs::read_to_string(charts.join("superset/rendered.yaml")).unwrap();
        // What the template replaces is in the fixture, once per image and label.
        assert!(rendered.contains("superset:5.0.0"));
        assert!(rendered.contains("superset-0.15.2"));
        assert!(rendered.contains("    metadata:\n      name: superset-init-db\n"));
    }
}
