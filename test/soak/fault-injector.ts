// Carries out a fault schedule on the running site: each fault at its time, undone after its
// duration, every step recorded in the fault log with when it really happened (a loaded
// machine stretches both). Faults that cut a node from the API server, or stop the API server,
// first give a kubelet a pod to admit while it is away (a pod it already knows and admits after
// its pod worker's delay), so that "a pod admitted while the API server was away" happens.
import { writeFileSync } from 'node:fs';
import { kubeRequest } from '../../lib/kube/raw-request.ts';
import { sleep } from '../../lib/time/sleep.ts';
import type { FaultLog, FaultRecord } from './fault-log.ts';
import type { PlannedFault, ConfigurationEdit } from './fault-schedule.ts';
import { readKubeletState } from './node-kubelet-state.ts';
import { NODE_IDS, SOAK_NAMESPACE, TIMING, type NodeId } from './site-plan.ts';
import type { SoakSite } from './soak-site.ts';
import type { UserWorkload } from './user-workload.ts';

export class FaultInjector {
  private edits = 0;

  constructor(
    private readonly site: SoakSite,
    private readonly log: FaultLog,
    private readonly workload: UserWorkload,
    private readonly say: (line: string) => void,
  ) {}

  /** Runs every fault at phaseStart + its offset; resolves when all are undone. */
  async run(faults: PlannedFault[], phaseStart: number, signal: AbortSignal): Promise<void> {
    await Promise.all(
      faults.map(async (f) => {
        await sleep(Math.max(0, phaseStart + f.atMs - Date.now()), signal);
        if (signal.aborted) return;
        try {
          await this.inject(f, signal);
        } catch (err) {
          this.say(`fault #${f.id} ${f.kind} failed: ${(err as Error).message}`);
          throw err;
        }
      }),
    );
  }

  private async inject(f: PlannedFault, signal: AbortSignal): Promise<void> {
    const { site, log } = this;
    const node = f.node as NodeId;
    const now = Date.now;
    let record: FaultRecord;
    const hold = () => sleep(f.durationMs, signal);
    switch (f.kind) {
      case 'agent-kill':
        await site.nodes[node].agent.kill('SIGKILL');
        record = log.started(f, now());
        await hold();
        await site.startAgent(node);
        break;
      case 'handler-kill':
        await site.nodes[node].handler.kill('SIGKILL');
        record = log.started(f, now());
        log.reachChanged({ at: record.startedAt, what: 'handler', node, up: false });
        await hold();
        await site.startHandler(node);
        log.reachChanged({ at: now(), what: 'handler', node, up: true });
        break;
      case 'leader-kill': {
        const leader = await this.leader();
        const c = site.controllers.find((x) => x.identity === leader) ?? site.controllers[0];
        if (!c) throw new Error('no controller replica');
        await c.process.kill('SIGKILL');
        record = log.started(f, now(), `killed ${c.identity} (the Lease named ${leader ?? 'nobody, or could not be read'})`);
        await hold();
        await site.startController(c.identity);
        break;
      }
      case 'apiserver-stop':
        await this.pendingAdmission(undefined);
        await site.plane.stopComponent('kube-apiserver');
        record = log.started(f, now());
        await hold();
        await site.plane.startComponent('kube-apiserver');
        break;
      case 'etcd-pause': {
        const etcd = site.plane.process('etcd');
        if (!etcd?.signal('SIGSTOP')) throw new Error('etcd is not running');
        record = log.started(f, now());
        await hold();
        etcd.signal('SIGCONT');
        break;
      }
      case 'kubelet-restart':
        await site.nodes[node].kubelet.kill('SIGKILL');
        record = log.started(f, now());
        await hold();
        await site.startKubelet(node);
        break;
      case 'device-cut': {
        const segment = f.segment ?? 'a';
        await site.lab.setLink(node, segment, false);
        record = log.started(f, now());
        log.reachChanged({ at: record.startedAt, what: 'cable', node, segment, up: false });
        await hold();
        await site.lab.setLink(node, segment, true);
        log.reachChanged({ at: now(), what: 'cable', node, segment, up: true });
        break;
      }
      case 'api-cut':
        await this.pendingAdmission(node);
        await site.lab.setUplink(site.nodes[node].uplink, false);
        record = log.started(f, now());
        await hold();
        await site.lab.setUplink(site.nodes[node].uplink, true);
        break;
      case 'config-burst': {
        record = log.started(f, now());
        const start = record.startedAt;
        for (const e of f.edits ?? []) {
          await sleep(Math.max(0, start + e.atMs - now()), signal);
          await this.edit(e).catch((err: Error) => record.notes.push(`edit of ${e.configuration} failed: ${err.message}`));
        }
        await sleep(Math.max(0, start + f.durationMs - now()), signal);
        break;
      }
      case 'device-flap': {
        const file = site.nodes[node].echoFile;
        record = log.started(f, now());
        let up = true;
        for (const phase of f.flapMs ?? []) {
          up = !up;
          writeFileSync(file, up ? 'ONLINE\n' : 'OFFLINE\n');
          log.reachChanged({ at: now(), what: 'echo', node, up });
          await sleep(phase, signal);
        }
        if (!up) {
          writeFileSync(file, 'ONLINE\n');
          log.reachChanged({ at: now(), what: 'echo', node, up: true });
        }
        break;
      }
      case 'device-down': {
        const device = f.device ?? 'cam';
        await site.devices[device].process.kill('SIGKILL');
        record = log.started(f, now());
        log.reachChanged({ at: record.startedAt, what: 'device', device, up: false });
        await hold();
        await site.startDevice(device);
        log.reachChanged({ at: now(), what: 'device', device, up: true });
        break;
      }
    }
    record.healedAt = now();
  }

  /** The controller replica the Lease names now, if the API server answers. */
  private async leader(): Promise<string | undefined> {
    const lease = await kubeRequest<{ spec?: { holderIdentity?: string } }>(this.site.kc, {
      method: 'GET',
      path: `/apis/coordination.k8s.io/v1/namespaces/${SOAK_NAMESPACE}/leases/akri-controller`,
      timeoutMs: 3000,
    }).catch(() => undefined);
    return lease?.spec?.holderIdentity || undefined;
  }

  /**
   * Creates a user pod (on `node` if given) and waits until a kubelet knows it but has not yet
   * admitted it, so that its admission falls in the fault about to start; gives up quietly
   * after the admission delay (no free device, or the API server is already away).
   */
  private async pendingAdmission(node: NodeId | undefined): Promise<void> {
    const name = await this.workload.create(undefined, node).catch(() => undefined);
    if (!name) return;
    const deadline = Date.now() + TIMING.admissionDelayMs;
    while (Date.now() < deadline) {
      for (const n of NODE_IDS) {
        const state = readKubeletState(this.site.nodes[n].kubeletStateFile);
        if (state && state.waiting.length > 0) return;
      }
      await sleep(200);
    }
  }

  private async edit(e: ConfigurationEdit): Promise<void> {
    const spec = this.site.specs.get(e.configuration);
    if (!spec) return;
    this.edits++;
    if (e.field === 'broker-env') {
      const container = spec.brokerSpec?.brokerPodSpec?.containers?.[0] as { env?: Array<{ name: string; value: string }> } | undefined;
      if (container) container.env = [{ name: 'SOAK_REVISION', value: String(this.edits) }];
    } else if (e.field === 'broker-properties') {
      spec.brokerProperties = { SOAK_EDIT: String(this.edits) };
    } else {
      const details = JSON.parse(spec.discoveryHandler.discoveryDetails ?? '{}') as Record<string, unknown>;
      if ('descriptions' in details) details.descriptions = [...(details.descriptions as string[])].reverse();
      else {
        const key = 'discoveryIntervalSecs' in details ? 'discoveryIntervalSecs' : 'discoveryIntervalSeconds';
        details[key] = details[key] === TIMING.discoveryIntervalSeconds ? TIMING.discoveryIntervalSeconds - 1 : TIMING.discoveryIntervalSeconds;
      }
      spec.discoveryHandler.discoveryDetails = JSON.stringify(details);
    }
    await this.site.apply(e.configuration);
  }
}
