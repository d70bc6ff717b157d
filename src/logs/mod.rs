//! The log pipeline between the Kubernetes log stream and the viewer: raw container bytes
//! become sanitized, styled, levelled [`LogLine`]s ([`parse_line`]). Pure: no clock, no
//! tokio, no I/O.

pub mod level;
pub mod line;
pub mod sanitize;

pub use level::pretty_json;
pub use line::{Format, Level, LogColor, LogLine, MAX_TEXT_BYTES, SourceId, StyleRun, parse_line};
pub use sanitize::{Sanitized, plain_text, sanitize};
