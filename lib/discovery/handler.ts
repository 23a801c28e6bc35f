// The one small interface every discovery handler implements, embedded in the agent or run
// as its own process behind the v0 gRPC protocol (the SDK wraps it either way).
// A handler maps discoveryDetails (+ resolved discoveryProperties) to a stream of full device
// snapshots: each yielded list replaces the previous one; an empty list means "all gone".

export interface HandlerMount {
  containerPath: string;
  hostPath: string;
  readOnly: boolean;
}

export interface HandlerDeviceSpec {
  containerPath: string;
  hostPath: string;
  /** cgroup permissions: some of r, w, m. */
  permissions: string;
}

export interface DiscoveredDevice {
  /** Stable identity; hashed into the Instance name (with the node name when not shared). */
  id: string;
  /** Become broker environment variables, plain and with the _<HASH> suffix. */
  properties: Record<string, string>;
  mounts: HandlerMount[];
  deviceSpecs: HandlerDeviceSpec[];
}

/** Something wrong with a device or peer that a user should see (bad credentials, a SOAP fault...). */
export interface HandlerProblem {
  /** A short CamelCase reason, e.g. "OnvifCameraUnauthorized". */
  reason: string;
  /** Names the device and the step; never a credential. */
  message: string;
}

export interface DiscoverRequest {
  /** Configuration.spec.discoveryHandler.discoveryDetails, usually YAML. */
  details: string;
  /** Resolved discoveryProperties; undefined when the property has no value. */
  properties: Record<string, Buffer | undefined>;
  /**
   * Set by the agent for embedded handlers only: it becomes a Warning Event on the
   * Configuration. The v0 protocol has no field for it, so an external handler's problems
   * reach its own logs only.
   */
  reportProblem?: (problem: HandlerProblem) => void;
  /**
   * Set by `akri-ts discover` only: a handler whose snapshots can come before its round has
   * finished (snapshotsWithinRounds) calls it once each round is complete, after that round's
   * last snapshot was yielded (or would have been, had it changed).
   */
  roundEnded?: () => void;
}

export interface DiscoveryHandler {
  /** Matched against Configuration.spec.discoveryHandler.name, e.g. "onvif", "debugEcho". */
  readonly name: string;
  /** True when one device can be reached from several nodes (one Instance, many nodes). */
  readonly shared: boolean;
  /**
   * True when a snapshot may be yielded while a round still runs (a device found early is not
   * held back by a slow peer), so the first snapshot may be a part of the first round. Such a
   * handler calls DiscoverRequest.roundEnded when a round is complete.
   */
  readonly snapshotsWithinRounds?: boolean;
  /**
   * Yields full snapshots until `signal` aborts. Must throw InvalidDiscoveryDetails (before
   * yielding anything) when the details cannot be used; the agent reports that as gRPC
   * InvalidArgument, a Configuration condition and an Event.
   */
  discover(request: DiscoverRequest, signal: AbortSignal): AsyncIterable<DiscoveredDevice[]>;
}

/** Bad discoveryDetails. `field` is a path inside the details, e.g. "udevRules[2]". */
export class InvalidDiscoveryDetails extends Error {
  constructor(
    message: string,
    readonly field?: string,
  ) {
    super(field ? `${field}: ${message}` : message);
    this.name = 'InvalidDiscoveryDetails';
  }
}
