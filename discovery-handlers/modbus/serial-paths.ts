// Expands the rtu.ports list (paths, or globs with * and ? in the last segment such as
// /dev/serial/by-id/usb-FTDI*) into the serial lines present now. Re-run every round, so a
// USB adapter plugged in later is picked up; bounded so a broad glob cannot open /dev/tty*.
import { readdir, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

function globToRegExp(glob: string): RegExp {
  const escaped = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${escaped}$`);
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

export async function expandSerialPaths(patterns: string[], max: number): Promise<{ paths: string[]; truncated: boolean }> {
  const found = new Set<string>();
  for (const pattern of patterns) {
    if (!/[*?]/.test(pattern)) {
      if (await exists(pattern)) found.add(pattern);
      continue;
    }
    const dir = dirname(pattern);
    const matcher = globToRegExp(basename(pattern));
    let names: string[];
    try {
      names = await readdir(dir);
    } catch {
      continue;
    }
    for (const name of names.sort()) if (matcher.test(name)) found.add(join(dir, name));
  }
  const paths = [...found];
  return { paths: paths.slice(0, max), truncated: paths.length > max };
}
