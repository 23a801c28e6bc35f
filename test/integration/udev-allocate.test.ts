// Akri's own e2e check, through our whole path: a udev Configuration for KERNEL=="null" on a
// node becomes a local Instance, that node's kubelet (the stand-in) sees akri.sh/<instance>,
// and a pod admitted onto it gets /dev/null as a device spec with the configured permissions,
// plus UDEV_DEVNODE/UDEV_DEVPATH in its environment, plain and with the Instance hash.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UdevDiscoveryHandler } from '../../discovery-handlers/udev/udev-discovery-handler.ts';
import { deviceHash } from '../../lib/naming/instance-name.ts';
import { Logger } from '../../lib/observability/logger.ts';
import { useTestCluster } from './support/cluster.ts';
import { createConfiguration } from './support/akri-objects.ts';
import { DevicePluginNode, dpNodeNames } from './support/device-plugin-node.ts';

const cluster = useTestCluster('udev-alloc');
const [nodeName = 'udev-node'] = dpNodeNames(1, 'udev');
let node: DevicePluginNode;

beforeAll(async () => {
  const udev = new UdevDiscoveryHandler({ logger: new Logger({}, 'error'), choice: 'sysfs' });
  node = await new DevicePluginNode(nodeName, cluster.kc, cluster.namespace, { extraHandlers: [udev] }).start();
});

afterAll(async () => {
  await node?.stop();
});

describe('udev KERNEL=="null" through the agent into Allocate', () => {
  it('a pod on the node gets /dev/null as a device spec, with the udev properties in its environment', async () => {
    await createConfiguration(cluster.kc, cluster.namespace, 'dev-null', {
      discoveryHandler: { name: 'udev', discoveryDetails: 'udevRules:\n  - KERNEL=="null"\npermissions: rw\n' },
      capacity: 1,
    });
    const hash = deviceHash('/devices/virtual/mem/null', false, nodeName);
    const resource = `akri.sh/dev-null-${hash}`;
    const response = await node.admitOnceServed('broker', resource);
    expect(response.devices).toEqual([{ containerPath: '/dev/null', hostPath: '/dev/null', permissions: 'rw' }]);
    expect(response.envs).toMatchObject({
      UDEV_DEVNODE: '/dev/null',
      UDEV_DEVPATH: '/devices/virtual/mem/null',
      [`UDEV_DEVNODE_${hash.toUpperCase()}`]: '/dev/null',
    });
  });
});
