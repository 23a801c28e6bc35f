// The debugEcho discovery handler (Akri's test handler): every entry of `descriptions` in the
// discoveryDetails is one device with id = description and the property DEBUG_ECHO_DESCRIPTION.
// Devices that the availability switch marks offline are left out of the snapshot.
import { readDetailsYaml } from '../../lib/discovery/details-yaml.ts';
import { InvalidDiscoveryDetails, type DiscoveredDevice, type DiscoverRequest, type DiscoveryHandler } from '../../lib/discovery/handler.ts';
import { DebugEchoAvailability } from './availability.ts';

export const DEBUG_ECHO_NAME = 'debugEcho';
export const DEBUG_ECHO_DESCRIPTION = 'DEBUG_ECHO_DESCRIPTION';

export interface DebugEchoOptions {
  /** Akri: env DEBUG_ECHO_INSTANCES_SHARED. */
  shared: boolean;
  availability?: DebugEchoAvailability;
  /** How often the availability file is re-read (Akri: 10 s). */
  pollMs?: number;
}

export function parseDebugEchoDetails(details: string): string[] {
  const parsed = readDetailsYaml(details);
  if (typeof parsed !== 'object' || parsed === null || !('descriptions' in parsed)) {
    throw new InvalidDiscoveryDetails('expected a map with a "descriptions" list', 'descriptions');
  }
  const list = (parsed as { descriptions: unknown }).descriptions;
  if (!Array.isArray(list)) throw new InvalidDiscoveryDetails('expected a list of strings', 'descriptions');
  return list.map((d, i) => {
    if (typeof d !== 'string') throw new InvalidDiscoveryDetails('expected a string', `descriptions[${i}]`);
    return d;
  });
}

export class DebugEchoHandler implements DiscoveryHandler {
  readonly name = DEBUG_ECHO_NAME;
  readonly shared: boolean;
  readonly availability: DebugEchoAvailability;
  private readonly pollMs: number;

  constructor(options: DebugEchoOptions) {
    this.shared = options.shared;
    this.availability = options.availability ?? new DebugEchoAvailability();
    this.pollMs = options.pollMs ?? 10_000;
  }

  async *discover(request: DiscoverRequest, signal: AbortSignal): AsyncIterable<DiscoveredDevice[]> {
    const descriptions = parseDebugEchoDetails(request.details);
    const snapshot = (): DiscoveredDevice[] =>
      descriptions
        .filter((d) => this.availability.isOnline(d))
        .map((d) => ({ id: d, properties: { [DEBUG_ECHO_DESCRIPTION]: d }, mounts: [], deviceSpecs: [] }));
    // A flip that happens while the consumer holds a snapshot must not be missed, so changes
    // are noted for the whole stream, not only while waiting.
    let changed = false;
    let wake: (() => void) | undefined;
    const onChange = (): void => {
      changed = true;
      wake?.();
    };
    this.availability.on('change', onChange);
    try {
      yield snapshot();
      while (!signal.aborted) {
        if (!changed) {
          // Wake on a switch flip at once, and on a timer for the file. Repeats are dropped downstream.
          await new Promise<void>((resolve) => {
            const timer = setTimeout(done, this.pollMs);
            function done(): void {
              clearTimeout(timer);
              signal.removeEventListener('abort', done);
              wake = undefined;
              resolve();
            }
            wake = done;
            signal.addEventListener('abort', done, { once: true });
          });
        }
        changed = false;
        if (signal.aborted) return;
        yield snapshot();
      }
    } finally {
      this.availability.off('change', onChange);
    }
  }
}
