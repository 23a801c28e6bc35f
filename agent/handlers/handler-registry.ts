// Which discovery handlers this node has, by name: each name may have several endpoints (UDS,
// network, or embedded in this process), whose devices the agent merges. Emits 'changed' with
// the handler name whenever an endpoint is added, re-registered or removed.
import { EventEmitter } from 'node:events';
import type { DiscoveryHandler } from '../../lib/discovery/handler.ts';

export type HandlerEndpoint =
  | { kind: 'uds'; name: string; key: string; shared: boolean; path: string }
  | { kind: 'network'; name: string; key: string; shared: boolean; address: string }
  | { kind: 'embedded'; name: string; key: string; shared: boolean; handler: DiscoveryHandler };

export class HandlerRegistry extends EventEmitter<{ changed: [name: string] }> {
  private readonly byName = new Map<string, Map<string, HandlerEndpoint>>();

  add(endpoint: HandlerEndpoint): void {
    let endpoints = this.byName.get(endpoint.name);
    if (!endpoints) this.byName.set(endpoint.name, (endpoints = new Map()));
    endpoints.set(endpoint.key, endpoint);
    // Emitted on re-registration too: it tells sessions to retry a lost endpoint at once.
    this.emit('changed', endpoint.name);
  }

  /** Drops this endpoint, unless its handler has registered again since (a newer object); true when dropped. */
  remove(endpoint: HandlerEndpoint): boolean {
    const endpoints = this.byName.get(endpoint.name);
    if (endpoints?.get(endpoint.key) !== endpoint) return false;
    endpoints.delete(endpoint.key);
    this.emit('changed', endpoint.name);
    return true;
  }

  endpoints(name: string): HandlerEndpoint[] {
    return [...(this.byName.get(name)?.values() ?? [])];
  }

  names(): string[] {
    return [...this.byName.keys()].filter((n) => (this.byName.get(n)?.size ?? 0) > 0);
  }
}

export function embeddedEndpoint(handler: DiscoveryHandler): HandlerEndpoint {
  return { kind: 'embedded', name: handler.name, key: `embedded:${handler.name}`, shared: handler.shared, handler };
}
