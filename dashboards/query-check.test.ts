// The query checker on its own: it must fail a panel over a metric, label or label value that
// is not scraped, a grouping by a label the series lack, a legend naming a label the result
// lacks, and invalid PromQL; and it must pass a query that has data.
import { describe, expect, it } from 'vitest';
import { checkLabelValuesQuery, checkQuery, substituteGrafanaVariables, type Series } from './query-check.ts';

const series: Series[] = [
  { name: 'akri_instance_count', labels: { configuration: 'cams', is_shared: 'true', node: 'edge-1' } },
  { name: 'akri_allocate_latency_seconds_bucket', labels: { kind: 'instance', le: '0.001', node: 'edge-1' } },
  { name: 'akri_agent_api_requests_total', labels: { verb: 'APPLY', node: 'edge-1' } },
];

describe('checking a query against scraped series', () => {
  it('passes a query whose every part has data', () => {
    expect(checkQuery('sum by (configuration, node) (akri_instance_count{node=~".*"})', series, '{{configuration}} on {{node}}')).toEqual([]);
    expect(checkQuery('histogram_quantile(0.99, sum by (le, kind) (rate(akri_allocate_latency_seconds_bucket[5m])))', series, 'p99 {{kind}}')).toEqual([]);
    expect(checkQuery('sum(rate(akri_agent_api_requests_total{verb=~"POST|PATCH|APPLY"}[5m])) * 60', series)).toEqual([]);
  });

  it('fails a metric nobody emits', () => {
    expect(checkQuery('sum(akri_slots_in_use)', series).map((p) => p.problem)).toEqual(['akri_slots_in_use: no metric akri_slots_in_use was scraped']);
  });

  it('fails a label value no series has, naming the matcher', () => {
    expect(checkQuery('sum(rate(akri_agent_api_requests_total{verb="DELETE"}[5m]))', series).map((p) => p.problem)).toEqual([
      'akri_agent_api_requests_total{verb="DELETE"}: akri_agent_api_requests_total was scraped, but no series has verb="DELETE"',
    ]);
  });

  it('fails grouping by a label the series lack, and a legend naming a label the result lacks', () => {
    expect(checkQuery('sum by (handler) (akri_instance_count)', series)[0]?.problem).toMatch(/label "handler" .* is on none of the series/);
    expect(checkQuery('sum by (configuration) (akri_instance_count)', series, '{{node}}')[0]?.problem).toBe('legend {{node}}: the result has no label node (it has: configuration)');
    expect(checkQuery('histogram_quantile(0.5, sum by (le) (rate(akri_allocate_latency_seconds_bucket[5m])))', series, '{{le}}')[0]?.problem).toMatch(/no label le/);
  });

  it('fails invalid PromQL', () => {
    expect(checkQuery('sum by (node (akri_instance_count)', series)[0]?.problem).toMatch(/^not valid PromQL at column/);
  });

  it('replaces Grafana variables the way Grafana does before checking', () => {
    const expr = substituteGrafanaVariables('rate(x{node=~"$node", c=~"${configuration}"}[$__rate_interval])', { node: '.*', configuration: '.*' });
    expect(expr).toBe('rate(x{node=~".*", c=~".*"}[5m])');
  });

  it('checks label_values() variable queries', () => {
    expect(checkLabelValuesQuery('label_values(akri_instance_count, node)', series)).toEqual([]);
    expect(checkLabelValuesQuery('label_values(akri_instance_count, zone)', series)[0]?.problem).toBe('no series of akri_instance_count has a label zone');
  });
});
