//! What the cockpit and the simulator share, so neither depends on the other: kubectl's
//! printers (columns and cells of every built-in kind) and Helm's release storage codec.

pub mod printers;
pub mod release;
pub mod selector;
pub mod sym;
