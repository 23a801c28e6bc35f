// `akri-ts validate`: checks every Configuration in a YAML file offline, against the CRD schema
// (lib/crd, the same one the API server enforces) and against its handler's own parse of
// discoveryDetails. Each problem names the document, the field and the line in the file.
import { LineCounter, isMap, isScalar, parseAllDocuments, type Document } from 'yaml';
import { configurationCrd } from '../../lib/crd/definitions.ts';
import { checkSchema, type FieldPath, type OpenApiSchema } from './schema-check.ts';
import { detailsParserFor } from './details-parsers.ts';

export interface ValidationProblem {
  /** e.g. "Configuration akri-udev" or "document 2". */
  object: string;
  /** e.g. "spec.discoveryHandler.discoveryDetails.udevRules[0]". */
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

const METADATA_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

export function formatPath(path: FieldPath): string {
  return path.reduce<string>((out, part) => (typeof part === 'number' ? `${out}[${part}]` : out ? `${out}.${part}` : part), '');
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
  const inner = new LineCounter();
  const innerDoc = parseAllDocuments(node.value, { lineCounter: inner })[0];
  if (!innerDoc || innerDoc instanceof Array) return base;
  // The block's text starts on the line after its "|" indicator.
  return base + lineOf(innerDoc as Document, inner, parsePath(field));
}

export async function validateConfigurationText(text: string): Promise<ValidationReport> {
  const counter = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter: counter });
  const report: ValidationReport = { configurations: [], skipped: [], problems: [] };
  if (!Array.isArray(docs)) return report;
  const specSchema = configurationCrd().spec.versions[0]?.schema?.openAPIV3Schema as OpenApiSchema;

  for (const [index, doc] of docs.entries()) {
    let object = `document ${index + 1}`;
    const problem = (field: string, line: number, message: string) => report.problems.push({ object, field, line, message });
    if (doc.errors.length > 0) {
      for (const e of doc.errors) problem('', e.linePos?.[0]?.line ?? 1, `not valid YAML: ${e.message.split('\n')[0]}`);
      continue;
    }
    const value: unknown = doc.toJS();
    if (value === null || value === undefined) continue;
    if (typeof value !== 'object' || Array.isArray(value)) {
      problem('', 1, 'expected a Kubernetes object (a mapping with apiVersion, kind, metadata, spec)');
      continue;
    }
    const record = value as Record<string, unknown>;
    const metadata = (record.metadata ?? {}) as Record<string, unknown>;
    const name = typeof metadata.name === 'string' ? metadata.name : undefined;
    if (record.kind !== 'Configuration') {
      report.skipped.push(`${String(record.kind ?? 'unknown kind')} ${name ?? ''}`.trim());
      continue;
    }
    object = `Configuration ${name ?? `(document ${index + 1})`}`;
    report.configurations.push(name ?? `document ${index + 1}`);
    const at = (path: FieldPath) => lineOf(doc, counter, path);

    if (record.apiVersion !== 'akri.sh/v0') problem('apiVersion', at(['apiVersion']), `must be akri.sh/v0, got ${JSON.stringify(record.apiVersion)}`);
    if (name === undefined) problem('metadata.name', at(['metadata', 'name']), 'is required');
    else if (name.length > 253 || !METADATA_NAME.test(name)) {
      problem('metadata.name', at(['metadata', 'name']), `"${name}" is not a valid name: lowercase letters, digits, "-" and ".", starting and ending alphanumeric`);
    }
    const rest = { ...record };
    delete rest.apiVersion;
    delete rest.kind;
    delete rest.metadata;
    for (const p of checkSchema(rest, specSchema)) problem(formatPath(p.path), at(p.path), p.message);

    const handler = (record.spec as { discoveryHandler?: { name?: unknown; discoveryDetails?: unknown } } | undefined)?.discoveryHandler;
    if (typeof handler?.name !== 'string') continue;
    const parse = await detailsParserFor(handler.name);
    if (!parse) continue;
    const details = typeof handler.discoveryDetails === 'string' ? handler.discoveryDetails : '';
    try {
      parse(details);
    } catch (err) {
      const field = (err as { field?: string }).field;
      const where = `spec.discoveryHandler.discoveryDetails${field ? `.${field}` : ''}`;
      const message = (err as Error).message.replace(field ? `${field}: ` : '', '');
      problem(where, detailsLine(doc, counter, field), `${handler.name} handler: ${message}`);
    }
  }
  // Top to bottom, as an editor shows the file.
  report.problems.sort((a, b) => a.line - b.line);
  return report;
}
