// Workload (run by validate-files.hostile.test.ts): every shipped handler's own parse of
// discoveryDetails (what each agent runs for each Configuration) fed the hostile YAML
// families at the size of the details limits. Each must return or throw
// InvalidDiscoveryDetails, never anything else; reports the slowest.
import { parseDebugEchoDetails } from '../../../discovery-handlers/debug-echo/debug-echo-handler.ts';
import { parseBleDetails } from '../../../discovery-handlers/ble/details.ts';
import { parseModbusDetails } from '../../../discovery-handlers/modbus/details.ts';
import { parseOnvifDetails } from '../../../discovery-handlers/onvif/onvif-details.ts';
import { parseOpcuaDetails } from '../../../discovery-handlers/opcua/opcua-details.ts';
import { parseUdevDiscoveryDetails } from '../../../discovery-handlers/udev/udev-discovery-details.ts';
import { MAX_DETAILS_BYTES, MAX_DETAILS_TOKENS } from '../../../lib/discovery/details-yaml.ts';
import { InvalidDiscoveryDetails } from '../../../lib/discovery/handler.ts';
import { reportResult } from '../support/bounded-child.ts';
import { hostileFamilies } from '../support/hostile-yaml.ts';

const parsers: Record<string, (text: string) => unknown> = {
  udev: parseUdevDiscoveryDetails,
  onvif: parseOnvifDetails,
  opcua: parseOpcuaDetails,
  modbus: parseModbusDetails,
  ble: parseBleDetails,
  debugEcho: parseDebugEchoDetails,
};
const families = { ...hostileFamilies(MAX_DETAILS_TOKENS, MAX_DETAILS_BYTES), 'one byte over the size limit': 'a: "'.padEnd(MAX_DETAILS_BYTES + 1, 'x') };
let slowestMs = 0;
let slowest = '';
const unexpected: string[] = [];
for (const [family, text] of Object.entries(families)) {
  for (const [handler, parse] of Object.entries(parsers)) {
    const started = performance.now();
    try {
      parse(text);
    } catch (error) {
      if (!(error instanceof InvalidDiscoveryDetails)) unexpected.push(`${handler} / ${family}: ${String(error).slice(0, 200)}`);
    }
    const ms = performance.now() - started;
    if (ms > slowestMs) {
      slowestMs = ms;
      slowest = `${handler} / ${family}`;
    }
  }
}
reportResult({ families: Object.keys(families).length, slowestMs, slowest, unexpected });
