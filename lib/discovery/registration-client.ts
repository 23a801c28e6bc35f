// Registers a served handler with the agent on `<dir>/agent-registration.sock`, retrying until
// the agent answers, and again whenever the agent restarts (its socket file is recreated; the
// inode number alone may be reused at once, so the change time is part of the identity).
// Registering twice is harmless: the agent treats it as the same endpoint. A gRPC client is made
// only once the socket accepts a connection: a grpc-js channel that was refused (the agent's
// socket file left behind by a killed agent) and then closed still reconnects on its own once an
// agent listens there again, and keeps that connection open for good (found by the soak, seed 4:
// a handler started while its agent was down held one socket more than before).
import { credentials } from '@grpc/grpc-js';
import { statSync } from 'node:fs';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import { discoveryProto } from '../proto/load.ts';

export const REGISTRATION_SOCKET = 'agent-registration.sock';

export interface RegistrationOptions {
  /** The agent's discovery-handlers directory (Akri: $DISCOVERY_HANDLERS_DIRECTORY, /var/lib/akri). */
  dir: string;
  name: string;
  endpoint: string;
  endpointType: 'UDS' | 'NETWORK';
  shared: boolean;
  /** How often to look for a restarted agent and to retry a failed registration. */
  pollMs?: number;
  onRegistered?: () => void;
}

export interface Registration {
  stop(): void;
}

function socketIdentity(path: string): string | undefined {
  try {
    const st = statSync(path, { bigint: true });
    return `${st.ino}:${st.ctimeNs}`;
  } catch {
    return undefined;
  }
}

export function registerWithAgent(options: RegistrationOptions): Registration {
  const socket = join(options.dir, REGISTRATION_SOCKET);
  const pollMs = options.pollMs ?? 1000;
  let registeredAs: string | undefined;
  let inFlight = false;
  let stopped = false;

  const attempt = (): void => {
    const identity = socketIdentity(socket);
    if (stopped || inFlight || identity === undefined || identity === registeredAs) return;
    inFlight = true;
    const probe = createConnection(socket);
    probe.once('connect', () => {
      probe.destroy();
      if (stopped) inFlight = false;
      else register(identity);
    });
    probe.once('error', () => {
      probe.destroy();
      inFlight = false; // retried on the next poll
    });
  };

  const register = (identity: string): void => {
    const Client = discoveryProto().Registration;
    const client = new Client(`unix:${socket}`, credentials.createInsecure());
    client.RegisterDiscoveryHandler(
      { name: options.name, endpoint: options.endpoint, endpointType: options.endpointType, shared: options.shared },
      { deadline: Date.now() + 5000 },
      (err) => {
        inFlight = false;
        client.close();
        if (err || stopped) return; // retried on the next poll
        registeredAs = identity;
        options.onRegistered?.();
      },
    );
  };

  const timer = setInterval(attempt, pollMs);
  timer.unref();
  attempt();
  return {
    stop() {
      stopped = true;
      clearInterval(timer);
    },
  };
}
