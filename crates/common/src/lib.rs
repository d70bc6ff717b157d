//! What the cockpit and the simulator share, so neither depends on the other: kubectl's
//! printers (columns and cells of every built-in kind), Helm's release storage codec, the
//! reading of API objects as JSON, and the sanitizing of cluster text for a terminal.

pub mod json;
pub mod printers;
pub mod release;
pub mod text;
