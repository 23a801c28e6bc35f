// `akri-ts status` on a real cluster with two agents (nodes): a shared device both reach, and one
// whose device vanished from one node. That node reports it in its status entry for the grace
// period, and `akri-ts status --output dot` (rendered by Graphviz) marks it: dashed, with when
// the node leaves it; `--output json` carries the same. When the device comes back the mark goes.
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { DebugEchoAvailability } from '../../discovery-handlers/debug-echo/availability.ts';
import { deviceHash } from '../../lib/naming/instance-name.ts';
import { applyConfiguration, getConfiguration, listInstances, nodeNames, TestNode } from './support/agent-nodes.ts';
import { useTestCluster } from './support/cluster.ts';
import { eventually } from '../support/wait.ts';

const run = promisify(execFile);
const root = join(import.meta.dirname, '../..');
const cluster = useTestCluster('reach');
const availability = new DebugEchoAvailability();
const names = nodeNames(2, 'reach');
let nodes: TestNode[] = [];

interface Drawn {
  objects: Array<{ name: string; label?: string; style?: string }>;
  edges: Array<{ tail: number; head: number; label?: string; style?: string }>;
}

async function status(output: 'dot' | 'json'): Promise<string> {
  const { stdout } = await run(join(root, 'bin/akri-ts'), ['status', '--output', output, '--kubeconfig', cluster.kubeconfig], { cwd: root });
  return stdout;
}

beforeAll(async () => {
  nodes = await Promise.all(names.map((n) => new TestNode(n, cluster.kc, cluster.namespace, { handler: 'embedded', shared: true, availability, graceSeconds: 120 }).start()));
});
afterAll(async () => {
  await Promise.all(nodes.map((n) => n.stop()));
});

it('marks a device one node keeps only for its grace period, and unmarks it when the device returns', async () => {
  await applyConfiguration(cluster.kc, cluster.namespace, 'reach-cams', {
    discoveryHandler: { name: 'debugEcho', discoveryDetails: 'descriptions: ["door", "yard"]' },
    capacity: 2,
  });
  const yard = `reach-cams-${deviceHash('yard', true, '')}`;
  await eventually(async () => {
    const all = await listInstances(cluster.kc, cluster.namespace, 'reach-cams');
    expect(all.map((i) => [...(i.spec.nodes ?? [])].sort())).toEqual([names, names]);
  }, 30_000);

  // The yard camera goes out of reach of the second node only.
  nodes[1]?.echo.availability.setOffline('yard');
  const entry = await eventually(async () => {
    const c = await getConfiguration(cluster.kc, cluster.namespace, 'reach-cams');
    const e = c?.status?.nodes?.find((n) => n.node === names[1]);
    expect(e?.instancesInGrace?.map((g) => g.instance)).toEqual([yard]);
    return e;
  }, 30_000);
  const graceSeconds = (Date.parse(entry?.instancesInGrace?.[0]?.leaveAt ?? '') - Date.parse(entry?.instancesInGrace?.[0]?.since ?? '')) / 1000;
  expect(graceSeconds).toBe(120);
  expect(entry?.inGrace).toBe(1);
  // Still in the Instance's nodes: the grace period is not over.
  expect((await listInstances(cluster.kc, cluster.namespace, 'reach-cams')).find((i) => i.metadata.name === yard)?.spec.nodes).toHaveLength(2);

  const json = JSON.parse(await status('json')) as { instances: Array<{ name: string; inGrace: Array<{ node: string }> }> };
  expect(json.instances.find((i) => i.name === yard)?.inGrace.map((g) => g.node)).toEqual([names[1]]);

  const dot = await status('dot');
  const drawn = JSON.parse(execFileSync('dot', ['-Tjson'], { input: dot, encoding: 'utf8' })) as Drawn;
  // The picture holds every object of the shared test cluster, so it may be large.
  expect(execFileSync('dot', ['-Tpng'], { input: dot, maxBuffer: 256 * 1024 * 1024 }).subarray(1, 4).toString()).toBe('PNG');
  const id = (name: string) => drawn.objects.findIndex((o) => o.name === name);
  const device = drawn.objects[id(`instance/${cluster.namespace}/${yard}`)];
  expect(device?.style).toContain('dashed');
  expect(device?.label).toContain(`grace period on ${names[1]}`);
  const reach = (node: string) => drawn.edges.find((e) => e.tail === id(`node/${node}`) && e.head === id(`instance/${cluster.namespace}/${yard}`));
  expect(reach(names[1] ?? '')?.style).toBe('dashed');
  expect(reach(names[0] ?? '')?.label).toBe('reaches');

  // Back in reach: the node's entry no longer lists it, and the picture drops the mark.
  nodes[1]?.echo.availability.setOnline('yard');
  await eventually(async () => {
    const c = await getConfiguration(cluster.kc, cluster.namespace, 'reach-cams');
    expect(c?.status?.nodes?.find((n) => n.node === names[1])?.instancesInGrace).toBeUndefined();
  }, 30_000);
  expect(await status('dot')).not.toContain('grace period on');
});
