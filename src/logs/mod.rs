//! The log pipeline between the Kubernetes log stream and the viewer: raw container bytes
//! become sanitized, styled, levelled [`LogLine`]s ([`parse_line`]), kept in a bounded
//! [`LogBuffer`] (optionally spooling what it evicts to disk) and searched incrementally
//! ([`Search`]). Pure: no clock, no tokio, and no I/O except the buffer's spool file.

pub mod buffer;
pub mod level;
pub mod line;
pub mod sanitize;
pub mod search;

pub use buffer::{DEFAULT_CAP_BYTES, DEFAULT_CAP_LINES, LogBuffer, LogBufferError};
pub use level::pretty_json;
pub use line::{Format, Level, LogColor, LogLine, MAX_TEXT_BYTES, SourceId, StyleRun, parse_line};
pub use sanitize::{Sanitized, plain_text, sanitize};
pub use search::{Search, search, text_query};
