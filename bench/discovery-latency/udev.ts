// udev: an FTDI serial adapter plugged into and unplugged from an umockdev testbed (Debian's
// umockdev, gir1.2-umockdev-1.0, python3-gi). The handler runs as the shipped external process
// (discovery-handlers/main.ts udev) under umockdev's preload, forced to the libudev source so
// the add/remove uevents reach its monitor; it registers with the bench agent over UDS.
// intervalSeconds is 0: discovery is event-driven (the 30 s libudev rescan is only a safety net).
import { UmockdevTestbed } from '../../test/fixtures/udev/umockdev-testbed.ts';
import { ExternalHandlerProcess } from '../../test/integration/support/handler-agents.ts';
import type { ScenarioFactory } from './scenario.ts';

const FTDI_RULE = 'SUBSYSTEM=="tty", ATTRS{idVendor}=="0403", ATTRS{idProduct}=="6001"';

const scenario: ScenarioFactory = () => {
  let testbed: UmockdevTestbed | undefined;
  let handler: ExternalHandlerProcess | undefined;
  return {
    handler: 'udev',
    intervalSeconds: 0,
    configuration: () => ({ discoveryHandler: { name: 'udev', discoveryDetails: JSON.stringify({ udevRules: [FTDI_RULE] }) } }),
    async setup({ handlersDir }) {
      testbed = await UmockdevTestbed.start();
      await testbed.load('usb-host.umockdev');
      handler = new ExternalHandlerProcess('udev', handlersDir, { ...testbed.env, UDEV_DEVICE_SOURCE: 'libudev' });
    },
    async deviceUp() {
      await testbed?.load('usb-serial-ftdi.umockdev');
    },
    async deviceDown() {
      await testbed?.unload('usb-serial-ftdi.umockdev');
    },
    async teardown() {
      await handler?.stop();
      testbed?.close();
    },
  };
};
export default scenario;
