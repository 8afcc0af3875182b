//! Crossview core: pulls a patient's record from several FHIR endpoints into an
//! offline SQLite cache and derives one timeline from it. No UI code lives here;
//! the CLI and the desktop shell both call [`app::App`].

pub mod app;
pub mod banner;
pub mod config;
pub mod demo;
pub mod discharge;
pub mod display;
pub mod error;
pub mod fhir;
pub mod narrative;
pub mod nhs_number;
pub mod patient_search;
pub mod reconcile;
pub mod sources;
pub mod store;
pub mod sync;
pub mod timeline;

pub use error::{ErrorCode, HasCode, UiError};
pub use nhs_number::NhsNumber;
