// Error-budget (SLO) recording rules and multi-window, multi-burn-rate
// alerts (the SRE workbook's "alerting on SLOs", as Sloth and Pyrra make
// them). One SLO is { name, slo, alert, objective, bad, total, what }.
//
// A burn rate of 1 spends the budget (1 - objective) in exactly the SLO
// period (30d); 14.4 spends 2% of it in an hour. An alert row fires when the
// error ratio over both its long and its short window is above
// burn x budget: the long window makes it significant, the short one makes
// it resolve soon after the cause ends. The volume floor keeps a quiet
// night, where three bad calls of ten are a 30% error ratio, from paging.
local windows = ['5m', '30m', '1h', '2h', '6h', '1d', '3d'];

{
  ratioRecord(slo, window):: 'slo:signalwire_%s_errors:ratio_rate%s' % [slo.name, window],
  eventsRecord(slo, window):: 'slo:signalwire_%s_events:increase%s' % [slo.name, window],

  rules(config, slo):: {
    local by = std.join(', ', config.sloBy),
    local longs = std.set([b.long for b in config.slo.burns]),
    name: 'signalwire.slo.%s' % slo.slo,
    interval: config.interval,
    rules: [
      {
        record: $.ratioRecord(slo, w),
        // `or ... * 0`: a job without a single bad event has a ratio of 0,
        // not no ratio at all.
        expr: std.rstripChars(|||
          (
            sum by (%(by)s) (increase(%(bad)s[%(w)s]))
            or 0 * sum by (%(by)s) (increase(%(total)s[%(w)s]))
          )
          / sum by (%(by)s) (increase(%(total)s[%(w)s]))
        ||| % { by: by, bad: slo.bad, total: slo.total, w: w }, '\n'),
        labels: { slo: slo.slo },
      }
      for w in windows
    ] + [
      {
        record: $.eventsRecord(slo, w),
        expr: 'sum by (%s) (increase(%s[%s]))' % [by, slo.total, w],
        labels: { slo: slo.slo },
      }
      for w in windows
      if std.member(longs, w)
    ],
  },

  alerts(config, slo, runbookUrl):: {
    local budget = 1 - slo.objective,
    local sloRecords = std.join(', ', config.sloBy),
    name: 'signalwire.slo.%s' % slo.slo,
    interval: config.interval,
    rules: [
      {
        local threshold = '(%g * %g)' % [b.burn, budget],
        local minEvents = config.slo.minEventsPerHour * b.hours,
        alert: slo.alert,
        expr: std.rstripChars(|||
          %(long)s > %(t)s
          and %(short)s > %(t)s
          and %(events)s >= %(min)d
        ||| % {
          long: $.ratioRecord(slo, b.long),
          short: $.ratioRecord(slo, b.short),
          events: $.eventsRecord(slo, b.long),
          t: threshold,
          min: minEvents,
        }, '\n'),
        'for': b['for'],
        labels: { severity: b.severity, slo: slo.slo, window: b.long },
        annotations: {
          summary: 'SignalWire %s is burning its %s error budget: burn rate above %g over %s' % [slo.what, config.slo.period, b.burn, b.long],
          description: (
            '{{ $value | humanizePercentage }} of %s over the last %s (and over %s) %s: ' % [slo.events, b.long, b.short, slo.badWhat]
            + 'burn rate {{ with query (printf "%s{%s=%%q} / %g" $labels.%s) }}{{ . | first | value | printf "%%.1f" }}{{ end }}, '
              % [$.ratioRecord(slo, b.long), config.sloBy[0], budget, config.sloBy[0]]
            + 'threshold %g (objective %g%%, budget %g%% of events over %s, minimum %d events in %s). ' % [
              b.burn,
              slo.objective * 100,
              budget * 100,
              config.slo.period,
              minEvents,
              b.long,
            ]
            + 'At burn rate %g the whole budget lasts %s.' % [b.burn, $.lasts(b.burn)]
          ),
          runbook: slo.runbook,
          runbook_url: runbookUrl,
        },
      }
      for b in config.slo.burns
    ],
  },

  // How long a 30-day budget lasts at a burn rate, in words.
  lasts(burn)::
    local hours = 720 / burn;
    local round1(x) = std.floor(x * 10 + 0.5) / 10;
    if hours < 72 then '%g hours' % round1(hours) else '%g days' % round1(hours / 24),
}
