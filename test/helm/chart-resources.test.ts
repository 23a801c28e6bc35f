// The chart's default requests and limits, read from `helm template`: every container akri-ts
// runs (the agent, the controller, each handler's DaemonSet, the cleanup hook) asks for CPU and
// memory and has a memory limit above its request, so the scheduler reserves room for it and a
// leak ends in an OOM kill of that pod rather than of its neighbours. The figures themselves
// follow the footprint and scale benchmarks (helm/values.yaml says which, and the margin).
import { describe, expect, it } from 'vitest';
import { helmTemplate } from './helm-cli.ts';
import { manifests, type Manifest } from './rendered.ts';

const HANDLERS = ['debugEcho', 'onvif', 'opcua', 'udev', 'modbus', 'modbusRtu', 'ble'] as const;

interface Resources {
  requests?: { cpu?: string; memory?: string };
  limits?: { cpu?: string; memory?: string };
}
interface Container {
  name: string;
  resources?: Resources;
}

/** A memory quantity in MiB ("96Mi", "1Gi", "100M"). */
function mib(quantity: string | undefined): number {
  const m = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|K|M|G)?$/.exec(quantity ?? '');
  if (!m) throw new Error(`not a memory quantity: ${quantity}`);
  const unit = { Ki: 1 / 1024, Mi: 1, Gi: 1024, K: 1e3 / 2 ** 20, M: 1e6 / 2 ** 20, G: 1e9 / 2 ** 20 }[m[2] ?? ''] ?? 1 / 2 ** 20;
  return Number(m[1]) * unit;
}

/** The first container of every workload and Job the chart renders. */
function mainContainers(all: Manifest[]): Array<{ where: string; container: Container }> {
  return all.flatMap((m) => {
    const spec = m.spec as { template?: { spec?: { containers?: Container[] } } } | undefined;
    const container = spec?.template?.spec?.containers?.[0];
    return container ? [{ where: `${m.kind}/${m.metadata.name}`, container }] : [];
  });
}

async function render(values: Record<string, unknown>): Promise<Manifest[]> {
  const r = await helmTemplate(values);
  expect(r.code, r.stderr).toBe(0);
  return manifests(r.stdout);
}

describe('requests and limits in the chart', () => {
  it('every akri-ts container asks for CPU and memory and has a memory limit above its request', async () => {
    const values: Record<string, unknown> = {};
    for (const h of HANDLERS) values[h] = { discovery: { enabled: true } };
    const containers = mainContainers(await render(values));
    // The agent, the controller, seven handlers and the cleanup hook.
    expect(containers.map((c) => c.where)).toHaveLength(10);
    for (const { where, container } of containers) {
      const r = container.resources;
      expect(r?.requests?.cpu, where).toMatch(/^\d+m$/);
      expect(mib(r?.limits?.memory), where).toBeGreaterThan(mib(r?.requests?.memory));
      // No CPU limit: a throttled agent answers the kubelet's Allocate late.
      expect(r?.limits?.cpu, where).toBeUndefined();
    }
  });

  it('a value given for one component is what its pod gets', async () => {
    const all = await render({ agent: { resources: { requests: { cpu: '20m', memory: '40Mi' }, limits: { memory: '80Mi' } } } });
    const agent = mainContainers(all).find((c) => c.where.endsWith('-agent'));
    expect(agent?.container.resources).toEqual({ requests: { cpu: '20m', memory: '40Mi' }, limits: { memory: '80Mi' } });
  });
});
