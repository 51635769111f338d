//! muster-scope: checks a change against the globs a task may touch, and
//! fails closed.
//!
//! Data flows one way: [`input`] reads a change (unified diff, raw `-z` diff,
//! bundle, path list) or [`tree`] compares two directories, giving
//! [`FileChange`](muster_shared::diff::FileChange)s; [`policy`] compiles the
//! allow, deny and protected globs into a [`policy::Scope`]; [`check`] decides
//! every file (pure, no I/O) into a `muster.scope-report/v1`. `cmd` is the
//! thin shell. muster-integrate uses [`check`] and [`policy`] directly.

pub mod check;
pub mod cmd;
pub mod input;
pub mod output;
pub mod policy;
pub mod tree;
