// A stand-in for the kubelet's device-plugin side, for fast tests. It follows the real
// kubelet's v1beta1 semantics (pkg/kubelet/cm/devicemanager), which our agent must satisfy:
// - Registration.Register validates the version and resource name, dials the plugin's socket
//   in the same directory and calls GetDevicePluginOptions *before* replying (a plugin that
//   is not yet serving fails to register);
// - each ListAndWatch message replaces the resource's whole device set;
// - when a plugin's stream ends its devices turn unhealthy (capacity stays, allocatable 0)
//   until it registers again, or until the end-of-life grace period removes the resource;
// - admitting a pod: free healthy devices, GetPreferredAllocation when the plugin offers it,
//   then Allocate; any failure is an UnexpectedAdmissionError and nothing stays allocated;
//   pods are admitted one at a time (the kubelet's HandlePodAdditions loop is sequential and
//   its device manager allocates under one mutex), so two pods never pick the same free device;
// - pod-resources List reports the devices of admitted pods until they are removed;
// - a restart deletes every socket in the device-plugins directory (plugins must notice and
//   register again), forgets registrations and keeps allocations (its checkpoint; with
//   `checkpointFile` the allocations also survive the process, as kubelet_internal_checkpoint).
import { credentials, type Client, Server, status as GrpcStatus, type sendUnaryData, type ServerUnaryCall } from '@grpc/grpc-js';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { devicePluginProto, podResourcesProto } from '../../lib/proto/load.ts';
import type { DevicePluginClient } from '../../lib/proto/generated/v1beta1/DevicePlugin.ts';
import type { RegisterRequest__Output } from '../../lib/proto/generated/v1beta1/RegisterRequest.ts';
import type { Empty } from '../../lib/proto/generated/v1beta1/Empty.ts';
import type { DevicePluginOptions__Output } from '../../lib/proto/generated/v1beta1/DevicePluginOptions.ts';
import type { AllocateRequest } from '../../lib/proto/generated/v1beta1/AllocateRequest.ts';
import type { AllocateResponse__Output } from '../../lib/proto/generated/v1beta1/AllocateResponse.ts';
import type { PreferredAllocationRequest } from '../../lib/proto/generated/v1beta1/PreferredAllocationRequest.ts';
import type { PreferredAllocationResponse__Output } from '../../lib/proto/generated/v1beta1/PreferredAllocationResponse.ts';
import type { ContainerAllocateResponse__Output } from '../../lib/proto/generated/v1beta1/ContainerAllocateResponse.ts';
import type { ListPodResourcesResponse } from '../../lib/proto/generated/v1/ListPodResourcesResponse.ts';
import { applyPreference, checkAvailability, freeHealthyDevices } from './device-allocation.ts';
import { bindUnix, shutdown, unary } from './grpc-util.ts';

export const HEALTHY = 'Healthy';
export const UNHEALTHY = 'Unhealthy';

interface Endpoint {
  resource: string;
  socket: string;
  client: DevicePluginClient;
  options: DevicePluginOptions__Output;
  /** Device id -> health, as last reported by ListAndWatch. */
  devices: Map<string, string>;
  connected: boolean;
  stoppedAt?: number;
  snapshots: number;
}

export interface PodRequest {
  uid: string;
  name: string;
  namespace: string;
  containers: Array<{ name: string; requests: Record<string, number> }>;
}

export interface ContainerAllocation {
  container: string;
  resource: string;
  deviceIds: string[];
  response: ContainerAllocateResponse__Output;
}

export type AdmissionResult =
  | { admitted: true; allocations: ContainerAllocation[] }
  | { admitted: false; reason: 'UnexpectedAdmissionError'; message: string };

export interface KubeletStandInOptions {
  /** The kubelet's root directory; sockets live in device-plugins/ and pod-resources/. */
  kubeletDir: string;
  /** How long a resource whose plugin went away stays in capacity (kubelet: 5 minutes). */
  endpointGracePeriodMs?: number;
  rpcTimeoutMs?: number;
  now?: () => number;
  /**
   * Where the admitted pods and their devices are kept across processes (JSON, replaced
   * atomically after every admission and removal), read back by the constructor.
   */
  checkpointFile?: string;
}

/** What checkpointFile holds. */
export interface StandInCheckpoint {
  pods: Array<{ pod: PodRequest; allocations: ContainerAllocation[]; admittedAt: number }>;
}

export class KubeletStandIn {
  readonly devicePluginDir: string;
  readonly podResourcesSocket: string;
  private readonly endpoints = new Map<string, Endpoint>();
  /** Pod uid -> its allocations; survives restarts, as the kubelet's checkpoint does. */
  private readonly pods = new Map<string, { pod: PodRequest; allocations: ContainerAllocation[]; admittedAt: number }>();
  private readonly checkpointFile: string | undefined;
  private registrationServer: Server | undefined;
  private podResourcesServer: Server | undefined;
  private readonly graceMs: number;
  private readonly rpcTimeoutMs: number;
  private readonly now: () => number;
  private readonly waiters = new Set<() => void>();
  private admission: Promise<unknown> = Promise.resolve();
  /** How long each Allocate call took, in ms, as seen from here, by resource (for the allocate benchmark). */
  readonly allocateLatencies: Array<{ resource: string; ms: number }> = [];
  /** Every Register call, in order, for assertions. */
  readonly registrations: Array<{ resource: string; endpoint: string; at: number; ok: boolean; error?: string }> = [];

  constructor(options: KubeletStandInOptions) {
    this.devicePluginDir = join(options.kubeletDir, 'device-plugins');
    this.podResourcesSocket = join(options.kubeletDir, 'pod-resources', 'kubelet.sock');
    this.graceMs = options.endpointGracePeriodMs ?? 5 * 60_000;
    this.rpcTimeoutMs = options.rpcTimeoutMs ?? 10_000;
    this.now = options.now ?? Date.now;
    mkdirSync(this.devicePluginDir, { recursive: true });
    mkdirSync(join(options.kubeletDir, 'pod-resources'), { recursive: true });
    this.checkpointFile = options.checkpointFile;
    if (this.checkpointFile && existsSync(this.checkpointFile)) {
      const saved = JSON.parse(readFileSync(this.checkpointFile, 'utf8')) as StandInCheckpoint;
      for (const p of saved.pods) this.pods.set(p.pod.uid, p);
    }
  }

  private saveCheckpoint(): void {
    if (!this.checkpointFile) return;
    const tmp = `${this.checkpointFile}.tmp`;
    writeFileSync(tmp, JSON.stringify({ pods: [...this.pods.values()] } satisfies StandInCheckpoint));
    renameSync(tmp, this.checkpointFile);
  }

  /** The admitted pods and their devices, as the checkpoint holds them. */
  admittedPods(): StandInCheckpoint['pods'] {
    return [...this.pods.values()];
  }

  get kubeletSocket(): string {
    return join(this.devicePluginDir, 'kubelet.sock');
  }

  async start(): Promise<void> {
    this.cleanPluginDirectory();
    const registration = new Server();
    registration.addService(devicePluginProto().Registration.service, {
      Register: (call: ServerUnaryCall<RegisterRequest__Output, Empty>, callback: sendUnaryData<Empty>) => {
        void this.register(call.request).then(
          () => callback(null, {}),
          (err: Error) => callback({ code: GrpcStatus.FAILED_PRECONDITION, details: err.message }),
        );
      },
    });
    await bindUnix(registration, this.kubeletSocket);
    this.registrationServer = registration;

    const podResources = new Server();
    podResources.addService(podResourcesProto().PodResourcesLister.service, {
      List: (_call: ServerUnaryCall<unknown, ListPodResourcesResponse>, callback: sendUnaryData<ListPodResourcesResponse>) =>
        callback(null, this.listPodResources()),
      GetAllocatableResources: (_call: ServerUnaryCall<unknown, unknown>, callback: sendUnaryData<unknown>) =>
        callback(null, { devices: this.allocatableDevices() }),
      Get: (call: ServerUnaryCall<{ podName: string; podNamespace: string }, unknown>, callback: sendUnaryData<unknown>) => {
        const found = this.listPodResources().podResources?.find(
          (p) => p.name === call.request.podName && p.namespace === call.request.podNamespace,
        );
        if (found) callback(null, { podResources: found });
        else callback({ code: GrpcStatus.NOT_FOUND, details: `pod ${call.request.podNamespace}/${call.request.podName} not found` });
      },
    });
    rmSync(this.podResourcesSocket, { force: true });
    await bindUnix(podResources, this.podResourcesSocket);
    this.podResourcesServer = podResources;
  }

  async stop(): Promise<void> {
    for (const ep of this.endpoints.values()) ep.client.close();
    this.endpoints.clear();
    if (this.registrationServer) await shutdown(this.registrationServer);
    if (this.podResourcesServer) await shutdown(this.podResourcesServer);
    this.registrationServer = undefined;
    this.podResourcesServer = undefined;
  }

  /** Stops, deletes every socket in device-plugins/ as the kubelet does at start, and starts again. */
  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  /** Resource name -> capacity (all reported devices) and allocatable (healthy ones). */
  capacity(): Record<string, { capacity: number; allocatable: number }> {
    const out: Record<string, { capacity: number; allocatable: number }> = {};
    for (const ep of this.endpoints.values()) {
      if (!ep.connected && ep.stoppedAt !== undefined && this.now() - ep.stoppedAt > this.graceMs) continue;
      const healthy = [...ep.devices.values()].filter((h) => h === HEALTHY).length;
      out[ep.resource] = { capacity: ep.devices.size, allocatable: ep.connected ? healthy : 0 };
    }
    return out;
  }

  /** The devices a resource's plugin last reported (id -> health). */
  devices(resource: string): Record<string, string> {
    return Object.fromEntries(this.endpoints.get(resource)?.devices ?? []);
  }

  isRegistered(resource: string): boolean {
    return this.endpoints.get(resource)?.connected === true;
  }

  /** Resolves when `predicate` holds (checked after every registration and snapshot). */
  async waitFor(predicate: () => boolean, timeoutMs: number, what: string): Promise<void> {
    if (predicate()) return;
    await new Promise<void>((resolve, reject) => {
      const check = () => {
        if (!predicate()) return;
        cleanup();
        resolve();
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`kubelet stand-in: timed out after ${timeoutMs} ms waiting for ${what}; capacity ${JSON.stringify(this.capacity())}`));
      }, timeoutMs);
      const poll = setInterval(check, 50);
      const cleanup = () => {
        clearTimeout(timer);
        clearInterval(poll);
        this.waiters.delete(check);
      };
      this.waiters.add(check);
    });
  }

  /** Admits a pod the way the kubelet's device manager does, container by container. */
  admitPod(pod: PodRequest): Promise<AdmissionResult> {
    const run = this.admission.then(() => this.admitOne(pod));
    this.admission = run.catch(() => undefined);
    return run;
  }

  private async admitOne(pod: PodRequest): Promise<AdmissionResult> {
    const existing = this.pods.get(pod.uid);
    if (existing) return { admitted: true, allocations: existing.allocations };
    const allocations: ContainerAllocation[] = [];
    const taken = this.allocatedDeviceIds();
    try {
      for (const container of pod.containers) {
        for (const [resource, needed] of Object.entries(container.requests)) {
          const ep = this.endpoints.get(resource);
          if (!ep || !ep.connected) throw new Error(`cannot allocate unregistered device ${resource}`);
          const healthy = [...ep.devices].filter(([, h]) => h === HEALTHY).map(([id]) => id);
          const available = freeHealthyDevices(healthy, taken.get(resource) ?? new Set());
          const refused = checkAvailability(resource, needed, available);
          if (refused && !refused.ok) throw new Error(refused.reason);
          let preferred: string[] | undefined;
          if (ep.options.getPreferredAllocationAvailable) {
            const res = await unary<PreferredAllocationRequest, PreferredAllocationResponse__Output>(
              ep.client.GetPreferredAllocation.bind(ep.client),
              { containerRequests: [{ availableDeviceIDs: available, mustIncludeDeviceIDs: [], allocationSize: needed }] },
              this.rpcTimeoutMs,
            );
            preferred = res.containerResponses[0]?.deviceIDs;
          }
          const chosen = applyPreference(available, needed, preferred);
          const t0 = performance.now();
          const res = await unary<AllocateRequest, AllocateResponse__Output>(ep.client.Allocate.bind(ep.client), { containerRequests: [{ devicesIds: chosen }] }, this.rpcTimeoutMs);
          this.allocateLatencies.push({ resource, ms: performance.now() - t0 });
          const response = res.containerResponses[0];
          if (!response) throw new Error(`plugin for ${resource} returned no container response`);
          if (ep.options.preStartRequired) {
            await unary(ep.client.PreStartContainer.bind(ep.client), { devicesIds: chosen }, this.rpcTimeoutMs);
          }
          const set = taken.get(resource) ?? new Set<string>();
          for (const id of chosen) set.add(id);
          taken.set(resource, set);
          allocations.push({ container: container.name, resource, deviceIds: chosen, response });
        }
      }
    } catch (err) {
      return { admitted: false, reason: 'UnexpectedAdmissionError', message: `Allocate failed due to ${(err as Error).message}, which is unexpected` };
    }
    this.pods.set(pod.uid, { pod, allocations, admittedAt: this.now() });
    this.saveCheckpoint();
    return { admitted: true, allocations };
  }

  /** The pod terminated: its devices are free and pod-resources stops listing it. */
  removePod(uid: string): void {
    if (this.pods.delete(uid)) this.saveCheckpoint();
  }

  listPodResources(): ListPodResourcesResponse {
    return {
      podResources: [...this.pods.values()].map(({ pod, allocations }) => ({
        name: pod.name,
        namespace: pod.namespace,
        containers: pod.containers.map((c) => ({
          name: c.name,
          devices: allocations
            .filter((a) => a.container === c.name)
            .map((a) => ({ resourceName: a.resource, deviceIds: a.deviceIds })),
        })),
      })),
    };
  }

  private allocatableDevices(): Array<{ resourceName: string; deviceIds: string[] }> {
    return [...this.endpoints.values()]
      .filter((ep) => ep.connected)
      .map((ep) => ({ resourceName: ep.resource, deviceIds: [...ep.devices].filter(([, h]) => h === HEALTHY).map(([id]) => id) }));
  }

  private allocatedDeviceIds(): Map<string, Set<string>> {
    const out = new Map<string, Set<string>>();
    for (const { allocations } of this.pods.values()) {
      for (const a of allocations) {
        const set = out.get(a.resource) ?? new Set<string>();
        for (const id of a.deviceIds) set.add(id);
        out.set(a.resource, set);
      }
    }
    return out;
  }

  private async register(req: RegisterRequest__Output): Promise<void> {
    const record = { resource: req.resourceName, endpoint: req.endpoint, at: this.now(), ok: false } as (typeof this.registrations)[number];
    this.registrations.push(record);
    try {
      if (req.version !== 'v1beta1') throw new Error(`Requested device plugin version ${req.version} is not supported (v1beta1)`);
      if (!/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?\/[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/.test(req.resourceName) || req.resourceName.startsWith('kubernetes.io/')) {
        throw new Error(`invalid extended resource name "${req.resourceName}"`);
      }
      if (req.endpoint.includes('/')) throw new Error(`endpoint ${req.endpoint} must be a file name in ${this.devicePluginDir}`);
      const socket = join(this.devicePluginDir, req.endpoint);
      const DevicePlugin = devicePluginProto().DevicePlugin;
      const client = new DevicePlugin(`unix://${socket}`, credentials.createInsecure()) as DevicePluginClient;
      // Synchronous, before Register returns: a plugin must already be serving.
      const options = await unary<Empty, DevicePluginOptions__Output>(client.GetDevicePluginOptions.bind(client), {}, this.rpcTimeoutMs).catch((err: Error) => {
        client.close();
        throw new Error(`failed to dial device plugin ${req.resourceName} at ${socket}: ${err.message}`);
      });
      const previous = this.endpoints.get(req.resourceName);
      if (previous) (previous.client as Client).close();
      const ep: Endpoint = {
        resource: req.resourceName,
        socket,
        client,
        options,
        devices: previous?.devices ?? new Map(),
        connected: true,
        snapshots: 0,
      };
      this.endpoints.set(req.resourceName, ep);
      record.ok = true;
      this.watch(ep);
    } catch (err) {
      record.error = (err as Error).message;
      throw err;
    } finally {
      this.notify();
    }
  }

  private watch(ep: Endpoint): void {
    const stream = ep.client.ListAndWatch({});
    stream.on('data', (res: { devices: Array<{ ID: string; health: string }> }) => {
      if (this.endpoints.get(ep.resource) !== ep) return;
      ep.devices = new Map(res.devices.map((d) => [d.ID, d.health]));
      ep.snapshots++;
      this.notify();
    });
    const ended = () => {
      if (this.endpoints.get(ep.resource) !== ep || !ep.connected) return;
      ep.connected = false;
      ep.stoppedAt = this.now();
      for (const id of ep.devices.keys()) ep.devices.set(id, UNHEALTHY);
      this.notify();
    };
    stream.on('error', ended);
    stream.on('end', ended);
  }

  private cleanPluginDirectory(): void {
    for (const name of readdirSync(this.devicePluginDir)) {
      if (name === 'kubelet_internal_checkpoint') continue;
      rmSync(join(this.devicePluginDir, name), { force: true, recursive: true });
    }
  }

  private notify(): void {
    for (const w of [...this.waiters]) w();
  }
}
