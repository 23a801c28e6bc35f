// The one way a handler reads its discoveryDetails text (YAML or JSON, as Akri's serde_yaml
// does), with bounded work whatever a Configuration author writes: a size cap before parsing,
// a nesting cap before composing (yaml-nesting.ts says why), an alias budget (YAML's "billion
// laughs"), and every failure of the parser (including the ReferenceError it throws for an
// alias bomb) turned into InvalidDiscoveryDetails, so the agent reports it on the
// Configuration instead of crashing.
import { parse } from 'yaml';
import { InvalidDiscoveryDetails } from './handler.ts';
import { MAX_YAML_NESTING, yamlTooDeep } from './yaml-nesting.ts';

/**
 * Largest discoveryDetails text a handler reads. Real ones are a few hundred bytes; the
 * largest legitimate lists (1024 Modbus hosts, 64 udev rules of 1024 characters) fit easily.
 */
export const MAX_DETAILS_BYTES = 256 * 1024;

/** Alias expansions the parser may do: enough for anchors reused by hand, never a bomb. */
export const MAX_DETAILS_ALIASES = 100;

export function readDetailsYaml(text: string): unknown {
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > MAX_DETAILS_BYTES) {
    throw new InvalidDiscoveryDetails(`discoveryDetails is ${bytes} bytes; the limit is ${MAX_DETAILS_BYTES} bytes`);
  }
  const deep = yamlTooDeep(text);
  if (deep) {
    throw new InvalidDiscoveryDetails(`line ${deep.line} nests deeper than ${MAX_YAML_NESTING} levels (indentation and brackets)`);
  }
  try {
    return parse(text, { maxAliasCount: MAX_DETAILS_ALIASES });
  } catch (error) {
    throw new InvalidDiscoveryDetails(`not valid YAML or JSON: ${describeYamlFailure(error)}`);
  }
}

/** The first line of the parser's message; its own words for alias bombs and deep nesting. */
export function describeYamlFailure(error: unknown): string {
  if (error instanceof RangeError) return 'nested too deeply to read';
  const message = error instanceof Error ? error.message : String(error);
  if (/alias count/i.test(message)) return `more than ${MAX_DETAILS_ALIASES} alias expansions (a YAML alias bomb?)`;
  return message.split('\n')[0] ?? message;
}
