//! muster-plan: checks the task graph, puts conflicting tasks in different
//! waves, says what may run next, and exports the plan to CI engines.
//!
//! Data flows one way: [`graph`] checks the tasks and indexes them;
//! [`conflicts`] finds the pairs whose write allowlists overlap (with a
//! witness path); [`waves`] places every task; [`plan`] assembles the
//! `muster.plan/v1`. [`next`] reads a plan and a run's state; [`spawn`] folds
//! workers' spawn candidates into the plan; [`export`]
//! writes a plan for CI engines. `cmd` is the thin shell.

pub mod cmd;
pub mod conflicts;
pub mod export;
mod flat;
pub mod graph;
mod ids;
pub mod next;
pub mod next_input;
pub mod plan;
pub mod spawn;
pub mod waves;
