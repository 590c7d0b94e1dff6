// The Grafana dashboard (uid, title, refresh and tags from _config.dashboard).
// Plain jsonnet: no grafonnet.
local u = import '../lib/util.libsonnet';

{
  local c = $._config,
  local d = c.dashboard,
  local ds = { type: 'prometheus', uid: '${datasource}' },
  local all = { selected: true, text: ['All'], value: ['$__all'] },
  // A multi-value query variable with All.
  local queryVariable(name, label, query, extra={}) = {
    name: name,
    label: label,
    type: 'query',
    datasource: ds,
    definition: query,
    query: { qryType: 1, query: query, refId: 'PrometheusVariableQueryEditor-VariableQuery' },
    current: all,
    hide: 0,
    includeAll: true,
    multi: true,
    options: [],
    refresh: 2,
    regex: '',
    skipUrlSync: false,
    sort: 1,
  } + extra,
  local callLabel(name, label) = queryVariable(
    name,
    label,
    'label_values(signalwire_call_events_total{job=~"$job"}, %s)' % name,
    { allValue: '.*' },
  ),

  grafanaDashboards+:: {
    'signalwire-exporter.json': {
      annotations: {
        list: [{
          builtIn: 1,
          datasource: { type: 'grafana', uid: '-- Grafana --' },
          enable: true,
          hide: true,
          iconColor: 'rgba(0, 211, 255, 1)',
          name: 'Annotations & Alerts',
          type: 'dashboard',
        }],
      },
      description: "SignalWire Voice Status Callback metrics from signalwire-exporter: call volume, call setup (post-dial and answer delays, calls in progress, answer-seizure ratio, average duration, quality issues, lost callbacks), inbound audio quality (MOS, packet loss, jitter), SIP codes, durations, webhook delivery and the exporter's health.",
      editable: true,
      fiscalYearStartMonth: 0,
      graphTooltip: 1,
      id: null,
      links: [],
      panels: (import 'panels.libsonnet')
              + (import 'slo_panels.libsonnet')(c, $.sloDefinitions, 114, 38)
              + (import 'country_panels.libsonnet')(200, 60),
      refresh: d.refresh,
      schemaVersion: 39,
      tags: d.tags,
      templating: {
        list: [
          {
            name: 'datasource',
            label: 'Data source',
            type: 'datasource',
            query: 'prometheus',
            current: { selected: false, text: 'Prometheus', value: 'prometheus' },
            hide: 0,
            includeAll: false,
            multi: false,
            options: [],
            refresh: 1,
            regex: '',
            skipUrlSync: false,
          },
          // No allValue: "All" must mean the jobs found, not `.*`, which
          // would take in every other job's `up` and `process_*` series.
          queryVariable(
            'job',
            'Job',
            'label_values(%s, job)' % u.sel(c, 'signalwire_exporter_build_info'),
            { description: 'Scrape jobs that have a signalwire-exporter (found by signalwire_exporter_build_info, whatever the job is named).' },
          ),
          // Empty without --signalwire.projects-file; All (`.*`) then
          // matches the series without the label.
          callLabel('project', 'Project'),
          callLabel('status', 'Status'),
          callLabel('direction', 'Direction'),
          queryVariable(
            'country',
            'Country',
            'label_values(signalwire_country_calls_ended_total{job=~"$job"}, country)',
            { allValue: '.*', description: "The remote party's country, with --labels.country." },
          ),
        ],
      },
      time: { from: 'now-6h', to: 'now' },
      timepicker: {},
      timezone: '',
      title: d.title,
      uid: d.uid,
      version: 1,
      weekStart: '',
    },
  },
}
