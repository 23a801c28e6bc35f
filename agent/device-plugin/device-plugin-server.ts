// One kubelet device plugin (v1beta1) for one extended resource, e.g. akri.sh/<instance>.
// The socket is serving before we call Register (the kubelet calls back into it during
// Register). ListAndWatch always sends full snapshots. Stopping first sends an empty snapshot,
// so the resource drops to 0 instead of leaving stale capacity behind (Akri issue #181).
import { credentials, Server, status as GrpcStatus, type sendUnaryData, type ServerUnaryCall, type ServerWritableStream } from '@grpc/grpc-js';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { devicePluginProto } from '../../lib/proto/load.ts';
import type { AllocateRequest__Output } from '../../lib/proto/generated/v1beta1/AllocateRequest.ts';
import type { AllocateResponse } from '../../lib/proto/generated/v1beta1/AllocateResponse.ts';
import type { ContainerAllocateResponse } from '../../lib/proto/generated/v1beta1/ContainerAllocateResponse.ts';
import type { DevicePluginOptions } from '../../lib/proto/generated/v1beta1/DevicePluginOptions.ts';
import type { ListAndWatchResponse } from '../../lib/proto/generated/v1beta1/ListAndWatchResponse.ts';
import type { PreferredAllocationRequest__Output } from '../../lib/proto/generated/v1beta1/PreferredAllocationRequest.ts';
import type { PreferredAllocationResponse } from '../../lib/proto/generated/v1beta1/PreferredAllocationResponse.ts';
import type { RegistrationClient } from '../../lib/proto/generated/v1beta1/Registration.ts';
import type { Logger } from '../../lib/observability/logger.ts';
import type { PluginDevice } from './instance-plugin-devices.ts';
import { shutdownServer } from '../../lib/grpc/shutdown-server.ts';
import { bindUnixSocket } from '../../lib/grpc/unix-socket-access.ts';

export const KUBELET_SOCKET = 'kubelet.sock';
/** Only the kubelet (root, the directory's owner) connects; the mode does not follow the umask. */
export const DEVICE_PLUGIN_SOCKET_MODE = 0o600;

/** What a plugin serves; the agent's slot ledger implements it per Instance or Configuration. */
export interface DevicePluginBackend {
  devices(): PluginDevice[];
  /** May claim the slots it prefers, so that the Allocate that follows is only a local answer. */
  preferred(available: readonly string[], mustInclude: readonly string[], size: number): string[] | Promise<string[]>;
  /** Claims the devices for one container, or throws an Error whose message the kubelet shows. */
  allocate(deviceIds: readonly string[]): Promise<ContainerAllocateResponse>;
}

export interface DevicePluginServerOptions {
  resourceName: string;
  /** The kubelet's device-plugins directory (kubelet.sock lives there too). */
  pluginDir: string;
  backend: DevicePluginBackend;
  logger: Logger;
  /** Socket file name; unique per start so a restarted plugin never reuses a stale path. */
  endpointName?: () => string;
  registerTimeoutMs?: number;
}

const OPTIONS: DevicePluginOptions = { preStartRequired: false, getPreferredAllocationAvailable: true };

function snapshotKey(devices: PluginDevice[]): string {
  return devices.map((d) => `${d.ID}=${d.health}`).join(',');
}

export class DevicePluginServer {
  private server: Server | undefined;
  private endpoint = '';
  private readonly streams = new Set<ServerWritableStream<unknown, ListAndWatchResponse>>();
  private lastSent = '';
  private stopped = false;

  constructor(private readonly options: DevicePluginServerOptions) {}

  get resourceName(): string {
    return this.options.resourceName;
  }

  get socketPath(): string {
    return join(this.options.pluginDir, this.endpoint);
  }

  get serving(): boolean {
    return this.server !== undefined;
  }

  /** Binds a fresh socket (removing any stale one) and starts serving. */
  async start(): Promise<void> {
    await this.close();
    this.stopped = false;
    const safe = this.options.resourceName.replace(/[^A-Za-z0-9_.-]/g, '-');
    this.endpoint = this.options.endpointName?.() ?? `${safe}-${Date.now()}.sock`;
    const server = new Server();
    server.addService(devicePluginProto().DevicePlugin.service, {
      GetDevicePluginOptions: (_call: ServerUnaryCall<unknown, DevicePluginOptions>, cb: sendUnaryData<DevicePluginOptions>) => cb(null, OPTIONS),
      ListAndWatch: (call: ServerWritableStream<unknown, ListAndWatchResponse>) => {
        this.streams.add(call);
        call.on('cancelled', () => this.streams.delete(call));
        call.on('close', () => this.streams.delete(call));
        const devices = this.options.backend.devices();
        this.lastSent = snapshotKey(devices);
        call.write({ devices });
      },
      GetPreferredAllocation: (
        call: ServerUnaryCall<PreferredAllocationRequest__Output, PreferredAllocationResponse>,
        cb: sendUnaryData<PreferredAllocationResponse>,
      ) => {
        void Promise.all(
          call.request.containerRequests.map(async (r) => ({
            deviceIDs: await this.options.backend.preferred(r.availableDeviceIDs, r.mustIncludeDeviceIDs, r.allocationSize),
          })),
        ).then(
          (containerResponses) => cb(null, { containerResponses }),
          (err: Error) => cb({ code: GrpcStatus.UNAVAILABLE, details: err.message }),
        );
      },
      Allocate: (call: ServerUnaryCall<AllocateRequest__Output, AllocateResponse>, cb: sendUnaryData<AllocateResponse>) => {
        void (async () => {
          const containerResponses: ContainerAllocateResponse[] = [];
          for (const r of call.request.containerRequests) containerResponses.push(await this.options.backend.allocate(r.devicesIds));
          return containerResponses;
        })().then(
          (containerResponses) => cb(null, { containerResponses }),
          (err: Error) => {
            this.options.logger.warn('allocate refused', { resource: this.options.resourceName, error: err.message });
            cb({ code: GrpcStatus.UNAVAILABLE, details: err.message });
          },
        );
      },
      PreStartContainer: (_call: ServerUnaryCall<unknown, object>, cb: sendUnaryData<object>) => cb(null, {}),
    });
    // Replaces any stale socket at the path in one step.
    await bindUnixSocket(server, this.socketPath, { mode: DEVICE_PLUGIN_SOCKET_MODE });
    this.server = server;
  }

  /** Registers with the kubelet; the socket must be serving (start() first). */
  async register(): Promise<void> {
    if (!this.server) throw new Error(`device plugin ${this.options.resourceName} is not serving`);
    const Registration = devicePluginProto().Registration;
    const client = new Registration(`unix://${join(this.options.pluginDir, KUBELET_SOCKET)}`, credentials.createInsecure()) as RegistrationClient;
    const deadline = new Date(Date.now() + (this.options.registerTimeoutMs ?? 10_000));
    try {
      await new Promise<void>((resolve, reject) =>
        client.Register(
          { version: 'v1beta1', endpoint: this.endpoint, resourceName: this.options.resourceName, options: OPTIONS },
          { deadline },
          (err) => (err ? reject(new Error(`registering ${this.options.resourceName} with the kubelet failed: ${err.message}`)) : resolve()),
        ),
      );
    } finally {
      client.close();
    }
  }

  /** Pushes the backend's current devices to the kubelet, if they changed. */
  update(): void {
    if (this.stopped) return;
    const devices = this.options.backend.devices();
    const key = snapshotKey(devices);
    if (key === this.lastSent) return;
    this.lastSent = key;
    for (const s of this.streams) s.write({ devices });
  }

  /** Reports no devices, then stops serving and removes the socket. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const s of this.streams) s.write({ devices: [] });
    await this.close();
  }

  /** Stops serving without telling the kubelet anything, as a killed agent would. */
  async halt(): Promise<void> {
    this.stopped = true;
    await this.close();
  }

  private async close(): Promise<void> {
    for (const s of this.streams) s.end();
    this.streams.clear();
    const server = this.server;
    this.server = undefined;
    if (server) await shutdownServer(server);
    if (this.endpoint) rmSync(this.socketPath, { force: true });
  }
}
