//! The data-stack layers of DESIGN §1: the product's vocabulary, in the order screens and
//! reports show them.

use std::fmt;

use serde::{Deserialize, Serialize};

/// One layer of the data stack. The serialized form is the layer id (`orchestration`), the
/// same in the rules file, `strata status -o json` and the cockpit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Layer {
    Ingestion,
    Transformation,
    Orchestration,
    Warehouse,
    Visualization,
    Platform,
    Unclassified,
}

impl Layer {
    /// Every layer, in display order (the order of the enum).
    pub const ALL: [Layer; 7] = [
        Layer::Ingestion,
        Layer::Transformation,
        Layer::Orchestration,
        Layer::Warehouse,
        Layer::Visualization,
        Layer::Platform,
        Layer::Unclassified,
    ];

    /// The id used in files and JSON.
    pub fn id(self) -> &'static str {
        match self {
            Layer::Ingestion => "ingestion",
            Layer::Transformation => "transformation",
            Layer::Orchestration => "orchestration",
            Layer::Warehouse => "warehouse",
            Layer::Visualization => "visualization",
            Layer::Platform => "platform",
            Layer::Unclassified => "unclassified",
        }
    }

    /// The heading people read.
    pub fn title(self) -> &'static str {
        match self {
            Layer::Ingestion => "Ingestion",
            Layer::Transformation => "Transformation",
            Layer::Orchestration => "Orchestration",
            Layer::Warehouse => "Warehouse & engines",
            Layer::Visualization => "Visualization",
            Layer::Platform => "Platform",
            Layer::Unclassified => "Other",
        }
    }

    pub fn parse(id: &str) -> Option<Layer> {
        Layer::ALL.into_iter().find(|l| l.id() == id)
    }
}

impl fmt::Display for Layer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_and_match_serde() {
        for layer in Layer::ALL {
            assert_eq!(Layer::parse(layer.id()), Some(layer));
            assert_eq!(
                serde_json::to_value(layer).unwrap(),
                serde_json::json!(layer.id())
            );
        }
        assert_eq!(Layer::parse("bi"), None);
    }
}
