// The two SLOs: their SLIs, and the recording rules and alerts made from
// them by lib/slo.libsonnet.
local slo = import '../lib/slo.libsonnet';
local u = import '../lib/util.libsonnet';

{
  local c = $._config,
  local s(metric, matchers='') = u.sel(c, metric, matchers),
  sloDefinitions:: [
    {
      name: 'call_quality',
      slo: 'call-quality',
      alert: 'SignalWireCallQualityBudgetBurn',
      what: 'call quality',
      events: 'calls with media',
      badWhat: 'had a quality issue',
      objective: c.slo.callQuality.objective,
      // A call with media that had any quality issue (low MOS, high packet
      // loss or high jitter, as the exporter's --quality.* flags set them).
      bad: s('signalwire_call_quality_issues_total', 'issue="any"'),
      total: s('signalwire_calls_with_media_total'),
      runbook: 'Find which issue (low_mos, high_packet_loss, high_jitter) and direction burn the budget on the "Share of calls with media by quality issue" panel of the SignalWire dashboard, then follow the runbook of SignalWireLowMOS or SignalWireHighPacketLoss; the calls behind it: /calls?issue=NAME.',
    },
    {
      name: 'call_setup',
      slo: 'call-setup',
      alert: 'SignalWireCallSetupBudgetBurn',
      what: 'call setup',
      events: 'ended calls',
      badWhat: 'failed',
      objective: c.slo.callSetup.objective,
      // Busy and no-answer are callers' choices, not failures of the service.
      bad: s('signalwire_call_events_total', 'status="failed"'),
      total: s('signalwire_call_events_total', 'status=~"%s"' % u.terminalStatuses),
      runbook: 'Check the "SIP response codes" and "Call events per minute" panels of the SignalWire dashboard for the direction and SIP code of the failed calls (4xx: numbers/permissions/balance, 5xx: carrier or SIP endpoint), then the SignalWire Space\'s call logs and status page.',
    },
  ],
  prometheusRules+:: {
    groups+: [slo.rules(c, d) for d in $.sloDefinitions],
  },
  prometheusAlerts+:: {
    groups+: [slo.alerts(c, d, u.runbookUrl(c, d.alert)) for d in $.sloDefinitions],
  },
}
