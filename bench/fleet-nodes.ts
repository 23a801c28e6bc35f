// One process of the fleet benchmark (bench/fleet.bench.ts): several nodes, each an agent of its
// own (its node name, state, handlers directory and kubelet stand-in) with two handlers inside:
// debugEcho for the node's local devices, and "debugEchoShared", debugEcho's shared devices
// narrowed to the node's group (the devices on that group's network segment), so each shared
// device is seen by the nodes of one group only. Driven by its parent over IPC.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { Agent } from '../agent/agent.ts';
import { DebugEchoHandler, parseDebugEchoDetails } from '../discovery-handlers/debug-echo/debug-echo-handler.ts';
import type { DiscoveredDevice, DiscoverRequest, DiscoveryHandler } from '../lib/discovery/handler.ts';
import { forEachBounded } from '../lib/async/bounded.ts';
import { LiteKubeConfig } from '../lib/kube/lite-kube-config.ts';
import { Logger, MemorySink } from '../lib/observability/logger.ts';
import { KubeletStandIn } from '../test/kubelet-stand-in/kubelet-stand-in.ts';

export const SHARED_HANDLER = 'debugEchoShared';

export interface FleetNode {
  name: string;
  /** The devices of the shared Configuration whose description starts with `<group>-`. */
  group: string;
}

export type ToFleetProcess =
  | { type: 'init'; nodes: FleetNode[]; kubeconfig: string; namespace: string; dir: string }
  | { type: 'start' }
  | { type: 'counts' }
  | { type: 'admit'; node: string; resources: string[] }
  | { type: 'kill'; node: string }
  | { type: 'stop' };

export type FromFleetProcess =
  | { type: 'ready' }
  | { type: 'started' }
  | { type: 'counts'; requests: Record<string, number> }
  | { type: 'admitted'; refused: string[] }
  | { type: 'killed' }
  | { type: 'error'; message: string };

/** debugEcho's shared devices, only those of this node's group. */
class GroupEcho implements DiscoveryHandler {
  readonly name = SHARED_HANDLER;
  readonly shared = true;
  private readonly inner = new DebugEchoHandler({ shared: true, pollMs: 60_000 });

  constructor(private readonly group: string) {}

  discover(request: DiscoverRequest, signal: AbortSignal): AsyncIterable<DiscoveredDevice[]> {
    const mine = parseDebugEchoDetails(request.details).filter((d) => d.startsWith(`${this.group}-`));
    return this.inner.discover({ ...request, details: JSON.stringify({ descriptions: mine }) }, signal);
  }
}

interface Running {
  node: FleetNode;
  agent: Agent;
  kubelet: KubeletStandIn;
  registry: Registry;
}

const running = new Map<string, Running>();
const send = (m: FromFleetProcess): void => void process.send?.(m);

async function requestCounts(): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const r of running.values()) {
    const metric = r.registry.getSingleMetric('akri_agent_api_requests_total');
    for (const v of (await metric?.get())?.values ?? []) {
      const verb = String(v.labels.verb ?? '');
      out[verb] = (out[verb] ?? 0) + v.value;
    }
  }
  return out;
}

async function handle(m: ToFleetProcess): Promise<void> {
  switch (m.type) {
    case 'init': {
      const kc = LiteKubeConfig.fromFile(m.kubeconfig);
      // Agents log warnings and errors only, and to memory: a hundred of them would drown stderr.
      const logger = new Logger({}, 'error', new MemorySink());
      for (const node of m.nodes) {
        const dir = join(m.dir, node.name);
        mkdirSync(join(dir, 'handlers'), { recursive: true });
        const kubelet = new KubeletStandIn({ kubeletDir: join(dir, 'kubelet') });
        await kubelet.start();
        const registry = new Registry();
        const agent = new Agent({
          nodeName: node.name,
          handlersDir: join(dir, 'handlers'),
          kubeletDir: join(dir, 'kubelet'),
          stateDir: join(dir, 'state'),
          kubeConfig: kc,
          logger,
          registry,
          namespace: m.namespace,
          // Slots the bench takes stay taken: no pod-resources grace during the run.
          slotReclaimGraceMs: 3_600_000,
          embeddedHandlers: [new DebugEchoHandler({ shared: false, pollMs: 60_000 }), new GroupEcho(node.group)],
        });
        running.set(node.name, { node, agent, kubelet, registry });
      }
      send({ type: 'ready' });
      return;
    }
    case 'start':
      await forEachBounded([...running.values()], 8, (r) => r.agent.start());
      send({ type: 'started' });
      return;
    case 'counts':
      send({ type: 'counts', requests: await requestCounts() });
      return;
    case 'admit': {
      const r = running.get(m.node);
      if (!r) throw new Error(`no node ${m.node} in this process`);
      const refused: string[] = [];
      for (const [i, resource] of m.resources.entries()) {
        const result = await r.kubelet.admitPod({ uid: `fleet-${m.node}-${i}`, name: `fleet-${m.node}-${i}`, namespace: 'bench', containers: [{ name: 'c', requests: { [resource]: 1 } }] });
        if (!result.admitted) refused.push(`${resource}: ${result.message}`);
      }
      send({ type: 'admitted', refused });
      return;
    }
    case 'kill': {
      // The node dies: its agent and its kubelet stop, nothing is cleaned up.
      const r = running.get(m.node);
      if (r) {
        await r.agent.stop();
        await r.kubelet.stop();
        running.delete(m.node);
      }
      send({ type: 'killed' });
      return;
    }
    case 'stop':
      await Promise.allSettled([...running.values()].map(async (r) => {
        await r.agent.stop();
        await r.kubelet.stop();
      }));
      process.exit(0);
  }
}

let chain: Promise<void> = Promise.resolve();
process.on('message', (m: ToFleetProcess) => {
  chain = chain.then(() => handle(m)).catch((err: Error) => send({ type: 'error', message: err.stack ?? err.message }));
});
process.on('disconnect', () => process.exit(0));
