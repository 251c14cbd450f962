//! Prometheus metrics, served at `/metrics` in the text exposition format.

use std::sync::Mutex;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

/// Labels of an HTTP request.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct HttpLabels {
    /// The route pattern, for example `/api/v1/alerts/{id}`.
    pub route: String,
    /// The method.
    pub method: String,
    /// The status code.
    pub status: u16,
}

/// Labels with one `outcome` or `state`.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct OutcomeLabels {
    /// What happened.
    pub outcome: String,
}

/// The metrics Tocsin keeps.
#[derive(Debug)]
pub struct Metrics {
    registry: Mutex<Registry>,
    /// Requests by route, method and status.
    pub http_requests: Family<HttpLabels, Counter>,
    /// Request durations by route.
    pub http_duration: Family<HttpLabels, Histogram, fn() -> Histogram>,
    /// Logins by outcome (`ok`, `failed`, `limited`).
    pub logins: Family<OutcomeLabels, Counter>,
    /// Alert state changes by the state reached.
    pub alert_transitions: Family<OutcomeLabels, Counter>,
    /// Posted CAP by outcome (`accepted`, `refused`).
    pub cap_ingest: Family<OutcomeLabels, Counter>,
}

fn duration_histogram() -> Histogram {
    Histogram::new(exponential_buckets(0.001, 2.0, 14))
}

impl Metrics {
    /// Registers every metric.
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("tocsin");
        let http_requests = Family::<HttpLabels, Counter>::default();
        let http_duration =
            Family::<HttpLabels, Histogram, fn() -> Histogram>::new_with_constructor(duration_histogram);
        let logins = Family::<OutcomeLabels, Counter>::default();
        let alert_transitions = Family::<OutcomeLabels, Counter>::default();
        let cap_ingest = Family::<OutcomeLabels, Counter>::default();
        registry.register("http_requests", "HTTP requests by route, method and status", http_requests.clone());
        registry.register("http_request_duration_seconds", "HTTP request durations", http_duration.clone());
        registry.register("logins", "Logins by outcome", logins.clone());
        registry.register("alert_transitions", "Alert state changes by the state reached", alert_transitions.clone());
        registry.register("cap_ingest", "CAP messages posted by integrations, by outcome", cap_ingest.clone());
        Metrics { registry: Mutex::new(registry), http_requests, http_duration, logins, alert_transitions, cap_ingest }
    }

    /// Counts one outcome in a family.
    pub fn count(family: &Family<OutcomeLabels, Counter>, outcome: &str) {
        family.get_or_create(&OutcomeLabels { outcome: outcome.to_owned() }).inc();
    }

    /// The text exposition.
    pub fn render(&self) -> String {
        let mut out = String::new();
        if let Ok(r) = self.registry.lock() {
            let _ = prometheus_client::encoding::text::encode(&mut out, &r);
        }
        out
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}
