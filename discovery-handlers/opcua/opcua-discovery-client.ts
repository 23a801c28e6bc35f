// The OPC UA discovery services the handler uses (FindServers, FindServersOnNetwork,
// GetEndpoints), each on its own unsecured connection (Part 4 allows these without security)
// under a hard deadline: node-opcua's own retries are off, a peer that accepts TCP and never
// answers costs at most `timeoutMs` before the connection is torn down, the round's signal
// ends a call at once, and one answer may be at most MAX_ANSWER_BYTES.
import { mkdirSync } from 'node:fs';
import { MessageSecurityMode, OPCUACertificateManager, OPCUAClient, SecurityPolicy } from 'node-opcua';
import type { FoundApplication } from './server-selection.ts';
import { sleep } from '../../lib/time/sleep.ts';

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
  private readonly certificateManager: OPCUACertificateManager;
  private ready: Promise<void> | undefined;

  /** `pkiFolder` holds the handler's own application certificate (own/, trusted/, rejected/). */
  constructor(private readonly pkiFolder: string) {
    mkdirSync(pkiFolder, { recursive: true });
    this.certificateManager = new OPCUACertificateManager({ rootFolder: pkiFolder, automaticallyAcceptUnknownCertificate: false });
  }

  /**
   * Creates the application certificate once (it takes seconds on first use), outside any
   * request deadline, so the first discovery round is not mistaken for a slow server.
   */
  prepare(): Promise<void> {
    this.ready ??= (async () => {
      await this.certificateManager.initialize();
      const client = this.newClient(10_000);
      const withCertificate = client as unknown as { createDefaultCertificate?: () => Promise<void> };
      await withCertificate.createDefaultCertificate?.();
    })();
    return this.ready;
  }

  private newClient(timeoutMs: number): OPCUAClient {
    return OPCUAClient.create({
      applicationName: 'akri-ts-opcua-discovery',
      applicationUri: 'urn:akri-ts:opcua-discovery',
      clientCertificateManager: this.certificateManager,
      connectionStrategy: { maxRetry: 0, initialDelay: 100, maxDelay: 100 },
      endpointMustExist: false,
      securityMode: MessageSecurityMode.None,
      securityPolicy: SecurityPolicy.None,
      transportTimeout: timeoutMs,
      defaultTransactionTimeout: timeoutMs,
      transportSettings: { maxMessageSize: MAX_ANSWER_BYTES },
    });
  }

  private async withConnection<T>(
    url: string,
    timeoutMs: number,
    signal: AbortSignal | undefined,
    call: (client: OPCUAClient) => Promise<T>,
  ): Promise<T> {
    await this.prepare();
    if (signal?.aborted) throw new OpcuaCallFailed(url, 'aborted', 'discovery round ended');
    const client = this.newClient(timeoutMs);
    let timer: NodeJS.Timeout | undefined;
    let onAbort: (() => void) | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new OpcuaCallFailed(url, 'timeout', `no answer within ${timeoutMs} ms`)), timeoutMs);
      onAbort = () => reject(new OpcuaCallFailed(url, 'aborted', 'discovery round ended'));
      signal?.addEventListener('abort', onAbort, { once: true });
    });
    try {
      return await Promise.race([
        (async () => {
          await client.connect(url);
          return await call(client);
        })(),
        deadline,
      ]);
    } catch (error) {
      if (error instanceof OpcuaCallFailed) throw error;
      throw new OpcuaCallFailed(url, 'error', error instanceof Error ? error.message.split('\n')[0] ?? '' : String(error));
    } finally {
      clearTimeout(timer);
      if (onAbort) signal?.removeEventListener('abort', onAbort);
      // Disconnect is bounded too: a hung peer must not hold the round.
      await Promise.race([client.disconnect().catch(() => undefined), sleep(1000)]);
    }
  }

  findServers(url: string, timeoutMs: number, signal?: AbortSignal): Promise<FoundApplication[]> {
    return this.withConnection(url, timeoutMs, signal, async (client) => {
      const servers = await client.findServers();
      return servers.map((s) => ({
        applicationUri: s.applicationUri ?? '',
        applicationName: s.applicationName.text ?? '',
        applicationType: s.applicationType,
        discoveryUrls: (s.discoveryUrls ?? []).filter((u): u is string => typeof u === 'string'),
      }));
    });
  }

  findServersOnNetwork(url: string, timeoutMs: number, signal?: AbortSignal): Promise<Array<{ discoveryUrl: string; serverName: string }>> {
    return this.withConnection(url, timeoutMs, signal, async (client) => {
      const servers = await client.findServersOnNetwork();
      return servers.map((s) => ({ discoveryUrl: s.discoveryUrl ?? '', serverName: s.serverName ?? '' })).filter((s) => s.discoveryUrl !== '');
    });
  }

  /** Liveness: the number of endpoints the server offers (0 means it answered with none). */
  getEndpointCount(url: string, timeoutMs: number, signal?: AbortSignal): Promise<number> {
    return this.withConnection(url, timeoutMs, signal, async (client) => (await client.getEndpoints()).length);
  }
}
