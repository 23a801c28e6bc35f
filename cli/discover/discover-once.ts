// Runs one discovery handler for one pass on this machine and names what it finds the way the
// agent would: the Instance name comes from the device id (plus the node name for devices only
// this node can reach), so a user sees the exact Instances a Configuration would create.
import type { DiscoveredDevice, DiscoveryHandler } from '../../lib/discovery/handler.ts';
import { deviceHash, instanceName } from '../../lib/naming/instance-name.ts';

export interface PreviewedDevice extends DiscoveredDevice {
  instance: string;
}

export interface DiscoveryPreview {
  handler: string;
  shared: boolean;
  node: string;
  configuration: string;
  /** Seconds until the first round's snapshot. */
  seconds: number;
  /** False when the timeout ended the first round before it was complete: devices found so far. */
  complete: boolean;
  devices: PreviewedDevice[];
}

export interface DiscoverOnceOptions {
  details: string;
  properties: Record<string, Buffer | undefined>;
  node: string;
  configuration: string;
  /** Give up after this long; the handler's discovery is aborted then, whatever it is doing. */
  timeoutMs: number;
}

export class DiscoveryTimedOut extends Error {}

/**
 * The handler's first full pass, as the agent sees it once the first round is done: the first
 * snapshot, or for a handler that reports devices while its round runs, the last snapshot of
 * its first round. At the timeout, discovery is aborted and what was found so far is shown.
 */
export async function discoverOnce(handler: DiscoveryHandler, options: DiscoverOnceOptions): Promise<DiscoveryPreview> {
  const started = Date.now();
  const abort = new AbortController();
  let latest: DiscoveredDevice[] | undefined;
  let settle: ((complete: boolean) => void) | undefined;
  const settled = new Promise<boolean>((resolve) => {
    settle = resolve;
  });
  const timer = setTimeout(() => settle?.(false), options.timeoutMs);
  const roundEnded = (): void => settle?.(true);
  let failure: unknown;
  const reading = (async () => {
    try {
      const request = { details: options.details, properties: options.properties, roundEnded };
      for await (const snapshot of handler.discover(request, abort.signal)) {
        latest = snapshot;
        if (!handler.snapshotsWithinRounds) {
          settle?.(true);
          return;
        }
      }
      settle?.(latest !== undefined);
    } catch (error) {
      failure = error;
      settle?.(false);
    }
  })();
  try {
    const complete = await settled;
    if (failure !== undefined) throw failure;
    const first = latest;
    if (first === undefined) {
      throw new DiscoveryTimedOut(`the ${handler.name} handler reported nothing within ${(options.timeoutMs / 1000).toFixed(0)} s (raise --timeout)`);
    }
    return {
      handler: handler.name,
      shared: handler.shared,
      node: options.node,
      configuration: options.configuration,
      seconds: (Date.now() - started) / 1000,
      complete,
      devices: first.map((device) => ({
        ...device,
        instance: instanceName(options.configuration, deviceHash(device.id, handler.shared, options.node)),
      })),
    };
  } finally {
    clearTimeout(timer);
    abort.abort();
    // A handler that honours the abort ends at once; one that does not is not waited for.
    await Promise.race([reading, new Promise((resolve) => setTimeout(resolve, 1000).unref())]);
  }
}

/** Plain text for a terminal: one block per device, properties sorted so output diffs well. */
export function formatPreview(preview: DiscoveryPreview): string {
  const n = preview.devices.length;
  const lines = [
    `${preview.handler}: ${n} device${n === 1 ? '' : 's'} on node ${preview.node} in ${preview.seconds.toFixed(1)} s` +
      ` (${preview.shared ? 'shared: one Instance for every node that sees a device' : 'not shared: Instance names include the node'})`,
  ];
  if (!preview.complete) lines.push('(the first round was not complete when the timeout ended it: these are the devices found so far)');
  for (const d of preview.devices) {
    lines.push('', `Instance ${d.instance}`, `  id: ${d.id}`);
    const props = Object.entries(d.properties).sort(([a], [b]) => a.localeCompare(b));
    if (props.length) lines.push('  properties:', ...props.map(([k, v]) => `    ${k}=${v}`));
    for (const s of d.deviceSpecs) lines.push(`  device: ${s.hostPath} -> ${s.containerPath} (${s.permissions})`);
    for (const m of d.mounts) lines.push(`  mount: ${m.hostPath} -> ${m.containerPath}${m.readOnly ? ' (read-only)' : ''}`);
  }
  return `${lines.join('\n')}\n`;
}
