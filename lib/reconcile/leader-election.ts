// Leader election on a coordination.k8s.io/v1 Lease, as client-go does it: the holder renews
// the Lease every retry period; another candidate takes it over only once it has seen the same
// record unchanged for a whole lease duration (measured on its own clock, so clock skew between
// machines does not matter). A leader that cannot renew within the renew deadline steps down.
// The Lease is read and written through LeaseClient, so the timing rules are tested with a
// fake clock and an in-memory Lease (leader-election.test.ts).
import { KubeApiError, kubeRequest, type KubeEndpoint } from '../kube/raw-request.ts';
import type { Logger } from '../observability/logger.ts';
import { systemClock, type Clock } from '../time/clock.ts';

/** Reads and writes the one Lease. update() fails with a 409 KubeApiError when another wrote first. */
export interface LeaseClient {
  get(): Promise<Lease | undefined>;
  create(lease: Lease): Promise<void>;
  update(lease: Lease): Promise<Lease>;
}

export interface LeaderElectionOptions {
  leases: LeaseClient;
  name: string;
  identity: string;
  leaseDurationMs?: number;
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
  clock?: Clock;
  logger: Logger;
  onStartedLeading: () => void;
  onStoppedLeading: () => void;
}

export interface LeaseSpec {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
}

export interface Lease {
  apiVersion: 'coordination.k8s.io/v1';
  kind: 'Lease';
  metadata: { name: string; namespace?: string; resourceVersion?: string };
  spec: LeaseSpec;
}

/** The Lease `namespace/name` on the API server, each request counted by verb. */
export function apiLeaseClient(
  kc: KubeEndpoint,
  namespace: string,
  name: string,
  timeoutMs: number,
  onRequest?: (verb: 'get' | 'create' | 'update') => void,
): LeaseClient {
  const base = `/apis/coordination.k8s.io/v1/namespaces/${namespace}/leases`;
  return {
    async get() {
      onRequest?.('get');
      try {
        return await kubeRequest<Lease>(kc, { method: 'GET', path: `${base}/${name}`, timeoutMs });
      } catch (err) {
        if (err instanceof KubeApiError && err.status === 404) return undefined;
        throw err;
      }
    },
    async create(lease) {
      onRequest?.('create');
      await kubeRequest(kc, { method: 'POST', path: base, body: lease, timeoutMs });
    },
    update(lease) {
      onRequest?.('update');
      return kubeRequest<Lease>(kc, { method: 'PUT', path: `${base}/${name}`, body: lease, timeoutMs });
    },
  };
}

/** MicroTime: RFC 3339 with exactly six fractional digits. */
function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

export class LeaderElector {
  private leading = false;
  private stopped = true;
  private timer: unknown;
  private lastRenewed = 0;
  private observedRecord = '';
  private observedAt = 0;
  private observedHolder = '';
  private readonly clock: Clock;
  private readonly leaseDurationMs: number;
  private readonly renewDeadlineMs: number;
  private readonly retryPeriodMs: number;

  constructor(private readonly options: LeaderElectionOptions) {
    this.clock = options.clock ?? systemClock;
    this.leaseDurationMs = options.leaseDurationMs ?? 15_000;
    this.renewDeadlineMs = options.renewDeadlineMs ?? LeaderElector.renewDeadlineMs(this.leaseDurationMs);
    this.retryPeriodMs = options.retryPeriodMs ?? Math.max(200, Math.round(this.leaseDurationMs / 7.5));
  }

  /** The renew deadline, which bounds each Lease request (see apiLeaseClient). */
  static renewDeadlineMs(leaseDurationMs = 15_000): number {
    return Math.round((leaseDurationMs * 2) / 3);
  }

  get isLeader(): boolean {
    return this.leading;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    void this.tick();
  }

  /** Stops campaigning; a leader gives the Lease up so that another replica need not wait it out. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    if (this.leading) {
      this.stepDown('stopping');
      try {
        const lease = await this.options.leases.get();
        if (lease?.spec.holderIdentity === this.options.identity) {
          await this.options.leases.update({ ...lease, spec: { ...lease.spec, holderIdentity: '', leaseDurationSeconds: 1, renewTime: microTime(this.clock.now()) } });
        }
      } catch {
        // The Lease then expires on its own.
      }
    }
  }

  private async tryAcquireOrRenew(): Promise<boolean> {
    const now = this.clock.now();
    const me = this.options.identity;
    const fresh: LeaseSpec = { holderIdentity: me, leaseDurationSeconds: Math.ceil(this.leaseDurationMs / 1000), renewTime: microTime(now) };
    const lease = await this.options.leases.get();
    if (!lease) {
      await this.options.leases.create({
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: { name: this.options.name },
        spec: { ...fresh, acquireTime: microTime(now), leaseTransitions: 0 },
      });
      return true;
    }
    const record = JSON.stringify([lease.spec.holderIdentity, lease.spec.renewTime, lease.metadata.resourceVersion]);
    if (record !== this.observedRecord) {
      this.observedRecord = record;
      this.observedAt = now;
    }
    const holder = lease.spec.holderIdentity ?? '';
    this.observedHolder = holder;
    const duration = (lease.spec.leaseDurationSeconds ?? 0) * 1000;
    if (holder !== '' && holder !== me && now - this.observedAt < duration) return false;
    const taking = holder !== me;
    await this.options.leases.update({
      ...lease,
      spec: {
        ...lease.spec,
        ...fresh,
        acquireTime: taking ? microTime(now) : lease.spec.acquireTime,
        leaseTransitions: (lease.spec.leaseTransitions ?? 0) + (taking ? 1 : 0),
      },
    });
    return true;
  }

  private async tick(): Promise<void> {
    if (this.stopped) return;
    let renewed = false;
    try {
      renewed = await this.tryAcquireOrRenew();
    } catch (err) {
      // A 409 means another candidate wrote first: not ours this round.
      if (!(err instanceof KubeApiError && err.status === 409)) {
        this.options.logger.warn('lease request failed', { lease: this.options.name, error: (err as Error).message });
      }
    }
    if (this.stopped) return;
    const now = this.clock.now();
    if (renewed) {
      this.lastRenewed = now;
      if (!this.leading) {
        this.leading = true;
        this.options.logger.info('became leader', { lease: this.options.name, identity: this.options.identity });
        this.options.onStartedLeading();
      }
    } else if (this.leading && now - this.lastRenewed > this.renewDeadlineMs) {
      this.stepDown('could not renew the lease within the renew deadline');
    } else if (this.leading && this.observedHolder !== '' && this.observedHolder !== this.options.identity) {
      this.stepDown('another replica holds the lease');
    }
    this.timer = this.clock.setTimeout(() => void this.tick(), this.retryPeriodMs);
  }

  private stepDown(why: string): void {
    if (!this.leading) return;
    this.leading = false;
    this.options.logger.warn('stopped leading', { lease: this.options.name, identity: this.options.identity, why });
    this.options.onStoppedLeading();
  }
}
