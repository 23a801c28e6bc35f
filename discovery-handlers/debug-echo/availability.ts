// Whether debugEcho's devices are reachable. As in Akri, a file containing OFFLINE takes them
// all offline; tests can also flip an in-process switch, for all devices or one description.
import { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';

export class DebugEchoAvailability extends EventEmitter {
  private allOffline = false;
  private readonly offline = new Set<string>();

  constructor(
    /** Akri's default is /tmp/debug-echo-availability.txt; undefined disables the file. */
    readonly file?: string,
    /** A wider switch this one also obeys, e.g. one shared medium seen by several nodes. */
    private readonly parent?: DebugEchoAvailability,
  ) {
    super();
    this.setMaxListeners(0); // one listener per open Discover stream
    parent?.on('change', () => this.emit('change'));
  }

  /** Takes one description offline, or every device when none is given. */
  setOffline(description?: string): void {
    if (description === undefined) this.allOffline = true;
    else this.offline.add(description);
    this.emit('change');
  }

  setOnline(description?: string): void {
    if (description === undefined) {
      this.allOffline = false;
      this.offline.clear();
    } else this.offline.delete(description);
    this.emit('change');
  }

  isOnline(description: string): boolean {
    if (this.allOffline || this.offline.has(description)) return false;
    if (this.parent && !this.parent.isOnline(description)) return false;
    return !this.fileSaysOffline();
  }

  private fileSaysOffline(): boolean {
    if (!this.file) return false;
    try {
      return readFileSync(this.file, 'utf8').includes('OFFLINE');
    } catch {
      return false;
    }
  }
}
