// Threshold alerts: a share over a window above a line, with a minimum
// volume in the window so that a handful of bad calls at night never pages.
//
// Why these figures (defaults in config.libsonnet):
// - MOS 3.5 is Twilio's "low_mos" tag and the edge of the G.107 "many users
//   dissatisfied" band; it is an exact histogram bucket boundary (le="3.5").
// - Healthy traffic has about 1% of calls at or below 3.5 and a few % of
//   failed/busy/no-answer calls; 10% leaves a wide margin above that.
// - Packet loss above 5% in a call is Twilio's "high_packet_loss" tag.
// - With a 30m window, a fifth of calls turning bad crosses 10% after ~15m,
//   plus `for` and up to 1m evaluation: the alert fires after ~21m.
// - Silent calls: a healthy project has next to no completed call without
//   inbound audio; 5% of completed calls is a pattern (a NAT, firewall or
//   codec change), not one caller on mute. `for: 10m` because a silent call
//   is counted only when it ends, and a warning because the calls connect.
// - Failure rate needs more volume than quality because its healthy
//   baseline (a few %) is closer to the threshold.
// - Webhook rejections: a wrong signing key rejects ~100% of callbacks; a
//   scanner or a stray malformed request should not page: share and count.
// - Callbacks missing: an unfinished call is counted --calls.max-age after it
//   started; the share is of the calls that left the table (ended +
//   unfinished), so losing every terminal callback still fires. 1h window and
//   100 calls keep a quiet night (and one call longer than max-age) quiet;
//   `for: 15m` because the alert lags the loss by max-age anyway.
// - SignalWireExporterDown finds exporters by signalwire_exporter_build_info,
//   so that metric must not be dropped.
local u = import '../lib/util.libsonnet';

{
  prometheusAlerts+:: {
    local c = $._config,
    local s(metric, matchers='') = u.sel(c, metric, matchers),
    local pct(ratio) = '%g%%' % (std.parseJson(ratio) * 100),
    // Text of the `description` line: the job's volume in the window.
    local volume(rule, extra='') =
      '{{ with query (printf "%s{job=%%q%s}" $labels.job%s) }}{{ . | first | value | printf "%%.0f" }}{{ end }}'
      % [rule, if extra == '' then '' else ',outcome=%q', if extra == '' then '' else ' $labels.outcome'],
    local alert(name, expr, cfg, summary, description, runbook) = {
      alert: name,
      expr: std.rstripChars(expr, '\n'),
      'for': cfg['for'],
      labels: { severity: cfg.severity },
      annotations: {
        summary: summary,
        description: description,
        runbook: runbook,
        runbook_url: u.runbookUrl(c, name),
      },
    },
    groups+: [
      {
        name: 'signalwire.call-quality',
        interval: c.interval,
        rules: [
          local m = c.lowMos;
          alert('SignalWireLowMOS',
                |||
                  signalwire:audio_in_mos_low_ratio:rate30m > %s
                  and signalwire:audio_in_mos_calls:increase30m >= %d
                ||| % [m.ratio, m.minCalls],
                m,
                '{{ $value | humanizePercentage }} of SignalWire calls had a MOS at or below %s' % m.mos,
                '{{ $value | humanizePercentage }} of the %s calls with media in the last 30m had an inbound-audio MOS at or below %s (threshold %s, minimum %d calls).'
                % [volume('signalwire:audio_in_mos_calls:increase30m'), m.mos, pct(m.ratio), m.minCalls],
                'Check the "Inbound audio quality" rows of the SignalWire dashboard for the affected direction, then the network path to SignalWire (loss, jitter, bandwidth) and SignalWire\'s status page; compare with SignalWireHighPacketLoss. The calls behind the page: open the exporter\'s /calls?issue=low_mos (served where /metrics is, behind the same authentication).'),
          local m = c.highPacketLoss;
          alert('SignalWireHighPacketLoss',
                |||
                  signalwire:audio_in_packet_loss_high_ratio:rate30m > %s
                  and signalwire:audio_in_packet_loss_calls:increase30m >= %d
                ||| % [m.ratio, m.minCalls],
                m,
                '{{ $value | humanizePercentage }} of SignalWire calls lost more than %s of inbound audio packets' % pct(m.loss),
                '{{ $value | humanizePercentage }} of the %s calls with media in the last 30m lost more than %s of their inbound audio packets (threshold %s, minimum %d calls).'
                % [volume('signalwire:audio_in_packet_loss_calls:increase30m'), pct(m.loss), pct(m.ratio), m.minCalls],
                'Check the "Packet loss" and "Jitter" panels of the SignalWire dashboard by direction, then the network between the media endpoints and SignalWire (firewall, NAT, bandwidth, Wi-Fi/LTE clients) and SignalWire\'s status page. The calls behind the page: open the exporter\'s /calls?issue=high_packet_loss (served where /metrics is, behind the same authentication).'),
        ],
      },
      {
        name: 'signalwire.calls',
        interval: c.interval,
        rules: [
          local m = c.callFailureRate;
          alert('SignalWireCallFailureRateHigh',
                |||
                  signalwire:call_failure_ratio:rate30m > %s
                  and signalwire:call_terminal_events:increase30m >= %d
                ||| % [m.ratio, m.minCalls],
                m,
                '{{ $value | humanizePercentage }} of SignalWire calls ended failed, busy or no-answer',
                '{{ $value | humanizePercentage }} of the %s calls that ended in the last 30m were failed, busy or no-answer (threshold %s, minimum %d calls).'
                % [volume('signalwire:call_terminal_events:increase30m'), pct(m.ratio), m.minCalls],
                'Check the "Call events per minute" and "SIP response codes" panels of the SignalWire dashboard for the dominant status, direction and SIP code (4xx: numbers/permissions/balance, 5xx: carrier or SIP endpoint), then the SignalWire Space\'s call logs and status page.'),
          local m = c.silentCalls;
          alert('SignalWireSilentCalls',
                |||
                  signalwire:calls_silent_ratio:rate30m > %s
                  and signalwire:call_completed_events:increase30m >= %d
                ||| % [m.ratio, m.minCalls],
                m,
                '{{ $value | humanizePercentage }} of completed SignalWire calls had no inbound audio',
                '{{ $value | humanizePercentage }} of the %s calls completed in the last 30m were silent: connected, long enough, and with almost no inbound audio packets (threshold %s, minimum %d calls). One-way audio: callers hear nothing, or are not heard.'
                % [volume('signalwire:call_completed_events:increase30m'), pct(m.ratio), m.minCalls],
                "Open the exporter's /calls?issue=silence (served where /metrics is, behind the same authentication) and look for what the silent calls share: one direction, one carrier or SIP endpoint, one site. Then check NAT and firewalls on the RTP path (UDP media ports open both ways, SIP ALG off, the right public address in SDP), and SRTP or codec mismatches between the endpoints and SignalWire."),
        ],
      },
      {
        name: 'signalwire.webhooks',
        interval: c.interval,
        rules: [
          local m = c.webhookRejections;
          local rejected = '{outcome=~"invalid_signature|bad_request"}';
          alert('SignalWireWebhookRejections',
                |||
                  outcome:signalwire_exporter_webhooks:ratio15m%s > %s
                  and outcome:signalwire_exporter_webhooks:increase15m%s >= %d
                ||| % [rejected, m.ratio, rejected, m.minRequests],
                m,
                '{{ $value | humanizePercentage }} of SignalWire webhooks rejected as {{ $labels.outcome }}',
                '%s webhook requests ({{ $value | humanizePercentage }} of all) were rejected with outcome {{ $labels.outcome }} in the last 15m (threshold %s, minimum %d requests); their call metrics are missing.'
                % [volume('outcome:signalwire_exporter_webhooks:increase15m', 'outcome'), pct(m.ratio), m.minRequests],
                "invalid_signature: check that the exporter's signing key matches the Space's Signing Key (recently rotated?) and that the StatusCallback URL configured in SignalWire is exactly the URL the exporter validates (scheme, host, port, path behind the proxy); bad_request: check the exporter logs for the rejected field and the callback content type."),
        ],
      },
      {
        name: 'signalwire.callbacks',
        interval: c.interval,
        rules: [
          local m = c.callbacksMissing;
          alert('SignalWireCallbacksMissing',
                |||
                  signalwire:calls_unfinished_max_age_ratio:rate1h > %s
                  and signalwire:calls_ended_or_unfinished:increase1h >= %d
                ||| % [m.ratio, m.minCalls],
                m,
                '{{ $value | humanizePercentage }} of SignalWire calls never sent a terminal status callback',
                "{{ $value | humanizePercentage }} of the %s calls that left the exporter's call table in the last 1h were given up on after --calls.max-age without a terminal callback (threshold %s, minimum %d calls): their outcome, duration and quality are missing. They started about --calls.max-age ago. Check that SignalWire can reach the exporter's StatusCallback URL (firewall, proxy, TLS), the rejections in signalwire_exporter_webhooks_total (payload_too_large, bad_request, invalid_signature) around the time those calls started, that every event of a call reaches the same replica, and --calls.max-age against the project's longest calls."
                % [volume('signalwire:calls_ended_or_unfinished:increase1h'), pct(m.ratio), m.minCalls],
                'Check the "Unfinished calls per hour" panel of the SignalWire dashboard for the direction, then "Webhooks by outcome" and "Rejected webhooks" --calls.max-age (5h by default) earlier; SignalWire\'s delivery errors for the StatusCallback URL in the Space\'s call logs; that the load balancer sends every event of a call to one replica; and whether the project has calls longer than --calls.max-age.'),
        ],
      },
      {
        name: 'signalwire.exporter',
        interval: c.interval,
        rules: [
          // A target that served signalwire_exporter_build_info within the
          // last day and now fails its scrape (one alert per job and
          // instance), or, when no target serves it at all, one alert
          // without labels. `or on ()` adds the second only when the first
          // finds nothing, so one exporter that stops is one alert, not two.
          local m = c.exporterDown;
          alert('SignalWireExporterDown',
                |||
                  (%s == 0 and on (job, instance) present_over_time(%s[1d]))
                  or on () absent(%s)
                ||| % [s('up'), s('signalwire_exporter_build_info'), s('signalwire_exporter_build_info')],
                m,
                '{{ with $labels.instance }}signalwire-exporter {{ . }} (job {{ $labels.job }}) is down{{ else }}no signalwire-exporter is being scraped{{ end }}',
                '{{ with $labels.instance }}Prometheus has not scraped signalwire-exporter on {{ . }} (job {{ $labels.job }}) for %s{{ else }}No target has served signalwire_exporter_build_info for %s (no exporter in the scrape configuration, every exporter down for over a day, or the metric dropped by relabelling){{ end }}: SignalWire status callbacks are not being turned into metrics and call-quality alerts cannot fire.'
                % [m['for'], m['for']],
                "Check the exporter process/container (docker compose ps exporter; its logs), that it listens on :9711 and that its signing key file is readable, then Prometheus' Targets page for the scrape error."),
        ],
      },
    ],
  },
}
