//! kubesim's edge: everything between the user and the engine. Scenario and manifest
//! decoding with located errors, conversion into engine objects, expectations, running,
//! and renderers.

pub mod availability;
pub mod compare;
pub mod convert;
pub mod describe;
pub mod expect;
pub mod explain;
pub mod format;
pub mod manifest;
pub use sim_core::quantity;
pub mod render;
pub mod rollout;
pub mod run;
pub mod scenario;
pub mod scheduler_config;
pub mod source;
pub mod tables;
#[cfg(feature = "testing")]
pub mod testing;
pub mod view;
