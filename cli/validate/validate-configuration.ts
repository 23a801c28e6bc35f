// `akri-ts validate`: checks every Configuration in a YAML file offline, against the CRD schema
// (lib/crd, the same one the API server enforces) and against its handler's own parse of
// discoveryDetails. Each problem names the document, the field and the line in the file.
// Whatever the file holds, the work is bounded: nesting and tokens are counted before the YAML
// is composed (lib/discovery/bounded-yaml.ts), documents are composed one at a time, aliases
// have a budget, at most MAX_PROBLEMS problems are placed on their lines, and any failure of
// a document's check becomes a problem of that document, never a throw.
import { LineCounter, isMap, isScalar, type Document } from 'yaml';
import { configurationCrd } from '../../lib/crd/definitions.ts';
import { composeDocuments, duplicateKeys, YAML_LIMITS, yamlShapeRefusal } from '../../lib/discovery/bounded-yaml.ts';
import { describeYamlFailure, MAX_DETAILS_BYTES, MAX_DETAILS_TOKENS } from '../../lib/discovery/details-yaml.ts';
import { checkSchema, type FieldPath, type OpenApiSchema } from './schema-check.ts';
import { detailsParserFor } from './details-parsers.ts';

export interface ValidationProblem {
  /** e.g. "Configuration akri-udev" or "document 2"; empty for a problem of the whole file. */
  object: string;
  /**
   * e.g. "spec.discoveryHandler.discoveryDetails.udevRules[0]"; "(document)" for a problem of
   * a whole YAML document, "(file)" for one of the whole file.
   */
  field: string;
  line: number;
  message: string;
}

export interface ValidationReport {
  configurations: string[];
  /** Other kinds in the file (Secrets, ConfigMaps) that validate leaves to the API server. */
  skipped: string[];
  problems: ValidationProblem[];
}

/** Problems placed on their lines per file; the rest are counted (placing one costs a walk). */
export const MAX_PROBLEMS = 100;

/**
 * YAML tokens in one file. A Configuration with a full broker Pod spec is about 500; the
 * composer's time and memory grow with this number, which keeps any file within 5 s and 300 MB.
 */
export const MAX_FILE_TOKENS = 150_000;

export const WHOLE_DOCUMENT = '(document)';
export const WHOLE_FILE = '(file)';

const METADATA_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Plain keys as `a.b[0]`; a key with any other character (quotes, dots, line breaks) as `a["x.y"]`. */
export function formatPath(path: FieldPath): string {
  return path.reduce<string>((out, part) => {
    if (typeof part === 'number') return `${out}[${part}]`;
    if (!/^[A-Za-z_$][\w$-]*$/.test(part)) return `${out}[${JSON.stringify(part.slice(0, 80))}]`;
    return out ? `${out}.${part}` : part;
  }, '');
}

/** "udevRules[2].x" -> ["udevRules", 2, "x"], the path form the yaml package walks. */
function parsePath(field: string): FieldPath {
  const out: FieldPath = [];
  for (const m of field.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) out.push(m[2] !== undefined ? Number(m[2]) : (m[1] as string));
  return out;
}

/** The line of the deepest node on `path` that exists: a map entry's key line, so a missing field points at its parent. */
function lineOf(doc: Document, counter: LineCounter, path: FieldPath): number {
  for (let depth = path.length; depth >= 0; depth--) {
    const range = rangeOf(doc, path.slice(0, depth));
    if (range?.[0] !== undefined) return counter.linePos(range[0]).line;
  }
  return 1;
}

function rangeOf(doc: Document, path: FieldPath): readonly number[] | undefined {
  const last = path.at(-1);
  const parent = doc.getIn(path.slice(0, -1), true);
  if (last !== undefined && isMap(parent)) {
    const pair = parent.items.find((p) => isScalar(p.key) && p.key.value === last);
    if (pair && isScalar(pair.key)) return pair.key.range ?? undefined;
  }
  const node = doc.getIn(path, true);
  return node && typeof node === 'object' && 'range' in node ? ((node as { range?: readonly number[] | null }).range ?? undefined) : undefined;
}

/** Where a field inside the discoveryDetails text sits in the file, when details is a block scalar. */
function detailsLine(doc: Document, counter: LineCounter, field: string | undefined): number {
  const detailsPath = ['spec', 'discoveryHandler', 'discoveryDetails'];
  const base = lineOf(doc, counter, detailsPath);
  const node = doc.getIn(detailsPath, true);
  if (!field || !isScalar(node) || typeof node.value !== 'string') return base;
  const block = node.type === 'BLOCK_LITERAL' || node.type === 'BLOCK_FOLDED';
  if (!block) return base;
  // The handler already read these details within its bounds; a text it refused for size or
  // depth is not read again here.
  if (node.value.length > MAX_DETAILS_BYTES || yamlShapeRefusal(node.value, MAX_DETAILS_TOKENS)) return base;
  const inner = new LineCounter();
  const innerDoc = composeDocuments(node.value, { lineCounter: inner }).next().value;
  if (!innerDoc) return base;
  // The block's text starts on the line after its "|" indicator.
  return base + lineOf(innerDoc as Document, inner, parsePath(field));
}

export async function validateConfigurationText(text: string): Promise<ValidationReport> {
  const report: ValidationReport = { configurations: [], skipped: [], problems: [] };
  const refusal = yamlShapeRefusal(text, MAX_FILE_TOKENS);
  if (refusal) {
    report.problems.push({ object: '', field: WHOLE_FILE, line: refusal.line, message: `${refusal.message}; no Configuration comes near that, and the file was not read further` });
    return report;
  }
  const counter = new LineCounter();
  const placed: { problem: ValidationProblem; place: () => number }[] = [];
  let unplaced = 0;
  const add = (problem: Omit<ValidationProblem, 'line'>, place: () => number): void => {
    if (placed.length < MAX_PROBLEMS) placed.push({ problem: { ...problem, line: 0 }, place });
    else unplaced += 1;
  };

  let index = -1;
  for (const doc of composeDocuments(text, { lineCounter: counter, merge: true })) {
    index += 1;
    const start = (): number => (doc.range?.[0] === undefined ? 1 : counter.linePos(doc.range[0]).line);
    const fallback = `document ${index + 1}`;
    try {
      await checkDocument(doc, counter, fallback, report, add);
    } catch (error) {
      // Nothing a file holds may end the run: the document gets the failure as its problem.
      add({ object: fallback, field: WHOLE_DOCUMENT, message: `could not be checked: ${describeYamlFailure(error)}` }, start);
    }
  }
  for (const { problem, place } of placed) {
    let line = 1;
    try {
      line = place();
    } catch {
      // A line is a courtesy; the problem stands without it.
    }
    report.problems.push({ ...problem, line });
  }
  // Top to bottom, as an editor shows the file.
  report.problems.sort((a, b) => a.line - b.line);
  if (unplaced > 0) {
    const last = report.problems.at(-1)?.line ?? 1;
    report.problems.push({
      object: '',
      field: WHOLE_FILE,
      line: last,
      message: `and ${unplaced} more problems; only the first ${MAX_PROBLEMS} are listed`,
    });
  }
  return report;
}

let schema: OpenApiSchema | undefined;
/** Rendering the CRD takes milliseconds: once per run, not once per document. */
function configurationSchema(): OpenApiSchema {
  schema ??= configurationCrd().spec.versions[0]?.schema?.openAPIV3Schema as OpenApiSchema;
  return schema;
}

type AddProblem = (problem: Omit<ValidationProblem, 'line'>, place: () => number) => void;

async function checkDocument(doc: Document, counter: LineCounter, fallback: string, report: ValidationReport, add: AddProblem): Promise<void> {
  let object = fallback;
  const problem = (field: string, place: () => number, message: string): void => add({ object, field, message }, place);
  if (doc.errors.length > 0) {
    for (const e of doc.errors) problem(WHOLE_DOCUMENT, () => e.linePos?.[0]?.line ?? 1, `not valid YAML: ${e.message.split('\n')[0]}`);
    return;
  }
  const duplicates = duplicateKeys(doc);
  for (const duplicate of duplicates) {
    problem(WHOLE_DOCUMENT, () => counter.linePos(duplicate.offset).line, `not valid YAML: the key "${duplicate.key.slice(0, 80)}" appears twice in one mapping`);
  }
  // kubectl refuses such a document too; checking its fields would only add noise.
  if (duplicates.length > 0) return;
  const value: unknown = doc.toJS({ maxAliasCount: YAML_LIMITS.aliases });
  if (value === null || value === undefined) return;
  if (typeof value !== 'object' || Array.isArray(value)) {
    problem(WHOLE_DOCUMENT, () => lineOf(doc, counter, []), 'expected a Kubernetes object (a mapping with apiVersion, kind, metadata, spec)');
    return;
  }
  const record = value as Record<string, unknown>;
  const metadata = (record.metadata ?? {}) as Record<string, unknown>;
  const name = typeof metadata.name === 'string' ? metadata.name : undefined;
  if (record.kind !== 'Configuration') {
    report.skipped.push(`${String(record.kind ?? 'unknown kind').slice(0, 80)} ${name?.slice(0, 253) ?? ''}`.trim());
    return;
  }
  object = `Configuration ${name?.slice(0, 253) ?? `(${fallback})`}`;
  report.configurations.push(name?.slice(0, 253) ?? fallback);
  const at = (path: FieldPath) => () => lineOf(doc, counter, path);

  if (record.apiVersion !== 'akri.sh/v0') problem('apiVersion', at(['apiVersion']), `must be akri.sh/v0, got ${JSON.stringify(record.apiVersion)?.slice(0, 80)}`);
  if (name === undefined) problem('metadata.name', at(['metadata', 'name']), 'is required');
  else if (name.length > 253 || !METADATA_NAME.test(name)) {
    problem('metadata.name', at(['metadata', 'name']), `"${name.slice(0, 80)}" is not a valid name: lowercase letters, digits, "-" and ".", starting and ending alphanumeric, at most 253 characters`);
  }
  const specSchema = configurationSchema();
  const rest = { ...record };
  delete rest.apiVersion;
  delete rest.kind;
  delete rest.metadata;
  for (const p of checkSchema(rest, specSchema)) problem(formatPath(p.path), at(p.path), p.message);

  const handler = (record.spec as { discoveryHandler?: { name?: unknown; discoveryDetails?: unknown } } | undefined)?.discoveryHandler;
  if (typeof handler?.name !== 'string') return;
  const parse = await detailsParserFor(handler.name);
  if (!parse) return;
  const details = typeof handler.discoveryDetails === 'string' ? handler.discoveryDetails : '';
  try {
    parse(details);
  } catch (err) {
    const field = (err as { field?: string }).field;
    const where = `spec.discoveryHandler.discoveryDetails${field ? `.${field}` : ''}`;
    const message = (err as Error).message.replace(field ? `${field}: ` : '', '');
    problem(where, () => detailsLine(doc, counter, field), `${handler.name} handler: ${message}`);
  }
}
