// One sample Configuration per handler, pointed at the demo devices. Each asks for a broker
// Pod (a pause container: the point is to see brokers scheduled per Instance, not to run one).
import type { Configuration } from '../../../lib/crd/configuration.ts';
import type { DemoEndpoints } from './demo-devices.ts';

const broker = (name: string) => ({
  brokerPodSpec: { containers: [{ name: `${name}-broker`, image: 'registry.k8s.io/pause:3.10' }] },
});

function configuration(name: string, handler: string, details: string, capacity = 1): Configuration {
  return {
    apiVersion: 'akri.sh/v0',
    kind: 'Configuration',
    metadata: { name, namespace: 'default' },
    spec: { discoveryHandler: { name: handler, discoveryDetails: details }, capacity, brokerSpec: broker(name) },
  };
}

export function demoConfigurations(e: DemoEndpoints): Configuration[] {
  return [
    configuration('akri-opcua-demo', 'opcua', `opcuaDiscoveryMethod:\n  standard:\n    discoveryUrls: ["${e.opcuaLdsUrl}/"]\n`),
    configuration('akri-onvif-demo', 'onvif', `multicast: false\nunicastTargets: ["${e.cameraAddress}"]\ndiscoveryTimeoutSeconds: 1\n`),
    configuration('akri-modbus-demo', 'modbus', `tcp:\n  hosts: ["${e.modbusHost}"]\n  ports: [${e.modbusPort}]\n  unitIds: [1]\n`),
    configuration('akri-udev-demo', 'udev', `udevRules:\n  - 'KERNEL=="null"'\n  - 'KERNEL=="zero"'\n`, 2),
  ];
}
