// A stand-in for the kubelet's DRA side (pkg/kubelet/pluginmanager + cm/dra, Kubernetes 1.34),
// for fast tests: it follows what a DRA driver must satisfy, and no more.
// - The plugin watcher watches <kubelet-dir>/plugins_registry with inotify (fs.watch), as the
//   kubelet does, and also scans it; for each new socket it calls Registration.GetInfo, accepts only
//   type "DRAPlugin", picks the first of the plugin's supported_versions the kubelet serves
//   ("v1.DRAPlugin", "v1beta1.DRAPlugin"), dials the endpoint and answers
//   NotifyRegistrationStatus (plugin_registered false, with the reason, when it refuses).
// - A socket whose GetInfo fails is tried again on the next scan, as the kubelet's reconciler
//   retries; a socket that disappears unregisters the driver; an inotify event on a registered socket
//   registers it again (the kubelet's reconciler re-registers a socket whose timestamp changed).
// - prepare()/unprepare() call NodePrepareResources/NodeUnprepareResources on the driver, as the
//   kubelet does for a pod's claims, and time each call from here.
// - restart() forgets every registration (sockets stay, as with the real kubelet) and scans again.
import { credentials } from '@grpc/grpc-js';
import { mkdirSync, readdirSync, statSync, watch, type FSWatcher } from 'node:fs';
import { join } from 'node:path';
import type { Claim } from '../../lib/proto/generated/k8s/io/kubelet/pkg/apis/dra/v1/Claim.ts';
import type { DRAPluginClient } from '../../lib/proto/generated/k8s/io/kubelet/pkg/apis/dra/v1/DRAPlugin.ts';
import type { NodePrepareResourcesResponse__Output } from '../../lib/proto/generated/k8s/io/kubelet/pkg/apis/dra/v1/NodePrepareResourcesResponse.ts';
import type { NodeUnprepareResourcesResponse__Output } from '../../lib/proto/generated/k8s/io/kubelet/pkg/apis/dra/v1/NodeUnprepareResourcesResponse.ts';
import type { PluginInfo__Output } from '../../lib/proto/generated/pluginregistration/PluginInfo.ts';
import type { RegistrationClient } from '../../lib/proto/generated/pluginregistration/Registration.ts';
import { draProto, pluginRegistrationProto } from '../../lib/proto/load.ts';
import { unary } from './grpc-util.ts';

/** The gRPC services the 1.34 kubelet can call, newest first. */
export const KUBELET_DRA_SERVICES = ['v1.DRAPlugin', 'v1beta1.DRAPlugin'];

interface RegisteredDriver {
  socket: string;
  info: PluginInfo__Output;
  service: string;
  client: DRAPluginClient;
}

export interface DraKubeletStandInOptions {
  kubeletDir: string;
  pollMs?: number;
  rpcTimeoutMs?: number;
}

export class DraKubeletStandIn {
  readonly registryDir: string;
  private readonly drivers = new Map<string, RegisteredDriver>();
  /**
   * Sockets seen (registered or refused), so each is tried once while it exists; an inotify
   * event on a socket (deleted, or made again, which polling alone could miss: the new file may
   * get the old inode) makes it new again.
   */
  private readonly seen = new Set<string>();
  private watcher: FSWatcher | undefined;
  private timer: NodeJS.Timeout | undefined;
  private scanning = false;
  private readonly rpcTimeoutMs: number;
  /** Every GetInfo answered, with the verdict, in order. */
  readonly registrations: Array<{ socket: string; name: string; ok: boolean; error?: string }> = [];
  /** ms per NodePrepareResources call, as seen from here. */
  readonly prepareLatencies: number[] = [];

  constructor(private readonly o: DraKubeletStandInOptions) {
    this.registryDir = join(o.kubeletDir, 'plugins_registry');
    this.rpcTimeoutMs = o.rpcTimeoutMs ?? 10_000;
    mkdirSync(this.registryDir, { recursive: true });
  }

  start(): void {
    this.watcher = watch(this.registryDir, (_event, file) => {
      if (!file) return;
      const socket = join(this.registryDir, file.toString());
      this.seen.delete(socket);
      for (const [name, d] of this.drivers) {
        if (d.socket !== socket) continue;
        d.client.close();
        this.drivers.delete(name);
      }
      void this.scan();
    });
    this.timer = setInterval(() => void this.scan(), this.o.pollMs ?? 100);
    void this.scan();
  }

  stop(): void {
    this.watcher?.close();
    clearInterval(this.timer);
    for (const d of this.drivers.values()) d.client.close();
    this.drivers.clear();
    this.seen.clear();
  }

  restart(): void {
    this.stop();
    this.start();
  }

  isRegistered(driver: string): boolean {
    return this.drivers.has(driver);
  }

  /** The service the kubelet chose for the driver, e.g. v1.DRAPlugin. */
  serviceOf(driver: string): string | undefined {
    return this.drivers.get(driver)?.service;
  }

  async waitForDriver(driver: string, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.drivers.has(driver)) {
      if (Date.now() > deadline) throw new Error(`DRA kubelet stand-in: driver ${driver} did not register within ${timeoutMs} ms; registrations: ${JSON.stringify(this.registrations)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  async prepare(driver: string, claims: Claim[]): Promise<NodePrepareResourcesResponse__Output> {
    const d = this.driverOrThrow(driver);
    const t0 = performance.now();
    const res = await unary<{ claims: Claim[] }, NodePrepareResourcesResponse__Output>(d.client.NodePrepareResources.bind(d.client), { claims }, this.rpcTimeoutMs);
    this.prepareLatencies.push(performance.now() - t0);
    return res;
  }

  unprepare(driver: string, claims: Claim[]): Promise<NodeUnprepareResourcesResponse__Output> {
    const d = this.driverOrThrow(driver);
    return unary<{ claims: Claim[] }, NodeUnprepareResourcesResponse__Output>(d.client.NodeUnprepareResources.bind(d.client), { claims }, this.rpcTimeoutMs);
  }

  private driverOrThrow(driver: string): RegisteredDriver {
    const d = this.drivers.get(driver);
    if (!d) throw new Error(`DRA driver ${driver} is not registered with the kubelet`);
    return d;
  }

  private async scan(): Promise<void> {
    if (this.scanning) return;
    this.scanning = true;
    try {
      const present = new Set(
        readdirSync(this.registryDir)
          .map((n) => join(this.registryDir, n))
          .filter((p) => {
            try {
              return statSync(p).isSocket();
            } catch {
              return false;
            }
          }),
      );
      for (const [name, d] of this.drivers) {
        if (!present.has(d.socket)) {
          d.client.close();
          this.drivers.delete(name);
        }
      }
      for (const s of [...this.seen]) if (!present.has(s)) this.seen.delete(s);
      for (const socket of present) {
        if (this.seen.has(socket)) continue;
        this.seen.add(socket);
        await this.register(socket);
      }
    } finally {
      this.scanning = false;
    }
  }

  private async register(socket: string): Promise<void> {
    const Registration = pluginRegistrationProto().Registration;
    const reg = new Registration(`unix:${socket}`, credentials.createInsecure()) as RegistrationClient;
    try {
      const info = await unary<object, PluginInfo__Output>(reg.GetInfo.bind(reg), {}, this.rpcTimeoutMs);
      const service = info.supportedVersions.find((v) => KUBELET_DRA_SERVICES.includes(v));
      let error: string | undefined;
      if (info.type !== 'DRAPlugin') error = `plugin type ${info.type} is not DRAPlugin`;
      else if (!service) error = `none of the services supported by the plugin (${JSON.stringify(info.supportedVersions)}) are supported by the kubelet`;
      else if (this.drivers.get(info.name)?.info.endpoint === info.endpoint && this.drivers.get(info.name)?.socket !== socket) {
        error = `endpoint ${info.endpoint} already registered for DRA driver ${info.name}`;
      }
      if (!error && service) {
        const DRAPlugin = draProto().DRAPlugin;
        const client = new DRAPlugin(`unix:${info.endpoint}`, credentials.createInsecure()) as DRAPluginClient;
        this.drivers.get(info.name)?.client.close();
        this.drivers.set(info.name, { socket, info, service, client });
      }
      this.registrations.push({ socket, name: info.name, ok: !error, ...(error ? { error } : {}) });
      await unary(reg.NotifyRegistrationStatus.bind(reg), { pluginRegistered: !error, error: error ?? '' }, this.rpcTimeoutMs);
    } catch (err) {
      // Not answering yet (bound, not yet listening): the kubelet's reconciler retries, so do we.
      this.registrations.push({ socket, name: '', ok: false, error: (err as Error).message });
      this.seen.delete(socket);
    } finally {
      reg.close();
    }
  }
}
