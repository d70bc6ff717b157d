//! What the cockpit and the simulator share, so neither depends on the other: kubectl's
//! printers (columns and cells of every built-in kind), Helm's release storage codec, the
//! reading of API objects as JSON, label selectors, shared strings, the sanitizing of cluster
//! text for a terminal, and the text of the describe and YAML documents (pure producers; the
//! cockpit styles and draws them).

pub mod describe;
pub mod json;
pub mod printers;
pub mod release;
pub mod selector;
pub mod sym;
pub mod text;
pub mod yaml;
