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
  /** Seconds until the handler's first snapshot. */
  seconds: number;
  devices: PreviewedDevice[];
}

export interface DiscoverOnceOptions {
  details: string;
  properties: Record<string, Buffer | undefined>;
  node: string;
  configuration: string;
  /** Give up after this long without a snapshot. */
  timeoutMs: number;
}

export class DiscoveryTimedOut extends Error {}

/** The handler's first snapshot: one full pass, as the agent sees it on the first report. */
export async function discoverOnce(handler: DiscoveryHandler, options: DiscoverOnceOptions): Promise<DiscoveryPreview> {
  const started = Date.now();
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), options.timeoutMs);
  try {
    let first: DiscoveredDevice[] | undefined;
    for await (const snapshot of handler.discover({ details: options.details, properties: options.properties }, abort.signal)) {
      first = snapshot;
      break;
    }
    if (first === undefined) {
      throw new DiscoveryTimedOut(`the ${handler.name} handler reported nothing within ${(options.timeoutMs / 1000).toFixed(0)} s (raise --timeout)`);
    }
    return {
      handler: handler.name,
      shared: handler.shared,
      node: options.node,
      configuration: options.configuration,
      seconds: (Date.now() - started) / 1000,
      devices: first.map((device) => ({
        ...device,
        instance: instanceName(options.configuration, deviceHash(device.id, handler.shared, options.node)),
      })),
    };
  } finally {
    clearTimeout(timer);
    abort.abort();
  }
}

/** Plain text for a terminal: one block per device, properties sorted so output diffs well. */
export function formatPreview(preview: DiscoveryPreview): string {
  const n = preview.devices.length;
  const lines = [
    `${preview.handler}: ${n} device${n === 1 ? '' : 's'} on node ${preview.node} in ${preview.seconds.toFixed(1)} s` +
      ` (${preview.shared ? 'shared: one Instance for every node that sees a device' : 'not shared: Instance names include the node'})`,
  ];
  for (const d of preview.devices) {
    lines.push('', `Instance ${d.instance}`, `  id: ${d.id}`);
    const props = Object.entries(d.properties).sort(([a], [b]) => a.localeCompare(b));
    if (props.length) lines.push('  properties:', ...props.map(([k, v]) => `    ${k}=${v}`));
    for (const s of d.deviceSpecs) lines.push(`  device: ${s.hostPath} -> ${s.containerPath} (${s.permissions})`);
    for (const m of d.mounts) lines.push(`  mount: ${m.hostPath} -> ${m.containerPath}${m.readOnly ? ' (read-only)' : ''}`);
  }
  return `${lines.join('\n')}\n`;
}
