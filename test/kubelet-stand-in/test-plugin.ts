// A minimal device plugin for exercising the kubelet stand-in: serves DevicePlugin on a socket
// in the device-plugins directory, pushes the device snapshots it is given, and records calls.
import { credentials, Server, type ServerWritableStream, type sendUnaryData, type ServerUnaryCall } from '@grpc/grpc-js';
import { join } from 'node:path';
import { devicePluginProto } from '../../lib/proto/load.ts';
import type { ListAndWatchResponse } from '../../lib/proto/generated/v1beta1/ListAndWatchResponse.ts';
import type { AllocateRequest__Output } from '../../lib/proto/generated/v1beta1/AllocateRequest.ts';
import type { AllocateResponse } from '../../lib/proto/generated/v1beta1/AllocateResponse.ts';
import type { PreferredAllocationRequest__Output } from '../../lib/proto/generated/v1beta1/PreferredAllocationRequest.ts';
import type { PreferredAllocationResponse } from '../../lib/proto/generated/v1beta1/PreferredAllocationResponse.ts';
import type { RegistrationClient } from '../../lib/proto/generated/v1beta1/Registration.ts';
import { bindUnix, shutdown, unary } from './grpc-util.ts';

export class TestPlugin {
  readonly calls: string[] = [];
  private server: Server | undefined;
  private streams = new Set<ServerWritableStream<unknown, ListAndWatchResponse>>();
  private devices: Array<{ ID: string; health: string }> = [];
  /** Device ids this plugin asks the kubelet to prefer, in order. */
  prefer: string[] = [];
  failAllocate = false;

  constructor(
    readonly dir: string,
    readonly resource: string,
    readonly endpoint: string,
  ) {}

  async serve(): Promise<void> {
    const server = new Server();
    server.addService(devicePluginProto().DevicePlugin.service, {
      GetDevicePluginOptions: (_c: ServerUnaryCall<unknown, unknown>, cb: sendUnaryData<unknown>) => {
        this.calls.push('GetDevicePluginOptions');
        cb(null, { preStartRequired: false, getPreferredAllocationAvailable: true });
      },
      ListAndWatch: (call: ServerWritableStream<unknown, ListAndWatchResponse>) => {
        this.calls.push('ListAndWatch');
        this.streams.add(call);
        call.write({ devices: this.devices });
        call.on('cancelled', () => this.streams.delete(call));
      },
      GetPreferredAllocation: (c: ServerUnaryCall<PreferredAllocationRequest__Output, PreferredAllocationResponse>, cb: sendUnaryData<PreferredAllocationResponse>) => {
        this.calls.push('GetPreferredAllocation');
        const req = c.request.containerRequests[0];
        const ids = this.prefer.filter((id) => req?.availableDeviceIDs.includes(id)).slice(0, req?.allocationSize ?? 0);
        cb(null, { containerResponses: [{ deviceIDs: ids }] });
      },
      Allocate: (c: ServerUnaryCall<AllocateRequest__Output, AllocateResponse>, cb: sendUnaryData<AllocateResponse>) => {
        this.calls.push(`Allocate:${c.request.containerRequests.map((r) => r.devicesIds.join('+')).join(',')}`);
        if (this.failAllocate) {
          cb({ code: 9, details: 'slot already claimed' });
          return;
        }
        cb(null, {
          containerResponses: c.request.containerRequests.map((r) => ({ envs: { SLOTS: r.devicesIds.join(',') } })),
        });
      },
      PreStartContainer: (_c: ServerUnaryCall<unknown, unknown>, cb: sendUnaryData<unknown>) => cb(null, {}),
    });
    await bindUnix(server, join(this.dir, this.endpoint));
    this.server = server;
  }

  setDevices(devices: Array<{ ID: string; health: string }>): void {
    this.devices = devices;
    for (const s of this.streams) s.write({ devices });
  }

  async register(): Promise<void> {
    const Registration = devicePluginProto().Registration;
    const client = new Registration(`unix://${join(this.dir, 'kubelet.sock')}`, credentials.createInsecure()) as RegistrationClient;
    try {
      this.calls.push('Register:start');
      await unary(client.Register.bind(client), { version: 'v1beta1', endpoint: this.endpoint, resourceName: this.resource }, 5000);
      this.calls.push('Register:done');
    } finally {
      client.close();
    }
  }

  async stop(): Promise<void> {
    for (const s of this.streams) s.end();
    this.streams.clear();
    if (this.server) await shutdown(this.server);
    this.server = undefined;
  }
}
