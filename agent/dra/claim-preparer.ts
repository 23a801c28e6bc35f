// The kubelet's NodePrepareResources and NodeUnprepareResources, carried out: a claim already
// prepared is answered from the checkpoint (the same devices; its CDI file written again if it
// went missing); a new one is read from the API server (its allocation), planned
// (prepare-plan.ts), its CDI spec file written, the checkpoint saved, and only then answered.
// Unprepare removes the file and the checkpoint entry and is a no-op for an unknown claim.
// Calls for one claim never overlap: a second waits for the first.
import type { Logger } from '../../lib/observability/logger.ts';
import type { ResourceClaim } from '../../lib/dra/resource-api.ts';
import type { Claim__Output } from '../../lib/proto/generated/k8s/io/kubelet/pkg/apis/dra/v1/Claim.ts';
import type { NodePrepareResourceResponse } from '../../lib/proto/generated/k8s/io/kubelet/pkg/apis/dra/v1/NodePrepareResourceResponse.ts';
import type { NodeUnprepareResourceResponse } from '../../lib/proto/generated/k8s/io/kubelet/pkg/apis/dra/v1/NodeUnprepareResourceResponse.ts';
import type { DraMetrics } from '../observability/dra-metrics.ts';
import type { CdiFiles } from './cdi-files.ts';
import type { DraDeviceSource } from './device-source.ts';
import type { DraClaimBackend } from './kubelet-plugin.ts';
import { planPreparation, type PoolInstance, type PreparedClaim } from './prepare-plan.ts';
import type { PreparedClaims } from './prepared-claims.ts';

export interface ClaimPreparerOptions {
  node: string;
  /** GETs a ResourceClaim; rejects with the API's error. */
  readClaim: (namespace: string, name: string) => Promise<ResourceClaim>;
  prepared: PreparedClaims;
  cdi: CdiFiles;
  instanceOfPool: (pool: string) => PoolInstance | undefined;
  devices: DraDeviceSource;
  metrics: DraMetrics;
  log: Logger;
}

function answer(p: PreparedClaim): NodePrepareResourceResponse {
  return { devices: p.devices.map((d) => ({ requestNames: d.requestNames, poolName: d.poolName, deviceName: d.deviceName, cdiDeviceIds: d.cdiDeviceIds })) };
}

export class ClaimPreparer implements DraClaimBackend {
  private readonly busy = new Map<string, Promise<unknown>>();

  constructor(private readonly o: ClaimPreparerOptions) {}

  /** Puts the checkpoint back: CDI files of prepared claims rewritten if missing, files of unknown claims removed. */
  async restore(): Promise<number> {
    const count = this.o.prepared.load();
    const known = new Set(this.o.prepared.list().map((c) => c.claim.uid));
    for (const uid of this.o.cdi.claimUids()) if (!known.has(uid)) await this.o.cdi.remove(uid);
    const present = new Set(this.o.cdi.claimUids());
    for (const c of this.o.prepared.list()) if (c.spec && !present.has(c.claim.uid)) await this.o.cdi.write(c.claim.uid, c.spec);
    this.o.metrics.preparedClaims.set(this.o.prepared.size);
    return count;
  }

  async prepare(claims: readonly Claim__Output[]): Promise<Record<string, NodePrepareResourceResponse>> {
    const out: Record<string, NodePrepareResourceResponse> = {};
    await Promise.all(
      claims.map(async (c) => {
        out[c.uid] = await this.serialised(c.uid, () => this.prepareOne(c));
      }),
    );
    return out;
  }

  async unprepare(claims: readonly Claim__Output[]): Promise<Record<string, NodeUnprepareResourceResponse>> {
    const out: Record<string, NodeUnprepareResourceResponse> = {};
    await Promise.all(
      claims.map(async (c) => {
        out[c.uid] = await this.serialised(c.uid, () => this.unprepareOne(c));
      }),
    );
    return out;
  }

  private async serialised<T>(uid: string, fn: () => Promise<T>): Promise<T> {
    const before = this.busy.get(uid) ?? Promise.resolve();
    const run = before.catch(() => undefined).then(fn);
    this.busy.set(uid, run);
    try {
      return await run;
    } finally {
      if (this.busy.get(uid) === run) this.busy.delete(uid);
    }
  }

  private async prepareOne(c: Claim__Output): Promise<NodePrepareResourceResponse> {
    const t0 = performance.now();
    const log = this.o.log.child({ claim: `${c.namespace}/${c.name}`, uid: c.uid });
    const done = (result: string, response: NodePrepareResourceResponse) => {
      this.o.metrics.claimOperations.inc({ operation: 'prepare', result });
      this.o.metrics.prepareLatency.observe((performance.now() - t0) / 1000);
      return response;
    };
    const known = this.o.prepared.get(c.uid);
    if (known) {
      if (known.spec && !this.o.cdi.has(c.uid)) await this.o.cdi.write(c.uid, known.spec);
      return done('repeated', answer(known));
    }
    let claim: ResourceClaim;
    try {
      claim = await this.o.readClaim(c.namespace, c.name);
    } catch (err) {
      log.warn('cannot read the claim to prepare', { error: (err as Error).message });
      return done('error', { error: `reading ResourceClaim ${c.namespace}/${c.name}: ${(err as Error).message}` });
    }
    if (claim.metadata.uid !== c.uid) {
      return done('error', { error: `ResourceClaim ${c.namespace}/${c.name} has UID ${claim.metadata.uid ?? '(none)'}, the kubelet asked for ${c.uid}` });
    }
    const plan = planPreparation({
      node: this.o.node,
      claim: { namespace: c.namespace, name: c.name, uid: c.uid },
      results: claim.status?.allocation?.devices?.results,
      instanceOfPool: this.o.instanceOfPool,
      deviceOf: (ns, name) => this.o.devices.ofInstance(ns, name),
    });
    if (!plan.ok) {
      log.warn('claim not prepared', { error: plan.error });
      return done('refused', { error: plan.error });
    }
    if (plan.prepared.spec) await this.o.cdi.write(c.uid, plan.prepared.spec);
    await this.o.prepared.add(plan.prepared);
    this.o.metrics.preparedClaims.set(this.o.prepared.size);
    log.info('claim prepared', { devices: plan.prepared.devices.map((d) => `${d.poolName}/${d.deviceName}`).join(',') });
    return done('prepared', answer(plan.prepared));
  }

  private async unprepareOne(c: Claim__Output): Promise<NodeUnprepareResourceResponse> {
    try {
      await this.o.cdi.remove(c.uid);
      const had = this.o.prepared.get(c.uid) !== undefined;
      await this.o.prepared.remove(c.uid);
      this.o.metrics.preparedClaims.set(this.o.prepared.size);
      this.o.metrics.claimOperations.inc({ operation: 'unprepare', result: had ? 'unprepared' : 'unknown' });
      if (had) this.o.log.info('claim unprepared', { claim: `${c.namespace}/${c.name}`, uid: c.uid });
      return {};
    } catch (err) {
      this.o.metrics.claimOperations.inc({ operation: 'unprepare', result: 'error' });
      return { error: `unpreparing ResourceClaim ${c.namespace}/${c.name}: ${(err as Error).message}` };
    }
  }
}
