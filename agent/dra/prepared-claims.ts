// The node-local checkpoint of prepared claims: which claims this node prepared, with their
// devices and CDI spec, in the agent's state directory (dra-<node>.json), replaced atomically.
// A prepare is answered only after it is saved, so an agent restarted between prepare and
// unprepare still knows what to undo, and answers a repeated prepare identically, without the
// API server.
import { mkdirSync, readFileSync } from 'node:fs';
import { open, rename } from 'node:fs/promises';
import { join } from 'node:path';
import type { PreparedClaim } from './prepare-plan.ts';

const VERSION = 1;

interface CheckpointFile {
  version: number;
  node: string;
  claims: PreparedClaim[];
}

export class PreparedClaims {
  readonly path: string | undefined;
  private readonly claims = new Map<string, PreparedClaim>();
  private saving: Promise<void> = Promise.resolve();

  /** Without a state directory nothing is saved (and nothing survives a restart). */
  constructor(
    stateDir: string | undefined,
    private readonly node: string,
  ) {
    if (stateDir) {
      mkdirSync(stateDir, { recursive: true });
      this.path = join(stateDir, `dra-${node}.json`);
    }
  }

  /** Reads the checkpoint; returns how many claims it held. A file of another node or version is ignored. */
  load(): number {
    if (!this.path) return 0;
    let file: CheckpointFile;
    try {
      file = JSON.parse(readFileSync(this.path, 'utf8')) as CheckpointFile;
    } catch {
      return 0;
    }
    if (file.version !== VERSION || file.node !== this.node) return 0;
    for (const c of file.claims) this.claims.set(c.claim.uid, c);
    return this.claims.size;
  }

  get(uid: string): PreparedClaim | undefined {
    return this.claims.get(uid);
  }

  list(): PreparedClaim[] {
    return [...this.claims.values()];
  }

  get size(): number {
    return this.claims.size;
  }

  async add(claim: PreparedClaim): Promise<void> {
    this.claims.set(claim.claim.uid, claim);
    await this.save();
  }

  async remove(uid: string): Promise<void> {
    if (!this.claims.delete(uid)) return;
    await this.save();
  }

  /** Saves are serialised; each writes the state as it is when it runs. */
  private save(): Promise<void> {
    const path = this.path;
    if (!path) return Promise.resolve();
    const next = this.saving.then(async () => {
      const tmp = `${path}.tmp`;
      const body: CheckpointFile = { version: VERSION, node: this.node, claims: this.list() };
      const file = await open(tmp, 'w');
      try {
        await file.writeFile(JSON.stringify(body));
        await file.sync();
      } finally {
        await file.close();
      }
      await rename(tmp, path);
    });
    this.saving = next.catch(() => undefined);
    return next;
  }
}
