// The `udev` discovery handler: local devices (shared: false) selected by udev rules.
// Each discover() call parses its discoveryDetails first (a bad rule throws
// InvalidDiscoveryDetails before anything is yielded), then yields a full snapshot at once and
// again whenever the set of matching devices changes. Changes are noticed when the device
// source says something may have changed: a libudev monitor event (hotplug without waiting for
// a poll) or a poll tick of the sysfs walk. A short settle delay lets the burst of uevents one
// USB plug produces (device, interfaces, tty, ...) become one snapshot instead of several.
// A round here is one synchronous match of this node's devices against the rules: local,
// bounded by the rule limits (UDEV_LIMITS) and the number of devices; the abort signal is
// honoured between rounds and while waiting for a change.
import { sleep } from '../../lib/time/sleep.ts';
import type { DiscoverRequest, DiscoveredDevice, DiscoveryHandler } from '../../lib/discovery/handler.ts';
import { Logger } from '../../lib/observability/logger.ts';
import { chooseDeviceSource, type DeviceSourceOptions } from './choose-device-source.ts';
import type { DeviceSource } from './device-source.ts';
import { parseUdevDiscoveryDetails, type UdevDiscoveryDetails } from './udev-discovery-details.ts';
import { type MatchedDevice, toDiscoveredDevices } from './udev-device-grouping.ts';
import { anyRuleMatches } from './udev-rule-matcher.ts';
import { subsystemsToScan } from './scan-subsystems.ts';

export interface UdevDiscoveryHandlerOptions extends DeviceSourceOptions {
  /** A ready source (tests); otherwise one is chosen from `choice` when discovery starts. */
  source?: DeviceSource;
  /** How long to wait after a change notice before taking the snapshot. */
  settleMs?: number;
  logger?: Logger;
}

export class UdevDiscoveryHandler implements DiscoveryHandler {
  readonly name = 'udev';
  readonly shared = false;
  private readonly logger: Logger;
  private readonly settleMs: number;
  private source: DeviceSource | undefined;

  constructor(private readonly options: UdevDiscoveryHandlerOptions = {}) {
    this.logger = (options.logger ?? new Logger()).child({ component: 'udev-discovery-handler' });
    this.settleMs = options.settleMs ?? 50;
    this.source = options.source;
  }

  async *discover(request: DiscoverRequest, signal: AbortSignal): AsyncGenerator<DiscoveredDevice[]> {
    const details = parseUdevDiscoveryDetails(request.details);
    const source = this.deviceSource();
    let changed = false;
    let wake: (() => void) | undefined;
    const notice = (): void => {
      changed = true;
      wake?.();
    };
    const stopWatching = source.watch(notice);
    signal.addEventListener('abort', notice);
    try {
      let previous: string | undefined;
      while (!signal.aborted) {
        changed = false;
        const devices = findDevices(source, details);
        const fingerprint = JSON.stringify(devices);
        if (fingerprint !== previous) {
          previous = fingerprint;
          this.logger.debug('devices changed', { source: source.kind, devices: devices.length });
          yield devices;
        }
        if (!changed && !signal.aborted) {
          await new Promise<void>((resolve) => {
            wake = resolve;
          });
          wake = undefined;
        }
        if (this.settleMs > 0 && !signal.aborted) await sleep(this.settleMs, signal);
      }
    } finally {
      stopWatching();
      signal.removeEventListener('abort', notice);
    }
  }

  private deviceSource(): DeviceSource {
    if (!this.source) {
      this.source = chooseDeviceSource(this.options);
      this.logger.info('device source chosen', { source: this.source.kind });
    }
    return this.source;
  }
}

/** Matches every device of one snapshot against the rules and shapes the result. */
export function findDevices(source: DeviceSource, details: UdevDiscoveryDetails): DiscoveredDevice[] {
  const matched: MatchedDevice[] = [];
  for (const device of source.snapshot(subsystemsToScan(details.rules))) {
    if (anyRuleMatches(details.rules, device)) matched.push({ devpath: device.devpath, devnode: device.devnode });
  }
  return toDiscoveredDevices(matched, details.groupRecursive, details.permissions);
}
