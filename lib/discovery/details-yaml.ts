// The one way a handler reads its discoveryDetails text (YAML or JSON, as Akri's serde_yaml
// does), with bounded work whatever a Configuration author writes: a size cap, the shape
// checks of bounded-yaml.ts (nesting, tokens) before anything is composed, duplicate keys
// found in linear time, an alias budget, and every failure turned into
// InvalidDiscoveryDetails, so the agent reports it on the Configuration instead of stalling
// its event loop or crashing.
import { InvalidDiscoveryDetails } from './handler.ts';
import { composeDocuments, duplicateKeys, YAML_LIMITS, yamlShapeRefusal } from './bounded-yaml.ts';

/**
 * Largest discoveryDetails text a handler reads. Real ones are a few hundred bytes; the
 * largest legitimate lists (1024 Modbus hosts, 64 udev rules of 1024 characters) fit easily.
 */
export const MAX_DETAILS_BYTES = 256 * 1024;

/**
 * YAML tokens in one discoveryDetails text: 1024 Modbus hosts in a list are about 3,000. At the
 * limit the worst shapes take about 0.2 s to read, once per Configuration change.
 */
export const MAX_DETAILS_TOKENS = 20_000;

export function readDetailsYaml(text: string): unknown {
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > MAX_DETAILS_BYTES) {
    throw new InvalidDiscoveryDetails(`discoveryDetails is ${bytes} bytes; the limit is ${MAX_DETAILS_BYTES} bytes`);
  }
  const refusal = yamlShapeRefusal(text, MAX_DETAILS_TOKENS);
  if (refusal) throw new InvalidDiscoveryDetails(`line ${refusal.line} of discoveryDetails ${refusal.message}`);
  try {
    // Stop at the second document: one is all a details text may hold.
    const documents = [];
    for (const doc of composeDocuments(text)) {
      documents.push(doc);
      if (documents.length > 1) throw new InvalidDiscoveryDetails('not valid YAML or JSON: holds more than one YAML document');
    }
    if (documents.length === 0) return null;
    const doc = documents[0];
    const error = doc?.errors[0];
    if (!doc || error) throw new InvalidDiscoveryDetails(`not valid YAML or JSON: ${describeYamlFailure(error)}`);
    const duplicate = duplicateKeys(doc)[0];
    if (duplicate) throw new InvalidDiscoveryDetails(`not valid YAML or JSON: the key "${duplicate.key.slice(0, 80)}" appears twice in one mapping`);
    return doc.toJS({ maxAliasCount: YAML_LIMITS.aliases });
  } catch (error) {
    if (error instanceof InvalidDiscoveryDetails) throw error;
    throw new InvalidDiscoveryDetails(`not valid YAML or JSON: ${describeYamlFailure(error)}`);
  }
}

/** The first line of the parser's message; plain words for an alias bomb or deep nesting. */
export function describeYamlFailure(error: unknown): string {
  if (error instanceof RangeError) return 'nested too deeply to read';
  const message = error instanceof Error ? error.message : String(error);
  if (/alias count/i.test(message)) return `more than ${YAML_LIMITS.aliases} alias expansions (a YAML alias bomb?)`;
  return message.split('\n')[0] ?? message;
}
