//! muster-ledger: an append-only, hash-chained log of every muster decision.
//!
//! The file is JSON Lines; each line is one [`Event`](muster_shared::schema::Event)
//! in RFC 8785 canonical form, chained by `prev_hash` (see [`chain`]). Other
//! tools record their decisions through [`append::append`].

pub mod append;
pub mod chain;
pub mod cmd;
pub mod lock;
pub mod merge;
pub mod render;
pub mod repair;
pub mod replay;
pub mod runs;
pub mod store;
pub mod verify;
pub mod writer;
