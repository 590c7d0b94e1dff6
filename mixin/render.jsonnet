// Everything mixin/generate writes, in one document:
//   jsonnet -J mixin mixin/render.jsonnet
local mixin = import 'mixin.libsonnet';

// One rules file: each group's recording rules, then its alerts (an alert
// reads rules of its own group, evaluated just before it).
local merged = (
  local rules = mixin.prometheusRules.groups;
  local alerts = mixin.prometheusAlerts.groups;
  local names = [g.name for g in rules];
  [
    g { rules+: std.flattenArrays([a.rules for a in alerts if a.name == g.name]) }
    for g in rules
  ] + [a for a in alerts if !std.member(names, a.name)]
);

{
  rules: { groups: merged },
  dashboards: mixin.grafanaDashboards,
  prometheusRule: {
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'PrometheusRule',
    metadata: {
      name: 'signalwire-exporter',
      labels: {
        'app.kubernetes.io/name': 'signalwire-exporter',
        'app.kubernetes.io/component': 'alert-rules',
      },
    },
    spec: { groups: merged },
  },
}
