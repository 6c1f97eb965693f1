//! Running Staffroom: health and readiness probes, Prometheus metrics, request telemetry,
//! and the API's own documentation (OpenAPI document and reference page).

pub mod docs_page;
pub mod health;
pub mod metrics;
pub mod openapi;
pub mod telemetry;
