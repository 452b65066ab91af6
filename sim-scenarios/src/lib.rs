//! kubesim's edge: everything between the user and the engine. Scenario and manifest
//! decoding with located errors, conversion into engine objects, expectations, running,
//! and renderers.

pub mod convert;
pub mod expect;
pub mod format;
pub mod manifest;
pub mod quantity;
pub mod render;
pub mod run;
pub mod scenario;
pub mod source;
pub mod tables;
pub mod view;
