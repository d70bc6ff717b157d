//! Small pieces shared by views.

pub mod dialog;
pub mod helm_wizard;
pub mod hint_bar;
pub mod status_line;
pub mod sync_badge;
pub mod tool_dialog;
pub mod trigger_dialog;
