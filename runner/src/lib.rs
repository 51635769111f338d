//! muster-run: runs each task of a plan in its own git worktree, within
//! limits, and writes a bundle per task.
//!
//! Data flows one way: [`run`] is the loop: it asks the planner's `next`
//! (on the state replayed from the ledger) what to start, starts each task
//! through [`git`] (a worktree on branch `muster/<RUN_ID>/<TASK_ID>`),
//! [`brief`] (BRIEF.md) and [`worker`] (a process group, under the
//! [`wrapper`] that lets `--resume` know what became of it), watches them, and
//! when one ends commits its work and writes its bundle ([`bundle`], which
//! checks scope with the scope-check library); every step is a ledger event.
//! [`paths`] is the state directory and its write policy. `cmd` is the thin
//! shell.

pub mod brief;
pub mod bundle;
pub mod cmd;
pub mod git;
pub mod paths;
pub mod run;
pub mod worker;
pub mod wrapper;
