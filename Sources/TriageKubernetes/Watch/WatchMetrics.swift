import CoreMetrics

/// The supervisor's metrics, made once per supervisor, labelled with its collection's path only.
///
/// - `triage_watch_lists_total`, `triage_watch_reconnects_total`: counters;
/// - `triage_watch_stream_duration`: a timer, one value per stream (nanoseconds);
/// - `triage_watch_last_event_age_seconds`: a gauge, set at every decision to the time since the last
///   event or bookmark;
/// - `triage_watch_degraded`: a gauge, 1 while 401/403/404 keep the watch from progressing.
struct WatchMetrics: Sendable {
    let lists: Counter
    let reconnects: Counter
    let streamDuration: Timer
    let lastEventAge: Gauge
    let degraded: Gauge

    init(path: String, factory: any MetricsFactory) {
        let dimensions = [("path", path)]
        lists = Counter(label: "triage_watch_lists_total", dimensions: dimensions, factory: factory)
        reconnects = Counter(label: "triage_watch_reconnects_total", dimensions: dimensions, factory: factory)
        streamDuration = Timer(label: "triage_watch_stream_duration", dimensions: dimensions, factory: factory)
        lastEventAge = Gauge(label: "triage_watch_last_event_age_seconds", dimensions: dimensions, factory: factory)
        degraded = Gauge(label: "triage_watch_degraded", dimensions: dimensions, factory: factory)
    }
}
