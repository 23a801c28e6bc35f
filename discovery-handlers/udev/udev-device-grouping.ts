// Turns matched udev devices into what the agent receives, as Akri does:
// - one device per matched devpath: id = UDEV_DEVPATH = the devpath, UDEV_DEVNODE = its node,
//   and a DeviceSpec (container path = host path = the node) with the configured permissions;
// - with groupRecursive, matched devices below another matched device join its group: one
//   device whose id is the top-most devpath, with UDEV_DEVNODE_<i> and a DeviceSpec per node.
// Two deliberate differences from Akri: members are ordered by devpath and numbered 0..n-1 over
// the members that have a node (Akri numbers in hash-set order, so the suffixes were arbitrary
// and could skip numbers), and "below" means below in the path (Akri's plain string prefix
// also put /devices/.../1-10 under /devices/.../1-1).
import type { DiscoveredDevice, HandlerDeviceSpec } from '../../lib/discovery/handler.ts';

export const UDEV_DEVPATH = 'UDEV_DEVPATH';
export const UDEV_DEVNODE = 'UDEV_DEVNODE';

export interface MatchedDevice {
  devpath: string;
  devnode: string | undefined;
}

export function toDiscoveredDevices(matched: readonly MatchedDevice[], groupRecursive: boolean, permissions: string): DiscoveredDevice[] {
  const unique = new Map<string, MatchedDevice>();
  for (const device of matched) unique.set(device.devpath, device);
  const ordered = [...unique.values()].sort((a, b) => compare(a.devpath, b.devpath));
  if (!groupRecursive) return ordered.map((device) => single(device, permissions));

  // Sorted order puts every ancestor before its descendants, so a group's root exists
  // by the time its members are seen.
  const groups = new Map<string, MatchedDevice[]>();
  for (const device of ordered) {
    const root = ancestorIn(groups, device.devpath);
    if (root) groups.get(root)?.push(device);
    else groups.set(device.devpath, [device]);
  }
  return [...groups.entries()].map(([root, members]) => grouped(root, members, permissions));
}

function single(device: MatchedDevice, permissions: string): DiscoveredDevice {
  const properties: Record<string, string> = { [UDEV_DEVPATH]: device.devpath };
  const deviceSpecs: HandlerDeviceSpec[] = [];
  if (device.devnode !== undefined) {
    properties[UDEV_DEVNODE] = device.devnode;
    deviceSpecs.push(spec(device.devnode, permissions));
  }
  return { id: device.devpath, properties, mounts: [], deviceSpecs };
}

function grouped(root: string, members: MatchedDevice[], permissions: string): DiscoveredDevice {
  const properties: Record<string, string> = { [UDEV_DEVPATH]: root };
  const deviceSpecs: HandlerDeviceSpec[] = [];
  for (const member of members) {
    if (member.devnode === undefined) continue;
    properties[`${UDEV_DEVNODE}_${deviceSpecs.length}`] = member.devnode;
    deviceSpecs.push(spec(member.devnode, permissions));
  }
  return { id: root, properties, mounts: [], deviceSpecs };
}

function spec(devnode: string, permissions: string): HandlerDeviceSpec {
  return { containerPath: devnode, hostPath: devnode, permissions };
}

function ancestorIn(groups: Map<string, unknown>, devpath: string): string | undefined {
  for (let slash = devpath.lastIndexOf('/'); slash > 0; slash = devpath.lastIndexOf('/', slash - 1)) {
    const candidate = devpath.slice(0, slash);
    if (groups.has(candidate)) return candidate;
  }
  return undefined;
}

/** Plain code-unit order, so "/a/b" sorts before "/a/b/c" and before "/a/b-c". */
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
