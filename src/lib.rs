//! Crossview core: pulls a patient's record from several FHIR endpoints into an
//! offline SQLite cache and derives one timeline from it. No UI code lives here;
//! the CLI and the desktop shell both call [`app::App`].

pub mod access;
pub mod app;
pub mod audit;
pub mod banner;
pub mod cache_key;
pub mod config;
pub mod consent;
pub mod demo;
pub mod discharge;
pub mod display;
pub mod doctor;
pub mod error;
pub mod fhir;
pub mod gpconnect;
pub mod keystore;
pub mod narrative;
pub mod nhs_number;
pub mod patient_search;
pub mod private_dir;
pub mod reconcile;
pub mod restricted;
pub mod sources;
pub mod store;
pub mod sync;
pub mod timeline;

pub use error::{ErrorCode, HasCode, UiError};
pub use nhs_number::NhsNumber;
