// Checks a value against the OpenAPI v3 subset our CRD schemas use (lib/crd renders them), the
// way the API server would before it stores an object, so `akri-ts validate` can say "no"
// offline. Supported: type, required, properties, additionalProperties, items, pattern,
// minimum/maximum, minLength/maxLength, minItems/maxItems, enum, nullable,
// x-kubernetes-preserve-unknown-fields, and our CEL rules (see cel-subset.ts).
// Fields the schema does not declare are errors, as kubectl's strict field validation makes them.
import { evaluateCelRule } from './cel-subset.ts';

export type FieldPath = (string | number)[];

export interface SchemaProblem {
  path: FieldPath;
  message: string;
}

export interface OpenApiSchema {
  type?: string;
  required?: string[];
  properties?: Record<string, OpenApiSchema>;
  additionalProperties?: OpenApiSchema | boolean;
  items?: OpenApiSchema;
  pattern?: string;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  enum?: unknown[];
  nullable?: boolean;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-validations'?: { rule: string; message: string }[];
}

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

function typeMatches(expected: string, actual: string): boolean {
  return expected === actual || (expected === 'number' && actual === 'integer');
}

export function checkSchema(value: unknown, schema: OpenApiSchema, path: FieldPath = []): SchemaProblem[] {
  const problems: SchemaProblem[] = [];
  const add = (message: string, at: FieldPath = path) => problems.push({ path: at, message });
  if (value === null) {
    if (!schema.nullable) add('must not be null');
    return problems;
  }
  const actual = typeOf(value);
  if (schema.type && !typeMatches(schema.type, actual)) {
    add(`must be of type ${schema.type}, got ${actual}`);
    return problems;
  }
  if (schema.enum && !schema.enum.includes(value)) add(`must be one of ${schema.enum.map((v) => JSON.stringify(v)).join(', ')}, got ${JSON.stringify(value)}`);
  if (typeof value === 'string') {
    if (schema.minLength !== undefined && value.length < schema.minLength) add(`must be at least ${schema.minLength} characters long`);
    if (schema.maxLength !== undefined && value.length > schema.maxLength) add(`must be at most ${schema.maxLength} characters long`);
    if (schema.pattern && !new RegExp(schema.pattern).test(value)) add(`${JSON.stringify(value)} does not match ${schema.pattern}`);
  }
  if (typeof value === 'number') {
    if (schema.minimum !== undefined && value < schema.minimum) add(`must be at least ${schema.minimum}, got ${value}`);
    if (schema.maximum !== undefined && value > schema.maximum) add(`must be at most ${schema.maximum}, got ${value}`);
  }
  if (Array.isArray(value)) {
    if (schema.minItems !== undefined && value.length < schema.minItems) add(`must have at least ${schema.minItems} items`);
    if (schema.maxItems !== undefined && value.length > schema.maxItems) add(`must have at most ${schema.maxItems} items`);
    if (schema.items) value.forEach((item, i) => problems.push(...checkSchema(item, schema.items as OpenApiSchema, [...path, i])));
  }
  if (actual === 'object') {
    const record = value as Record<string, unknown>;
    for (const key of schema.required ?? []) if (!(key in record)) add(`${key} is required`, [...path, key]);
    for (const [key, child] of Object.entries(record)) {
      const declared = schema.properties?.[key];
      if (declared) problems.push(...checkSchema(child, declared, [...path, key]));
      else if (typeof schema.additionalProperties === 'object') problems.push(...checkSchema(child, schema.additionalProperties, [...path, key]));
      else if (schema.properties && !schema['x-kubernetes-preserve-unknown-fields'] && schema.additionalProperties !== true) {
        add(`unknown field "${key}"${schema.properties ? `; known: ${Object.keys(schema.properties).join(', ')}` : ''}`, [...path, key]);
      }
    }
  }
  for (const { rule, message } of schema['x-kubernetes-validations'] ?? []) {
    if (!evaluateCelRule(rule, value)) add(message);
  }
  return problems;
}
