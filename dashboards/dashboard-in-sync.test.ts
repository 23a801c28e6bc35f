// The dashboard the chart ships is the one akri-ts-dashboard.ts describes (regenerate with
// `npm run gen:dashboard`), it is a sound dashboard model, and every query is valid PromQL by
// the Prometheus project's own grammar. Whether each query has data is checked against the real
// agent and controller in test/integration/dashboard-metrics.test.ts.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Dashboard, Panel } from '@grafana/schema';
import { akriDashboard } from './akri-ts-dashboard.ts';
import { DASHBOARD_FILE, renderDashboard } from './generate.ts';
import { dataProblems, modelProblems, queriedMetrics } from './dashboard-checks.ts';

describe('the shipped Grafana dashboard', () => {
  it('is what the TypeScript source generates (run npm run gen:dashboard after editing it)', () => {
    expect(readFileSync(DASHBOARD_FILE, 'utf8')).toBe(renderDashboard());
  });

  it('is a sound dashboard model: unique ids, a grid that fits without overlaps, known variables, one datasource variable', () => {
    const shipped = JSON.parse(readFileSync(DASHBOARD_FILE, 'utf8')) as Dashboard;
    expect(modelProblems(shipped)).toEqual([]);
  });

  it('has only valid PromQL', () => {
    const invalid = dataProblems(akriDashboard(), []).filter((p) => p.problem.startsWith('not valid PromQL'));
    expect(invalid).toEqual([]);
  });

  it('covers what the issue asks: devices and Instances, discovery, slots and claims, Allocate, API writes, broker restarts', () => {
    expect(queriedMetrics(akriDashboard())).toEqual(
      expect.arrayContaining([
        'akri_discovered_device_count',
        'akri_instance_count',
        'akri_broker_pod_count',
        'akri_discovery_response_time_bucket',
        'akri_discovery_response_result',
        'akri_device_plugin_slots',
        'akri_slot_claims_total',
        'akri_allocate_latency_seconds_bucket',
        'akri_agent_api_requests_total',
        'akri_controller_api_requests_total',
        'akri_controller_broker_changes_total',
      ]),
    );
  });

  it('finds the structural mistakes it is meant to find', () => {
    const d = akriDashboard();
    const [first, second] = (d.panels ?? []).filter((p): p is Panel => p.type !== 'row');
    if (!first || !second) throw new Error('the dashboard has fewer than two panels');
    second.gridPos = { ...first.gridPos!, x: first.gridPos!.x + 1 };
    second.id = first.id;
    (first.targets as Array<{ expr: string }>)[0]!.expr = 'sum(akri_instance_count{node=~"$nodes"})';
    const problems = modelProblems(d).join('\n');
    expect(problems).toContain('panel ids must be set and unique');
    expect(problems).toContain(`${second.title} overlaps ${first.title}`);
    expect(problems).toContain('unknown variable $nodes');
  });
});
