// Pure: the CDI spec file (Container Device Interface, read by containerd 2 and CRI-O) for one
// prepared ResourceClaim. Each allocated device becomes one CDI device whose container edits are
// what Allocate gives a device-plugin container today: the broker environment (every property,
// plain and `_<HASH>`), the handler's device nodes and its mounts (bind mounts). The kubelet
// passes the returned fully qualified names (`akri.sh/claim=<name>`) to the runtime, which
// applies the edits to the container's OCI spec.
import type { HandlerDeviceSpec, HandlerMount } from '../../lib/discovery/handler.ts';
import { CDI_KIND } from '../../lib/dra/driver.ts';
import { brokerEnvironment } from '../device-plugin/allocate-response.ts';

/** hostPath in device nodes and the mount type need CDI 0.4/0.5; 0.6.0 is read by containerd 1.7+ and 2.x. */
export const CDI_VERSION = '0.6.0';

export interface CdiDeviceNode {
  path: string;
  hostPath: string;
  permissions: string;
}

export interface CdiMount {
  hostPath: string;
  containerPath: string;
  type: 'bind';
  options: string[];
}

export interface CdiDevice {
  name: string;
  containerEdits: { env?: string[]; deviceNodes?: CdiDeviceNode[]; mounts?: CdiMount[] };
}

export interface CdiSpec {
  cdiVersion: string;
  kind: string;
  devices: CdiDevice[];
}

export interface CdiDeviceSource {
  /** The CDI device name, unique on the node (e.g. `<claim uid>-<n>`). */
  name: string;
  /** The device key (Instance hash): the `_<HASH>` suffix. */
  key: string;
  /** Instance.spec.brokerProperties. */
  brokerProperties: Readonly<Record<string, string>>;
  mounts: readonly HandlerMount[];
  deviceSpecs: readonly HandlerDeviceSpec[];
}

export function cdiDevice(d: CdiDeviceSource): CdiDevice {
  const env = Object.entries(brokerEnvironment(d.key, d.brokerProperties)).map(([k, v]) => `${k}=${v}`);
  const edits: CdiDevice['containerEdits'] = {};
  if (env.length) edits.env = env;
  if (d.deviceSpecs.length) edits.deviceNodes = d.deviceSpecs.map((s) => ({ path: s.containerPath, hostPath: s.hostPath, permissions: s.permissions || 'rwm' }));
  if (d.mounts.length) {
    edits.mounts = d.mounts.map((m) => ({ hostPath: m.hostPath, containerPath: m.containerPath, type: 'bind', options: ['rbind', m.readOnly ? 'ro' : 'rw'] }));
  }
  return { name: d.name, containerEdits: edits };
}

export function cdiSpec(devices: readonly CdiDevice[]): CdiSpec {
  return { cdiVersion: CDI_VERSION, kind: CDI_KIND, devices: [...devices] };
}

/** The fully qualified name the runtime is given. */
export function cdiQualifiedName(device: string): string {
  return `${CDI_KIND}=${device}`;
}

/** One spec file per claim; CDI reads only *.json and *.yaml, so temporary files end otherwise. */
export function cdiSpecFileName(claimUid: string): string {
  return `${CDI_KIND.replace('/', '-')}_${claimUid}.json`;
}
