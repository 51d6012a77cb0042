//! Prometheus metrics of one server instance.
//!
//! Each server owns its recorder instead of installing a global one, so that
//! several servers in one test process keep separate figures. Every series is
//! registered up front: hot paths only bump a counter they already hold, and
//! every series shows (at zero) from the first scrape.

use metrics::{Counter, Gauge, Key, KeyName, Label, Metadata, Recorder, SharedString};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle, PrometheusRecorder};

/// The series names carry this prefix, so they sort together on a shared
/// Prometheus.
const PREFIX: &str = "duet_";

/// The label value for events outside the protocol: counting them by their
/// own names would let a client create unbounded series.
pub const UNKNOWN_EVENT: &str = "unknown";

pub struct Metrics {
    recorder: PrometheusRecorder,
    handle: PrometheusHandle,
    /// By the event's place in the list it was registered with.
    events: Vec<Counter>,
    unknown_events: Counter,
    /// By the code's place in the list it was registered with.
    errors: Vec<Counter>,
    /// Socket.IO connections open on this instance.
    pub connections: Gauge,
    /// Rooms in the store; set from the store when scraped.
    pub rooms: Gauge,
    /// Seats taken; set from the store when scraped.
    pub peers: Gauge,
    /// Allocations on the built-in TURN server.
    pub turn_allocations: Gauge,
}

impl Metrics {
    /// Registers `events_total` for each event name and `errors_total` for
    /// each error code.
    pub fn new(event_names: &[&'static str], error_codes: &[&'static str]) -> Self {
        let recorder = PrometheusBuilder::new().build_recorder();
        let handle = recorder.handle();
        let describe_gauge = |name: &'static str, help: &'static str| {
            recorder.describe_gauge(
                KeyName::from(format!("{PREFIX}{name}")),
                None,
                SharedString::const_str(help),
            );
        };
        describe_gauge("connections", "Socket.IO connections open on this instance");
        describe_gauge("rooms", "Rooms that exist, with or without people in them");
        describe_gauge(
            "peers",
            "Seats taken in rooms, including seats held for a reconnect",
        );
        describe_gauge(
            "turn_allocations",
            "Relay allocations on the built-in TURN server",
        );
        recorder.describe_counter(
            KeyName::from(format!("{PREFIX}events_total")),
            None,
            SharedString::const_str("Socket.IO events received, by event name"),
        );
        recorder.describe_counter(
            KeyName::from(format!("{PREFIX}errors_total")),
            None,
            SharedString::const_str("Errors answered, by protocol error code"),
        );

        let counter = |name: &str, label: &'static str, value: &'static str| {
            let key = Key::from_parts(format!("{PREFIX}{name}"), vec![Label::new(label, value)]);
            recorder.register_counter(&key, &metadata())
        };
        let gauge =
            |name: &str| recorder.register_gauge(&Key::from_name(format!("{PREFIX}{name}")), &metadata());
        let events = event_names
            .iter()
            .map(|&name| counter("events_total", "event", name))
            .collect();
        let unknown_events = counter("events_total", "event", UNKNOWN_EVENT);
        let errors = error_codes
            .iter()
            .map(|&code| counter("errors_total", "code", code))
            .collect();
        let connections = gauge("connections");
        let rooms = gauge("rooms");
        let peers = gauge("peers");
        let turn_allocations = gauge("turn_allocations");
        Self {
            recorder,
            handle,
            events,
            unknown_events,
            errors,
            connections,
            rooms,
            peers,
            turn_allocations,
        }
    }

    /// Counts one received event, by its place among the names registered;
    /// `None`, or a place outside them, counts as `unknown`.
    pub fn event_received(&self, place: Option<usize>) {
        place
            .and_then(|place| self.events.get(place))
            .unwrap_or(&self.unknown_events)
            .increment(1);
    }

    /// Counts one error answered, by its code's place among those registered.
    pub fn error_answered(&self, place: usize) {
        if let Some(counter) = self.errors.get(place) {
            counter.increment(1);
        }
    }

    /// The Prometheus text exposition of every series.
    pub fn render(&self) -> String {
        // Keeps the recorder alive for as long as the handle renders.
        let _ = &self.recorder;
        self.handle.render()
    }
}

fn metadata() -> Metadata<'static> {
    Metadata::new(module_path!(), metrics::Level::INFO, Some(module_path!()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_every_series_from_the_start() {
        let metrics = Metrics::new(&["join"], &["bad-request"]);
        let text = metrics.render();
        for series in [
            "duet_events_total{event=\"join\"} 0",
            "duet_events_total{event=\"unknown\"} 0",
            "duet_errors_total{code=\"bad-request\"} 0",
            "duet_connections 0",
            "duet_rooms 0",
            "duet_peers 0",
        ] {
            assert!(text.contains(series), "{series} missing from:\n{text}");
        }
    }

    #[test]
    fn counts_by_name_and_folds_unknown_names() {
        let metrics = Metrics::new(&["join"], &["bad-request"]);
        metrics.event_received(Some(0));
        metrics.event_received(Some(0));
        metrics.event_received(None);
        metrics.error_answered(0);
        let text = metrics.render();
        assert!(text.contains("duet_events_total{event=\"join\"} 2"), "{text}");
        assert!(text.contains("duet_events_total{event=\"unknown\"} 1"), "{text}");
        assert!(
            text.contains("duet_errors_total{code=\"bad-request\"} 1"),
            "{text}"
        );
    }
}
