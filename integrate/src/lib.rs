//! muster-integrate: combines the bundles of a run into one result, or says
//! exactly why not (DESIGN.md section 5, "muster-integrate"; docs/integrate.md).
//!
//! Data flows one way: [`cmd`] reads the flags, the run and the plan;
//! [`integrate`] takes each task in the fixed order through [`validate`]
//! (the bundle against its MANIFEST), [`change`] (its DIFF.patch, split per
//! file, against its own file list and its scope), [`overlap`] (paths two
//! tasks change), then [`combine`]: [`merge3`] (write-shared files both
//! edited) and [`apply`] (git, on a scratch index, never fuzz); [`check`]
//! tests the combined tree and bisects a failure; [`into`] commits it;
//! [`report`] writes the integrator directory.

pub mod apply;
pub mod change;
pub mod check;
pub mod cmd;
pub mod combine;
pub mod integrate;
pub mod into;
pub mod merge3;
pub mod overlap;
pub mod report;
pub mod validate;
