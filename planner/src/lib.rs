//! muster-plan: checks the task graph, puts conflicting tasks in different
//! waves, says what may run next, and exports the plan to CI engines.

pub mod cmd;
pub mod export;
