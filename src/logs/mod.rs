//! The log pipeline between the Kubernetes log stream and the viewer: raw container bytes
//! become sanitized, styled, levelled [`LogLine`]s ([`parse_line`]), kept in a bounded
//! [`LogBuffer`] (optionally spooling what it evicts to disk), searched incrementally
//! ([`Search`]) and read run-aware ([`decoder_for`]: dbt, Airflow, Airbyte progress and the
//! reason a run failed). Pure: no clock, no tokio, and no I/O except the buffer's spool file.
//!
//! Typical use by the log view: for each line of a `pods/log` stream, `parse_line(source,
//! bytes, true)`, feed the line to the run decoder if the pod is a run, then push it into the
//! buffer; draw `buffer.get(i)` for the visible rows; call [`Search::update`] after each batch.

pub mod buffer;
pub mod level;
pub mod line;
pub mod message;
pub mod run;
pub mod sanitize;
pub mod search;
#[cfg(all(test, feature = "sim"))]
mod sim_logs;

pub use buffer::{DEFAULT_CAP_BYTES, DEFAULT_CAP_LINES, LogBuffer, LogBufferError};
pub use level::pretty_json;
pub use line::{Format, Level, LogColor, LogLine, MAX_TEXT_BYTES, SourceId, StyleRun, parse_line};
pub use message::message_of;
pub use run::{Failure, Outcome, RunDecoder, RunProgress, decoder_for};
pub use sanitize::{Sanitized, plain_text, sanitize};
pub use search::{Search, search, text_query};
