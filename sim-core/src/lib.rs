//! kubesim's engine.
#![warn(missing_docs)]

pub mod admission;
pub mod behaviour;
pub mod controllers;
pub mod cron;
pub mod disruption;
pub mod drain;
pub mod duration;
pub mod eviction;
pub mod failures;
pub mod invariants;
pub mod kubelet;
pub mod metrics;
pub mod node_pressure;
pub mod objects;
pub mod probe;
pub mod quantity;
pub mod queue;
pub mod rng;
pub mod scheduler;
pub mod scheduling;
pub mod selector;
pub mod sim;
pub mod store;
pub mod time;
pub mod timeline;
