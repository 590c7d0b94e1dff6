// The dashboard's panels, rows first, each row's panels inside it. Every
// panel and target reads the `datasource` variable (`ds`) and filters by
// $job (and $status / $direction where the series have them):
// .ci/check_dashboards.py lints the generated JSON for it.
local ds = { type: 'prometheus', uid: '${datasource}' };

[
  {
    type: 'row',
    title: 'Overview',
    id: 1,
    collapsed: false,
    gridPos: {
      x: 0,
      y: 0,
      w: 24,
      h: 1,
    },
    panels: [],
  },
  {
    type: 'stat',
    title: 'Calls ended',
    description: 'Calls that reached a terminal status (completed, busy, failed, no-answer, canceled) in the selected time range.',
    id: 2,
    datasource: ds,
    gridPos: {
      x: 0,
      y: 1,
      w: 6,
      h: 4,
    },
    targets: [
      {
        datasource: ds,
        expr: 'sum(increase(signalwire_call_events_total{job=~"$job", project=~"$project", status=~"completed|busy|failed|no-answer|canceled", status=~"$status", direction=~"$direction"}[$__range]))',
        legendFormat: 'calls',
        refId: 'A',
        range: true,
        editorMode: 'code',
      },
    ],
    fieldConfig: {
      defaults: {
        unit: 'short',
        thresholds: {
          mode: 'absolute',
          steps: [
            {
              color: 'green',
              value: null,
            },
          ],
        },
        decimals: 0,
      },
      overrides: [],
    },
    options: {
      reduceOptions: {
        calcs: [
          'lastNotNull',
        ],
        fields: '',
        values: false,
      },
      colorMode: 'value',
      graphMode: 'area',
      textMode: 'auto',
      justifyMode: 'auto',
      orientation: 'auto',
    },
  },
  {
    type: 'stat',
    title: 'Calls with MOS <= 3.5 (30m)',
    description: 'Share of calls with media whose inbound MOS was at or below 3.5 over the last 30 minutes (recording rules). SignalWireLowMOS fires above 10% with at least 30 calls.',
    id: 3,
    datasource: ds,
    gridPos: {
      x: 6,
      y: 1,
      w: 6,
      h: 4,
    },
    targets: [
      {
        datasource: ds,
        expr: 'sum(status_direction:signalwire_audio_in_mos_low:increase30m{job=~"$job", project=~"$project", status=~"$status", direction=~"$direction"}) / sum(status_direction:signalwire_audio_in_mos_count:increase30m{job=~"$job", project=~"$project", status=~"$status", direction=~"$direction"})',
        legendFormat: 'MOS <= 3.5',
        refId: 'A',
        range: true,
        editorMode: 'code',
      },
    ],
    fieldConfig: {
      defaults: {
        unit: 'percentunit',
        thresholds: {
          mode: 'absolute',
          steps: [
            {
              color: 'green',
              value: null,
            },
            {
              color: 'orange',
              value: 0.05,
            },
            {
              color: 'red',
              value: 0.1,
            },
          ],
        },
        decimals: 1,
      },
      overrides: [],
    },
    options: {
      reduceOptions: {
        calcs: [
          'lastNotNull',
        ],
        fields: '',
        values: false,
      },
      colorMode: 'value',
      graphMode: 'area',
      textMode: 'auto',
      justifyMode: 'auto',
      orientation: 'auto',
    },
  },
  {
    type: 'stat',
    title: 'Failed / busy / no-answer (30m)',
    description: 'Share of ended calls that were failed, busy or no-answer over the last 30 minutes (recording rules, filtered by direction). SignalWireCallFailureRateHigh fires above 10% with at least 50 calls.',
    id: 4,
    datasource: ds,
    gridPos: {
      x: 12,
      y: 1,
      w: 6,
      h: 4,
    },
    targets: [
      {
        datasource: ds,
        expr: 'sum(direction:signalwire_call_failed_events:increase30m{job=~"$job", project=~"$project", direction=~"$direction"}) / sum(direction:signalwire_call_terminal_events:increase30m{job=~"$job", project=~"$project", direction=~"$direction"})',
        legendFormat: 'failure ratio',
        refId: 'A',
        range: true,
        editorMode: 'code',
      },
    ],
    fieldConfig: {
      defaults: {
        unit: 'percentunit',
        thresholds: {
          mode: 'absolute',
          steps: [
            {
              color: 'green',
              value: null,
            },
            {
              color: 'orange',
              value: 0.05,
            },
            {
              color: 'red',
              value: 0.1,
            },
          ],
        },
        decimals: 1,
      },
      overrides: [],
    },
    options: {
      reduceOptions: {
        calcs: [
          'lastNotNull',
        ],
        fields: '',
        values: false,
      },
      colorMode: 'value',
      graphMode: 'area',
      textMode: 'auto',
      justifyMode: 'auto',
      orientation: 'auto',
    },
  },
  {
    type: 'stat',
    title: 'Exporter up',
    description: 'up{job="signalwire-exporter"}: 1 when Prometheus scrapes the exporter. SignalWireExporterDown fires after 5 minutes at 0 or without a target.',
    id: 5,
    datasource: ds,
    gridPos: {
      x: 18,
      y: 1,
      w: 6,
      h: 4,
    },
    targets: [
      {
        datasource: ds,
        expr: 'min(up{job=~"$job"})',
        legendFormat: 'up',
        refId: 'A',
        range: true,
        editorMode: 'code',
      },
    ],
    fieldConfig: {
      defaults: {
        unit: 'none',
        thresholds: {
          mode: 'absolute',
          steps: [
            {
              color: 'red',
              value: null,
            },
            {
              color: 'green',
              value: 1,
            },
          ],
        },
        decimals: 0,
      },
      overrides: [],
    },
    options: {
      reduceOptions: {
        calcs: [
          'lastNotNull',
        ],
        fields: '',
        values: false,
      },
      colorMode: 'value',
      graphMode: 'area',
      textMode: 'auto',
      justifyMode: 'auto',
      orientation: 'auto',
    },
  },
  {
    type: 'row',
    title: 'Calls',
    id: 6,
    collapsed: false,
    gridPos: {
      x: 0,
      y: 5,
      w: 24,
      h: 1,
    },
    panels: [],
  },
  {
    type: 'timeseries',
    title: 'Call events per minute by status and direction',
    description: 'Accepted, non-duplicate status callbacks per minute (rate of signalwire_call_events_total).',
    id: 7,
    datasource: ds,
    gridPos: {
      x: 0,
      y: 6,
      w: 12,
      h: 8,
    },
    targets: [
      {
        datasource: ds,
        expr: 'sum by (status, direction) (rate(signalwire_call_events_total{job=~"$job", project=~"$project", status=~"$status", direction=~"$direction"}[$__rate_interval])) * 60',
        legendFormat: '{{status}} / {{direction}}',
        refId: 'A',
        range: true,
        editorMode: 'code',
      },
    ],
    fieldConfig: {
      defaults: {
        unit: 'short',
        custom: {
          drawStyle: 'line',
          lineWidth: 1,
          fillOpacity: 10,
          showPoints: 'never',
          spanNulls: false,
        },
      },
      overrides: [],
    },
    options: {
      legend: {
        displayMode: 'table',
        placement: 'bottom',
        calcs: [
          'mean',
          'max',
          'lastNotNull',
        ],
        showLegend: true,
      },
      tooltip: {
        mode: 'multi',
        sort: 'desc',
      },
    },
  },
  {
    type: 'timeseries',
    title: 'Failed / busy / no-answer share (30m)',
    description: 'Share of ended calls that were failed, busy or no-answer, over a sliding 30 minute window (recording rules). The red line is the SignalWireCallFailureRateHigh threshold.',
    id: 8,
    datasource: ds,
    gridPos: {
      x: 12,
      y: 6,
      w: 12,
      h: 8,
    },
    targets: [
      {
        datasource: ds,
        expr: 'sum by (direction) (direction:signalwire_call_failed_events:increase30m{job=~"$job", project=~"$project", direction=~"$direction"}) / sum by (direction) (direction:signalwire_call_terminal_events:increase30m{job=~"$job", project=~"$project", direction=~"$direction"})',
        legendFormat: '{{direction}}',
        refId: 'A',
        range: true,
        editorMode: 'code',
      },
      {
        datasource: ds,
        expr: 'sum(direction:signalwire_call_failed_events:increase30m{job=~"$job", project=~"$project", direction=~"$direction"}) / sum(direction:signalwire_call_terminal_events:increase30m{job=~"$job", project=~"$project", direction=~"$direction"})',
        legendFormat: 'all selected',
        refId: 'B',
        range: true,
        editorMode: 'code',
      },
    ],
    fieldConfig: {
      defaults: {
        unit: 'percentunit',
        min: 0,
        thresholds: {
          mode: 'absolute',
          steps: [
            {
              color: 'transparent',
              value: null,
            },
            {
              color: 'red',
              value: 0.1,
            },
          ],
        },
        custom: {
          drawStyle: 'line',
          lineWidth: 1,
          fillOpacity: 10,
          showPoints: 'never',
          spanNulls: false,
          thresholdsStyle: {
            mode: 'line+area',
          },
        },
      },
      overrides: [],
    },
    options: {
      legend: {
        displayMode: 'table',
        placement: 'bottom',
        calcs: [
          'mean',
          'max',
          'lastNotNull',
        ],
        showLegend: true,
      },
      tooltip: {
        mode: 'multi',
        sort: 'desc',
      },
    },
  },
  {
    type: 'timeseries',
    title: 'SIP response codes per minute',
    description: 'SIP response codes of ended calls (signalwire_sip_responses_total), per minute.',
    id: 9,
    datasource: ds,
    gridPos: {
      x: 0,
      y: 14,
      w: 12,
      h: 8,
    },
    targets: [
      {
        datasource: ds,
        expr: 'sum by (code) (rate(signalwire_sip_responses_total{job=~"$job", project=~"$project", status=~"$status", direction=~"$direction"}[$__rate_interval])) * 60',
        legendFormat: '{{code}}',
        refId: 'A',
        range: true,
        editorMode: 'code',
      },
    ],
    fieldConfig: {
      defaults: {
        unit: 'short',
        custom: {
          drawStyle: 'line',
          lineWidth: 1,
          fillOpacity: 10,
          showPoints: 'never',
          spanNulls: false,
        },
      },
      overrides: [],
    },
    options: {
      legend: {
        displayMode: 'table',
        placement: 'bottom',
        calcs: [
          'mean',
          'max',
          'lastNotNull',
        ],
        showLegend: true,
      },
      tooltip: {
        mode: 'multi',
        sort: 'desc',
      },
    },
  },
  {
    type: 'timeseries',
    title: 'Call and recording duration',
    description: 'Quantiles of call duration and recording duration, observed once per call on its terminal event.',
    id: 10,
    datasource: ds,
    gridPos: {
      x: 12,
      y: 14,
      w: 12,
      h: 8,
    },
    targets: [
      {
        datasource: ds,
        expr: 'histogram_quantile(0.5, sum by (le) (rate(signalwire_call_duration_seconds_bucket{job=~"$job", project=~"$project", status=~"$status", direction=~"$direction"}[$__rate_interval])))',
        legendFormat: 'call p50',
        refId: 'A',
        range: true,
        editorMode: 'code',
      },
      {
        datasource: ds,
        expr: 'histogram_quantile(0.9, sum by (le) (rate(signalwire_call_duration_seconds_bucket{job=~"$job", project=~"$project", status=~"$status", direction=~"$direction"}[$__rate_interval])))',
        legendFormat: 'call p90',
        refId: 'B',
        range: true,
        editorMode: 'code',
      },
      {
        datasource: ds,
        expr: 'sum(rate(signalwire_call_duration_seconds_sum{job=~"$job", project=~"$project", status=~"$status", direction=~"$direction"}[$__rate_interval])) / sum(rate(signalwire_call_duration_seconds_count{job=~"$job", project=~"$project", status=~"$status", direction=~"$direction"}[$__rate_interval]))',
        legendFormat: 'call mean',
        refId: 'C',
        range: true,
        editorMode: 'code',
      },
      {
        datasource: ds,
        expr: 'histogram_quantile(0.5, sum by (le) (rate(signalwire_recording_duration_seconds_bucket{job=~"$job", project=~"$project", status=~"$status", direction=~"$direction"}[$__rate_interval])))',
        legendFormat: 'recording p50',
        refId: 'D',
        range: true,
        editorMode: 'code',
      },
    ],
    fieldConfig: {
      defaults: {
        unit: 's',
        min: 0,
        custom: {
          drawStyle: 'line',
          lineWidth: 1,
          fillOpacity: 10,
          showPoints: 'never',
          spanNulls: false,
        },
      },
      overrides: [],
    },
    options: {
      legend: {
        displayMode: 'table',
        placement: 'bottom',
        calcs: [
          'mean',
          'max',
          'lastNotNull',
        ],
        showLegend: true,
      },
      tooltip: {
        mode: 'multi',
        sort: 'desc',
      },
    },
  },
  {
    type: 'row',
    title: 'Call setup and outcomes',
    id: 30,
    collapsed: false,
    gridPos: {
      x: 0,
      y: 22,
      w: 24,
      h: 1,
    },
    panels: [],
  },
  {
    type: 'timeseries',
    title: 'Post-dial delay p50 and p90 (5m)',
    description: 'Timestamp(ringing) - Timestamp(initiated): how long callers wait before it rings (signalwire_call_post_dial_delay_seconds, recording rule of its bucket rates over 5m). Timestamps have whole-second resolution, so values between whole seconds are interpolated inside a bucket. Needs the progress callbacks (StatusCallbackEvent=initiated ringing answered completed); empty with `completed` only.',
    id: 31,
    datasource: ds,
    gridPos: {
      x: 0,
      y: 23,
      w: 12,
      h: 8,
    },
    targets: [
      {
        datasource: ds,
        expr: 'histogram_quantile(0.5, sum by (direction, le) (direction:signalwire_call_post_dial_delay_seconds_bucket:rate5m{job=~"$job", project=~"$project", direction=~"$direction"}))',
        legendFormat: '{{direction}} p50',
        refId: 'A',
        range: true,
        editorMode: 'code',
      },
      {
        datasource: ds,
        expr: 'histogram_quantile(0.9, sum by (direction, le) (direction:signalwire_call_post_dial_delay_seconds_bucket:rate5m{job=~"$job", project=~"$project", direction=~"$direction"}))',
        legendFormat: '{{direction}} p90',
        refId: 'B',
        range: true,
        editorMode: 'code',
      },
    ],
    fieldConfig: {
      defaults: {
        unit: 's',
        min: 0,
        custom: {
          drawStyle: 'line',
          lineWidth: 1,
          fillOpacity: 10,
          showPoints: 'never',
          spanNulls: false,
        },
      },
      overrides: [],
    },
    options: {
      legend: {
        displayMode: 'table',
        placement: 'bottom',
        calcs: [
          'mean',
          'max',
          'lastNotNull',
        ],
        showLegend: true,
      },
      tooltip: {
        mode: 'multi',
        sort: 'desc',
      },
    },
  },
  {
    type: 'timeseries',
    title: 'Answer delay p50 and p90 (5m)',
    description: 'Timestamp(first in-progress) - Timestamp(ringing): how long it rings before someone answers (signalwire_call_answer_delay_seconds, recording rule of its bucket rates over 5m). Only answered calls are observed. Needs the progress callbacks (StatusCallbackEvent=initiated ringing answered completed); empty with `completed` only.',
    id: 32,
    datasource: ds,
    gridPos: {
      x: 12,
      y: 23,
      w: 12,
      h: 8,
    },
    targets: [
      {
        datasource: ds,
        expr: 'histogram_quantile(0.5, sum by (direction, le) (direction:signalwire_call_answer_delay_seconds_bucket:rate5m{job=~"$job", project=~"$project", direction=~"$direction"}))',
        legendFormat: '{{direction}} p50',
        refId: 'A',
        range: true,
        editorMode: 'code',
      },
      {
        datasource: ds,
        expr: 'histogram_quantile(0.9, sum by (direction, le) (direction:signalwire_call_answer_delay_seconds_bucket:rate5m{job=~"$job", project=~"$project", direction=~"$direction"}))',
        legendFormat: '{{direction}} p90',
        refId: 'B',
        range: true,
        editorMode: 'code',
      },
    ],
    fieldConfig: {
      defaults: {
        unit: 's',
        min: 0,
        custom: {
          drawStyle: 'line',
          lineWidth: 1,
          fillOpacity: 10,
          showPoints: 'never',
          spanNulls: false,
        },
      },
      overrides: [],
    },
    options: {
      legend: {
        displayMode: 'table',
        placement: 'bottom',
        calcs: [
          'mean',
          'max',
          'lastNotNull',
        ],
        showLegend: true,
      },
      tooltip: {
        mode: 'multi',
        sort: 'desc',
      },
    },
  },
  {
    type: 'timeseries',
    title: 'Calls in progress',
    description: "Calls with a non-terminal event (queued, initiated, ringing, in-progress) and no terminal one yet, summed over the job's replicas (signalwire_calls_active). Needs the progress callbacks (StatusCallbackEvent=initiated ringing answered completed); empty with `completed` only.",
    id: 33,
    datasource: ds,
    gridPos: {
      x: 0,
      y: 31,
      w: 8,
      h: 8,
    },
    targets: [
      {
        datasource: ds,
        expr: 'sum by (direction) (direction:signalwire_calls_active:sum{job=~"$job", project=~"$project", direction=~"$direction"})',
        legendFormat: '{{direction}}',
        refId: 'A',
        range: true,
        editorMode: 'code',
      },
      {
        datasource: ds,
        expr: 'sum(direction:signalwire_calls_active:sum{job=~"$job", project=~"$project", direction=~"$direction"})',
        legendFormat: 'all selected',
        refId: 'B',
        range: true,
        editorMode: 'code',
      },
    ],
    fieldConfig: {
      defaults: {
        unit: 'short',
        min: 0,
        custom: {
          drawStyle: 'line',
          lineWidth: 1,
          fillOpacity: 10,
          showPoints: 'never',
          spanNulls: false,
        },
      },
      overrides: [],
    },
    options: {
      legend: {
        displayMode: 'table',
        placement: 'bottom',
        calcs: [
          'mean',
          'max',
          'lastNotNull',
        ],
        showLegend: true,
      },
      tooltip: {
        mode: 'multi',
        sort: 'desc',
      },
    },
  },
  {
    type: 'timeseries',
    title: 'Answer-seizure ratio (30m)',
    description: "Answered calls / ended calls over 30m: terminal callbacks with status completed over all terminal ones (completed, busy, failed, no-answer, canceled). A completed call is an answered one, so this works with SignalWire's default StatusCallbackEvent (completed) alone. The Status variable does not apply.",
    id: 34,
    datasource: ds,
    gridPos: {
      x: 8,
      y: 31,
      w: 8,
      h: 8,
    },
    targets: [
      {
        datasource: ds,
        expr: 'sum by (direction) (direction:signalwire_call_completed_events:increase30m{job=~"$job", project=~"$project", direction=~"$direction"}) / sum by (direction) (direction:signalwire_call_terminal_events:increase30m{job=~"$job", project=~"$project", direction=~"$direction"})',
        legendFormat: '{{direction}}',
        refId: 'A',
        range: true,
        editorMode: 'code',
      },
      {
        datasource: ds,
        expr: 'sum(direction:signalwire_call_completed_events:increase30m{job=~"$job", project=~"$project", direction=~"$direction"}) / sum(direction:signalwire_call_terminal_events:increase30m{job=~"$job", project=~"$project", direction=~"$direction"})',
        legendFormat: 'all selected',
        refId: 'B',
        range: true,
        editorMode: 'code',
      },
    ],
    fieldConfig: {
      defaults: {
        unit: 'percentunit',
        min: 0,
        max: 1,
        custom: {
          drawStyle: 'line',
          lineWidth: 1,
          fillOpacity: 10,
          showPoints: 'never',
          spanNulls: false,
        },
      },
      overrides: [],
    },
    options: {
      legend: {
        displayMode: 'table',
        placement: 'bottom',
        calcs: [
          'mean',
          'max',
          'lastNotNull',
        ],
        showLegend: true,
      },
      tooltip: {
        mode: 'multi',
        sort: 'desc',
      },
    },
  },
  {
    type: 'timeseries',
    title: 'Average duration of answered calls (30m)',
    description: 'ACD: mean CallDuration of the calls that ended completed over 30m (sum / count of signalwire_call_duration_seconds{status="completed"}). Busy, failed and unanswered calls are left out.',
    id: 35,
    datasource: ds,
    gridPos: {
      x: 16,
      y: 31,
      w: 8,
      h: 8,
    },
    targets: [
      {
        datasource: ds,
        expr: 'sum by (direction) (direction:signalwire_call_answered_duration_seconds_sum:increase30m{job=~"$job", project=~"$project", direction=~"$direction"}) / sum by (direction) (direction:signalwire_call_answered_duration_seconds_count:increase30m{job=~"$job", project=~"$project", direction=~"$direction"})',
        legendFormat: '{{direction}}',
        refId: 'A',
        range: true,
        editorMode: 'code',
      },
      {
        datasource: ds,
        expr: 'sum(direction:signalwire_call_answered_duration_seconds_sum:increase30m{job=~"$job", project=~"$project", direction=~"$direction"}) / sum(direction:signalwire_call_answered_duration_seconds_count:increase30m{job=~"$job", project=~"$project", direction=~"$direction"})',
        legendFormat: 'all selected',
        refId: 'B',
        range: true,
        editorMode: 'code',
      },
    ],
    fieldConfig: {
      defaults: {
        unit: 's',
        min: 0,
        custom: {
          drawStyle: 'line',
          lineWidth: 1,
          fillOpacity: 10,
          showPoints: 'never',
          spanNulls: false,
        },
      },
      overrides: [],
    },
    options: {
      legend: {
        displayMode: 'table',
        placement: 'bottom',
        calcs: [
          'mean',
          'max',
          'lastNotNull',
        ],
        showLegend: true,
      },
      tooltip: {
        mode: 'multi',
        sort: 'desc',
      },
    },
  },
  {
    type: 'timeseries',
    title: 'Share of calls with media by quality issue (30m)',
    description: "Share of ended calls with media (AudioInMediaPacketCount > 0) that had each issue over 30m: low_mos (MOS at or below --quality.low-mos, 3.5), high_packet_loss (more than --quality.high-packet-loss, 5%, of inbound packets lost), high_jitter (jitter max variance above --quality.high-jitter-variance, 900 ms^2); any = at least one. Calls behind it: the exporter's /calls?issue=low_mos (or high_packet_loss, high_jitter, any; add &direction=), served where /metrics is, behind the same authentication.",
    id: 36,
    datasource: ds,
    gridPos: {
      x: 0,
      y: 39,
      w: 12,
      h: 8,
    },
    targets: [
      {
        datasource: ds,
        expr: 'sum by (issue) (direction_issue:signalwire_call_quality_issues:increase30m{job=~"$job", project=~"$project", direction=~"$direction"}) / ignoring (issue) group_left sum(direction:signalwire_calls_with_media:increase30m{job=~"$job", project=~"$project", direction=~"$direction"})',
        legendFormat: '{{issue}}',
        refId: 'A',
        range: true,
        editorMode: 'code',
      },
    ],
    fieldConfig: {
      defaults: {
        unit: 'percentunit',
        min: 0,
        custom: {
          drawStyle: 'line',
          lineWidth: 1,
          fillOpacity: 10,
          showPoints: 'never',
          spanNulls: false,
        },
      },
      overrides: [],
    },
    options: {
      legend: {
        displayMode: 'table',
        placement: 'bottom',
        calcs: [
          'mean',
          'max',
          'lastNotNull',
        ],
        showLegend: true,
      },
      tooltip: {
        mode: 'multi',
        sort: 'desc',
      },
    },
  },
  {
    type: 'timeseries',
    title: 'Unfinished calls per hour by reason',
    description: "Calls the exporter forgot without a terminal event, over the last hour (signalwire_calls_unfinished_total): max_age = no terminal callback within --calls.max-age of the call's first event (lost callback, or a call longer than the limit; counted max-age after the call started), capacity = evicted from a full table (--calls.capacity). SignalWireCallbacksMissing fires when max_age calls exceed 5% of the calls that ended or were given up on in 1h, with at least 100. Needs the progress callbacks (StatusCallbackEvent=initiated ringing answered completed); empty with `completed` only.",
    id: 37,
    datasource: ds,
    gridPos: {
      x: 12,
      y: 39,
      w: 12,
      h: 8,
    },
    targets: [
      {
        datasource: ds,
        expr: 'sum by (reason) (direction_reason:signalwire_calls_unfinished:increase1h{job=~"$job", project=~"$project", direction=~"$direction"})',
        legendFormat: '{{reason}}',
        refId: 'A',
        range: true,
        editorMode: 'code',
      },
    ],
    fieldConfig: {
      defaults: {
        unit: 'short',
        min: 0,
        custom: {
          drawStyle: 'line',
          lineWidth: 1,
          fillOpacity: 10,
          showPoints: 'never',
          spanNulls: false,
        },
      },
      overrides: [],
    },
    options: {
      legend: {
        displayMode: 'table',
        placement: 'bottom',
        calcs: [
          'mean',
          'max',
          'lastNotNull',
        ],
        showLegend: true,
      },
      tooltip: {
        mode: 'multi',
        sort: 'desc',
      },
    },
  },
  {
    type: 'row',
    title: 'Inbound audio quality: MOS',
    id: 11,
    collapsed: false,
    gridPos: {
      x: 0,
      y: 47,
      w: 24,
      h: 1,
    },
    panels: [],
  },
  {
    type: 'heatmap',
    title: 'MOS distribution',
    description: 'Calls per second in each MOS bucket (signalwire_audio_in_mos, calls with media only). 4.5 means no flaws.',
    id: 12,
    datasource: ds,
    gridPos: {
      x: 0,
      y: 48,
      w: 12,
      h: 8,
    },
    targets: [
      {
        datasource: ds,
        expr: 'sum by (le) (rate(signalwire_audio_in_mos_bucket{job=~"$job", project=~"$project", status=~"$status", direction=~"$direction"}[$__rate_interval]))',
        legendFormat: '{{le}}',
        refId: 'A',
        range: true,
        editorMode: 'code',
        format: 'heatmap',
      },
    ],
    fieldConfig: {
      defaults: {},
      overrides: [],
    },
    options: {
      calculate: false,
      cellGap: 1,
      color: {
        mode: 'scheme',
        scheme: 'Spectral',
        steps: 64,
        exponent: 0.5,
        fill: 'dark-orange',
        reverse: false,
      },
      yAxis: {
        axisPlacement: 'left',
        unit: 'short',
        reverse: false,
      },
      rowsFrame: {
        layout: 'auto',
      },
      cellValues: {
        unit: 'reqps',
      },
      tooltip: {
        mode: 'single',
        yHistogram: true,
        showColorScale: false,
      },
      legend: {
        show: true,
      },
      filterValues: {
        le: 1e-09,
      },
      exemplars: {
        color: 'rgba(255,0,255,0.7)',
      },
    },
  },
  {
    type: 'timeseries',
    title: 'MOS p50 and p10',
    description: 'Median and 10th percentile MOS of calls with media (interpolated inside the histogram buckets).',
    id: 13,
    datasource: ds,
    gridPos: {
      x: 12,
      y: 48,
      w: 12,
      h: 8,
    },
    targets: [
      {
        datasource: ds,
        expr: 'histogram_quantile(0.5, sum by (le) (rate(signalwire_audio_in_mos_bucket{job=~"$job", project=~"$project", status=~"$status", direction=~"$direction"}[$__rate_interval])))',
        legendFormat: 'p50',
        refId: 'A',
        range: true,
        editorMode: 'code',
      },
      {
        datasource: ds,
        expr: 'histogram_quantile(0.1, sum by (le) (rate(signalwire_audio_in_mos_bucket{job=~"$job", project=~"$project", status=~"$status", direction=~"$direction"}[$__rate_interval])))',
        legendFormat: 'p10',
        refId: 'B',
        range: true,
        editorMode: 'code',
      },
    ],
    fieldConfig: {
      defaults: {
        unit: 'none',
        min: 1,
        max: 4.5,
        custom: {
          drawStyle: 'line',
          lineWidth: 1,
          fillOpacity: 10,
          showPoints: 'never',
          spanNulls: false,
        },
      },
      overrides: [],
    },
    options: {
      legend: {
        displayMode: 'table',
        placement: 'bottom',
        calcs: [
          'mean',
          'max',
          'lastNotNull',
        ],
        showLegend: true,
      },
      tooltip: {
        mode: 'multi',
        sort: 'desc',
      },
    },
  },
  {
    type: 'timeseries',
    title: 'Share of calls with MOS <= 3.5',
    description: 'Share of calls with media whose MOS was at or below 3.5 (exact: le="3.5" bucket). The 30m series are the recording rules SignalWireLowMOS uses; the red line is its threshold.',
    id: 14,
    datasource: ds,
    gridPos: {
      x: 0,
      y: 56,
      w: 24,
      h: 8,
    },
    targets: [
      {
        datasource: ds,
        expr: 'sum by (direction) (status_direction:signalwire_audio_in_mos_low:increase30m{job=~"$job", project=~"$project", status=~"$status", direction=~"$direction"}) / sum by (direction) (status_direction:signalwire_audio_in_mos_count:increase30m{job=~"$job", project=~"$project", status=~"$status", direction=~"$direction"})',
        legendFormat: '{{direction}} (30m)',
        refId: 'A',
        range: true,
        editorMode: 'code',
      },
      {
        datasource: ds,
        expr: 'sum(rate(signalwire_audio_in_mos_bucket{job=~"$job", project=~"$project", le="3.5", status=~"$status", direction=~"$direction"}[$__rate_interval])) / sum(rate(signalwire_audio_in_mos_count{job=~"$job", project=~"$project", status=~"$status", direction=~"$direction"}[$__rate_interval]))',
        legendFormat: 'all selected (short window)',
        refId: 'B',
        range: true,
        editorMode: 'code',
      },
    ],
    fieldConfig: {
      defaults: {
        unit: 'percentunit',
        min: 0,
        thresholds: {
          mode: 'absolute',
          steps: [
            {
              color: 'transparent',
              value: null,
            },
            {
              color: 'red',
              value: 0.1,
            },
          ],
        },
        custom: {
          drawStyle: 'line',
          lineWidth: 1,
          fillOpacity: 10,
          showPoints: 'never',
          spanNulls: false,
          thresholdsStyle: {
            mode: 'line+area',
          },
        },
      },
      overrides: [],
    },
    options: {
      legend: {
        displayMode: 'table',
        placement: 'bottom',
        calcs: [
          'mean',
          'max',
          'lastNotNull',
        ],
        showLegend: true,
      },
      tooltip: {
        mode: 'multi',
        sort: 'desc',
      },
    },
  },
  {
    type: 'row',
    title: 'Inbound audio quality: packet loss and jitter',
    id: 15,
    collapsed: false,
    gridPos: {
      x: 0,
      y: 64,
      w: 24,
      h: 1,
    },
    panels: [],
  },
  {
    type: 'heatmap',
    title: 'Packet loss distribution',
    description: 'Calls per second in each per-call packet loss bucket: skipped / (media + skipped).',
    id: 16,
    datasource: ds,
    gridPos: {
      x: 0,
      y: 65,
      w: 12,
      h: 8,
    },
    targets: [
      {
        datasource: ds,
        expr: 'sum by (le) (rate(signalwire_audio_in_packet_loss_ratio_bucket{job=~"$job", project=~"$project", status=~"$status", direction=~"$direction"}[$__rate_interval]))',
        legendFormat: '{{le}}',
        refId: 'A',
        range: true,
        editorMode: 'code',
        format: 'heatmap',
      },
    ],
    fieldConfig: {
      defaults: {},
      overrides: [],
    },
    options: {
      calculate: false,
      cellGap: 1,
      color: {
        mode: 'scheme',
        scheme: 'Spectral',
        steps: 64,
        exponent: 0.5,
        fill: 'dark-orange',
        reverse: false,
      },
      yAxis: {
        axisPlacement: 'left',
        unit: 'percentunit',
        reverse: false,
      },
      rowsFrame: {
        layout: 'auto',
      },
      cellValues: {
        unit: 'reqps',
      },
      tooltip: {
        mode: 'single',
        yHistogram: true,
        showColorScale: false,
      },
      legend: {
        show: true,
      },
      filterValues: {
        le: 1e-09,
      },
      exemplars: {
        color: 'rgba(255,0,255,0.7)',
      },
    },
  },
  {
    type: 'timeseries',
    title: 'Packet loss p95 and share of calls losing > 5%',
    description: 'p50/p95 of the per-call loss ratio; all packets lost / (received + lost) from the packet counters; and the share of calls losing more than 5% over 30m (recording rules used by SignalWireHighPacketLoss, threshold 10%).',
    id: 17,
    datasource: ds,
    gridPos: {
      x: 12,
      y: 65,
      w: 12,
      h: 8,
    },
    targets: [
      {
        datasource: ds,
        expr: 'histogram_quantile(0.95, sum by (le) (rate(signalwire_audio_in_packet_loss_ratio_bucket{job=~"$job", project=~"$project", status=~"$status", direction=~"$direction"}[$__rate_interval])))',
        legendFormat: 'per-call p95',
        refId: 'A',
        range: true,
        editorMode: 'code',
      },
      {
        datasource: ds,
        expr: 'histogram_quantile(0.5, sum by (le) (rate(signalwire_audio_in_packet_loss_ratio_bucket{job=~"$job", project=~"$project", status=~"$status", direction=~"$direction"}[$__rate_interval])))',
        legendFormat: 'per-call p50',
        refId: 'B',
        range: true,
        editorMode: 'code',
      },
      {
        datasource: ds,
        expr: 'sum(rate(signalwire_audio_in_skipped_packets_total{job=~"$job", project=~"$project", status=~"$status", direction=~"$direction"}[$__rate_interval])) / (sum(rate(signalwire_audio_in_packets_total{job=~"$job", project=~"$project", status=~"$status", direction=~"$direction"}[$__rate_interval])) + sum(rate(signalwire_audio_in_skipped_packets_total{job=~"$job", project=~"$project", status=~"$status", direction=~"$direction"}[$__rate_interval])))',
        legendFormat: 'all packets',
        refId: 'C',
        range: true,
        editorMode: 'code',
      },
      {
        datasource: ds,
        expr: 'sum(status_direction:signalwire_audio_in_packet_loss_high:increase30m{job=~"$job", project=~"$project", status=~"$status", direction=~"$direction"}) / sum(status_direction:signalwire_audio_in_packet_loss_ratio_count:increase30m{job=~"$job", project=~"$project", status=~"$status", direction=~"$direction"})',
        legendFormat: 'calls losing > 5% (30m)',
        refId: 'D',
        range: true,
        editorMode: 'code',
      },
    ],
    fieldConfig: {
      defaults: {
        unit: 'percentunit',
        min: 0,
        custom: {
          drawStyle: 'line',
          lineWidth: 1,
          fillOpacity: 10,
          showPoints: 'never',
          spanNulls: false,
        },
      },
      overrides: [],
    },
    options: {
      legend: {
        displayMode: 'table',
        placement: 'bottom',
        calcs: [
          'mean',
          'max',
          'lastNotNull',
        ],
        showLegend: true,
      },
      tooltip: {
        mode: 'multi',
        sort: 'desc',
      },
    },
  },
  {
    type: 'heatmap',
    title: 'Jitter max variance distribution',
    description: 'Calls per second in each bucket of the per-call maximum jitter variance (ms^2).',
    id: 18,
    datasource: ds,
    gridPos: {
      x: 0,
      y: 73,
      w: 12,
      h: 8,
    },
    targets: [
      {
        datasource: ds,
        expr: 'sum by (le) (rate(signalwire_audio_in_jitter_max_variance_bucket{job=~"$job", project=~"$project", status=~"$status", direction=~"$direction"}[$__rate_interval]))',
        legendFormat: '{{le}}',
        refId: 'A',
        range: true,
        editorMode: 'code',
        format: 'heatmap',
      },
    ],
    fieldConfig: {
      defaults: {},
      overrides: [],
    },
    options: {
      calculate: false,
      cellGap: 1,
      color: {
        mode: 'scheme',
        scheme: 'Spectral',
        steps: 64,
        exponent: 0.5,
        fill: 'dark-orange',
        reverse: false,
      },
      yAxis: {
        axisPlacement: 'left',
        unit: 'short',
        reverse: false,
      },
      rowsFrame: {
        layout: 'auto',
      },
      cellValues: {
        unit: 'reqps',
      },
      tooltip: {
        mode: 'single',
        yHistogram: true,
        showColorScale: false,
      },
      legend: {
        show: true,
      },
      filterValues: {
        le: 1e-09,
      },
      exemplars: {
        color: 'rgba(255,0,255,0.7)',
      },
    },
  },
  {
    type: 'timeseries',
    title: 'Jitter variance quantiles',
    description: 'Per-call jitter variance in ms^2 (running variance of inter-arrival deviation); sqrt(900) = 30 ms.',
    id: 19,
    datasource: ds,
    gridPos: {
      x: 12,
      y: 73,
      w: 12,
      h: 8,
    },
    targets: [
      {
        datasource: ds,
        expr: 'histogram_quantile(0.95, sum by (le) (rate(signalwire_audio_in_jitter_max_variance_bucket{job=~"$job", project=~"$project", status=~"$status", direction=~"$direction"}[$__rate_interval])))',
        legendFormat: 'max variance p95',
        refId: 'A',
        range: true,
        editorMode: 'code',
      },
      {
        datasource: ds,
        expr: 'histogram_quantile(0.5, sum by (le) (rate(signalwire_audio_in_jitter_max_variance_bucket{job=~"$job", project=~"$project", status=~"$status", direction=~"$direction"}[$__rate_interval])))',
        legendFormat: 'max variance p50',
        refId: 'B',
        range: true,
        editorMode: 'code',
      },
      {
        datasource: ds,
        expr: 'histogram_quantile(0.5, sum by (le) (rate(signalwire_audio_in_jitter_min_variance_bucket{job=~"$job", project=~"$project", status=~"$status", direction=~"$direction"}[$__rate_interval])))',
        legendFormat: 'min variance p50',
        refId: 'C',
        range: true,
        editorMode: 'code',
      },
    ],
    fieldConfig: {
      defaults: {
        unit: 'short',
        min: 0,
        custom: {
          drawStyle: 'line',
          lineWidth: 1,
          fillOpacity: 10,
          showPoints: 'never',
          spanNulls: false,
        },
      },
      overrides: [],
    },
    options: {
      legend: {
        displayMode: 'table',
        placement: 'bottom',
        calcs: [
          'mean',
          'max',
          'lastNotNull',
        ],
        showLegend: true,
      },
      tooltip: {
        mode: 'multi',
        sort: 'desc',
      },
    },
  },
  {
    type: 'timeseries',
    title: 'Largest jitter buffer and average ptime',
    description: 'p95 of the largest jitter buffer size per call, and median of the average packet inter-arrival time (ptime) per call.',
    id: 20,
    datasource: ds,
    gridPos: {
      x: 0,
      y: 81,
      w: 12,
      h: 8,
    },
    targets: [
      {
        datasource: ds,
        expr: 'histogram_quantile(0.95, sum by (le) (rate(signalwire_audio_in_largest_jitter_buffer_size_bucket{job=~"$job", project=~"$project", status=~"$status", direction=~"$direction"}[$__rate_interval])))',
        legendFormat: 'largest jitter buffer p95',
        refId: 'A',
        range: true,
        editorMode: 'code',
      },
      {
        datasource: ds,
        expr: 'histogram_quantile(0.5, sum by (le) (rate(signalwire_audio_in_average_ptime_seconds_bucket{job=~"$job", project=~"$project", status=~"$status", direction=~"$direction"}[$__rate_interval])))',
        legendFormat: 'average ptime p50 (s)',
        refId: 'B',
        range: true,
        editorMode: 'code',
      },
    ],
    fieldConfig: {
      defaults: {
        unit: 'short',
        min: 0,
        custom: {
          drawStyle: 'line',
          lineWidth: 1,
          fillOpacity: 10,
          showPoints: 'never',
          spanNulls: false,
        },
      },
      overrides: [],
    },
    options: {
      legend: {
        displayMode: 'table',
        placement: 'bottom',
        calcs: [
          'mean',
          'max',
          'lastNotNull',
        ],
        showLegend: true,
      },
      tooltip: {
        mode: 'multi',
        sort: 'desc',
      },
    },
  },
  {
    type: 'timeseries',
    title: 'Audio packets per second',
    description: 'Inbound/outbound audio packet counters (recorded once per call on its terminal event, so they arrive in steps).',
    id: 21,
    datasource: ds,
    gridPos: {
      x: 12,
      y: 81,
      w: 12,
      h: 8,
    },
    targets: [
      {
        datasource: ds,
        expr: 'sum(rate(signalwire_audio_in_packets_total{job=~"$job", project=~"$project", status=~"$status", direction=~"$direction"}[$__rate_interval]))',
        legendFormat: 'in received',
        refId: 'A',
        range: true,
        editorMode: 'code',
      },
      {
        datasource: ds,
        expr: 'sum(rate(signalwire_audio_in_skipped_packets_total{job=~"$job", project=~"$project", status=~"$status", direction=~"$direction"}[$__rate_interval]))',
        legendFormat: 'in lost (skipped)',
        refId: 'B',
        range: true,
        editorMode: 'code',
      },
      {
        datasource: ds,
        expr: 'sum(rate(signalwire_audio_in_flushed_packets_total{job=~"$job", project=~"$project", status=~"$status", direction=~"$direction"}[$__rate_interval]))',
        legendFormat: 'in flushed',
        refId: 'C',
        range: true,
        editorMode: 'code',
      },
      {
        datasource: ds,
        expr: 'sum(rate(signalwire_audio_in_dtmf_packets_total{job=~"$job", project=~"$project", status=~"$status", direction=~"$direction"}[$__rate_interval]))',
        legendFormat: 'in DTMF',
        refId: 'D',
        range: true,
        editorMode: 'code',
      },
      {
        datasource: ds,
        expr: 'sum(rate(signalwire_audio_out_packets_total{job=~"$job", project=~"$project", status=~"$status", direction=~"$direction"}[$__rate_interval]))',
        legendFormat: 'out',
        refId: 'E',
        range: true,
        editorMode: 'code',
      },
      {
        datasource: ds,
        expr: 'sum(rate(signalwire_audio_out_dtmf_packets_total{job=~"$job", project=~"$project", status=~"$status", direction=~"$direction"}[$__rate_interval]))',
        legendFormat: 'out DTMF',
        refId: 'F',
        range: true,
        editorMode: 'code',
      },
    ],
    fieldConfig: {
      defaults: {
        unit: 'pps',
        min: 0,
        custom: {
          drawStyle: 'line',
          lineWidth: 1,
          fillOpacity: 10,
          showPoints: 'never',
          spanNulls: false,
        },
      },
      overrides: [],
    },
    options: {
      legend: {
        displayMode: 'table',
        placement: 'bottom',
        calcs: [
          'mean',
          'max',
          'lastNotNull',
        ],
        showLegend: true,
      },
      tooltip: {
        mode: 'multi',
        sort: 'desc',
      },
    },
  },
  {
    type: 'row',
    title: 'Webhooks and exporter health',
    id: 22,
    collapsed: false,
    gridPos: {
      x: 0,
      y: 89,
      w: 24,
      h: 1,
    },
    panels: [],
  },
  {
    type: 'timeseries',
    title: 'Webhook delivery delay',
    description: 'Delay between the event timestamp and its arrival at the exporter (signalwire_webhook_delivery_delay_seconds; no status/direction labels).',
    id: 23,
    datasource: ds,
    gridPos: {
      x: 0,
      y: 90,
      w: 12,
      h: 8,
    },
    targets: [
      {
        datasource: ds,
        expr: 'histogram_quantile(0.5, sum by (le) (rate(signalwire_webhook_delivery_delay_seconds_bucket{job=~"$job"}[$__rate_interval])))',
        legendFormat: 'p50',
        refId: 'A',
        range: true,
        editorMode: 'code',
      },
      {
        datasource: ds,
        expr: 'histogram_quantile(0.95, sum by (le) (rate(signalwire_webhook_delivery_delay_seconds_bucket{job=~"$job"}[$__rate_interval])))',
        legendFormat: 'p95',
        refId: 'B',
        range: true,
        editorMode: 'code',
      },
      {
        datasource: ds,
        expr: 'histogram_quantile(0.99, sum by (le) (rate(signalwire_webhook_delivery_delay_seconds_bucket{job=~"$job"}[$__rate_interval])))',
        legendFormat: 'p99',
        refId: 'C',
        range: true,
        editorMode: 'code',
      },
    ],
    fieldConfig: {
      defaults: {
        unit: 's',
        min: 0,
        custom: {
          drawStyle: 'line',
          lineWidth: 1,
          fillOpacity: 10,
          showPoints: 'never',
          spanNulls: false,
        },
      },
      overrides: [],
    },
    options: {
      legend: {
        displayMode: 'table',
        placement: 'bottom',
        calcs: [
          'mean',
          'max',
          'lastNotNull',
        ],
        showLegend: true,
      },
      tooltip: {
        mode: 'multi',
        sort: 'desc',
      },
    },
  },
  {
    type: 'timeseries',
    title: 'Webhooks by outcome',
    description: 'Webhook requests per second by outcome (signalwire_exporter_webhooks_total).',
    id: 24,
    datasource: ds,
    gridPos: {
      x: 12,
      y: 90,
      w: 12,
      h: 8,
    },
    targets: [
      {
        datasource: ds,
        expr: 'sum by (outcome) (rate(signalwire_exporter_webhooks_total{job=~"$job"}[$__rate_interval]))',
        legendFormat: '{{outcome}}',
        refId: 'A',
        range: true,
        editorMode: 'code',
      },
    ],
    fieldConfig: {
      defaults: {
        unit: 'reqps',
        min: 0,
        custom: {
          drawStyle: 'line',
          lineWidth: 1,
          fillOpacity: 10,
          showPoints: 'never',
          spanNulls: false,
        },
      },
      overrides: [],
    },
    options: {
      legend: {
        displayMode: 'table',
        placement: 'bottom',
        calcs: [
          'mean',
          'max',
          'lastNotNull',
        ],
        showLegend: true,
      },
      tooltip: {
        mode: 'multi',
        sort: 'desc',
      },
    },
  },
  {
    type: 'timeseries',
    title: 'Rejected webhooks',
    description: 'Rejected requests per second by outcome, and the 15m share of invalid_signature / bad_request used by SignalWireWebhookRejections (threshold 5%, at least 10 requests).',
    id: 25,
    datasource: ds,
    gridPos: {
      x: 0,
      y: 98,
      w: 12,
      h: 8,
    },
    targets: [
      {
        datasource: ds,
        expr: 'sum by (outcome) (rate(signalwire_exporter_webhooks_total{job=~"$job", outcome!~"accepted|duplicate"}[$__rate_interval]))',
        legendFormat: '{{outcome}} /s',
        refId: 'A',
        range: true,
        editorMode: 'code',
      },
      {
        datasource: ds,
        expr: 'outcome:signalwire_exporter_webhooks:ratio15m{job=~"$job", outcome=~"invalid_signature|bad_request"}',
        legendFormat: '{{outcome}} share (15m)',
        refId: 'B',
        range: true,
        editorMode: 'code',
      },
    ],
    fieldConfig: {
      defaults: {
        unit: 'short',
        min: 0,
        custom: {
          drawStyle: 'line',
          lineWidth: 1,
          fillOpacity: 10,
          showPoints: 'never',
          spanNulls: false,
        },
      },
      overrides: [
        {
          matcher: {
            id: 'byRegexp',
            options: '.*share.*',
          },
          properties: [
            {
              id: 'unit',
              value: 'percentunit',
            },
            {
              id: 'custom.axisPlacement',
              value: 'right',
            },
          ],
        },
      ],
    },
    options: {
      legend: {
        displayMode: 'table',
        placement: 'bottom',
        calcs: [
          'mean',
          'max',
          'lastNotNull',
        ],
        showLegend: true,
      },
      tooltip: {
        mode: 'multi',
        sort: 'desc',
      },
    },
  },
  {
    type: 'timeseries',
    title: 'Unrecognized and invalid fields',
    description: 'Callback fields the exporter could not parse (invalid) or whose value it did not know (unrecognized), per second.',
    id: 26,
    datasource: ds,
    gridPos: {
      x: 12,
      y: 98,
      w: 12,
      h: 8,
    },
    targets: [
      {
        datasource: ds,
        expr: 'sum by (field) (rate(signalwire_exporter_invalid_fields_total{job=~"$job"}[$__rate_interval]))',
        legendFormat: 'invalid {{field}}',
        refId: 'A',
        range: true,
        editorMode: 'code',
      },
      {
        datasource: ds,
        expr: 'sum by (field) (rate(signalwire_exporter_unrecognized_values_total{job=~"$job"}[$__rate_interval]))',
        legendFormat: 'unrecognized {{field}}',
        refId: 'B',
        range: true,
        editorMode: 'code',
      },
    ],
    fieldConfig: {
      defaults: {
        unit: 'short',
        min: 0,
        custom: {
          drawStyle: 'line',
          lineWidth: 1,
          fillOpacity: 10,
          showPoints: 'never',
          spanNulls: false,
        },
      },
      overrides: [],
    },
    options: {
      legend: {
        displayMode: 'table',
        placement: 'bottom',
        calcs: [
          'mean',
          'max',
          'lastNotNull',
        ],
        showLegend: true,
      },
      tooltip: {
        mode: 'multi',
        sort: 'desc',
      },
    },
  },
  {
    type: 'timeseries',
    title: 'Exporter up',
    description: 'up{job="signalwire-exporter"} per target.',
    id: 27,
    datasource: ds,
    gridPos: {
      x: 0,
      y: 106,
      w: 8,
      h: 8,
    },
    targets: [
      {
        datasource: ds,
        expr: 'up{job=~"$job"}',
        legendFormat: '{{instance}}',
        refId: 'A',
        range: true,
        editorMode: 'code',
      },
    ],
    fieldConfig: {
      defaults: {
        unit: 'none',
        min: 0,
        max: 1,
        custom: {
          drawStyle: 'line',
          lineWidth: 1,
          fillOpacity: 10,
          showPoints: 'never',
          spanNulls: false,
        },
      },
      overrides: [],
    },
    options: {
      legend: {
        displayMode: 'table',
        placement: 'bottom',
        calcs: [
          'mean',
          'max',
          'lastNotNull',
        ],
        showLegend: true,
      },
      tooltip: {
        mode: 'multi',
        sort: 'desc',
      },
    },
  },
  {
    type: 'timeseries',
    title: 'Exporter resident memory and CPU',
    description: 'Resident memory and CPU use of the exporter process.',
    id: 28,
    datasource: ds,
    gridPos: {
      x: 8,
      y: 106,
      w: 8,
      h: 8,
    },
    targets: [
      {
        datasource: ds,
        expr: 'process_resident_memory_bytes{job=~"$job"}',
        legendFormat: 'RSS {{instance}}',
        refId: 'A',
        range: true,
        editorMode: 'code',
      },
      {
        datasource: ds,
        expr: 'rate(process_cpu_seconds_total{job=~"$job"}[$__rate_interval])',
        legendFormat: 'CPU {{instance}}',
        refId: 'B',
        range: true,
        editorMode: 'code',
      },
    ],
    fieldConfig: {
      defaults: {
        unit: 'bytes',
        min: 0,
        custom: {
          drawStyle: 'line',
          lineWidth: 1,
          fillOpacity: 10,
          showPoints: 'never',
          spanNulls: false,
        },
      },
      overrides: [
        {
          matcher: {
            id: 'byRegexp',
            options: 'CPU.*',
          },
          properties: [
            {
              id: 'unit',
              value: 'percentunit',
            },
            {
              id: 'custom.axisPlacement',
              value: 'right',
            },
          ],
        },
      ],
    },
    options: {
      legend: {
        displayMode: 'table',
        placement: 'bottom',
        calcs: [
          'mean',
          'max',
          'lastNotNull',
        ],
        showLegend: true,
      },
      tooltip: {
        mode: 'multi',
        sort: 'desc',
      },
    },
  },
  {
    type: 'stat',
    title: 'Version / signature validation',
    description: 'signalwire_exporter_build_info version, signature validation (1 = enabled), open file descriptors and uptime.',
    id: 29,
    datasource: ds,
    gridPos: {
      x: 16,
      y: 106,
      w: 8,
      h: 8,
    },
    targets: [
      {
        datasource: ds,
        expr: 'max by (version) (signalwire_exporter_build_info{job=~"$job"})',
        legendFormat: 'version {{version}}',
        refId: 'A',
        range: true,
        editorMode: 'code',
      },
      {
        datasource: ds,
        expr: 'max(signalwire_exporter_signature_validation_enabled{job=~"$job"})',
        legendFormat: 'signature validation',
        refId: 'B',
        range: true,
        editorMode: 'code',
      },
      {
        datasource: ds,
        expr: 'max(process_open_fds{job=~"$job"})',
        legendFormat: 'open fds',
        refId: 'C',
        range: true,
        editorMode: 'code',
      },
      {
        datasource: ds,
        expr: 'max(time() - process_start_time_seconds{job=~"$job"})',
        legendFormat: 'uptime (s)',
        refId: 'D',
        range: true,
        editorMode: 'code',
      },
    ],
    fieldConfig: {
      defaults: {
        unit: 'short',
        thresholds: {
          mode: 'absolute',
          steps: [
            {
              color: 'green',
              value: null,
            },
          ],
        },
      },
      overrides: [],
    },
    options: {
      reduceOptions: {
        calcs: [
          'lastNotNull',
        ],
        fields: '',
        values: false,
      },
      colorMode: 'value',
      graphMode: 'area',
      textMode: 'auto',
      justifyMode: 'auto',
      orientation: 'auto',
    },
  },
]
