//! The panes of the cockpit's first screen: header, namespaces, pods.

pub mod header;
pub mod namespaces;
pub mod pods;
