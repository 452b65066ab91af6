//! kubesim's engine.
#![warn(missing_docs)]

pub mod objects;
pub mod selector;
pub mod time;
