// Promise wrappers for grpc-js unary calls and server binding, shared by the stand-in's parts.
import { Server, ServerCredentials, type ServiceError } from '@grpc/grpc-js';
import { shutdownServer } from '../../lib/grpc/shutdown-server.ts';

export function bindUnix(server: Server, socketPath: string): Promise<void> {
  return new Promise((resolve, reject) =>
    server.bindAsync(`unix://${socketPath}`, ServerCredentials.createInsecure(), (err) => (err ? reject(err) : resolve())),
  );
}

export function unary<Req, Res>(
  call: (req: Req, options: { deadline: Date }, cb: (err: ServiceError | null, res?: Res) => void) => unknown,
  req: Req,
  timeoutMs: number,
): Promise<Res> {
  return new Promise((resolve, reject) => {
    call(req, { deadline: new Date(Date.now() + timeoutMs) }, (err, res) => {
      if (err) reject(err);
      else if (res === undefined) reject(new Error('empty response'));
      else resolve(res);
    });
  });
}

/** The stand-in stops its servers as our own components do. */
export const shutdown = shutdownServer;
