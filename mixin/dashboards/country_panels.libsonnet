// The "Where" row (--labels.country): the top 20 countries by calls ended,
// with their failure, low-MOS and silent shares. Empty without the flag.
function(y, firstId)
  local ds = { type: 'prometheus', uid: '${datasource}' };
  local sel(extra='') = '{job=~"$job",direction=~"$direction",country=~"$country"%s}' % extra;
  local inc(metric, extra='') = 'sum by (country) (increase(%s%s[$__range]))' % [metric, sel(extra)];
  local ended = inc('signalwire_country_calls_ended_total');
  local top = 'topk(20, %s)' % ended;
  local share(num, den) = '(%s / %s) and on (country) %s' % [num, den, top];
  local target(ref, expr) = { refId: ref, datasource: ds, expr: expr, instant: true, format: 'table', range: false };
  [
    {
      type: 'row',
      title: 'Where',
      id: firstId,
      collapsed: false,
      gridPos: { x: 0, y: y, w: 24, h: 1 },
      panels: [],
    },
    {
      type: 'table',
      title: 'Top 20 countries by calls ended',
      description: "The remote party's country (To of outbound calls, From of inbound ones), over the dashboard's time range: calls ended, the share that ended failed, busy or no-answer, the share of calls with media at or under the low-MOS threshold, and the share of silent calls. Needs --labels.country (docs/metrics.md#countries).",
      id: firstId + 1,
      datasource: ds,
      gridPos: { x: 0, y: y + 1, w: 24, h: 10 },
      fieldConfig: {
        defaults: { custom: { align: 'auto' } },
        overrides: [
          { matcher: { id: 'byName', options: 'Value #A' }, properties: [{ id: 'displayName', value: 'Calls ended' }, { id: 'decimals', value: 0 }] },
          { matcher: { id: 'byName', options: 'Value #B' }, properties: [{ id: 'displayName', value: 'Failure share' }, { id: 'unit', value: 'percentunit' }] },
          { matcher: { id: 'byName', options: 'Value #C' }, properties: [{ id: 'displayName', value: 'Low-MOS share' }, { id: 'unit', value: 'percentunit' }] },
          { matcher: { id: 'byName', options: 'Value #D' }, properties: [{ id: 'displayName', value: 'Silent share' }, { id: 'unit', value: 'percentunit' }] },
        ],
      },
      options: { showHeader: true, sortBy: [{ displayName: 'Calls ended', desc: true }] },
      transformations: [
        { id: 'merge', options: {} },
        { id: 'organize', options: { excludeByName: { Time: true } } },
      ],
      targets: [
        target('A', top),
        target('B', share(inc('signalwire_country_calls_ended_total', ',status=~"failed|busy|no-answer"'), ended)),
        target('C', share(inc('signalwire_country_call_quality_issues_total', ',issue="low_mos"'), inc('signalwire_country_calls_with_media_total'))),
        target('D', share(inc('signalwire_country_calls_silent_total'), ended)),
      ],
    },
  ]
