// The agent's DRA plugin as the kubelet sees it (through the DRA kubelet stand-in): it registers
// through plugins_registry, prepares a claim into a CDI spec file that carries the broker
// environment, device nodes and mounts, answers a repeated prepare identically, and, after a
// restart, still unprepares what it prepared before, without the API server.
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DRA_DRIVER } from '../../lib/dra/driver.ts';
import { poolName } from '../../lib/dra/pool-names.ts';
import type { ResourceClaim } from '../../lib/dra/resource-api.ts';
import { Logger } from '../../lib/observability/logger.ts';
import { DraKubeletStandIn } from '../../test/kubelet-stand-in/dra-kubelet-stand-in.ts';
import { DraMetrics } from '../observability/dra-metrics.ts';
import { CdiFiles } from './cdi-files.ts';
import { ClaimPreparer } from './claim-preparer.ts';
import type { DraDevice, DraDeviceSource } from './device-source.ts';
import { KubeletPlugin, registrationSocketPath } from './kubelet-plugin.ts';
import type { PoolInstance } from './prepare-plan.ts';
import { PreparedClaims } from './prepared-claims.ts';

const instance: PoolInstance = { namespace: 'default', name: 'akri-udev-ce4650', capacity: 1, nodes: ['node-a'], brokerProperties: { UDEV_DEVNODE: '/dev/null' } };
const device: DraDevice = {
  configuration: 'default/akri-udev',
  key: 'ce4650',
  instance: { namespace: 'default', name: instance.name },
  properties: { UDEV_DEVNODE: '/dev/null' },
  mounts: [],
  deviceSpecs: [{ containerPath: '/dev/null', hostPath: '/dev/null', permissions: 'rwm' }],
  shared: false,
};
const source: DraDeviceSource = { ofInstance: (ns, n) => (ns === 'default' && n === instance.name ? device : undefined), subscribe: () => () => undefined };
const claimRef = { namespace: 'default', name: 'pod-1-udev', uid: '9d3a0c5e-0000-4000-8000-000000000001' };
const allocated: ResourceClaim = {
  metadata: { namespace: 'default', name: claimRef.name, uid: claimRef.uid },
  spec: { devices: { requests: [{ name: 'udev', exactly: { deviceClassName: 'akri-udev' } }] } },
  status: { allocation: { devices: { results: [{ request: 'udev', driver: DRA_DRIVER, pool: poolName(instance), device: 'slot-0' }] } } },
};

// Sockets, gRPC and file writes on a shared, busy machine: generous per-test timeouts.
describe('the DRA kubelet plugin', { timeout: 30_000 }, () => {
  let dir: string;
  let kubelet: DraKubeletStandIn;
  let plugin: KubeletPlugin | undefined;
  let reads = 0;
  let apiAway = false;

  async function startAgentSide(): Promise<ClaimPreparer> {
    const log = new Logger({ test: true }, 'error');
    const preparer = new ClaimPreparer({
      node: 'node-a',
      readClaim: async (ns, name) => {
        reads++;
        if (apiAway) throw new Error('connect ECONNREFUSED');
        if (ns !== 'default' || name !== claimRef.name) throw new Error('404 not found');
        return allocated;
      },
      prepared: new PreparedClaims(join(dir, 'state'), 'node-a'),
      cdi: new CdiFiles(join(dir, 'cdi')),
      instanceOfPool: (p) => (p === poolName(instance) ? instance : undefined),
      devices: source,
      metrics: new DraMetrics(new Registry()),
      log,
    });
    await preparer.restore();
    plugin = new KubeletPlugin({ kubeletDir: join(dir, 'kubelet'), backend: preparer, log, pollMs: 50 });
    await plugin.start();
    return preparer;
  }

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'akri-ts-dra-'));
    kubelet = new DraKubeletStandIn({ kubeletDir: join(dir, 'kubelet'), pollMs: 20 });
    kubelet.start();
    reads = 0;
    apiAway = false;
  });

  afterEach(async () => {
    kubelet.stop();
    await plugin?.stop();
    plugin = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  it('registers as DRA driver akri.sh and is called through v1.DRAPlugin', async () => {
    await startAgentSide();
    await kubelet.waitForDriver(DRA_DRIVER, 10_000);
    expect(kubelet.serviceOf(DRA_DRIVER)).toBe('v1.DRAPlugin');
    // The stand-in may see the socket's creation twice (scan and inotify) and register it again,
    // or catch it bound but not yet listening and try again, as the kubelet does.
    const ok = kubelet.registrations.filter((r) => r.ok);
    expect(ok.length).toBeGreaterThanOrEqual(1);
    for (const r of ok) expect(r).toEqual({ socket: registrationSocketPath(join(dir, 'kubelet')), name: DRA_DRIVER, ok: true });
  });

  it('prepares a claim into a CDI spec file with the broker environment and the device node, and unprepares it', async () => {
    await startAgentSide();
    await kubelet.waitForDriver(DRA_DRIVER, 10_000);
    const res = await kubelet.prepare(DRA_DRIVER, [claimRef]);
    expect(res.claims[claimRef.uid]).toEqual({
      devices: [{ requestNames: ['udev'], poolName: 'default/akri-udev-ce4650', deviceName: 'slot-0', cdiDeviceIds: [`akri.sh/claim=${claimRef.uid}-0`] }],
      error: '',
    });
    const file = join(dir, 'cdi', `akri.sh-claim_${claimRef.uid}.json`);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({
      cdiVersion: '0.6.0',
      kind: 'akri.sh/claim',
      devices: [
        {
          name: `${claimRef.uid}-0`,
          containerEdits: { env: ['UDEV_DEVNODE=/dev/null', 'UDEV_DEVNODE_CE4650=/dev/null'], deviceNodes: [{ path: '/dev/null', hostPath: '/dev/null', permissions: 'rwm' }] },
        },
      ],
    });
    const again = await kubelet.prepare(DRA_DRIVER, [claimRef]);
    expect(again).toEqual(res);
    expect(reads).toBe(1);

    expect(await kubelet.unprepare(DRA_DRIVER, [claimRef])).toEqual({ claims: { [claimRef.uid]: { error: '' } } });
    expect(existsSync(file)).toBe(false);
    // Unpreparing what is not (or no longer) prepared succeeds: the kubelet may repeat it.
    expect(await kubelet.unprepare(DRA_DRIVER, [claimRef])).toEqual({ claims: { [claimRef.uid]: { error: '' } } });
  });

  it('refuses a claim it cannot serve with the reason, and prepares nothing', async () => {
    await startAgentSide();
    await kubelet.waitForDriver(DRA_DRIVER, 10_000);
    const other = { ...claimRef, name: 'missing', uid: 'u-2' };
    const res = await kubelet.prepare(DRA_DRIVER, [other]);
    expect(res.claims['u-2']?.error).toMatch(/reading ResourceClaim default\/missing: 404 not found/);
    expect(new CdiFiles(join(dir, 'cdi')).claimUids()).toEqual([]);
  });

  it('loses nothing across an agent restart between prepare and unprepare, even with the API server away', async () => {
    await startAgentSide();
    await kubelet.waitForDriver(DRA_DRIVER, 10_000);
    const first = await kubelet.prepare(DRA_DRIVER, [claimRef]);
    await plugin?.stop();
    apiAway = true;
    await startAgentSide();
    // A new registration socket: the kubelet registers the driver again.
    await kubelet.waitForDriver(DRA_DRIVER, 10_000);
    await new Promise<void>((resolve, reject) => {
      const deadline = Date.now() + 10_000;
      const poll = () => (kubelet.registrations.filter((r) => r.ok).length >= 2 ? resolve() : Date.now() > deadline ? reject(new Error('no second registration')) : setTimeout(poll, 20));
      poll();
    });
    expect(await kubelet.prepare(DRA_DRIVER, [claimRef])).toEqual(first);
    const file = join(dir, 'cdi', `akri.sh-claim_${claimRef.uid}.json`);
    expect(existsSync(file)).toBe(true);
    await kubelet.unprepare(DRA_DRIVER, [claimRef]);
    expect(existsSync(file)).toBe(false);
    expect(reads).toBe(1);
  });

  it('binds its registration socket again when it is deleted, and the kubelet registers it again', async () => {
    await startAgentSide();
    await kubelet.waitForDriver(DRA_DRIVER, 10_000);
    rmSync(registrationSocketPath(join(dir, 'kubelet')));
    const deadline = Date.now() + 10_000;
    while (kubelet.registrations.filter((r) => r.ok).length < 2) {
      if (Date.now() > deadline) throw new Error(`not registered again: ${JSON.stringify(kubelet.registrations)}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(kubelet.isRegistered(DRA_DRIVER)).toBe(true);
  });
});
