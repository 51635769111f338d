//! Document types and plumbing shared by the muster tools.
//!
//! Everything here is needed by two or more tools: the document types (one file
//! per kind under [`schema`]), the strict two-step document reader ([`doc`]), the
//! writer and atomic files ([`io`]), the one place where errors become exit codes
//! ([`cli`], [`error`]), canonical JSON ([`canonical`]), time ([`time`]), run IDs
//! ([`runid`]) and config layering ([`config`]). Tool logic lives in the tools.
#![deny(missing_docs)]

pub mod canonical;
pub mod cli;
pub mod config;
pub mod diff;
pub mod doc;
pub mod error;
pub mod git;
pub mod glob;
pub mod hash;
pub mod id;
pub mod io;
pub mod json_pieces;
pub mod markdown;
pub mod par;
pub mod runid;
pub mod schema;
pub mod time;

pub use error::{Blocked, Status, Usage};
