// Unix sockets and their directories with modes set explicitly, whatever the process umask
// (under umask 000 a plain bind leaves a 0777 socket). A socket is bound inside a fresh 0700
// staging directory next to its final path, given its mode and group there, and renamed into
// place: nobody can reach it before its mode is right, and a stale socket at the path is
// replaced in one step. Who may connect is then decided by mode and group alone, which is what
// lets a non-root handler and the root agent (without CAP_DAC_OVERRIDE) share sockets.
import type { Server } from '@grpc/grpc-js';
import { ServerCredentials } from '@grpc/grpc-js';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, renameSync, rmSync, statSync, unlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';

export interface SocketAccess {
  /** e.g. 0o660: owner and group may connect. */
  mode: number;
  /** Group that owns the socket; the process must be a member (or privileged). Unset: the process's group. */
  gid?: number;
}

export interface BoundUnixSocket {
  path: string;
  /** Removes the socket file if it is still the one we bound (not a newer process's). */
  remove(): void;
}

/** Creates dir (and parents) if needed and sets its mode and group explicitly. */
export function prepareSocketDir(dir: string, mode: number, gid?: number): void {
  try {
    mkdirSync(dir, { recursive: true });
    chmodSync(dir, mode);
    if (gid !== undefined) chownSync(dir, -1, gid);
  } catch (err) {
    const what = `mode ${mode.toString(8).padStart(4, '0')}${gid !== undefined ? ` and group ${gid}` : ''}`;
    // Changing the group needs no privilege from the directory's owner if it is in that group.
    throw new Error(`socket directory ${dir}: cannot set ${what} (the process must own it and be in the group): ${(err as Error).message}`);
  }
}

/** sun_path holds 108 bytes including the terminating NUL. */
export const MAX_SOCKET_PATH_BYTES = 107;

export async function bindUnixSocket(server: Server, path: string, access: SocketAccess): Promise<BoundUnixSocket> {
  // Checked here because the short staging path would bind, and only connecting would fail.
  const length = Buffer.byteLength(path);
  if (length > MAX_SOCKET_PATH_BYTES) {
    throw new Error(`socket path ${path} is ${length} bytes; a Unix socket address holds at most ${MAX_SOCKET_PATH_BYTES}: use a shorter directory`);
  }
  const staging = mkdtempSync(join(dirname(path), '.bind-'));
  try {
    chmodSync(staging, 0o700);
    // Short name: the staging path must stay within the 107-byte limit of a socket address.
    const temporary = join(staging, 's');
    await new Promise<void>((resolve, reject) =>
      server.bindAsync(`unix:${temporary}`, ServerCredentials.createInsecure(), (err) => (err ? reject(err) : resolve())),
    );
    chmodSync(temporary, access.mode);
    if (access.gid !== undefined) chownSync(temporary, -1, access.gid);
    renameSync(temporary, path);
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  const inode = statSync(path).ino;
  return {
    path,
    remove() {
      try {
        if (statSync(path).ino === inode) unlinkSync(path);
      } catch {
        // already gone
      }
    },
  };
}
