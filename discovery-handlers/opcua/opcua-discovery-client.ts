// The OPC UA discovery services the handler uses (FindServers, FindServersOnNetwork,
// GetEndpoints), each on its own unsecured connection (Part 4 allows these without security)
// under a hard deadline: a peer that accepts TCP and never answers costs at most `timeoutMs`
// before the connection is torn down, the round's signal ends a call at once, and one answer may
// be at most MAX_ANSWER_BYTES.
//
// The client is our own (ua-tcp-connection.ts, ua-discovery-messages.ts), not node-opcua's: the
// three services over SecurityPolicy None need a few hundred lines, where node-opcua's whole
// client and its PKI cost a process about 45 MiB at rest and 86 MiB at its peak. What that
// leaves out: signed or encrypted channels (never used: discovery runs under None), an
// application certificate (None sends none), sessions, opc.https/opc.wss, reverse connect.
import { readFindServersOnNetworkResponse, readFindServersResponse, readGetEndpointsCount, type ServiceRequest } from './ua-discovery-messages.ts';
import { uaDiscoveryCall } from './ua-tcp-connection.ts';
import type { FoundApplication } from './server-selection.ts';
import type { UaReader } from './ua-binary.ts';

/**
 * Largest message a peer may send us. 10,000 ApplicationDescriptions fit (about 2 MB); far
 * more would only be dropped by maxServersPerDiscoveryUrl after costing memory.
 */
export const MAX_ANSWER_BYTES = 4 * 1024 * 1024;

export class OpcuaCallFailed extends Error {
  constructor(
    readonly url: string,
    readonly kind: 'timeout' | 'error' | 'aborted',
    detail: string,
  ) {
    super(`${kind} from ${url}: ${detail}`);
    this.name = 'OpcuaCallFailed';
  }
}

export class OpcuaDiscoveryClient {
  private async call<T>(url: string, request: ServiceRequest, timeoutMs: number, signal: AbortSignal | undefined, read: (body: UaReader) => T): Promise<T> {
    if (signal?.aborted) throw new OpcuaCallFailed(url, 'aborted', 'discovery round ended');
    const call = uaDiscoveryCall(url, request, { timeoutMs, maxAnswerBytes: MAX_ANSWER_BYTES });
    const timer = setTimeout(() => call.destroy(new OpcuaCallFailed(url, 'timeout', `no answer within ${timeoutMs} ms`)), timeoutMs);
    const onAbort = () => call.destroy(new OpcuaCallFailed(url, 'aborted', 'discovery round ended'));
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      return read(await call.answer);
    } catch (error) {
      if (error instanceof OpcuaCallFailed) throw error;
      throw new OpcuaCallFailed(url, 'error', error instanceof Error ? error.message.split('\n')[0] ?? '' : String(error));
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    }
  }

  findServers(url: string, timeoutMs: number, signal?: AbortSignal): Promise<FoundApplication[]> {
    return this.call(url, { service: 'FindServers', endpointUrl: url }, timeoutMs, signal, readFindServersResponse);
  }

  findServersOnNetwork(url: string, timeoutMs: number, signal?: AbortSignal): Promise<Array<{ discoveryUrl: string; serverName: string }>> {
    return this.call(url, { service: 'FindServersOnNetwork' }, timeoutMs, signal, (body) => readFindServersOnNetworkResponse(body).filter((s) => s.discoveryUrl !== ''));
  }

  /** Liveness: the number of endpoints the server offers (0 means it answered with none). */
  getEndpointCount(url: string, timeoutMs: number, signal?: AbortSignal): Promise<number> {
    return this.call(url, { service: 'GetEndpoints', endpointUrl: url }, timeoutMs, signal, readGetEndpointsCount);
  }
}
