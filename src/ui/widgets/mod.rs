//! Small pieces shared by views.

pub mod hint_bar;
pub mod sync_badge;
