//! GP Connect Access Record: Structured (STU3): how a GP practice's record is
//! asked for, and what its Lists say about their own completeness.

pub mod lists;
pub mod request;

pub use lists::{ListNote, ListNoteKind};
