// The node-local checkpoint: the slot ledger and the device store, as a JSON file in the
// agent's state directory, replaced atomically (write a temporary file, then rename), so an
// agent restarted while the API server is away comes back with its devices (their mounts and
// device specs) and its claims. Saves are coalesced: a save requested while one is running is
// done once after it, with the newest state. A claim saves everything, so the JSON of each
// Instance record, each device record and each set of this node's slots (objects that are
// replaced rather than edited) is made once and reused until the object is replaced.
import { mkdirSync, readFileSync } from 'node:fs';
import { open, rename } from 'node:fs/promises';
import { join } from 'node:path';
import type { StoredDevice } from '../devices/device-store.ts';
import type { LedgerState, LedgerView } from './slot-ledger.ts';

/** 2: the devices are the device store's records (version 1 kept mounts per Instance in the ledger). */
const VERSION = 2;

export interface NodeState {
  ledger: LedgerState;
  devices: StoredDevice[];
}

export interface NodeStateView {
  ledger: LedgerView;
  devices: Iterable<StoredDevice>;
}

interface CheckpointFile extends NodeState {
  version: number;
  node: string;
  savedAt: string;
}

export class NodeCheckpoint {
  readonly path: string;
  private running: Promise<void> | undefined;
  private again = false;

  constructor(
    stateDir: string,
    private readonly node: string,
    private readonly view: () => NodeStateView,
    private readonly now: () => number = Date.now,
  ) {
    mkdirSync(stateDir, { recursive: true });
    this.path = join(stateDir, `device-plugins-${node}.json`);
  }

  /** The saved state, or undefined when there is none (or it is another node's, or older). */
  load(): NodeState | undefined {
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch {
      return undefined;
    }
    const file = JSON.parse(text) as CheckpointFile;
    if (file.version !== VERSION || file.node !== this.node) return undefined;
    return { ledger: file.ledger, devices: file.devices };
  }

  save(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      do {
        this.again = false;
        const tmp = `${this.path}.tmp`;
        const file = await open(tmp, 'w');
        try {
          await file.writev(checkpointParts(this.node, new Date(this.now()).toISOString(), this.view()));
        } finally {
          await file.close();
        }
        await rename(tmp, this.path);
      } while (this.again);
    })().finally(() => {
      this.running = undefined;
      if (this.again) void this.save();
    });
    return this.running;
  }
}

const COMMA = Buffer.from(',');
const fragments = new WeakMap<object, { key: string; bytes: Buffer }>();

/**
 * The bytes of `"key":JSON` (or of the JSON alone, for key ''), for a value that is never
 * changed after it is made: remembered per object, so an unchanged record costs nothing.
 */
function frozenBytes(value: object, key = ''): Buffer {
  const known = fragments.get(value);
  if (known?.key === key) return known.bytes;
  const bytes = Buffer.from(key ? `${JSON.stringify(key)}:${JSON.stringify(value)}` : JSON.stringify(value));
  fragments.set(value, { key, bytes });
  return bytes;
}

/** The bytes of JSON.stringify of the CheckpointFile, in remembered pieces (written with writev). */
export function checkpointParts(node: string, savedAt: string, state: NodeStateView): Buffer[] {
  const head = { version: VERSION, node, savedAt };
  const parts: Buffer[] = [Buffer.from(`${JSON.stringify(head).slice(0, -1)},"ledger":{"instances":[`)];
  const list = (items: Iterable<[string, object]>, keyed: boolean): void => {
    let first = true;
    for (const [key, value] of items) {
      if (!first) parts.push(COMMA);
      first = false;
      parts.push(frozenBytes(value, keyed ? key : ''));
    }
  };
  list(state.ledger.instances, false);
  parts.push(Buffer.from('],"mine":{'));
  list(state.ledger.mine, true);
  parts.push(Buffer.from(`},"pending":${JSON.stringify([...state.ledger.pending])}},"devices":[`));
  list((function* () {
    for (const d of state.devices) yield ['', d] as [string, object];
  })(), false);
  parts.push(Buffer.from(']}'));
  return parts;
}
