// The CDI spec files of prepared claims, in the directory the container runtime reads
// (/var/run/cdi by default). Each file is written whole and renamed into place, so the runtime
// never reads half a spec; only files named by cdiSpecFileName() are ours to list and remove.
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { CDI_KIND } from '../../lib/dra/driver.ts';
import { cdiSpecFileName, type CdiSpec } from './cdi-spec.ts';

const PREFIX = `${CDI_KIND.replace('/', '-')}_`;

export class CdiFiles {
  constructor(readonly dir: string) {
    mkdirSync(dir, { recursive: true });
  }

  path(claimUid: string): string {
    return join(this.dir, cdiSpecFileName(claimUid));
  }

  async write(claimUid: string, spec: CdiSpec): Promise<void> {
    const path = this.path(claimUid);
    const tmp = join(this.dir, `.${cdiSpecFileName(claimUid)}.tmp`);
    const file = await open(tmp, 'w', 0o644);
    try {
      await file.writeFile(JSON.stringify(spec, null, 2));
      await file.sync();
    } finally {
      await file.close();
    }
    await rename(tmp, path);
  }

  has(claimUid: string): boolean {
    return existsSync(this.path(claimUid));
  }

  async remove(claimUid: string): Promise<void> {
    await rm(this.path(claimUid), { force: true });
  }

  /** Claim UIDs that have a spec file of ours. */
  claimUids(): string[] {
    let names: string[];
    try {
      names = readdirSync(this.dir);
    } catch {
      return [];
    }
    return names.filter((n) => n.startsWith(PREFIX) && n.endsWith('.json')).map((n) => n.slice(PREFIX.length, -'.json'.length));
  }
}
