// The agent as a kubelet DRA plugin: two gRPC servers on Unix sockets under the kubelet's root.
// - `plugins/akri.sh/dra.sock` serves DRAPlugin v1 (NodePrepareResources,
//   NodeUnprepareResources) and is serving before the other socket appears;
// - `plugins_registry/akri.sh-reg.sock` serves pluginregistration.Registration: the kubelet's
//   plugin watcher finds the socket, asks GetInfo (type DRAPlugin, the driver name, the
//   endpoint, the services we offer) and answers with NotifyRegistrationStatus.
// The kubelet reconnects by itself after its own restart; if our registration socket is
// deleted (the kubelet then unregisters us), it is bound again, which registers us again.
import { Server, ServerCredentials, status as GrpcStatus, type sendUnaryData, type ServerUnaryCall } from '@grpc/grpc-js';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { DRA_DRIVER } from '../../lib/dra/driver.ts';
import { shutdownServer } from '../../lib/grpc/shutdown-server.ts';
import type { Logger } from '../../lib/observability/logger.ts';
import type { Claim__Output } from '../../lib/proto/generated/k8s/io/kubelet/pkg/apis/dra/v1/Claim.ts';
import type { NodePrepareResourceResponse } from '../../lib/proto/generated/k8s/io/kubelet/pkg/apis/dra/v1/NodePrepareResourceResponse.ts';
import type { NodePrepareResourcesRequest__Output } from '../../lib/proto/generated/k8s/io/kubelet/pkg/apis/dra/v1/NodePrepareResourcesRequest.ts';
import type { NodePrepareResourcesResponse } from '../../lib/proto/generated/k8s/io/kubelet/pkg/apis/dra/v1/NodePrepareResourcesResponse.ts';
import type { NodeUnprepareResourceResponse } from '../../lib/proto/generated/k8s/io/kubelet/pkg/apis/dra/v1/NodeUnprepareResourceResponse.ts';
import type { NodeUnprepareResourcesRequest__Output } from '../../lib/proto/generated/k8s/io/kubelet/pkg/apis/dra/v1/NodeUnprepareResourcesRequest.ts';
import type { NodeUnprepareResourcesResponse } from '../../lib/proto/generated/k8s/io/kubelet/pkg/apis/dra/v1/NodeUnprepareResourcesResponse.ts';
import type { PluginInfo } from '../../lib/proto/generated/pluginregistration/PluginInfo.ts';
import type { RegistrationStatus__Output } from '../../lib/proto/generated/pluginregistration/RegistrationStatus.ts';
import type { RegistrationStatusResponse } from '../../lib/proto/generated/pluginregistration/RegistrationStatusResponse.ts';
import { draProto, pluginRegistrationProto } from '../../lib/proto/load.ts';

/** The services we serve, as the kubelet names them in supported_versions. */
export const DRA_SERVICES = ['v1.DRAPlugin'];
export const PLUGIN_TYPE = 'DRAPlugin';

export interface DraClaimBackend {
  /** Keyed by claim UID; a claim that cannot be prepared gets `error`, the others their devices. */
  prepare(claims: readonly Claim__Output[]): Promise<Record<string, NodePrepareResourceResponse>>;
  unprepare(claims: readonly Claim__Output[]): Promise<Record<string, NodeUnprepareResourceResponse>>;
}

export interface KubeletPluginOptions {
  kubeletDir: string;
  /** The driver name to register (default akri.sh; the benchmark's do-nothing plugin uses another). */
  driver?: string;
  backend: DraClaimBackend;
  log: Logger;
  /** Called with the kubelet's verdict on our registration. */
  onRegistration?: (registered: boolean, error: string) => void;
  /** How often the registration socket is checked for deletion. */
  pollMs?: number;
}

export function draSocketPath(kubeletDir: string, driver = DRA_DRIVER): string {
  return join(kubeletDir, 'plugins', driver, 'dra.sock');
}

export function registrationSocketPath(kubeletDir: string, driver = DRA_DRIVER): string {
  return join(kubeletDir, 'plugins_registry', `${driver}-reg.sock`);
}

async function bind(server: Server, path: string): Promise<void> {
  rmSync(path, { force: true }); // left by an agent that was killed
  await new Promise<void>((resolve, reject) => server.bindAsync(`unix:${path}`, ServerCredentials.createInsecure(), (err) => (err ? reject(err) : resolve())));
}

export class KubeletPlugin {
  readonly draSocket: string;
  readonly registrationSocket: string;
  private draServer: Server | undefined;
  private registrationServer: Server | undefined;
  private timer: NodeJS.Timeout | undefined;
  private rebinding = false;
  private running = false;

  private readonly driver: string;

  constructor(private readonly o: KubeletPluginOptions) {
    this.driver = o.driver ?? DRA_DRIVER;
    this.draSocket = draSocketPath(o.kubeletDir, this.driver);
    this.registrationSocket = registrationSocketPath(o.kubeletDir, this.driver);
  }

  async start(): Promise<void> {
    mkdirSync(join(this.o.kubeletDir, 'plugins', this.driver), { recursive: true });
    mkdirSync(join(this.o.kubeletDir, 'plugins_registry'), { recursive: true });
    this.draServer = this.serveDra();
    await bind(this.draServer, this.draSocket);
    await this.serveRegistration();
    this.running = true;
    this.timer = setInterval(() => void this.checkRegistrationSocket(), this.o.pollMs ?? 1000);
  }

  /** Stops both servers and removes the sockets (the kubelet then unregisters the driver). */
  async stop(): Promise<void> {
    this.running = false;
    clearInterval(this.timer);
    const servers = [this.registrationServer, this.draServer].filter((s): s is Server => s !== undefined);
    this.registrationServer = undefined;
    this.draServer = undefined;
    await Promise.all(servers.map((s) => shutdownServer(s)));
    rmSync(this.registrationSocket, { force: true });
    rmSync(this.draSocket, { force: true });
  }

  private serveDra(): Server {
    const server = new Server();
    const { backend, log } = this.o;
    server.addService(draProto().DRAPlugin.service, {
      NodePrepareResources: (call: ServerUnaryCall<NodePrepareResourcesRequest__Output, NodePrepareResourcesResponse>, cb: sendUnaryData<NodePrepareResourcesResponse>) => {
        backend.prepare(call.request.claims).then(
          (claims) => cb(null, { claims }),
          (err: Error) => {
            log.warn('NodePrepareResources failed', { error: err.message });
            cb({ code: GrpcStatus.INTERNAL, details: err.message });
          },
        );
      },
      NodeUnprepareResources: (
        call: ServerUnaryCall<NodeUnprepareResourcesRequest__Output, NodeUnprepareResourcesResponse>,
        cb: sendUnaryData<NodeUnprepareResourcesResponse>,
      ) => {
        backend.unprepare(call.request.claims).then(
          (claims) => cb(null, { claims }),
          (err: Error) => {
            log.warn('NodeUnprepareResources failed', { error: err.message });
            cb({ code: GrpcStatus.INTERNAL, details: err.message });
          },
        );
      },
    });
    return server;
  }

  private async serveRegistration(): Promise<void> {
    const server = new Server();
    const info: PluginInfo = { type: PLUGIN_TYPE, name: this.driver, endpoint: this.draSocket, supportedVersions: DRA_SERVICES };
    server.addService(pluginRegistrationProto().Registration.service, {
      GetInfo: (_call: ServerUnaryCall<unknown, PluginInfo>, cb: sendUnaryData<PluginInfo>) => cb(null, info),
      NotifyRegistrationStatus: (call: ServerUnaryCall<RegistrationStatus__Output, RegistrationStatusResponse>, cb: sendUnaryData<RegistrationStatusResponse>) => {
        const { pluginRegistered, error } = call.request;
        if (pluginRegistered) this.o.log.info('registered with the kubelet as DRA driver', { driver: this.driver });
        else this.o.log.warn('the kubelet refused the DRA plugin registration', { driver: this.driver, error });
        this.o.onRegistration?.(pluginRegistered, error);
        cb(null, {});
      },
    });
    await bind(server, this.registrationSocket);
    this.registrationServer = server;
  }

  private async checkRegistrationSocket(): Promise<void> {
    if (this.rebinding || !this.running || existsSync(this.registrationSocket)) return;
    this.rebinding = true;
    try {
      this.o.log.warn('our plugin registration socket was deleted; binding it again', { socket: this.registrationSocket });
      const old = this.registrationServer;
      this.registrationServer = undefined;
      if (old) await shutdownServer(old);
      await this.serveRegistration();
    } catch (err) {
      this.o.log.warn('binding the plugin registration socket again failed', { error: (err as Error).message });
    } finally {
      this.rebinding = false;
    }
  }
}
