//! How careful to be with a context: read-only (refuse every change) and production (the
//! target's name must be typed to confirm), from `--readonly`, `config.toml` and, by default,
//! the context's name.

use std::collections::BTreeMap;
use std::fmt;

use crate::config::{ContextSettings, Settings};

/// The words that make a context production by name, when `config.toml` does not say.
pub const PRODUCTION_WORDS: [&str; 2] = ["prod", "production"];

/// Everything that decides contexts' policies: the settings' `[contexts]` and `--readonly`.
/// Cheap to resolve, so the cockpit keeps this and resolves the current context on demand —
/// after `:ctx` the header can never show the previous context's policy.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Policies {
    pub cli_readonly: bool,
    pub contexts: BTreeMap<String, ContextSettings>,
    /// `[contexts]` could not be read (see `Settings::contexts_error`).
    pub contexts_error: Option<String>,
}

impl Policies {
    pub fn new(settings: &Settings, cli_readonly: bool) -> Policies {
        Policies {
            cli_readonly,
            contexts: settings.contexts.clone(),
            contexts_error: settings.contexts_error.clone(),
        }
    }

    /// The policy of the context named `context`.
    pub fn resolve(&self, context: &str) -> ContextPolicy {
        let configured = self.contexts.get(context);
        // --readonly first: it is what the operator asked for right now.
        let readonly = if self.cli_readonly {
            Some(ReadOnlyBecause::Flag)
        } else if let Some(error) = &self.contexts_error {
            Some(ReadOnlyBecause::ConfigUnreadable(error.clone()))
        } else if configured.and_then(|c| c.readonly) == Some(true) {
            Some(ReadOnlyBecause::Config)
        } else {
            None
        };
        let production = match configured.and_then(|c| c.production) {
            Some(true) => ProductionBecause::Config,
            Some(false) => ProductionBecause::No,
            None if production_by_name(context) => ProductionBecause::Name,
            None => ProductionBecause::No,
        };
        ContextPolicy {
            context: context.to_string(),
            readonly,
            production,
        }
    }
}

/// One context's policy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ContextPolicy {
    pub context: String,
    /// Why changes are refused, if they are.
    pub readonly: Option<ReadOnlyBecause>,
    pub production: ProductionBecause,
}

impl ContextPolicy {
    /// `ContextPolicy::resolve(name, &settings, cli_readonly)`: see [`Policies::resolve`].
    pub fn resolve(context: &str, settings: &Settings, cli_readonly: bool) -> ContextPolicy {
        Policies::new(settings, cli_readonly).resolve(context)
    }

    pub fn is_readonly(&self) -> bool {
        self.readonly.is_some()
    }

    pub fn is_production(&self) -> bool {
        self.production != ProductionBecause::No
    }

    /// Why changes are refused, for the refusal message ("context prod-eu is read-only
    /// (config.toml [contexts.\"prod-eu\"])").
    pub fn readonly_reason(&self) -> Option<String> {
        let context = &self.context;
        self.readonly.as_ref().map(|because| match because {
            ReadOnlyBecause::Flag => "Strata was started with --readonly".to_string(),
            ReadOnlyBecause::Config => {
                format!("context {context} is read-only (config.toml [contexts.{context:?}])")
            }
            ReadOnlyBecause::ConfigUnreadable(error) => format!(
                "config.toml's [contexts] cannot be read ({error}), so every context is \
                 read-only until it is fixed"
            ),
        })
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ReadOnlyBecause {
    /// `--readonly`.
    Flag,
    /// `readonly = true` under the context in `config.toml`.
    Config,
    /// `[contexts]` has a mistake; failing closed.
    ConfigUnreadable(String),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProductionBecause {
    /// `production = true` in `config.toml`.
    Config,
    /// The name has `prod` or `production` as a word and the config does not say otherwise.
    Name,
    No,
}

impl fmt::Display for ProductionBecause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ProductionBecause::Config => "production (config.toml)",
            ProductionBecause::Name => {
                "production (by its name; `production = false` in config.toml says otherwise)"
            }
            ProductionBecause::No => "not production",
        })
    }
}

/// Whether a context's name says production: `prod` or `production` as a whole word, words
/// being split at anything but letters and digits (`prod-eu`, `gke_acme_production`,
/// `arn:aws:eks:…:cluster/prod` yes; `product-dev`, `preprod` no). camelCase is not split:
/// `acmeProd` needs `production = true`.
pub fn production_by_name(context: &str) -> bool {
    context.split(|c: char| !c.is_alphanumeric()).any(|word| {
        PRODUCTION_WORDS
            .iter()
            .any(|p| word.eq_ignore_ascii_case(p))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::settings::parse_settings;

    #[test]
    fn production_is_a_word_in_the_name() {
        for name in [
            "prod",
            "prod-eu",
            "gke_acme_production",
            "eu.PROD.acme",
            "arn:aws:eks:eu-west-1:123456789012:cluster/prod",
            "admin@prod",
        ] {
            assert!(production_by_name(name), "{name}");
        }
        for name in [
            "product-dev",
            "preprod",
            "production2",
            "staging",
            "kind-products",
            "",
        ] {
            assert!(!production_by_name(name), "{name}");
        }
    }

    #[test]
    fn config_overrides_the_name_rule_both_ways() {
        let settings = parse_settings(
            "[contexts.prod-eu]\nproduction = false\n\
             [contexts.\"acme-live\"]\nproduction = true\n",
        )
        .unwrap();
        let policy = |name| ContextPolicy::resolve(name, &settings, false);
        assert!(!policy("prod-eu").is_production());
        assert_eq!(policy("acme-live").production, ProductionBecause::Config);
        assert_eq!(policy("prod-us").production, ProductionBecause::Name);
        assert!(!policy("dev").is_production());
        assert!(!policy("dev").is_readonly());
    }

    #[test]
    fn read_only_from_the_flag_or_the_config() {
        let settings = parse_settings("[contexts.\"prod-eu\"]\nreadonly = true\n").unwrap();
        let policy = ContextPolicy::resolve("prod-eu", &settings, false);
        assert_eq!(policy.readonly, Some(ReadOnlyBecause::Config));
        assert_eq!(
            policy.readonly_reason().unwrap(),
            "context prod-eu is read-only (config.toml [contexts.\"prod-eu\"])"
        );
        // Another context is not touched by it.
        assert!(!ContextPolicy::resolve("dev", &settings, false).is_readonly());
        // The flag covers every context, and is what the message names.
        let policy = ContextPolicy::resolve("dev", &settings, true);
        assert_eq!(
            policy.readonly_reason().unwrap(),
            "Strata was started with --readonly"
        );
        // `readonly = false` does not lift the flag.
        let settings = parse_settings("[contexts.dev]\nreadonly = false\n").unwrap();
        assert!(ContextPolicy::resolve("dev", &settings, true).is_readonly());
        assert!(!ContextPolicy::resolve("dev", &settings, false).is_readonly());
    }

    #[test]
    fn an_unreadable_contexts_table_makes_every_context_read_only() {
        let settings = Settings {
            contexts_error: Some("unknown field `read_only`".into()),
            ..Settings::default()
        };
        let policy = ContextPolicy::resolve("dev", &settings, false);
        assert!(policy.is_readonly());
        let reason = policy.readonly_reason().unwrap();
        assert!(
            reason.contains("read_only") && reason.contains("fixed"),
            "{reason}"
        );
    }
}
