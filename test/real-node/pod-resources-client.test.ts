// Reading the kubelet's pod-resources answer: which pod holds which devices of one resource.
import { describe, expect, it } from 'vitest';
import { devicesInUse } from './pod-resources-client.ts';

const device = (resourceName: string, deviceIds: string[]) => ({ resourceName, deviceIds, topology: null });
const container = (name: string, devices: ReturnType<typeof device>[]) => ({ name, devices, cpuIds: [], memory: [], dynamicResources: [] });

describe('devices in use', () => {
  it('collects one resource\'s device IDs per pod across containers and ignores other resources', () => {
    const pods = [
      { name: 'a', namespace: 'ns', containers: [container('c1', [device('akri.sh/cam-1', ['cam-1-1'])]), container('c2', [device('akri.sh/cam-1', ['cam-1-0']), device('nvidia.com/gpu', ['g0'])])] },
      { name: 'b', namespace: 'ns', containers: [container('c', [device('akri.sh/other', ['o-0'])])] },
      { name: 'c', namespace: 'ns', containers: [container('c', [])] },
    ];
    expect(devicesInUse(pods, 'akri.sh/cam-1')).toEqual(new Map([['ns/a', ['cam-1-0', 'cam-1-1']]]));
  });
});
