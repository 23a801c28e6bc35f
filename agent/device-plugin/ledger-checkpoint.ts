// The node-local checkpoint of the slot ledger: a JSON file in the agent's state directory,
// replaced atomically (write a temporary file, then rename), so an agent restarted while the
// API server is away comes back with its devices and its claims. Saves are coalesced: a save
// requested while one is running is done once after it, with the newest state.
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
        const file: CheckpointFile = { version: VERSION, node: this.node, savedAt: new Date(this.now()).toISOString(), ledger: this.state() };
        const tmp = `${this.path}.tmp`;
        await writeFile(tmp, JSON.stringify(file));
        await rename(tmp, this.path);
      } while (this.again);
    })().finally(() => {
      this.running = undefined;
      if (this.again) void this.save();
    });
    return this.running;
  }
}
