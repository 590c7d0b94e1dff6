// Small helpers shared by the rules, alerts and dashboard.
{
  // `metric{matchers, selector}`, or the bare metric name when both are empty.
  sel(config, metric, matchers=''):: (
    local parts = std.filter(function(p) p != '', [matchers, config.selector]);
    if parts == [] then metric else '%s{%s}' % [metric, std.join(', ', parts)]
  ),
  // The statuses of a call's last event (src/domain/labels.rs, is_terminal).
  terminalStatuses:: 'completed|busy|failed|no-answer|canceled',
  runbookUrl(config, alert):: '%s#%s' % [config.runbookBase, std.asciiLower(alert)],
}
