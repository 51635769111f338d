//! muster-route: gives each task a role by ordered rules.

pub mod cmd;
