//! muster-integrate: combines the bundles of a run into one result, or says
//! exactly why not (DESIGN.md section 5, "muster-integrate").
//!
//! Built so far, as a library (the binary that chains these into a
//! `muster.integration/v1` comes next, issue 6): [`validate`] checks one bundle against its MANIFEST (required files,
//! schemas, hashes, nothing added after), [`overlap`] finds the paths two
//! tasks both change, before anything is applied, and [`apply`] applies
//! patches in order onto a base on a scratch index (no checkout, no fuzz).

pub mod apply;
pub mod overlap;
pub mod validate;
