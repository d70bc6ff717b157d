//! The data-driven checks: each per-tool setting rule of `posture_rules.toml` against the
//! places (containers, config files, custom resources) of that tool's objects, and the
//! credentials the projection found — chart defaults in effect, and literals in pod specs.
//! A finding on an exposed component is high, whatever the rule's own severity.

use super::facts::{Place, PlaceKind, Setting, SettingValue};
use super::rules::{Condition, PlaceFilter, SettingRule, Test};
use super::{Finding, Scope, Severity, exposed_by};

pub fn check(scope: &Scope, out: &mut Vec<Finding>) {
    for (i, object) in scope.objects.iter().enumerate() {
        if object.places.is_empty() && object.credentials.is_empty() {
            continue;
        }
        if !scope.judged(i) {
            continue;
        }
        let exposed = scope.exposed(i);
        let tool = scope.tool_of(i);
        let component_tool = scope.classification.components[scope.component_index(i)]
            .tool
            .map(|t| scope.stack_rules.tool(t).id.as_str());
        for rule in &scope.rules.settings {
            if tool != Some(rule.tool.as_str()) && component_tool != Some(rule.tool.as_str()) {
                continue;
            }
            if rule.only_exposed && exposed.is_none() {
                continue;
            }
            for place in &object.places {
                if !place_matches(rule, place, object) {
                    continue;
                }
                let Some(evidence) = evaluate(&rule.when, place) else {
                    continue;
                };
                let severity = if exposed.is_some() {
                    Severity::High
                } else {
                    rule.severity
                };
                out.push(scope.finding(
                    i,
                    &rule.check,
                    severity,
                    format!(
                        "{}: {} ({}){}",
                        place.describe(),
                        rule.says,
                        evidence,
                        exposed_by(exposed)
                    ),
                    &rule.fix,
                ));
            }
        }
        for credential in &object.credentials {
            if let Some(default) = credential.default {
                let what = &scope.rules.defaults[default].what;
                out.push(scope.finding(
                    i,
                    "credentials.default",
                    if exposed.is_some() {
                        Severity::High
                    } else {
                        Severity::Medium
                    },
                    format!(
                        "{}: the value is {what} (masked){}",
                        credential.place,
                        exposed_by(exposed)
                    ),
                    "set a value of your own in the chart values (or an existing Secret the \
                     chart reads) and rotate it in the tool",
                ));
            }
            if credential.plain {
                out.push(scope.finding(
                    i,
                    "runtime.plain-secret",
                    Severity::Medium,
                    format!(
                        "{}: a credential written into the pod spec (masked), readable by \
                         anyone who may read the workload",
                        credential.place
                    ),
                    "move it to a Secret and reference it (env[].valueFrom.secretKeyRef, or a \
                     mounted file) instead of env[].value or args",
                ));
            }
        }
    }
}

fn place_matches(rule: &SettingRule, place: &Place, object: &super::PostureObject) -> bool {
    match (&rule.place, &place.kind) {
        (
            PlaceFilter::Container {
                image,
                command,
                chart,
            },
            PlaceKind::Container {
                image: place_image,
                command: place_command,
                ..
            },
        ) => {
            image.as_ref().is_none_or(|g| g.matches(place_image))
                && command.as_ref().is_none_or(|g| g.matches(place_command))
                && chart.as_ref().is_none_or(|g| {
                    object
                        .stack
                        .label("helm.sh/chart")
                        .is_some_and(|c| g.matches(c))
                })
        }
        (PlaceFilter::File(glob), PlaceKind::File { name }) => glob.matches(name),
        (PlaceFilter::Resource(glob), PlaceKind::Resource { .. }) => {
            glob.matches(object.stack.kind.as_str())
        }
        _ => false,
    }
}

/// Whether every condition holds at the place; the evidence (settings shown, credentials
/// masked) when they do.
fn evaluate(conditions: &[Condition], place: &Place) -> Option<String> {
    let mut evidence = Vec::with_capacity(conditions.len());
    for condition in conditions {
        let matching: Vec<&Setting> = place
            .settings
            .iter()
            .filter(|s| condition.keys.iter().any(|k| k.matches(&s.key)))
            .collect();
        match &condition.test {
            Test::Absent => {
                // envFrom may set env keys, never command-line flags.
                let flags = condition.shown.iter().all(|k| k.starts_with('-'));
                if !matching.is_empty() || (place.opaque && !flags) {
                    return None;
                }
                evidence.push(format!("no {}", condition.shown.join(" / ")));
            }
            test => {
                let hit = matching.iter().find(|s| holds(test, &s.value))?;
                evidence.push(hit.display());
            }
        }
    }
    Some(evidence.join("; "))
}

fn holds(test: &Test, value: &SettingValue) -> bool {
    let literal = match value {
        SettingValue::Text(text) => Some(text.as_str()),
        SettingValue::Masked => None,
        SettingValue::Reference => return false,
    };
    match test {
        Test::Literal => true,
        Test::Equals(options) => literal.is_some_and(|v| {
            let v = v
                .trim()
                .trim_matches(|c| c == '\'' || c == '"')
                .to_lowercase();
            options.contains(&v)
        }),
        Test::Contains(part) => literal.is_some_and(|v| v.to_lowercase().contains(part.as_str())),
        Test::Absent => false,
    }
}
