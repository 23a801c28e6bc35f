// A real Kubernetes node for tests: containerd (+ runc, CNI bridge), the kubelet rooted where the
// chosen distribution roots it (kubelet-layout.ts) and kube-proxy, registered with a test control
// plane, with the busybox pause and broker images imported. start() checks the machine first and
// fails with the reason; stop() drains the node's pods through the API (so the kubelet tears down
// their sandboxes, netns and mounts), then stops the processes and removes whatever is left:
// shims, mounts, cgroups, the bridge, kube-proxy's nftables tables, the host paths it created and
// the kernel sysctls it changed.
import { randomBytes } from 'node:crypto';
import { lstatSync, mkdirSync, readlinkSync, rmSync, symlinkSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import type { KubeConfig, V1Node, V1PodList } from '@kubernetes/client-node';
import { kubeRequest } from '../../lib/kube/raw-request.ts';
import { freePort } from '../../lib/net/free-port.ts';
import { Containerd, type ContainerdRuntime } from './containerd.ts';
import { cleanHostPaths, missingHostPaths } from './host-paths.ts';
import { killCgroupTree, killShims, removeCgroupTrees, unmountUnder } from './host-cleanup.ts';
import { ensureImageArchive, type BuiltImage } from './image-archive.ts';
import { restoreKernelTunables, snapshotKernelTunables, type TunableSnapshot } from './kernel-tunables.ts';
import { Kubelet } from './kubelet.ts';
import { kubeletLayout, type KubeletLayout } from './kubelet-layout.ts';
import { KubeProxy, removeKubeProxyRules } from './kube-proxy.ts';
import { removeBridgeAndPodNetns } from './pod-netns.ts';
import { acquireNodeLock, type NodeLock, type NodeLockRecord } from './node-lock.ts';
import { BROKER_IMAGE, PAUSE_IMAGE } from './node-images.ts';
import { makeNodePki } from './node-pki.ts';
import { assertPrerequisites, type HostFacts } from './prerequisites.ts';

/** The first non-internal IPv4 address: the kubelet rejects loopback as its node IP. */
export function hostAddress(): string {
  for (const addrs of Object.values(networkInterfaces())) {
    for (const a of addrs ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  throw new Error('this machine has no non-loopback IPv4 address for the kubelet to use as its node IP');
}

export interface RealNodeOptions {
  dir: string;
  nodeName: string;
  /** The control plane's admin kubeconfig, used to watch the Node and drain it. */
  kc: KubeConfig;
  server: string;
  ca: { cert: string; key: string };
  kubeletBinary: string;
  kubeProxyBinary: string;
  /** The admin kubeconfig file, for kube-proxy. */
  kubeconfig: string;
  /** The API server's admin client credentials, to reach it through the kubernetes Service. */
  adminCert: string;
  adminKey: string;
  /** Where the kubelet is rooted (default: the k8s layout, /var/lib/kubelet). */
  layout?: KubeletLayout;
  /** Run another containerd than Debian's (the DRA tier: containerd 2 with CDI). */
  containerdRuntime?: ContainerdRuntime;
  /** What to delete if this run is killed and a later run sweeps up (default: dir). */
  runDir?: string;
  progress?: (line: string) => void;
}

export interface RealNodeTimings {
  imagesMs: number;
  imagesBuilt: boolean;
  containerdMs: number;
  nodeReadyMs: number;
  kubeProxyMs: number;
}

/**
 * What a SIGKILLed run leaves: shims and containers, their mounts, cgroups, pod netns, the
 * bridge, /var/lib/kubelet, and the sysctls the kubelet changed (all recorded in the lock).
 */
async function sweepKilledRun(stale: NodeLockRecord): Promise<Record<string, unknown>> {
  const report: Record<string, unknown> = { pid: stale.pid };
  if (stale.containerdSocket) report.shimsKilled = killShims(stale.containerdSocket);
  report.containerProcessesKilled = killCgroupTree('kubepods');
  await new Promise((r) => setTimeout(r, 500));
  if (stale.dir) report.unmountFailures = await unmountUnder(stale.dir);
  if (stale.kubeletRootDir) report.kubeletUnmountFailures = await unmountUnder(stale.kubeletRootDir);
  report.cgroupsLeft = removeCgroupTrees('kubepods');
  if (stale.bridge) report.netnsRemoved = await removeBridgeAndPodNetns(stale.bridge);
  if (stale.kubeProxy) report.nftTablesRemoved = await removeKubeProxyRules();
  if (stale.tunables) report.tunableRestoreFailures = restoreKernelTunables(stale.tunables);
  report.hostPathsRemoved = cleanHostPaths(stale.createdHostPaths ?? [], stale.runDir ?? stale.dir ?? '/nonexistent', stale.devicePluginDir ?? kubeletLayout('k8s').devicePluginDir);
  const runDir = stale.runDir ?? stale.dir;
  if (runDir) rmSync(runDir, { recursive: true, force: true });
  return report;
}

export class RealNode {
  private containerdValue: Containerd | undefined;
  private kubeletValue: Kubelet | undefined;
  private kubeProxyValue: KubeProxy | undefined;
  readonly bridge = `akrits${randomBytes(3).toString('hex')}`;
  readonly podSubnet = `10.233.${randomBytes(1)[0] ?? 0}.0/24`;
  readonly layout: KubeletLayout;
  images: { pause: BuiltImage; broker: BuiltImage } | undefined;
  facts: HostFacts | undefined;
  private lock: NodeLock | undefined;
  private tunables: TunableSnapshot | undefined;
  /** Hard-coded host paths (see host-paths.ts) that did not exist before this run. */
  private createdHostPaths: string[] = [];

  constructor(private readonly options: RealNodeOptions) {
    this.layout = options.layout ?? kubeletLayout('k8s');
  }

  get containerd(): Containerd {
    if (!this.containerdValue) throw new Error('the real node has not been started');
    return this.containerdValue;
  }

  get kubelet(): Kubelet {
    if (!this.kubeletValue) throw new Error('the real node has not been started');
    return this.kubeletValue;
  }

  get nodeName(): string {
    return this.options.nodeName;
  }

  private say(line: string): void {
    (this.options.progress ?? ((l: string) => process.stderr.write(`[real-node] ${l}\n`)))(line);
  }

  async start(): Promise<RealNodeTimings> {
    const { dir, nodeName, server, ca, kubeletBinary } = this.options;
    this.facts = assertPrerequisites();
    this.lock = acquireNodeLock();
    if (this.lock.stale) this.say(`swept up after a killed run: ${JSON.stringify(await sweepKilledRun(this.lock.stale))}`);
    this.tunables = snapshotKernelTunables();
    this.createdHostPaths = missingHostPaths(this.layout);
    const started = {
      dir,
      runDir: this.options.runDir ?? dir,
      bridge: this.bridge,
      containerdSocket: join(dir, 'containerd', 'containerd.sock'),
      tunables: this.tunables,
      createdHostPaths: this.createdHostPaths,
      kubeletRootDir: this.layout.rootDir,
      devicePluginDir: this.layout.devicePluginDir,
      kubeProxy: true,
    };
    this.lock.record(started);
    this.prepareKubeletRoot();
    this.say(`host: ${JSON.stringify(this.facts)}`);

    let t = Date.now();
    const pause = await ensureImageArchive(PAUSE_IMAGE);
    const broker = await ensureImageArchive(BROKER_IMAGE);
    this.images = { pause, broker };
    const imagesMs = Date.now() - t;

    t = Date.now();
    mkdirSync(join(dir, 'logs'), { recursive: true });
    const containerd = new Containerd({
      dir: join(dir, 'containerd'),
      sandboxImage: pause.ref,
      network: { bridge: this.bridge, subnet: this.podSubnet },
      logFile: join(dir, 'logs', 'containerd.log'),
      runtime: this.options.containerdRuntime,
    });
    this.containerdValue = containerd;
    await containerd.start();
    await containerd.importImage(pause.archive, pause.ref);
    await containerd.importImage(broker.archive, broker.ref);
    const containerdMs = Date.now() - t;

    t = Date.now();
    const nodeIp = hostAddress();
    const pki = await makeNodePki(join(dir, 'pki'), nodeName, nodeIp, ca);
    const ports = { port: await freePort(), healthzPort: await freePort() };
    // Only one real kubelet runs here (the lock), so whatever is in its fixed device-plugin dir
    // is stale: sockets and, above all, a device checkpoint from an earlier run.
    rmSync(this.layout.devicePluginDir, { recursive: true, force: true });
    const kubelet = new Kubelet({
      nodeName,
      nodeIp,
      dir: join(dir, 'kubelet'),
      layout: this.layout,
      binary: kubeletBinary,
      server,
      pki,
      containerdSocket: containerd.socket,
      ...ports,
      logFile: join(dir, 'logs', 'kubelet.log'),
    });
    this.kubeletValue = kubelet;
    kubelet.start();
    await this.waitNodeReady(180_000);
    const nodeReadyMs = Date.now() - t;

    t = Date.now();
    const kubeProxy = new KubeProxy({
      dir,
      binary: this.options.kubeProxyBinary,
      logFile: join(dir, 'logs', 'kube-proxy.log'),
      nodeName,
      kubeconfig: this.options.kubeconfig,
      clusterCidr: this.podSubnet,
      healthzPort: await freePort(),
      metricsPort: await freePort(),
    });
    this.kubeProxyValue = kubeProxy;
    const service = await kubeRequest<{ spec?: { clusterIP?: string } }>(this.options.kc, { method: 'GET', path: '/api/v1/namespaces/default/services/kubernetes' });
    const clusterIp = service.spec?.clusterIP;
    if (!clusterIp) throw new Error('the kubernetes Service has no ClusterIP');
    await kubeProxy.start({ clusterIp, ca: ca.cert, cert: this.options.adminCert, key: this.options.adminKey });
    return { imagesMs, imagesBuilt: pause.built || broker.built, containerdMs, nodeReadyMs, kubeProxyMs: Date.now() - t };
  }

  /**
   * The kubelet's root as the distribution lays it out: MicroK8s' /var/lib/kubelet is a symlink to
   * its snap directory. A /var/lib/kubelet that is something else is not ours to replace.
   */
  private prepareKubeletRoot(): void {
    mkdirSync(this.layout.rootDir, { recursive: true });
    if (!this.layout.linkDefaultRoot) return;
    const link = '/var/lib/kubelet';
    let current: string | undefined;
    try {
      current = lstatSync(link).isSymbolicLink() ? readlinkSync(link) : 'a directory';
    } catch {
      current = undefined;
    }
    if (current === this.layout.rootDir) return;
    if (current !== undefined) {
      throw new Error(`the ${this.layout.distro} layout needs ${link} to be a symlink to ${this.layout.rootDir}, but it is ${current}; remove it first`);
    }
    symlinkSync(this.layout.rootDir, link);
  }

  async node(): Promise<V1Node | undefined> {
    return kubeRequest<V1Node>(this.options.kc, { method: 'GET', path: `/api/v1/nodes/${this.nodeName}` }).catch(() => undefined);
  }

  async isReady(): Promise<boolean> {
    const node = await this.node();
    return node?.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
  }

  async waitNodeReady(timeoutMs: number): Promise<void> {
    await this.kubelet.waitUntil(() => this.isReady(), timeoutMs, `node ${this.nodeName} Ready`);
  }

  /** Stops the kubelet and starts it again; containerd and the pods keep running. */
  async restartKubelet(): Promise<void> {
    await this.kubelet.stop();
    this.kubelet.start();
    await this.kubelet.waitUntil(() => this.kubelet.healthy(), 60_000, 'healthy');
  }

  /** Deletes every pod bound to this node and waits until the kubelet has confirmed each. */
  async drain(timeoutMs = 90_000): Promise<string[]> {
    const kc = this.options.kc;
    const list = () =>
      kubeRequest<V1PodList>(kc, { method: 'GET', path: '/api/v1/pods', query: { fieldSelector: `spec.nodeName=${this.nodeName}` } });
    for (const pod of (await list()).items) {
      const { namespace, name } = pod.metadata ?? {};
      if (!namespace || !name) continue;
      await kubeRequest(kc, { method: 'DELETE', path: `/api/v1/namespaces/${namespace}/pods/${name}`, query: { gracePeriodSeconds: 2 } }).catch(() => undefined);
    }
    const deadline = Date.now() + timeoutMs;
    let left = (await list()).items;
    while (left.length > 0 && Date.now() < deadline && this.kubeletValue?.running) {
      await new Promise((r) => setTimeout(r, 500));
      left = (await list()).items;
    }
    return left.map((p) => `${p.metadata?.namespace}/${p.metadata?.name}`);
  }

  async stop(): Promise<void> {
    // Without the lock, whatever runs here (kubepods cgroups, a kubelet) belongs to someone else.
    if (!this.lock) return;
    const report: Record<string, unknown> = {};
    try {
      if (this.kubeletValue?.running) report.podsLeft = await this.drain().catch((err: Error) => [err.message]);
      await this.kubeletValue?.stop();
      if (this.kubeProxyValue) report.nftTablesRemoved = await this.kubeProxyValue.stop();
      else report.nftTablesRemoved = await removeKubeProxyRules();
      if (this.containerdValue) Object.assign(report, await this.containerdValue.stop());
      report.unmountFailures = [
        ...((report.unmountFailures as string[]) ?? []),
        ...(await unmountUnder(this.options.dir)),
        ...(await unmountUnder(this.layout.rootDir)),
      ];
      report.cgroupsLeft = removeCgroupTrees('kubepods');
      report.netnsLeft = await removeBridgeAndPodNetns(this.bridge);
      report.hostPathsRemoved = cleanHostPaths(this.createdHostPaths, this.options.runDir ?? this.options.dir, this.layout.devicePluginDir);
      if (this.tunables) report.tunableRestoreFailures = restoreKernelTunables(this.tunables);
      await kubeRequest(this.options.kc, { method: 'DELETE', path: `/api/v1/nodes/${this.nodeName}` }).catch(() => undefined);
      this.say(`stopped: ${JSON.stringify(report)}`);
      if (!process.env.AKRI_TS_KEEP_TEST_CLUSTER) rmSync(this.options.dir, { recursive: true, force: true });
    } finally {
      this.lock.release();
      this.lock = undefined;
    }
  }
}
