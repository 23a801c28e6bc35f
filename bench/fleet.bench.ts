// A site: --nodes (100) nodes, each with --local (100) local devices, plus shared devices seen by
// the --group-size (10) nodes of one network segment (--shared-per-group, 10, per group), against
// a real control plane with kube-controller-manager (its node lifecycle controller watches the
// Nodes), one controller (compiled, as the image runs it) making a broker Pod per local Instance
// and per node of a shared one, and the agents in --processes (4) processes (bench/fleet-nodes.ts),
// each agent with its own node name, state and kubelet stand-in. There is no kubelet: the bench
// keeps each Node Ready by rewriting its Ready condition every 10 s, as npm start does for its one.
//   secondsToAllInstances  agents told to start → every Instance exists with its full nodes list
//   secondsToAllBrokers    agents told to start → every broker Pod exists
//   apiWritesPerMinuteAtRest  writes by the agents and the controller over --rest-seconds once
//                          settled (the controller's Lease renewals apart)
//   apiRequestsPerDevice   the agents' API requests until settled ÷ (node, device) sightings
//   controllerPeakMiB      the controller's VmHWM over the whole run
//   apiserver*             the API server's own request latency (its /metrics) while the fleet came up,
//                          its busiest requests and those it failed (5xx, 429) by verb, resource, code
// A fleet not up within --timeout-seconds reports how far it got (instancesCompleteAtTimeout,
// brokersAtTimeout) with the API server's figures, and stops there.
// Then one node dies (its agent and kubelet stop, its heartbeat stops) after holding slots: the
// time until the node lifecycle controller marks it, and until its Instances' nodes lists and
// slots are updated and its brokers are gone (bar: the node-loss grace + 30 s).
// npm run bench -- fleet [--nodes 100] [--local 100] [--group-size 10] [--shared-per-group 10] [--processes 4] [--rest-seconds 60] [--timeout-seconds 600] --json
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ControlPlane } from '../cli/start/control-plane/control-plane.ts';
import { forEachBounded } from '../lib/async/bounded.ts';
import { kubeRequest, type KubeEndpoint } from '../lib/kube/raw-request.ts';
import { deviceHash } from '../lib/naming/instance-name.ts';
import { freePort } from '../lib/net/free-port.ts';
import { sleep } from '../lib/time/sleep.ts';
import { log, type Benchmark } from './benchmark.ts';
import { postConfiguration, procStatusMiB, startBenchCluster } from './bench-cluster.ts';
import { akriTsCommand, imageNodeFlags, repoRoot } from './compiled.ts';
import { SHARED_HANDLER, type FleetNode, type FromFleetProcess, type ToFleetProcess } from './fleet-nodes.ts';

const NODE_LOSS_GRACE_SECONDS = 40;
const HEARTBEAT_MS = 10_000;
const WRITE_VERBS = ['APPLY', 'POST', 'PUT', 'PATCH', 'DELETE'];

interface InstanceItem {
  metadata: { name: string };
  spec: { nodes?: string[]; shared?: boolean; deviceUsage?: Record<string, string> };
}
interface PodItem {
  metadata: { name: string; labels?: Record<string, string> };
}

/** A fleet process and the replies it sends, in order. */
class FleetProcess {
  private readonly replies: FromFleetProcess[] = [];
  private waiting: ((m: FromFleetProcess) => void) | undefined;

  constructor(readonly child: ChildProcess) {
    child.on('message', (m: FromFleetProcess) => {
      if (m.type === 'error') process.stderr.write(`[fleet ${child.pid}] ${m.message}\n`);
      if (this.waiting) {
        const w = this.waiting;
        this.waiting = undefined;
        w(m);
      } else this.replies.push(m);
    });
  }

  async ask<T extends FromFleetProcess['type']>(m: ToFleetProcess, reply: T): Promise<Extract<FromFleetProcess, { type: T }>> {
    this.child.send(m);
    const next = this.replies.shift() ?? (await new Promise<FromFleetProcess>((resolve) => (this.waiting = resolve)));
    if (next.type !== reply) throw new Error(`fleet process ${this.child.pid}: expected ${reply}, got ${next.type}${next.type === 'error' ? `: ${next.message}` : ''}`);
    return next as Extract<FromFleetProcess, { type: T }>;
  }
}

/**
 * Device descriptions whose Instance names do not collide. Akri's names carry 3 bytes of hash,
 * so 10,000 local devices would share about three names between nodes by chance (Akri then
 * merges them into one Instance); the salt keeps this benchmark about scale, not collisions.
 */
function collisionFree(nodes: string[], local: number, shared: string[]): { salt: number; localDescriptions: string[] } {
  for (let salt = 0; salt < 10_000; salt++) {
    const localDescriptions = Array.from({ length: local }, (_, i) => `local-${salt}-${i}`);
    const seen = new Set<string>(shared.map((d) => deviceHash(d, true, '')));
    if (seen.size !== shared.length) continue;
    let clash = false;
    for (const n of nodes) {
      for (const d of localDescriptions) {
        const h = deviceHash(d, false, n);
        if (seen.has(h)) {
          clash = true;
          break;
        }
        seen.add(h);
      }
      if (clash) break;
    }
    if (!clash) return { salt, localDescriptions };
  }
  throw new Error('no collision-free salt found');
}

/** Latency of the API server's non-long-running requests from two scrapes of its /metrics. */
function apiserverLatency(before: string, after: string): { count: number; p50Ms: number; p99Ms: number; byVerb: Record<string, number> } {
  const buckets = (text: string): Map<string, Map<number, number>> => {
    const out = new Map<string, Map<number, number>>();
    for (const m of text.matchAll(/^apiserver_request_duration_seconds_bucket\{([^}]*)\} (\S+)/gm)) {
      const labels = m[1] ?? '';
      const verb = /verb="([^"]+)"/.exec(labels)?.[1] ?? '';
      if (verb === 'WATCH' || verb === 'CONNECT') continue;
      const le = /le="([^"]+)"/.exec(labels)?.[1] ?? '';
      const bound = le === '+Inf' ? Infinity : Number(le);
      const byBound = out.get(verb) ?? new Map<number, number>();
      byBound.set(bound, (byBound.get(bound) ?? 0) + Number(m[2]));
      out.set(verb, byBound);
    }
    return out;
  };
  const b0 = buckets(before);
  const b1 = buckets(after);
  const total = new Map<number, number>();
  const byVerb: Record<string, number> = {};
  const quantile = (h: Map<number, number>, q: number): number => {
    const sorted = [...h].sort((a, b) => a[0] - b[0]);
    const n = sorted.at(-1)?.[1] ?? 0;
    for (const [bound, c] of sorted) if (c >= q * n) return bound * 1000;
    return NaN;
  };
  for (const [verb, h] of b1) {
    const delta = new Map<number, number>();
    for (const [bound, c] of h) {
      const d = c - (b0.get(verb)?.get(bound) ?? 0);
      delta.set(bound, d);
      total.set(bound, (total.get(bound) ?? 0) + d);
    }
    if ((delta.get(Infinity) ?? 0) > 0) byVerb[verb] = quantile(delta, 0.99);
  }
  return { count: total.get(Infinity) ?? 0, p50Ms: quantile(total, 0.5), p99Ms: quantile(total, 0.99), byVerb };
}

/** Requests the API server answered between two scrapes of its /metrics, by verb, resource and code, busiest first (10 at most). */
function apiserverRequestMix(before: string, after: string, keep: (code: number) => boolean): Record<string, number> {
  const totals = (text: string): Map<string, number> => {
    const out = new Map<string, number>();
    for (const m of text.matchAll(/^apiserver_request_total\{([^}]*)\} (\S+)/gm)) {
      const labels = m[1] ?? '';
      const code = Number(/code="(\d+)"/.exec(labels)?.[1] ?? 0);
      if (!keep(code)) continue;
      const key = `${/verb="([^"]+)"/.exec(labels)?.[1] ?? ''} ${/resource="([^"]*)"/.exec(labels)?.[1] ?? ''} ${code}`;
      out.set(key, (out.get(key) ?? 0) + Number(m[2]));
    }
    return out;
  };
  const b0 = totals(before);
  const mix = [...totals(after)].map(([k, n]) => [k, n - (b0.get(k) ?? 0)] as const).filter(([, n]) => n > 0);
  return Object.fromEntries(mix.sort((a, b) => b[1] - a[1]).slice(0, 10));
}

async function controllerCounts(port: number): Promise<{ total: number; writes: number; lease: number }> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const counts = { total: 0, writes: 0, lease: 0 };
  for (const m of text.matchAll(/^akri_controller_api_requests_total\{verb="(\w+)",resource="(\w+)"\} (\d+)/gm)) {
    const [, verb = '', resource = '', n = '0'] = m;
    counts.total += Number(n);
    if (resource === 'leases') counts.lease += verb === 'update' ? Number(n) : 0;
    else if (['create', 'update', 'patch', 'delete', 'apply'].includes(verb)) counts.writes += Number(n);
  }
  return counts;
}

const listInstances = (kc: KubeEndpoint, ns: string) =>
  kubeRequest<{ items: InstanceItem[] }>(kc, { method: 'GET', path: `/apis/akri.sh/v0/namespaces/${ns}/instances`, query: { resourceVersion: '0' }, timeoutMs: 120_000 });
const listBrokers = (kc: KubeEndpoint, ns: string) =>
  kubeRequest<{ items: PodItem[] }>(kc, { method: 'GET', path: `/api/v1/namespaces/${ns}/pods`, query: { labelSelector: 'akri.sh/instance', resourceVersion: '0' }, timeoutMs: 120_000 });

async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const started = performance.now();
  for (;;) {
    const found = await probe();
    if (found !== undefined) return found;
    if (performance.now() - started > timeoutMs) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await sleep(3000);
  }
}

const bench: Benchmark = async (args) => {
  const nodeCount = args.number('nodes', 100);
  const local = args.number('local', 100);
  const groupSize = args.number('group-size', 10);
  const sharedPerGroup = args.number('shared-per-group', 10);
  const processCount = args.number('processes', 4);
  const restSeconds = args.number('rest-seconds', 60);
  // How long the fleet may take to come up (goals: 120 s, 180 s): past it, the run reports how far
  // it got and what the API server was doing, and skips the rest and the node's death.
  const timeoutSeconds = args.number('timeout-seconds', 600);
  // The controller runs as the image runs it (--node-flags="..." to weigh other flags).
  const akriTs = akriTsCommand({ ...args.flags, 'as-image': true }, imageNodeFlags());

  const nodes: FleetNode[] = Array.from({ length: nodeCount }, (_, i) => ({ name: `fleet-${String(i).padStart(3, '0')}`, group: `g${Math.floor(i / groupSize)}` }));
  const groups = [...new Set(nodes.map((n) => n.group))];
  const sharedDescriptions = groups.flatMap((g) => Array.from({ length: sharedPerGroup }, (_, i) => `${g}-camera-${i}`));
  const { salt, localDescriptions } = collisionFree(nodes.map((n) => n.name), local, sharedDescriptions);
  // What must exist: every Instance name with its nodes.
  const expected = new Map<string, string[]>();
  for (const n of nodes) for (const d of localDescriptions) expected.set(`fleet-local-${deviceHash(d, false, n.name)}`, [n.name]);
  for (const d of sharedDescriptions) {
    const group = d.split('-')[0];
    expected.set(`fleet-shared-${deviceHash(d, true, '')}`, nodes.filter((n) => n.group === group).map((n) => n.name).sort());
  }
  const expectedBrokers = nodeCount * local + sharedDescriptions.length * groupSize;
  log(`${nodeCount} nodes, ${expected.size} Instances (${nodeCount * local} local, ${sharedDescriptions.length} shared by ${groupSize} nodes each; name salt ${salt}), ${expectedBrokers} broker Pods`);

  const dir = mkdtempSync(join(tmpdir(), 'akf-'));
  const plane = new ControlPlane({
    dir: join(dir, 'cp'),
    scheduler: false,
    controllerManager: true,
    controllerManagerArgs: [`--node-monitor-grace-period=${NODE_LOSS_GRACE_SECONDS}s`],
  });
  const fleet: FleetProcess[] = [];
  let controller: ChildProcess | undefined;
  let heartbeat: NodeJS.Timeout | undefined;
  try {
    const { ep, kc, ns } = await startBenchCluster(plane);
    await kubeRequest(kc, { method: 'POST', path: `/api/v1/namespaces/${ns}/serviceaccounts`, body: { metadata: { name: 'default' } } }).catch(() => undefined);
    const beating = new Set(nodes.map((n) => n.name));
    const beat = (name: string) =>
      kubeRequest(kc, {
        method: 'PATCH',
        path: `/api/v1/nodes/${name}/status`,
        contentType: 'application/merge-patch+json',
        body: { status: { conditions: [{ type: 'Ready', status: 'True', reason: 'BenchHeartbeat', lastHeartbeatTime: new Date().toISOString() }] } },
      }).catch((err: Error) => log(`heartbeat ${name}: ${err.message}`));
    await forEachBounded(nodes, 8, async (n) => {
      await kubeRequest(kc, { method: 'POST', path: '/api/v1/nodes', body: { metadata: { name: n.name, labels: { 'kubernetes.io/hostname': n.name } } } });
      await beat(n.name);
    });
    heartbeat = setInterval(() => void forEachBounded([...beating], 8, async (name) => void (await beat(name))), HEARTBEAT_MS);

    const broker = { brokerPodSpec: { containers: [{ name: 'broker', image: 'registry.k8s.io/pause:3.10' }] } };
    await postConfiguration(kc, ns, 'fleet-local', { discoveryHandler: { name: 'debugEcho', discoveryDetails: JSON.stringify({ descriptions: localDescriptions }) }, capacity: 2, brokerSpec: broker });
    await postConfiguration(kc, ns, 'fleet-shared', { discoveryHandler: { name: SHARED_HANDLER, discoveryDetails: JSON.stringify({ descriptions: sharedDescriptions }) }, capacity: 2, brokerSpec: broker });

    const controllerPort = await freePort();
    controller = spawn(process.execPath, akriTs.argv('controller', '--kubeconfig', ep.kubeconfig, '--identity', 'fleet', '--namespace', ns, '--lease-namespace', ns, '--metrics-port', String(controllerPort), '--log-level', 'warn'), {
      cwd: repoRoot,
      stdio: ['ignore', 'ignore', 'inherit'],
      env: { ...process.env, NODE_OPTIONS: '' },
    });
    const controllerPid = controller.pid ?? 0;

    log(`starting ${processCount} fleet processes`);
    const perProcess = Math.ceil(nodeCount / processCount);
    for (let p = 0; p < processCount; p++) {
      const mine = nodes.slice(p * perProcess, (p + 1) * perProcess);
      if (mine.length === 0) continue;
      const child = fork(join(repoRoot, 'bench/fleet-nodes.ts'), [], {
        cwd: repoRoot,
        execArgv: ['--import', 'tsx', '--max-old-space-size=4096'],
        stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
      });
      const fp = new FleetProcess(child);
      fleet.push(fp);
      await fp.ask({ type: 'init', nodes: mine, kubeconfig: ep.kubeconfig, namespace: ns, dir }, 'ready');
    }
    const nodeProcess = new Map<string, FleetProcess>();
    fleet.forEach((fp, p) => nodes.slice(p * perProcess, (p + 1) * perProcess).forEach((n) => nodeProcess.set(n.name, fp)));

    const metricsBefore = await kubeRequest<string>(kc, { method: 'GET', path: '/metrics' });
    log('all stand-ins up; starting every agent');
    const started = performance.now();
    await Promise.all(fleet.map((fp) => fp.ask({ type: 'start' }, 'started')));
    log(`agents started in ${((performance.now() - started) / 1000).toFixed(1)} s`);

    let secondsToAllInstances = NaN;
    let secondsToAllBrokers = NaN;
    let complete = 0;
    let pods = 0;
    const cameUp = await until('every Instance with its full nodes list and every broker Pod', timeoutSeconds * 1000, async () => {
      if (Number.isNaN(secondsToAllInstances)) {
        const items = (await listInstances(kc, ns)).items;
        complete = items.filter((i) => {
          const want = expected.get(i.metadata.name);
          return want !== undefined && JSON.stringify([...(i.spec.nodes ?? [])].sort()) === JSON.stringify(want);
        }).length;
        log(`${((performance.now() - started) / 1000).toFixed(0)} s: ${items.length} Instances, ${complete} of ${expected.size} complete`);
        if (complete === expected.size) secondsToAllInstances = (performance.now() - started) / 1000;
      }
      pods = (await listBrokers(kc, ns)).items.length;
      log(`${((performance.now() - started) / 1000).toFixed(0)} s: ${pods} of ${expectedBrokers} broker Pods; controller RSS ${procStatusMiB(controllerPid, 'VmRSS').toFixed(0)} MiB`);
      if (pods >= expectedBrokers && Number.isNaN(secondsToAllBrokers)) secondsToAllBrokers = (performance.now() - started) / 1000;
      return !Number.isNaN(secondsToAllInstances) && !Number.isNaN(secondsToAllBrokers) ? true : undefined;
    }).catch((err: Error) => err);
    const metricsAfter = await kubeRequest<string>(kc, { method: 'GET', path: '/metrics' });
    const latency = apiserverLatency(metricsBefore, metricsAfter);
    const apiserver = {
      apiserverRequests: latency.count,
      apiserverP50Ms: latency.p50Ms,
      apiserverP99Ms: latency.p99Ms,
      apiserverP99MsByVerb: JSON.stringify(latency.byVerb),
      apiserverBusiest: JSON.stringify(apiserverRequestMix(metricsBefore, metricsAfter, () => true)),
      apiserverFailed: JSON.stringify(apiserverRequestMix(metricsBefore, metricsAfter, (code) => code >= 500 || code === 429)),
    };
    const scale = { controllerRunAs: akriTs.runAs, nodes: nodeCount, instances: expected.size, brokers: expectedBrokers, processes: fleet.length };
    if (cameUp instanceof Error) {
      // Not up within the time allowed: what was reached, and what the API server was doing.
      log(cameUp.message);
      return {
        ...scale,
        timeoutSeconds,
        instancesCompleteAtTimeout: complete,
        brokersAtTimeout: pods,
        secondsToAllInstances: Number.isNaN(secondsToAllInstances) ? `not within ${timeoutSeconds}` : Number(secondsToAllInstances.toFixed(1)),
        secondsToAllBrokers: `not within ${timeoutSeconds}`,
        controllerPeakMiB: Math.round(procStatusMiB(controllerPid, 'VmHWM')),
        fleetRssMiBPerNode: Number((fleet.reduce((s, fp) => s + procStatusMiB(fp.child.pid ?? 0, 'VmRSS'), 0) / nodeCount).toFixed(1)),
        ...apiserver,
      };
    }

    const agentCounts = async (): Promise<Record<string, number>> => {
      const out: Record<string, number> = {};
      for (const fp of fleet) for (const [verb, n] of Object.entries((await fp.ask({ type: 'counts' }, 'counts')).requests)) out[verb] = (out[verb] ?? 0) + n;
      return out;
    };
    const sum = (c: Record<string, number>, verbs?: string[]) => Object.entries(c).reduce((s, [k, v]) => (verbs && !verbs.includes(k) ? s : s + v), 0);
    await sleep(10_000);
    const settledAgents = await agentCounts();
    const settledController = await controllerCounts(controllerPort);
    log(`settled; ${restSeconds} s at rest`);
    await sleep(restSeconds * 1000);
    const restAgents = await agentCounts();
    const restController = await controllerCounts(controllerPort);
    const writesAtRest = sum(restAgents, WRITE_VERBS) - sum(settledAgents, WRITE_VERBS) + restController.writes - settledController.writes;
    const fleetRssMiB = fleet.reduce((s, fp) => s + procStatusMiB(fp.child.pid ?? 0, 'VmRSS'), 0);

    // One node dies after its pods took a slot of 10 local and every shared Instance it sees.
    const victim = nodes[Math.min(nodes.length - 1, groupSize + 3)] as FleetNode;
    const before = (await listInstances(kc, ns)).items.filter((i) => i.spec.nodes?.includes(victim.name));
    const claims = [...before.filter((i) => !i.spec.shared).slice(0, 10), ...before.filter((i) => i.spec.shared)].map((i) => `akri.sh/${i.metadata.name}`);
    const admitted = await nodeProcess.get(victim.name)?.ask({ type: 'admit', node: victim.name, resources: claims }, 'admitted');
    if (admitted?.refused.length) throw new Error(`slots refused on ${victim.name}: ${admitted.refused.join('; ')}`);
    const holds = (i: InstanceItem) => Object.values(i.spec.deviceUsage ?? {}).some((v) => v === victim.name || v.endsWith(`:${victim.name}`));
    await until(`${claims.length} slots held by ${victim.name}`, 60_000, async () => ((await listInstances(kc, ns)).items.filter(holds).length >= claims.length ? true : undefined));
    log(`${victim.name} holds ${claims.length} slots; it dies now`);
    await nodeProcess.get(victim.name)?.ask({ type: 'kill', node: victim.name }, 'killed');
    beating.delete(victim.name);
    const died = performance.now();
    const secondsToNotReady = await until(`${victim.name} NotReady`, 180_000, async () => {
      const node = await kubeRequest<{ status?: { conditions?: Array<{ type: string; status: string }> } }>(kc, { method: 'GET', path: `/api/v1/nodes/${victim.name}` });
      return node.status?.conditions?.find((c) => c.type === 'Ready')?.status !== 'True' ? (performance.now() - died) / 1000 : undefined;
    });
    log(`${victim.name} NotReady after ${secondsToNotReady.toFixed(1)} s`);
    const secondsToInstancesUpdated = await until(`${victim.name} gone from every Instance and slot`, 300_000, async () => {
      const items = (await listInstances(kc, ns)).items;
      return items.some((i) => i.spec.nodes?.includes(victim.name) || holds(i)) ? undefined : (performance.now() - died) / 1000;
    });
    const secondsToBrokersGone = await until(`${victim.name}'s brokers gone`, 300_000, async () => {
      const pods = (await listBrokers(kc, ns)).items;
      return pods.some((p) => p.metadata.labels?.['akri.sh/target-node'] === victim.name) ? undefined : (performance.now() - died) / 1000;
    });
    const nodeLossSeconds = Math.max(secondsToInstancesUpdated, secondsToBrokersGone);
    log(`${victim.name}: Instances and slots updated after ${secondsToInstancesUpdated.toFixed(1)} s, brokers gone after ${secondsToBrokersGone.toFixed(1)} s`);

    return {
      ...scale,
      secondsToAllInstances: Number(secondsToAllInstances.toFixed(1)),
      secondsToAllBrokers: Number(secondsToAllBrokers.toFixed(1)),
      apiWritesPerMinuteAtRest: Number(((writesAtRest * 60) / restSeconds).toFixed(2)),
      controllerLeaseRenewalsPerMinute: Number((((restController.lease - settledController.lease) * 60) / restSeconds).toFixed(1)),
      apiRequestsPerDevice: Number((sum(settledAgents) / (nodeCount * local + sharedDescriptions.length * groupSize)).toFixed(2)),
      controllerApiRequestsPerInstance: Number((settledController.total / expected.size).toFixed(2)),
      controllerPeakMiB: Math.round(procStatusMiB(controllerPid, 'VmHWM')),
      controllerRssMiB: Math.round(procStatusMiB(controllerPid, 'VmRSS')),
      fleetRssMiBPerNode: Number((fleetRssMiB / nodeCount).toFixed(1)),
      ...apiserver,
      nodeLossGraceSeconds: NODE_LOSS_GRACE_SECONDS,
      secondsToNotReady: Number(secondsToNotReady.toFixed(1)),
      secondsToNodeLeftInstances: Number(secondsToInstancesUpdated.toFixed(1)),
      secondsToNodeBrokersGone: Number(secondsToBrokersGone.toFixed(1)),
      nodeLossWithinGracePlus30: nodeLossSeconds <= NODE_LOSS_GRACE_SECONDS + 30,
    };
  } finally {
    clearInterval(heartbeat);
    for (const fp of fleet) fp.child.kill('SIGKILL');
    controller?.kill('SIGKILL');
    await plane.stop();
    rmSync(dir, { recursive: true, force: true });
  }
};
export default bench;
