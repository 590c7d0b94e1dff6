// signalwire-exporter monitoring mixin: prometheusAlerts, prometheusRules and
// grafanaDashboards, tuned by _config (config.libsonnet). Use it as is, or
//   (import 'mixin.libsonnet') + { _config+:: { slo+: { callSetup+: { objective: 0.99 } } } }
// mixin/generate writes the shipped files from it.
(import 'config.libsonnet')
+ (import 'rules/rules.libsonnet')
+ (import 'alerts/alerts.libsonnet')
+ (import 'alerts/slo.libsonnet')
+ (import 'dashboards/dashboards.libsonnet')
