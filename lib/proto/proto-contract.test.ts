// The wire contract: gRPC method paths and field numbers that Akri handlers and the kubelet
// use. A typo in a .proto file would still compile; these checks would not pass.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { credentials, Server, ServerCredentials, type ServerWritableStream } from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { devicePluginProto, discoveryProto, draProto, pluginRegistrationProto, podResourcesProto } from './load.ts';
import type { DiscoverRequest__Output } from './generated/v0/DiscoverRequest.ts';
import type { DiscoverResponse } from './generated/v0/DiscoverResponse.ts';

describe('gRPC method paths', () => {
  it('match Akri v0 and the kubelet APIs', () => {
    const paths = [
      ...Object.values(discoveryProto().Registration.service).map((m) => m.path),
      ...Object.values(discoveryProto().DiscoveryHandler.service).map((m) => m.path),
      ...Object.values(devicePluginProto().Registration.service).map((m) => m.path),
      ...Object.values(devicePluginProto().DevicePlugin.service).map((m) => m.path),
      ...Object.values(podResourcesProto().PodResourcesLister.service).map((m) => m.path),
      ...Object.values(draProto().DRAPlugin.service).map((m) => m.path),
      ...Object.values(pluginRegistrationProto().Registration.service).map((m) => m.path),
    ];
    expect(new Set(paths)).toEqual(
      new Set([
        '/v0.Registration/RegisterDiscoveryHandler',
        '/v0.DiscoveryHandler/Discover',
        '/v1beta1.Registration/Register',
        '/v1beta1.DevicePlugin/GetDevicePluginOptions',
        '/v1beta1.DevicePlugin/ListAndWatch',
        '/v1beta1.DevicePlugin/GetPreferredAllocation',
        '/v1beta1.DevicePlugin/Allocate',
        '/v1beta1.DevicePlugin/PreStartContainer',
        '/v1.PodResourcesLister/List',
        '/v1.PodResourcesLister/GetAllocatableResources',
        '/v1.PodResourcesLister/Get',
        '/k8s.io.kubelet.pkg.apis.dra.v1.DRAPlugin/NodePrepareResources',
        '/k8s.io.kubelet.pkg.apis.dra.v1.DRAPlugin/NodeUnprepareResources',
        '/pluginregistration.Registration/GetInfo',
        '/pluginregistration.Registration/NotifyRegistrationStatus',
      ]),
    );
  });
});

describe('field numbers on the wire', () => {
  it('RegisterDiscoveryHandlerRequest encodes name=1, endpoint=2, endpoint_type=3, shared=4', () => {
    const method = discoveryProto().Registration.service.RegisterDiscoveryHandler;
    const bytes = method.requestSerialize({ name: 'a', endpoint: 'b', endpointType: 'NETWORK', shared: true });
    // tag (field<<3 | wiretype): 0x0a name, 0x12 endpoint, 0x18 endpoint_type, 0x20 shared
    expect([...bytes]).toEqual([0x0a, 1, 0x61, 0x12, 1, 0x62, 0x18, 1, 0x20, 1]);
  });

  it('Device encodes id=1, properties=2, mounts=3, device_specs=4', () => {
    const method = discoveryProto().DiscoveryHandler.service.Discover;
    const bytes = method.responseSerialize({
      devices: [{ id: 'x', properties: { K: 'V' }, mounts: [{ containerPath: 'c' }], deviceSpecs: [{ hostPath: 'h' }] }],
    });
    const device = bytes.subarray(2);
    expect(device[0]).toBe(0x0a); // id
    expect([...device].includes(0x12)).toBe(true); // properties entry
    const decoded = method.responseDeserialize(bytes);
    expect(decoded).toMatchObject({
      devices: [{ id: 'x', properties: { K: 'V' }, mounts: [{ containerPath: 'c', hostPath: '', readOnly: false }], deviceSpecs: [{ hostPath: 'h' }] }],
    });
  });

  it('ContainerAllocateResponse carries envs=1, mounts=2, devices=3, annotations=4, cdi_devices=5', () => {
    const method = devicePluginProto().DevicePlugin.service.Allocate;
    const bytes = method.responseSerialize({ containerResponses: [{ cdiDevices: [{ name: 'akri.sh/c=abcdef' }] }] });
    // containerResponses=1 (len), then the inner message starts with field 5, wire type 2: 0x2a
    expect(bytes[2]).toBe(0x2a);
  });
});

describe('DRA and plugin registration field numbers', () => {
  it('Claim encodes namespace=1, uid=2, name=3', () => {
    const bytes = draProto().DRAPlugin.service.NodePrepareResources.requestSerialize({ claims: [{ namespace: 'n', uid: 'u', name: 'c' }] });
    // claims=1 (len 9), then 0x0a namespace, 0x12 uid, 0x1a name
    expect([...bytes]).toEqual([0x0a, 9, 0x0a, 1, 0x6e, 0x12, 1, 0x75, 0x1a, 1, 0x63]);
  });

  it('Device encodes request_names=1, pool_name=2, device_name=3, cdi_device_ids=4 inside claims=1 (map) and devices=1', () => {
    const method = draProto().DRAPlugin.service.NodePrepareResources;
    const bytes = method.responseSerialize({ claims: { u: { devices: [{ requestNames: ['r'], poolName: 'p', deviceName: 'd', cdiDeviceIds: ['x'] }] } } });
    // map entry: 0x0a len, key 0x0a 1 'u', value 0x12 len; value: devices 0x0a len; device fields in order
    const device = [0x0a, 1, 0x72, 0x12, 1, 0x70, 0x1a, 1, 0x64, 0x22, 1, 0x78];
    expect([...bytes]).toEqual([0x0a, 19, 0x0a, 1, 0x75, 0x12, 14, 0x0a, 12, ...device]);
    expect(method.responseDeserialize(bytes)).toEqual({ claims: { u: { devices: [{ requestNames: ['r'], poolName: 'p', deviceName: 'd', cdiDeviceIds: ['x'] }], error: '' } } });
  });

  it('NodePrepareResourceResponse.error is field 2 and NodeUnprepareResourceResponse.error field 1', () => {
    const prepare = draProto().DRAPlugin.service.NodePrepareResources.responseSerialize({ claims: { u: { error: 'e' } } });
    expect([...prepare]).toEqual([0x0a, 8, 0x0a, 1, 0x75, 0x12, 3, 0x12, 1, 0x65]);
    const unprepare = draProto().DRAPlugin.service.NodeUnprepareResources.responseSerialize({ claims: { u: { error: 'e' } } });
    expect([...unprepare]).toEqual([0x0a, 8, 0x0a, 1, 0x75, 0x12, 3, 0x0a, 1, 0x65]);
  });

  it('PluginInfo encodes type=1, name=2, endpoint=3, supported_versions=4; RegistrationStatus plugin_registered=1, error=2', () => {
    const reg = pluginRegistrationProto().Registration.service;
    const info = reg.GetInfo.responseSerialize({ type: 'T', name: 'N', endpoint: 'E', supportedVersions: ['V'] });
    expect([...info]).toEqual([0x0a, 1, 0x54, 0x12, 1, 0x4e, 0x1a, 1, 0x45, 0x22, 1, 0x56]);
    const status = reg.NotifyRegistrationStatus.requestSerialize({ pluginRegistered: true, error: 'x' });
    expect([...status]).toEqual([0x08, 1, 0x12, 1, 0x78]);
  });
});

describe('a Discover stream over a Unix socket', () => {
  it('carries full device snapshots and the discovery properties, absent values included', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'akri-ts-proto-'));
    const socket = `unix://${join(dir, 'h.sock')}`;
    const v0 = discoveryProto();
    const server = new Server();
    let seen: DiscoverRequest__Output | undefined;
    server.addService(v0.DiscoveryHandler.service, {
      Discover(call: ServerWritableStream<DiscoverRequest__Output, DiscoverResponse>) {
        seen = call.request;
        call.write({ devices: [{ id: 'a', properties: { P: '1' } }] });
        call.write({ devices: [] });
        call.end();
      },
    });
    await new Promise<void>((resolve, reject) =>
      server.bindAsync(socket, ServerCredentials.createInsecure(), (err) => (err ? reject(err) : resolve())),
    );
    try {
      const client = new v0.DiscoveryHandler(socket, credentials.createInsecure());
      const snapshots: string[][] = [];
      await new Promise<void>((resolve, reject) => {
        const stream = client.Discover({
          discoveryDetails: 'descriptions: [a]',
          discoveryProperties: { user: { vec: Buffer.from('admin') }, empty: {} },
        });
        stream.on('data', (r: { devices: Array<{ id: string }> }) => snapshots.push(r.devices.map((d) => d.id)));
        stream.on('end', resolve);
        stream.on('error', reject);
      });
      client.close();
      expect(snapshots).toEqual([['a'], []]);
      expect(seen?.discoveryDetails).toBe('descriptions: [a]');
      expect(Buffer.from(seen?.discoveryProperties.user?.vec ?? []).toString()).toBe('admin');
      expect(seen?.discoveryProperties.empty?.vec).toBeUndefined();
    } finally {
      server.forceShutdown();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
