// The node-local checkpoint of the slot ledger: a JSON file in the agent's state directory,
// replaced atomically (write a temporary file, then rename), so an agent restarted while the
// API server is away comes back with its devices and its claims. Saves are coalesced: a save
// requested while one is running is done once after it, with the newest state. A claim saves
// the whole ledger, so the JSON of each Instance record and each device's extras (objects the
// ledger replaces rather than edits) is made once and reused until the object is replaced.
import { mkdirSync, readFileSync } from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { LedgerState } from './slot-ledger.ts';

const VERSION = 1;

interface CheckpointFile {
  version: number;
  node: string;
  savedAt: string;
  ledger: LedgerState;
}

export class LedgerCheckpoint {
  readonly path: string;
  private running: Promise<void> | undefined;
  private again = false;

  constructor(
    stateDir: string,
    private readonly node: string,
    private readonly state: () => LedgerState,
    private readonly now: () => number = Date.now,
  ) {
    mkdirSync(stateDir, { recursive: true });
    this.path = join(stateDir, `device-plugins-${node}.json`);
  }

  /** The saved state, or undefined when there is none (or it belongs to another node). */
  load(): LedgerState | undefined {
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch {
      return undefined;
    }
    const file = JSON.parse(text) as CheckpointFile;
    if (file.version !== VERSION || file.node !== this.node) return undefined;
    return file.ledger;
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
        await writeFile(tmp, checkpointJson(this.node, new Date(this.now()).toISOString(), this.state()));
        await rename(tmp, this.path);
      } while (this.again);
    })().finally(() => {
      this.running = undefined;
      if (this.again) void this.save();
    });
    return this.running;
  }
}

const fragments = new WeakMap<object, string>();

/** JSON.stringify of an object that is never changed after it is made, remembered per object. */
function frozenJson(value: object): string {
  let json = fragments.get(value);
  if (json === undefined) {
    json = JSON.stringify(value);
    fragments.set(value, json);
  }
  return json;
}

/** The same text as JSON.stringify of the CheckpointFile, built from the remembered pieces. */
export function checkpointJson(node: string, savedAt: string, ledger: LedgerState): string {
  const head: Omit<CheckpointFile, 'ledger'> = { version: VERSION, node, savedAt };
  const instances = ledger.instances.map(frozenJson).join(',');
  const extras = Object.entries(ledger.extras)
    .map(([name, e]) => `${JSON.stringify(name)}:${frozenJson(e)}`)
    .join(',');
  const rest = JSON.stringify({ mine: ledger.mine, pending: ledger.pending }).slice(1);
  return `${JSON.stringify(head).slice(0, -1)},"ledger":{"instances":[${instances}],"extras":{${extras}},${rest}}`;
}
