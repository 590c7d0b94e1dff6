// The "Error budgets" row: each SLO's burn rate over the alerts' windows
// (error ratio / budget; 1 spends the budget in exactly the SLO period), per
// job. The SLOs are over all calls of a job: the status and direction
// variables do not apply here.
local slo = import '../lib/slo.libsonnet';

function(config, slos, y, firstId)
  local ds = { type: 'prometheus', uid: '${datasource}' };
  local windows = ['1h', '6h', '1d', '3d'];
  local panel(i, d) = {
    type: 'timeseries',
    title: 'Burn rate: %s (objective %g%%)' % [d.what, d.objective * 100],
    description: 'Error ratio of %s (%s) over each long window of %s, divided by the budget %g: 1 spends the %s budget in exactly %s; the alert rows fire above 14.4 (1h), 6 (6h), 3 (1d) and 1 (3d) with their short windows. Runbook: docs/runbooks.md#%s.'
                 % [d.what, d.events, d.alert, 1 - d.objective, config.slo.period, config.slo.period, std.asciiLower(d.alert)],
    id: firstId + 1 + i,
    datasource: ds,
    gridPos: { x: 12 * i, y: y + 1, w: 12, h: 8 },
    fieldConfig: {
      defaults: {
        custom: { drawStyle: 'line', fillOpacity: 10, lineWidth: 1, showPoints: 'never', spanNulls: false },
        min: 0,
        unit: 'none',
      },
      overrides: [],
    },
    options: {
      legend: { calcs: ['mean', 'max', 'lastNotNull'], displayMode: 'table', placement: 'bottom', showLegend: true },
      tooltip: { mode: 'multi', sort: 'desc' },
    },
    targets: [
      {
        datasource: ds,
        editorMode: 'code',
        expr: '%s{job=~"$job", project=~"$project"} / %g' % [slo.ratioRecord(d, w), 1 - d.objective],
        legendFormat: '{{job}} {{project}} %s' % w,
        range: true,
        refId: std.char(65 + j),
      }
      for j in std.range(0, std.length(windows) - 1)
      for w in [windows[j]]
    ],
  };
  [
    {
      type: 'row',
      title: 'Error budgets',
      id: firstId,
      collapsed: false,
      gridPos: { x: 0, y: y, w: 24, h: 1 },
      panels: [],
    },
  ] + [panel(i, slos[i]) for i in std.range(0, std.length(slos) - 1)]
