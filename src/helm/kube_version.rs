//! A chart's `kubeVersion` (Chart.yaml) against the server's Kubernetes version: the semver
//! ranges charts write (`>=1.23.0-0`, `>= 1.21, < 1.30`, `~1.28`, `^1.25`, `1.21 - 1.29`,
//! `>=1.19 || <1.16`), as helm's semver library reads them, for a release server version.

use std::cmp::Ordering;

/// A version as a constraint compares it: the three numbers, and whether it is a release
/// (a prerelease of the same numbers sorts before it: `1.30.0-0 < 1.30.0`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Version {
    major: u64,
    minor: u64,
    patch: u64,
    release: bool,
}

impl Version {
    fn new(parts: [u64; 3], release: bool) -> Version {
        Version {
            major: parts[0],
            minor: parts[1],
            patch: parts[2],
            release,
        }
    }
}

/// A version in a constraint: its numbers up to the first missing or wildcard one.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Partial {
    numbers: Vec<u64>,
    prerelease: bool,
}

impl Partial {
    fn parse(text: &str) -> Result<Partial, String> {
        let text = text.trim().trim_start_matches(['v', 'V']);
        let text = text.split('+').next().unwrap_or_default();
        let (core, prerelease) = match text.split_once('-') {
            Some((core, _)) => (core, true),
            None => (text, false),
        };
        let mut numbers = Vec::new();
        for part in core.split('.') {
            if matches!(part, "x" | "X" | "*") {
                break;
            }
            numbers.push(
                part.parse()
                    .map_err(|_| format!("{text:?} is not a version"))?,
            );
        }
        if numbers.len() > 3 {
            return Err(format!("{text:?} has more than three numbers"));
        }
        Ok(Partial {
            prerelease: prerelease && numbers.len() == 3,
            numbers,
        })
    }

    /// The lowest version it names (`1.2` → `1.2.0`; a prerelease before its release).
    fn low(&self) -> Version {
        let mut parts = [0; 3];
        parts[..self.numbers.len()].copy_from_slice(&self.numbers);
        Version::new(parts, !self.prerelease && self.numbers.len() == 3)
    }

    /// The first version above everything it names when its last `keep` numbers are free
    /// (`~1.2` keeps 2: `1.3.0-0`), as the lowest prerelease of that version.
    fn above(&self, keep: usize) -> Option<Version> {
        let keep = keep.min(self.numbers.len());
        if keep == 0 {
            return None;
        }
        let mut parts = [0; 3];
        parts[..keep].copy_from_slice(&self.numbers[..keep]);
        parts[keep - 1] += 1;
        Some(Version::new(parts, false))
    }

    fn exact(&self) -> bool {
        self.numbers.len() == 3
    }
}

/// One comparator as an interval: `low` (inclusive) up to `high` (exclusive), or outside it.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Interval {
    low: Option<Version>,
    high: Option<(Version, bool)>,
    outside: bool,
}

impl Interval {
    fn between(low: Option<Version>, high: Option<Version>) -> Interval {
        Interval {
            low,
            high: high.map(|h| (h, false)),
            outside: false,
        }
    }

    fn contains(&self, version: Version) -> bool {
        let above = self.low.is_none_or(|low| version >= low);
        let below = self
            .high
            .is_none_or(|(high, inclusive)| match version.cmp(&high) {
                Ordering::Less => true,
                Ordering::Equal => inclusive,
                Ordering::Greater => false,
            });
        (above && below) != self.outside
    }
}

fn comparator(operator: &str, version: &str) -> Result<Interval, String> {
    let v = Partial::parse(version)?;
    let n = v.numbers.len();
    let range = Interval::between(Some(v.low()), v.above(n));
    Ok(match operator {
        "" | "=" if v.exact() => Interval {
            low: Some(v.low()),
            high: Some((v.low(), true)),
            outside: false,
        },
        "" | "=" => range,
        "!=" => Interval {
            outside: true,
            ..comparator("=", version)?
        },
        ">" if v.exact() => Interval {
            low: None,
            high: Some((v.low(), true)),
            outside: true,
        },
        ">" => Interval::between(v.above(n).or(Some(Version::new([u64::MAX; 3], true))), None),
        ">=" | "=>" => Interval::between(Some(v.low()), None),
        "<" => Interval::between(None, Some(v.low())),
        "<=" | "=<" if v.exact() => Interval {
            low: None,
            high: Some((v.low(), true)),
            outside: false,
        },
        "<=" | "=<" => Interval::between(None, v.above(n)),
        "~" | "~>" => Interval::between(Some(v.low()), v.above(n.clamp(1, 2))),
        "^" => {
            // The first non-zero number is the one that may not change.
            let keep = v.numbers.iter().position(|x| *x != 0).map_or(n, |i| i + 1);
            Interval::between(Some(v.low()), v.above(keep.min(n.max(1))))
        }
        other => return Err(format!("unknown operator {other:?}")),
    })
}

/// A `kubeVersion` constraint: alternatives (`||`) of comparators that must all hold.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KubeVersionRange {
    alternatives: Vec<Vec<Interval>>,
}

impl KubeVersionRange {
    pub fn parse(text: &str) -> Result<KubeVersionRange, String> {
        let mut alternatives = Vec::new();
        for alternative in text.split("||") {
            let mut all = Vec::new();
            // `1.21 - 1.29`: an inclusive range, the upper end's missing numbers free.
            if let Some((low, high)) = alternative.split_once(" - ") {
                all.push(comparator(">=", low)?);
                all.push(comparator("<=", high)?);
                alternatives.push(all);
                continue;
            }
            // Comparators are separated by commas or spaces; an operator may stand apart
            // from its version (`>= 1.21`).
            let mut tokens = alternative
                .split(|c: char| c == ',' || c.is_whitespace())
                .filter(|t| !t.is_empty());
            while let Some(token) = tokens.next() {
                let split = token
                    .find(|c: char| c.is_ascii_alphanumeric() || c == '*')
                    .unwrap_or(token.len());
                let (operator, version) = token.split_at(split);
                let version = if version.is_empty() {
                    tokens
                        .next()
                        .ok_or_else(|| format!("{operator:?} without a version"))?
                } else {
                    version
                };
                all.push(comparator(operator, version)?);
            }
            if all.is_empty() {
                return Err(format!("{text:?} has an empty alternative"));
            }
            alternatives.push(all);
        }
        Ok(KubeVersionRange { alternatives })
    }

    /// Whether a server at `version` (`v1.35.0`, `v1.29.3-eks-adc7111`, `v1.30.2+k3s1`) is
    /// in the range. A vendor's suffix is not a Kubernetes prerelease: the numbers decide.
    pub fn allows(&self, version: &str) -> Result<bool, String> {
        let server = Partial::parse(version)?;
        if server.numbers.len() < 2 {
            return Err(format!("{version:?} is not a Kubernetes version"));
        }
        let version = Version {
            release: true,
            ..server.low()
        };
        Ok(self
            .alternatives
            .iter()
            .any(|all| all.iter().all(|c| c.contains(version))))
    }
}

/// The check of a chart's `kubeVersion` against the server's version: `None` when it allows
/// it (or the chart sets none), else why it stops the plan.
pub fn kube_version_check(chart: &str, constraint: &str, server: &str) -> Option<String> {
    if constraint.trim().is_empty() {
        return None;
    }
    let allowed = KubeVersionRange::parse(constraint).and_then(|range| range.allows(server));
    match allowed {
        Ok(true) => None,
        Ok(false) => Some(format!(
            "{chart} requires Kubernetes {constraint} (its kubeVersion); the server is {server}"
        )),
        Err(why) => Some(format!(
            "{chart}'s kubeVersion {constraint:?} cannot be read ({why}); helm refuses such a \
             chart too"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn allows(range: &str, server: &str) -> bool {
        KubeVersionRange::parse(range)
            .and_then(|r| r.allows(server))
            .unwrap_or_else(|e| panic!("{range} / {server}: {e}"))
    }

    #[test]
    fn ranges_charts_write() {
        assert!(allows(">=1.23.0-0", "v1.35.0"));
        assert!(allows(">=1.23.0-0", "v1.23.0"));
        assert!(!allows(">=1.23.0-0", "v1.22.9"));
        assert!(allows(">= 1.21, < 1.30", "v1.29.4"));
        assert!(!allows(">= 1.21, < 1.30", "v1.30.0"));
        assert!(!allows(">=1.21.0 <1.30.0-0", "v1.30.0"));
        assert!(allows("<=1.29", "v1.29.7"));
        assert!(!allows("<=1.29", "v1.30.0"));
        assert!(allows("~1.28", "v1.28.3"));
        assert!(!allows("~1.28", "v1.29.0"));
        assert!(allows("^1.25", "v1.35.0"));
        assert!(!allows("^1.25", "v2.0.0"));
        assert!(allows("1.21 - 1.29", "v1.29.9"));
        assert!(!allows("1.21 - 1.29", "v1.30.0"));
        assert!(allows("1.29.x", "v1.29.1"));
        assert!(allows(">1.29", "v1.30.0"));
        assert!(!allows(">1.29", "v1.29.5"));
        assert!(allows(">1.29.5", "v1.29.6"));
        assert!(allows("!=1.29.5", "v1.29.6"));
        assert!(!allows("!=1.29.x", "v1.29.6"));
        assert!(allows(">=1.40.0 || <1.20", "v1.19.2"));
        assert!(allows("~*", "v1.35.0") && allows("*", "v1.35.0"));
        assert!(!allows(">=1.40.0 || <1.20", "v1.35.0"));
    }

    #[test]
    fn vendor_suffixes_are_not_prereleases() {
        assert!(allows(">=1.23.0", "v1.29.3-eks-adc7111"));
        assert!(allows("<1.30.0", "v1.29.3-eks-adc7111"));
        assert!(allows(">=1.30.0", "v1.30.2+k3s1"));
    }

    #[test]
    fn the_check_says_what_the_chart_wants() {
        assert_eq!(kube_version_check("tiny-0.1.0", "", "v1.35.0"), None);
        assert_eq!(
            kube_version_check("tiny-0.2.0", ">=1.40.0-0", "v1.35.0").as_deref(),
            Some(
                "tiny-0.2.0 requires Kubernetes >=1.40.0-0 (its kubeVersion); the server is v1.35.0"
            )
        );
        assert!(
            kube_version_check("tiny-0.2.0", ">=one", "v1.35.0")
                .is_some_and(|m| m.contains("cannot be read"))
        );
    }
}
