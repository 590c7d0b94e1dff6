// Recording rules that alerts and the dashboard share.
//
// Every ratio is computed over one window from counters that the exporter
// increments once per call (histogram _count / _bucket series are observed
// on the call's terminal event; call_events_total counts callbacks).
//
// Naming: level:metric:operations. `signalwire:` = aggregated over all calls
// of a job; `status_direction:` / `direction:` / `direction_issue:` /
// `outcome:` ... = aggregated keeping those labels besides `job` (the
// dashboard filters on status and direction); `_bucket` rules keep `le` too.
// Operations: `increase30m`, `rate5m`, `ratio30m` (a share), `p50_rate5m` (a
// quantile), `mean30m` (sum / count).
//
// The job: any scrape job name works. Every rule keeps the `job` label (sums
// are `by (job, project, ...)`, never over all jobs), so each alert fires per job and
// the dashboard's $job variable filters the recording rules too. Instances
// (replicas) of one job are summed.
local u = import '../lib/util.libsonnet';

{
  prometheusRules+:: {
    local c = $._config,
    local s(metric, matchers='') = u.sel(c, metric, matchers),
    local r(record, expr) = { record: record, expr: std.rstripChars(expr, '\n') },
    local terminal = 'status=~"%s"' % u.terminalStatuses,
    groups+: [
      {
        name: 'signalwire.call-quality',
        interval: c.interval,
        rules: [
          // --- MOS ---
          r('status_direction:signalwire_audio_in_mos_count:increase30m',
            'sum by (job, project, status, direction) (increase(%s[30m]))' % s('signalwire_audio_in_mos_count')),
          r('status_direction:signalwire_audio_in_mos_low:increase30m',
            'sum by (job, project, status, direction) (increase(%s[30m]))'
            % s('signalwire_audio_in_mos_bucket', 'le="%s"' % c.lowMos.mos)),
          r('signalwire:audio_in_mos_calls:increase30m',
            'sum by (job, project) (status_direction:signalwire_audio_in_mos_count:increase30m)'),
          r('signalwire:audio_in_mos_low_calls:increase30m',
            'sum by (job, project) (status_direction:signalwire_audio_in_mos_low:increase30m)'),
          // Share of calls (with media) whose MOS was at or below the line.
          r('signalwire:audio_in_mos_low_ratio:rate30m',
            'signalwire:audio_in_mos_low_calls:increase30m / signalwire:audio_in_mos_calls:increase30m'),

          // --- Packet loss (per-call ratio skip/(media+skip)) ---
          r('status_direction:signalwire_audio_in_packet_loss_ratio_count:increase30m',
            'sum by (job, project, status, direction) (increase(%s[30m]))'
            % s('signalwire_audio_in_packet_loss_ratio_count')),
          r('status_direction:signalwire_audio_in_packet_loss_high:increase30m', |||
            status_direction:signalwire_audio_in_packet_loss_ratio_count:increase30m
            - sum by (job, project, status, direction) (increase(%s[30m]))
          ||| % s('signalwire_audio_in_packet_loss_ratio_bucket', 'le="%s"' % c.highPacketLoss.loss)),
          r('signalwire:audio_in_packet_loss_calls:increase30m',
            'sum by (job, project) (status_direction:signalwire_audio_in_packet_loss_ratio_count:increase30m)'),
          r('signalwire:audio_in_packet_loss_high_calls:increase30m',
            'sum by (job, project) (status_direction:signalwire_audio_in_packet_loss_high:increase30m)'),
          // Share of calls (with media) that lost more than 5% of inbound packets.
          r('signalwire:audio_in_packet_loss_high_ratio:rate30m',
            'signalwire:audio_in_packet_loss_high_calls:increase30m / signalwire:audio_in_packet_loss_calls:increase30m'),

          // --- Quality issues (signalwire_call_quality_issues_total) ---
          // Counted once per terminal call with media, per issue it has
          // (low_mos, high_packet_loss, high_jitter) and once as `any`; the
          // exporter's --quality.* flags set the lines. The denominator is
          // signalwire_calls_with_media_total: each share is "of the calls
          // that had media". The calls behind a share: /calls?issue=NAME.
          r('direction_issue:signalwire_call_quality_issues:increase30m',
            'sum by (job, project, direction, issue) (increase(%s[30m]))' % s('signalwire_call_quality_issues_total')),
          r('direction:signalwire_calls_with_media:increase30m',
            'sum by (job, project, direction) (increase(%s[30m]))' % s('signalwire_calls_with_media_total')),
          // Share of calls with media that had each issue, by direction.
          r('direction_issue:signalwire_call_quality_issues:ratio30m', |||
            direction_issue:signalwire_call_quality_issues:increase30m
            / ignoring (issue) group_left direction:signalwire_calls_with_media:increase30m
          |||),
          // The same over all directions of a job.
          r('issue:signalwire_call_quality_issues:ratio30m', |||
            sum by (job, project, issue) (direction_issue:signalwire_call_quality_issues:increase30m)
            / ignoring (issue) group_left sum by (job, project) (direction:signalwire_calls_with_media:increase30m)
          |||),
        ],
      },
      {
        name: 'signalwire.calls',
        interval: c.interval,
        rules: [
          r('direction:signalwire_call_terminal_events:increase30m',
            'sum by (job, project, direction) (increase(%s[30m]))' % s('signalwire_call_events_total', terminal)),
          r('direction:signalwire_call_failed_events:increase30m',
            'sum by (job, project, direction) (increase(%s[30m]))'
            % s('signalwire_call_events_total', 'status=~"failed|busy|no-answer"')),
          r('signalwire:call_terminal_events:increase30m',
            'sum by (job, project) (direction:signalwire_call_terminal_events:increase30m)'),
          r('signalwire:call_failed_events:increase30m',
            'sum by (job, project) (direction:signalwire_call_failed_events:increase30m)'),
          // Share of ended calls that were failed, busy or no-answer.
          r('signalwire:call_failure_ratio:rate30m',
            'signalwire:call_failed_events:increase30m / signalwire:call_terminal_events:increase30m'),

          // --- Answer-seizure ratio and average duration of answered calls ---
          // ASR = answered calls / ended calls, both from terminal events: a
          // call that ends `completed` was answered. So it needs only the
          // terminal callback, which SignalWire's default
          // StatusCallbackEvent (`completed`) sends for every call.
          r('direction:signalwire_call_completed_events:increase30m',
            'sum by (job, project, direction) (increase(%s[30m]))'
            % s('signalwire_call_events_total', 'status="completed"')),
          // --- Silent calls (one-way audio) ---
          // signalwire_calls_silent_total counts completed calls with next
          // to no inbound audio (the exporter's --quality.silence-* flags);
          // its denominator is the completed calls, with media or not.
          // The calls behind a share: /calls?issue=silence.
          r('direction:signalwire_calls_silent:increase30m',
            'sum by (job, project, direction) (increase(%s[30m]))' % s('signalwire_calls_silent_total')),
          // Share of completed calls that were silent, by direction.
          r('direction:signalwire_calls_silent:ratio30m',
            'direction:signalwire_calls_silent:increase30m / direction:signalwire_call_completed_events:increase30m'),
          r('signalwire:calls_silent:increase30m',
            'sum by (job, project) (direction:signalwire_calls_silent:increase30m)'),
          r('signalwire:call_completed_events:increase30m',
            'sum by (job, project) (direction:signalwire_call_completed_events:increase30m)'),
          r('signalwire:calls_silent_ratio:rate30m',
            'signalwire:calls_silent:increase30m / signalwire:call_completed_events:increase30m'),

          r('direction:signalwire_call_answer_seizure_ratio:rate30m',
            'direction:signalwire_call_completed_events:increase30m / direction:signalwire_call_terminal_events:increase30m'),
          r('signalwire:call_answer_seizure_ratio:rate30m', |||
            sum by (job, project) (direction:signalwire_call_completed_events:increase30m)
            / signalwire:call_terminal_events:increase30m
          |||),
          // ACD of answered calls: CallDuration of the `completed` terminal
          // events. Sum and count are kept so that several jobs or
          // directions can be averaged together.
          r('direction:signalwire_call_answered_duration_seconds_sum:increase30m',
            'sum by (job, project, direction) (increase(%s[30m]))'
            % s('signalwire_call_duration_seconds_sum', 'status="completed"')),
          r('direction:signalwire_call_answered_duration_seconds_count:increase30m',
            'sum by (job, project, direction) (increase(%s[30m]))'
            % s('signalwire_call_duration_seconds_count', 'status="completed"')),
          r('direction:signalwire_call_answered_duration_seconds:mean30m', |||
            direction:signalwire_call_answered_duration_seconds_sum:increase30m
            / direction:signalwire_call_answered_duration_seconds_count:increase30m
          |||),
          r('signalwire:call_answered_duration_seconds:mean30m', |||
            sum by (job, project) (direction:signalwire_call_answered_duration_seconds_sum:increase30m)
            / sum by (job, project) (direction:signalwire_call_answered_duration_seconds_count:increase30m)
          |||),
        ],
      },
      {
        name: 'signalwire.webhooks',
        interval: c.interval,
        rules: [
          r('outcome:signalwire_exporter_webhooks:increase15m',
            'sum by (job, outcome) (increase(%s[15m]))' % s('signalwire_exporter_webhooks_total')),
          r('signalwire:exporter_webhooks:increase15m',
            'sum by (job) (outcome:signalwire_exporter_webhooks:increase15m)'),
          // Share of all webhook requests that ended with each outcome.
          r('outcome:signalwire_exporter_webhooks:ratio15m',
            'outcome:signalwire_exporter_webhooks:increase15m / ignoring (outcome) group_left signalwire:exporter_webhooks:increase15m'),
        ],
      },
      // Per-call state: needs SignalWire to send the progress events
      // (StatusCallbackEvent=initiated ringing answered completed). With the
      // default `completed` only, these series stay empty and so do these rules.
      {
        name: 'signalwire.call-setup',
        interval: c.interval,
        // Delay histograms: bucket rates kept by direction, so the dashboard
        // can sum several jobs before taking a quantile. 5m, not 30m: a
        // delay is a latency to watch live, and no alert uses it.
        // Timestamps have whole-second resolution: read 2.5 as "between 2
        // and 3 seconds".
        local delay(name) = [
          r('direction:%s_bucket:rate5m' % name,
            'sum by (job, project, direction, le) (rate(%s[5m]))' % s(name + '_bucket')),
          r('direction:%s:p50_rate5m' % name,
            'histogram_quantile(0.5, direction:%s_bucket:rate5m)' % name),
          r('direction:%s:p90_rate5m' % name,
            'histogram_quantile(0.9, direction:%s_bucket:rate5m)' % name),
        ],
        rules: [
                 // Calls in progress (summed over the job's replicas).
                 r('direction:signalwire_calls_active:sum',
                   'sum by (job, project, direction) (%s)' % s('signalwire_calls_active')),
               ] + delay('signalwire_call_post_dial_delay_seconds')
               + delay('signalwire_call_answer_delay_seconds'),
      },
      {
        name: 'signalwire.callbacks',
        interval: c.interval,
        rules: [
          // Calls the exporter forgot without a terminal event, per hour, by
          // reason: max_age (no terminal callback within --calls.max-age of
          // the call's first event) or capacity (evicted from a full table).
          r('direction_reason:signalwire_calls_unfinished:increase1h',
            'sum by (job, project, direction, reason) (increase(%s[1h]))' % s('signalwire_calls_unfinished_total')),
          r('direction:signalwire_call_terminal_events:increase1h',
            'sum by (job, project, direction) (increase(%s[1h]))' % s('signalwire_call_events_total', terminal)),
          r('signalwire:calls_unfinished_max_age:increase1h',
            'sum by (job, project) (direction_reason:signalwire_calls_unfinished:increase1h{reason="max_age"})'),
          // Calls that left the table either way: ended or given up on after
          // --calls.max-age. Capacity evictions are left out: their terminal
          // event may still come, and would count twice.
          r('signalwire:calls_ended_or_unfinished:increase1h', |||
            sum by (job, project) (direction:signalwire_call_terminal_events:increase1h)
            + signalwire:calls_unfinished_max_age:increase1h
          |||),
          // Share of those calls whose terminal callback never came.
          r('signalwire:calls_unfinished_max_age_ratio:rate1h',
            'signalwire:calls_unfinished_max_age:increase1h / signalwire:calls_ended_or_unfinished:increase1h'),
        ],
      },
    ],
  },
}
