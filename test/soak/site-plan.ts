// The soak's site as data: three nodes, two device segments cabled so that every network
// device is reachable from exactly two of the three nodes, the devices, the Configurations
// that find them, and the timings the invariants are stated in. Everything that runs, fails
// and is checked is named from here.

export const SOAK_NAMESPACE = 'soak';

export const NODE_IDS = ['n1', 'n2', 'n3'] as const;
export type NodeId = (typeof NODE_IDS)[number];

/** The Kubernetes Node name of a soak node. */
export function nodeName(node: NodeId): string {
  return `soak-${node}`;
}

export function nodeIdOf(name: string): NodeId | undefined {
  return NODE_IDS.find((n) => nodeName(n) === name);
}

/** Which nodes each segment's switch has a cable to. A node's first segment carries its multicast. */
export const SEGMENTS = { a: ['n1', 'n2'], b: ['n2', 'n3'] } as const satisfies Record<string, readonly NodeId[]>;
export type SegmentId = keyof typeof SEGMENTS;
export const SEGMENT_IDS = Object.keys(SEGMENTS) as SegmentId[];

export function segmentsOf(node: NodeId): SegmentId[] {
  return SEGMENT_IDS.filter((s) => (SEGMENTS[s] as readonly NodeId[]).includes(node));
}

export type NetworkDeviceId = 'cam' | 'plc' | 'plant';
export type NetworkHandler = 'onvif' | 'opcua' | 'modbus';

export interface NetworkDevice {
  id: NetworkDeviceId;
  handler: NetworkHandler;
  segment: SegmentId;
  configuration: string;
}

/** Shared devices on the network, each seen by the two nodes of its segment. */
export const NETWORK_DEVICES: readonly NetworkDevice[] = [
  { id: 'cam', handler: 'onvif', segment: 'a', configuration: 'soak-cams' },
  { id: 'plc', handler: 'opcua', segment: 'b', configuration: 'soak-plcs' },
  { id: 'plant', handler: 'modbus', segment: 'b', configuration: 'soak-plant' },
];

/** Local (unshared) devices: every node's external debugEcho handler reports these two. */
export const ECHO_CONFIGURATION = 'soak-echo';
export const ECHO_DESCRIPTIONS = ['echo-a', 'echo-b'] as const;

/**
 * A device as the invariants see it: a network device by its id, a local one by description
 * and node ("echo-a@n1"); `nodes` are the nodes that can ever reach it.
 */
export interface DeviceKey {
  key: string;
  configuration: string;
  shared: boolean;
  nodes: NodeId[];
  network?: NetworkDevice;
  echo?: { description: string; node: NodeId };
}

export function allDevices(): DeviceKey[] {
  const network = NETWORK_DEVICES.map((d) => ({ key: d.id, configuration: d.configuration, shared: true, nodes: [...SEGMENTS[d.segment]], network: d }));
  const echo = NODE_IDS.flatMap((node) =>
    ECHO_DESCRIPTIONS.map((description) => ({ key: `${description}@${node}`, configuration: ECHO_CONFIGURATION, shared: false, nodes: [node], echo: { description, node } })),
  );
  return [...network, ...echo];
}

export const CAPACITY = { shared: 3, local: 2 } as const;

/** The timings the soak's Configurations and components run with, and the invariants use. */
export const TIMING = {
  /** spec.instanceGracePeriodSeconds of every Configuration. */
  graceSeconds: 15,
  /** discoveryIntervalSeconds of the network Configurations (debugEcho re-reads its file every second). */
  discoveryIntervalSeconds: 5,
  echoPollMs: 1000,
  /** The slack every time-bounded invariant allows, as the issue states it. */
  slackSeconds: 10,
  slotReclaimGraceSeconds: 10,
  slotReclaimPollSeconds: 2,
  leaseDurationSeconds: 8,
  /** The kubelet's pod worker: a pod bound to a node is admitted this long after its kubelet first lists it. */
  admissionDelayMs: 5000,
} as const;

export const BROKER_IMAGE = 'docker.io/akri-ts/broker:soak';
export const USER_POD_LABEL = 'soak.akri-ts/user';
