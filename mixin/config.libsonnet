// Everything a user may tune. Override in your own jsonnet:
//   (import 'signalwire-exporter/mixin.libsonnet') + { _config+:: { selector: 'job="voice"' } }
// Every figure below has a promtool test in prometheus/tests/: change the
// tests with it. Why these figures: docs/operations.md ("Alerts").
{
  _config+:: {
    // Extra label matchers for every exporter series the rules and the
    // dashboard read, e.g. 'job=~"signalwire.*"'. Empty: any scrape job
    // (rules and dashboard keep `job`, so alerts fire per job).
    selector: '',
    // Labels the SLO recording rules and alerts keep. `project` is empty
    // without --signalwire.projects-file, so the rules work either way.
    sloBy: ['job', 'project'],

    // Rule groups are evaluated every minute.
    interval: '1m',

    // Base of every alert's runbook_url; the anchor is the alert's name in
    // lower case (a `##` heading of docs/runbooks.md).
    runbookBase: 'https://github.com/signalwire-exporter/signalwire-exporter/blob/main/docs/runbooks.md',

    // Threshold alerts: share over the window, minimum events in it, `for`.
    lowMos: { mos: '3.5', ratio: '0.10', minCalls: 30, 'for': '5m', severity: 'critical' },
    highPacketLoss: { loss: '0.05', ratio: '0.10', minCalls: 30, 'for': '5m', severity: 'warning' },
    callFailureRate: { ratio: '0.10', minCalls: 50, 'for': '5m', severity: 'critical' },
    silentCalls: { ratio: '0.05', minCalls: 30, 'for': '10m', severity: 'warning' },
    webhookRejections: { ratio: '0.05', minRequests: 10, 'for': '5m', severity: 'warning' },
    callbacksMissing: { ratio: '0.05', minCalls: 100, 'for': '15m', severity: 'warning' },
    exporterDown: { 'for': '5m', severity: 'critical' },

    // Error-budget (SLO) alerts, over a 30-day window.
    slo: {
      period: '30d',
      callQuality: { objective: 0.98 },
      callSetup: { objective: 0.995 },
      // Total events each burn alert needs in its long window, per hour of it.
      minEventsPerHour: 30,
      // One alert rule per row (SRE workbook, multi-window multi-burn-rate).
      burns: [
        { severity: 'critical', burn: 14.4, long: '1h', short: '5m', hours: 1, 'for': '2m' },
        { severity: 'critical', burn: 6, long: '6h', short: '30m', hours: 6, 'for': '15m' },
        { severity: 'warning', burn: 3, long: '1d', short: '2h', hours: 24, 'for': '1h' },
        { severity: 'warning', burn: 1, long: '3d', short: '6h', hours: 72, 'for': '3h' },
      ],
    },

    dashboard: {
      title: 'SignalWire calls and exporter',
      uid: 'signalwire-exporter',
      refresh: '30s',
      tags: ['signalwire', 'voice', 'prometheus'],
    },
  },
}
