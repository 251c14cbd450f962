//! Prometheus metrics, served at `/metrics` in the text exposition format.

use std::sync::Mutex;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
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

/// Labels of a delivery outcome.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct DeliveryLabels {
    /// The channel.
    pub channel: String,
    /// `sent`, `delivered`, `retry`, `failed` or `stale`.
    pub outcome: String,
}

/// Labels with a channel.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ChannelLabels {
    /// The channel.
    pub channel: String,
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
    /// Polls of subscribed feeds by outcome (`changed`, `not-modified`, `failed`).
    pub feed_polls: Family<OutcomeLabels, Counter>,
    /// Alerts found in subscribed feeds by what became of them (`relayed`, `drafted`,
    /// `skipped`, `duplicate`, `refused`).
    pub feed_alerts: Family<OutcomeLabels, Counter>,
    /// Delivery attempts by channel and outcome.
    pub deliveries: Family<DeliveryLabels, Counter>,
    /// Seconds from issue to an alert's first delivery, by channel.
    pub first_delivery: Family<ChannelLabels, Histogram, fn() -> Histogram>,
    /// Seconds from issue to an alert's last delivery, by channel.
    pub last_delivery: Family<ChannelLabels, Histogram, fn() -> Histogram>,
    /// Deliveries waiting, by channel.
    pub queue_depth: Family<ChannelLabels, Gauge>,
    /// Each running channel's health: 2 up, 1 degraded, 0 down.
    pub channel_health: Family<ChannelLabels, Gauge>,
    /// Channels whose queue depth has been published, so an emptied queue reads 0.
    queues_seen: Mutex<std::collections::BTreeSet<String>>,
}

fn fanout_histogram() -> Histogram {
    Histogram::new(exponential_buckets(0.05, 2.0, 16))
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
        let feed_polls = Family::<OutcomeLabels, Counter>::default();
        let feed_alerts = Family::<OutcomeLabels, Counter>::default();
        let deliveries = Family::<DeliveryLabels, Counter>::default();
        let first_delivery =
            Family::<ChannelLabels, Histogram, fn() -> Histogram>::new_with_constructor(fanout_histogram);
        let last_delivery =
            Family::<ChannelLabels, Histogram, fn() -> Histogram>::new_with_constructor(fanout_histogram);
        let queue_depth = Family::<ChannelLabels, Gauge>::default();
        let channel_health = Family::<ChannelLabels, Gauge>::default();
        registry.register("http_requests", "HTTP requests by route, method and status", http_requests.clone());
        registry.register("http_request_duration_seconds", "HTTP request durations", http_duration.clone());
        registry.register("logins", "Logins by outcome", logins.clone());
        registry.register("alert_transitions", "Alert state changes by the state reached", alert_transitions.clone());
        registry.register("cap_ingest", "CAP messages posted by integrations, by outcome", cap_ingest.clone());
        registry.register("feed_polls", "Polls of subscribed CAP feeds, by outcome", feed_polls.clone());
        registry.register("feed_alerts", "Alerts found in subscribed CAP feeds, by outcome", feed_alerts.clone());
        registry.register("deliveries", "Delivery attempts by channel and outcome", deliveries.clone());
        registry.register(
            "first_delivery_seconds",
            "Seconds from issue to an alert's first delivery, by channel",
            first_delivery.clone(),
        );
        registry.register(
            "last_delivery_seconds",
            "Seconds from issue to an alert's last delivery, by channel",
            last_delivery.clone(),
        );
        registry.register("queue_depth", "Deliveries waiting, by channel", queue_depth.clone());
        registry.register(
            "channel_health",
            "Each running channel's health: 2 up, 1 degraded, 0 down",
            channel_health.clone(),
        );
        Metrics {
            registry: Mutex::new(registry),
            http_requests,
            http_duration,
            logins,
            alert_transitions,
            cap_ingest,
            feed_polls,
            feed_alerts,
            deliveries,
            first_delivery,
            last_delivery,
            queue_depth,
            channel_health,
            queues_seen: Mutex::default(),
        }
    }

    /// Counts one outcome in a family.
    pub fn count(family: &Family<OutcomeLabels, Counter>, outcome: &str) {
        family.get_or_create(&OutcomeLabels { outcome: outcome.to_owned() }).inc();
    }

    /// Counts a delivery outcome.
    pub fn count_delivery(&self, channel: &str, outcome: &str) {
        self.deliveries
            .get_or_create(&DeliveryLabels { channel: channel.to_owned(), outcome: outcome.to_owned() })
            .inc();
    }

    /// Records an alert's first and last delivery times on a channel.
    pub fn observe_fanout(&self, channel: &str, first_s: f64, last_s: f64) {
        let l = ChannelLabels { channel: channel.to_owned() };
        self.first_delivery.get_or_create(&l).observe(first_s);
        self.last_delivery.get_or_create(&l).observe(last_s);
    }

    /// Publishes the queue depth of every channel with deliveries waiting; a channel published
    /// before and missing now reads 0.
    pub fn set_queue_depths(&self, depths: &[(String, i64)]) {
        let Ok(mut seen) = self.queues_seen.lock() else { return };
        seen.extend(depths.iter().map(|(c, _)| c.clone()));
        for channel in seen.iter() {
            let n = depths.iter().find(|(c, _)| c == channel).map_or(0, |(_, n)| *n);
            self.queue_depth.get_or_create(&ChannelLabels { channel: channel.clone() }).set(n);
        }
    }

    /// Publishes a channel's health.
    pub fn set_channel_health(&self, channel: &str, health: &channels::Health) {
        let v = match health.state {
            channels::HealthState::Up => 2,
            channels::HealthState::Degraded => 1,
            channels::HealthState::Down => 0,
        };
        self.channel_health.get_or_create(&ChannelLabels { channel: channel.to_owned() }).set(v);
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_emptied_queue_reads_zero() {
        let m = Metrics::new();
        m.set_queue_depths(&[("sms".into(), 7), ("push".into(), 2)]);
        assert!(m.render().contains("tocsin_queue_depth{channel=\"sms\"} 7"));
        m.set_queue_depths(&[("push".into(), 1)]);
        let text = m.render();
        assert!(text.contains("tocsin_queue_depth{channel=\"sms\"} 0"), "{text}");
        assert!(text.contains("tocsin_queue_depth{channel=\"push\"} 1"), "{text}");
    }
}
