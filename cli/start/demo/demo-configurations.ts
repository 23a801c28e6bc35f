// One sample Configuration per handler, pointed at the demo devices. Each asks for a broker
// Pod per Instance. With a real kubelet the broker is the busybox image of cli/start/node
// (node-images.ts), which prints its environment, i.e. the device the agent gave it; without
// one nothing runs it, and the image is a placeholder that is never pulled.
import type { Configuration } from '../../../lib/crd/configuration.ts';
import type { DemoEndpoints } from './demo-devices.ts';

/** The broker image when no kubelet runs (the Pods stay Pending, so it is never pulled). */
export const PLACEHOLDER_BROKER_IMAGE = 'registry.k8s.io/pause:3.10';

// As in Akri's samples, the controller puts the Instance's resource (akri.sh/<instance>) in
// place of {{PLACEHOLDER}}: the kubelet then asks the agent for a slot (Allocate), which is where
// the device's properties reach the broker's environment.
const broker = (name: string, image: string) => ({
  brokerPodSpec: { containers: [{ name: `${name}-broker`, image, resources: { limits: { '{{PLACEHOLDER}}': '1' } } }] },
});

function configuration(name: string, handler: string, details: string, image: string, capacity = 1): Configuration {
  return {
    apiVersion: 'akri.sh/v0',
    kind: 'Configuration',
    metadata: { name, namespace: 'default' },
    spec: { discoveryHandler: { name: handler, discoveryDetails: details }, capacity, brokerSpec: broker(name, image) },
  };
}

export function demoConfigurations(e: DemoEndpoints, brokerImage = PLACEHOLDER_BROKER_IMAGE): Configuration[] {
  return [
    configuration('akri-opcua-demo', 'opcua', `opcuaDiscoveryMethod:\n  standard:\n    discoveryUrls: ["${e.opcuaLdsUrl}/"]\n`, brokerImage),
    configuration('akri-onvif-demo', 'onvif', `multicast: false\nunicastTargets: ["${e.cameraAddress}"]\ndiscoveryTimeoutSeconds: 1\n`, brokerImage),
    configuration('akri-modbus-demo', 'modbus', `tcp:\n  hosts: ["${e.modbusHost}"]\n  ports: [${e.modbusPort}]\n  unitIds: [1]\n`, brokerImage),
    configuration('akri-udev-demo', 'udev', `udevRules:\n  - 'KERNEL=="null"'\n  - 'KERNEL=="zero"'\n`, brokerImage, 2),
  ];
}
