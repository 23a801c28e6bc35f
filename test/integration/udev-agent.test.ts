// The udev handler through the agent against the real control plane: Akri's own e2e case
// (KERNEL=="null" on every node), a bad rule shown on the Configuration, and hotplug from an
// external udev handler process inside an umockdev testbed, registered with its node's agent
// over UDS. Needs Debian's umockdev, gir1.2-umockdev-1.0 and python3-gi for the hotplug case.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UdevDiscoveryHandler } from '../../discovery-handlers/udev/udev-discovery-handler.ts';
import { Logger } from '../../lib/observability/logger.ts';
import { UmockdevTestbed } from '../fixtures/udev/umockdev-testbed.ts';
import { useTestCluster } from './support/cluster.ts';
import { eventually, holdsFor } from '../support/wait.ts';
import { applyConfiguration, getConfiguration, listEvents, listInstances, nodeNames } from './support/agent-nodes.ts';
import { ExternalHandlerProcess, HandlerAgent, instanceName, SnapshotTap } from './support/handler-agents.ts';

const cluster = useTestCluster('udev');
const names = nodeNames(3, 'udev');
const quiet = new Logger({}, 'error', { write: () => undefined });
let agents: HandlerAgent[] = [];
let taps: SnapshotTap[] = [];

beforeAll(async () => {
  // The sysfs walk (this machine has no udevd), polled fast so the test need not wait 2 s.
  taps = names.map(() => new SnapshotTap(new UdevDiscoveryHandler({ choice: 'sysfs', sysfsPollIntervalMs: 500, logger: quiet })));
  agents = names.map((n, i) => new HandlerAgent(n, cluster.kc, cluster.namespace, { embedded: taps.slice(i, i + 1), graceSeconds: 2 }));
  await Promise.all(agents.map((a) => a.start()));
});
afterAll(async () => {
  await Promise.all(agents.map((a) => a.stop()));
});

const udev = (rules: string[]): Record<string, unknown> => ({
  discoveryHandler: { name: 'udev', discoveryDetails: JSON.stringify({ udevRules: rules }) },
});

describe('udev through the agent', () => {
  it('KERNEL=="null" on 3 nodes gives 3 local Instances, one per node, with the devpath and devnode', async () => {
    await applyConfiguration(cluster.kc, cluster.namespace, 'null', udev(['KERNEL=="null"']));
    const devpath = '/devices/virtual/mem/null';
    await eventually(async () => {
      const list = await listInstances(cluster.kc, cluster.namespace, 'null');
      expect(list.map((i) => i.metadata.name).sort()).toEqual(names.map((n) => instanceName('null', devpath, n)).sort());
      for (const i of list) {
        expect(i.spec.shared).toBe(false);
        expect(i.spec.nodes).toHaveLength(1);
        expect(i.metadata.name).toBe(instanceName('null', devpath, i.spec.nodes?.[0]));
        expect(i.spec.brokerProperties).toMatchObject({ UDEV_DEVPATH: devpath, UDEV_DEVNODE: '/dev/null' });
      }
    }, 30_000);
    // What each agent holds for Allocate: /dev/null, read-write-mknod (the default permissions).
    for (const tap of taps) {
      expect(tap.last?.map((d) => [d.id, d.deviceSpecs])).toEqual([[devpath, [{ containerPath: '/dev/null', hostPath: '/dev/null', permissions: 'rwm' }]]]);
    }
    // Each node's status entry follows (written after the Instances, so polled too).
    await eventually(async () => {
      const status = await getConfiguration(cluster.kc, cluster.namespace, 'null');
      expect(status?.status?.nodes?.map((n) => [n.state, n.instances])).toEqual([['Discovering', 1], ['Discovering', 1], ['Discovering', 1]]);
    }, 30_000);
  });

  it('a rule with an assignment or an unknown key is shown on the Configuration with the rule and column, and nothing crashes', async () => {
    const bad = 'KERNEL=="null", MODE="0666"';
    await applyConfiguration(cluster.kc, cluster.namespace, 'badrule', udev(['KERNEL=="zero"', bad]));
    await eventually(async () => {
      const c = await getConfiguration(cluster.kc, cluster.namespace, 'badrule');
      expect(c?.status?.nodes).toHaveLength(3);
      for (const n of c?.status?.nodes ?? []) {
        expect(n.state).toBe('InvalidDiscoveryDetails');
        const valid = n.conditions?.find((x) => x.type === 'DiscoveryDetailsValid');
        expect(valid).toMatchObject({ status: 'False', reason: 'InvalidDiscoveryDetails' });
        expect(valid?.message).toContain('udevRules[1]: column 17');
        expect(valid?.message).toContain(JSON.stringify(bad));
      }
      const events = await listEvents(cluster.kc, cluster.namespace, 'badrule');
      expect(events.some((e) => e.type === 'Warning' && e.reason === 'InvalidDiscoveryDetails' && e.message.includes('udevRules[1]'))).toBe(true);
    }, 30_000);
    expect(await listInstances(cluster.kc, cluster.namespace, 'badrule')).toEqual([]);

    await applyConfiguration(cluster.kc, cluster.namespace, 'unknownkey', udev(['KERNEL=="null", FOO=="bar"']));
    await eventually(async () => {
      const c = await getConfiguration(cluster.kc, cluster.namespace, 'unknownkey');
      expect(c?.status?.nodes?.map((n) => n.state)).toEqual(['InvalidDiscoveryDetails', 'InvalidDiscoveryDetails', 'InvalidDiscoveryDetails']);
      expect(c?.status?.nodes?.[0]?.message).toMatch(/udevRules\[0\]: column 17: .*FOO/);
    }, 30_000);

    // The agents are still serving: the first Configuration's Instances are untouched, and
    // fixing the rule makes discovery start.
    expect(await listInstances(cluster.kc, cluster.namespace, 'null')).toHaveLength(3);
    await applyConfiguration(cluster.kc, cluster.namespace, 'badrule', udev(['KERNEL=="zero"']));
    await eventually(async () => expect(await listInstances(cluster.kc, cluster.namespace, 'badrule')).toHaveLength(3), 30_000);
  });
});

describe('udev hotplug through the agent, with an external handler inside an umockdev testbed', () => {
  const FTDI_RULE = 'SUBSYSTEM=="tty", ATTRS{idVendor}=="0403", ATTRS{idProduct}=="6001"';
  const FTDI_TTY = '/devices/pci0000:00/0000:00:14.0/usb1/1-2/1-2:1.0/ttyUSB0/tty/ttyUSB0';
  let testbed: UmockdevTestbed | undefined;
  let handler: ExternalHandlerProcess | undefined;
  let node: HandlerAgent | undefined;

  afterAll(async () => {
    await handler?.stop();
    testbed?.close();
    await node?.stop();
  });

  it('a plugged adapter becomes an Instance at once, and an unplugged one goes after the grace period', async () => {
    testbed = await UmockdevTestbed.start();
    await testbed.load('usb-host.umockdev');
    // Its own node with no embedded handler: only the external process can serve "udev".
    const [name] = nodeNames(1, 'udev-hotplug');
    node = await new HandlerAgent(name ?? 'udev-hotplug', cluster.kc, cluster.namespace, { graceSeconds: 2 }).start();
    handler = new ExternalHandlerProcess('udev', node.dir, { ...testbed.env, UDEV_DEVICE_SOURCE: 'libudev' });
    await eventually(() => expect(node?.agent?.handlers.endpoints('udev')).toMatchObject([{ kind: 'uds', shared: false }]), 30_000)
      .catch((err: unknown) => { throw new Error(`${(err as Error).message}\nhandler output: ${handler?.output ?? ''}`); });

    const mine = async () => (await listInstances(cluster.kc, cluster.namespace, 'ftdi')).filter((i) => i.spec.nodes?.includes(node?.node ?? ''));
    await applyConfiguration(cluster.kc, cluster.namespace, 'ftdi', udev([FTDI_RULE]));
    await eventually(async () => {
      const c = await getConfiguration(cluster.kc, cluster.namespace, 'ftdi');
      expect(c?.status?.nodes?.find((n) => n.node === node?.node)?.state).toBe('Discovering');
    }, 30_000);
    expect(await mine()).toEqual([]);

    const plugged = performance.now();
    await testbed.load('usb-serial-ftdi.umockdev');
    await eventually(async () => {
      expect((await mine()).map((i) => [i.metadata.name, i.spec.brokerProperties])).toEqual([
        [instanceName('ftdi', FTDI_TTY, node?.node), { UDEV_DEVPATH: FTDI_TTY, UDEV_DEVNODE: '/dev/ttyUSB0' }],
      ]);
    }, 10_000, 50);
    // The libudev safety-net rescan is 30 s: only the monitor's uevent explains this.
    expect(performance.now() - plugged).toBeLessThan(5000);

    await testbed.unload('usb-serial-ftdi.umockdev');
    const unplugged = performance.now();
    await holdsFor(async () => expect(await mine()).toHaveLength(1), 1200);
    await eventually(async () => expect(await mine()).toEqual([]), 15_000, 100);
    expect(performance.now() - unplugged).toBeGreaterThanOrEqual(1900);
  });
});
