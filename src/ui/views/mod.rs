//! The screens of the cockpit: the header above every view, then one view at a time from the
//! top of the view stack.

pub mod component;
pub mod contexts;
pub mod document;
pub mod header;
pub mod help;
pub mod home;
pub mod incident;
pub mod logs;
pub mod runs;
pub mod security;
pub mod table;
pub mod tool;
