// Does every query of a dashboard have data to show? Each query is parsed with the Prometheus
// project's own PromQL grammar (@prometheus-io/lezer-promql) and checked against series really
// scraped: every selector must select at least one series, every label a query groups or
// matches by (by, on, group_left...) must be on the series it groups, and every {{label}} of a
// legend must be on the query's result. A panel over a metric or label nobody emits is a defect.
// Grafana's own variables ($__rate_interval, $node...) are replaced first, as Grafana would.
import { parser } from '@prometheus-io/lezer-promql';
import type { SyntaxNode } from '@lezer/common';

export interface Series {
  name: string;
  labels: Record<string, string>;
}

interface Matcher {
  label: string;
  op: '=' | '!=' | '=~' | '!~';
  value: string;
}

interface Selector {
  text: string;
  metric: string | undefined;
  matchers: Matcher[];
}

/** Grafana's built-in interval variables as durations, and template variables at their All value. */
export function substituteGrafanaVariables(expr: string, allValues: Record<string, string>): string {
  return expr
    .replace(/\$__rate_interval|\$__interval|\$__range/g, '5m')
    .replace(/\$\{?(\w+)\}?/g, (whole, name: string) => allValues[name] ?? whole);
}

function matches(m: Matcher, s: Series): boolean {
  const value = m.label === '__name__' ? s.name : (s.labels[m.label] ?? '');
  switch (m.op) {
    case '=':
      return value === m.value;
    case '!=':
      return value !== m.value;
    case '=~':
      // PromQL regexes are fully anchored.
      return new RegExp(`^(?:${m.value})$`).test(value);
    case '!~':
      return !new RegExp(`^(?:${m.value})$`).test(value);
  }
}

export function selects(sel: Selector, s: Series): boolean {
  return (sel.metric === undefined || sel.metric === s.name) && sel.matchers.every((m) => matches(m, s));
}

function children(node: SyntaxNode): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  for (let c = node.firstChild; c; c = c.nextSibling) out.push(c);
  return out;
}

function descendants(node: SyntaxNode, name: string): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  const walk = (n: SyntaxNode) => {
    if (n.name === name) out.push(n);
    for (const c of children(n)) walk(c);
  };
  walk(node);
  return out;
}

const at = (node: SyntaxNode) => `${node.from}:${node.to}`;

function stringLiteral(text: string): string {
  // PromQL double-quoted strings use Go's escapes, which JSON shares for what dashboards use.
  return text.startsWith('"') ? (JSON.parse(text) as string) : text.slice(1, -1);
}

function selectorOf(node: SyntaxNode, expr: string): Selector {
  const text = expr.slice(node.from, node.to);
  const identifier = children(node).find((c) => c.name === 'Identifier');
  const matchers: Matcher[] = descendants(node, 'UnquotedLabelMatcher').map((m) => {
    const [label, op, value] = children(m);
    return {
      label: label ? expr.slice(label.from, label.to) : '',
      op: (op ? expr.slice(op.from, op.to) : '=') as Matcher['op'],
      value: value ? stringLiteral(expr.slice(value.from, value.to)) : '',
    };
  });
  return { text, metric: identifier ? expr.slice(identifier.from, identifier.to) : undefined, matchers };
}

export interface QueryProblem {
  query: string;
  problem: string;
}

/**
 * The labels a (sub)expression's result series carry, as far as the check needs: aggregations
 * keep their `by` labels (or drop their `without` ones), histogram_quantile drops `le`,
 * functions and binary operators keep what their vector arguments have.
 */
function resultLabels(node: SyntaxNode, expr: string, selected: Map<string, Series[]>): Set<string> | undefined {
  switch (node.name) {
    case 'VectorSelector': {
      const labels = new Set<string>();
      for (const s of selected.get(at(node)) ?? []) for (const l of Object.keys(s.labels)) labels.add(l);
      return labels;
    }
    case 'NumberDurationLiteral':
    case 'StringLiteral':
      return undefined;
    case 'AggregateExpr': {
      const modifier = children(node).find((c) => c.name === 'AggregateModifier');
      const body = children(node).find((c) => c.name === 'FunctionCallBody');
      const inner = body ? union(children(body).map((c) => resultLabels(c, expr, selected))) : new Set<string>();
      if (!modifier) return new Set();
      const listed = descendants(modifier, 'LabelName').map((l) => expr.slice(l.from, l.to));
      if (children(modifier).some((c) => c.name === 'Without')) return new Set([...inner].filter((l) => !listed.includes(l)));
      return new Set(listed);
    }
    case 'FunctionCall': {
      const name = expr.slice(node.from, node.to).split('(')[0]?.trim();
      const body = children(node).find((c) => c.name === 'FunctionCallBody');
      const labels = body ? union(children(body).map((c) => resultLabels(c, expr, selected))) : new Set<string>();
      if (name === 'histogram_quantile') labels.delete('le');
      return labels;
    }
    default:
      return union(children(node).map((c) => resultLabels(c, expr, selected)));
  }
}

function union(sets: Array<Set<string> | undefined>): Set<string> {
  const out = new Set<string>();
  for (const s of sets) for (const l of s ?? []) out.add(l);
  return out;
}

/** Problems with one PromQL query against the scraped series; an empty list means it shows data. */
export function checkQuery(expr: string, series: Series[], legendFormat = ''): QueryProblem[] {
  const problems: QueryProblem[] = [];
  const say = (problem: string) => problems.push({ query: expr, problem });
  const tree = parser.parse(expr);
  let invalid = false;
  tree.iterate({
    enter: (n) => {
      if (n.type.isError) {
        say(`not valid PromQL at column ${n.from + 1}: ${JSON.stringify(expr.slice(Math.max(0, n.from - 10), n.to + 10))}`);
        invalid = true;
      }
    },
  });
  if (invalid) return problems;

  // Lezer hands out a new node object on every visit: selectors are keyed by position.
  const selected = new Map<string, Series[]>();
  for (const node of descendants(tree.topNode, 'VectorSelector')) {
    const sel = selectorOf(node, expr);
    const hits = series.filter((s) => selects(sel, s));
    selected.set(at(node), hits);
    if (hits.length > 0) continue;
    const sameName = series.filter((s) => s.name === sel.metric);
    if (sameName.length === 0) say(`${sel.text}: no metric ${sel.metric ?? '(unnamed)'} was scraped`);
    else {
      const missing = sel.matchers.filter((m) => !sameName.some((s) => matches(m, s)));
      say(`${sel.text}: ${sel.metric} was scraped, but no series has ${missing.map((m) => `${m.label}${m.op}"${m.value}"`).join(', ')}`);
    }
  }

  // Labels the query groups or matches by must be on the series in that part of the query.
  const seriesUnder = (node: SyntaxNode): Series[] => descendants(node, 'VectorSelector').flatMap((v) => selected.get(at(v)) ?? []);
  for (const grouping of descendants(tree.topNode, 'GroupingLabels')) {
    const clause = grouping.parent;
    if (!clause || children(clause).some((c) => c.name === 'Without')) continue;
    // by/without: the AggregateExpr around it; on/ignoring/group_*: the BinaryExpr around it.
    const scope = clause.parent;
    if (!scope) continue;
    const inScope = seriesUnder(scope);
    for (const l of descendants(grouping, 'LabelName')) {
      const label = expr.slice(l.from, l.to);
      if (!inScope.some((s) => label in s.labels)) say(`label "${label}" (${expr.slice(clause.from, clause.to)}) is on none of the series it groups`);
    }
  }

  for (const [, label] of legendFormat.matchAll(/\{\{\s*(\w+)\s*\}\}/g)) {
    const labels = resultLabels(tree.topNode, expr, selected) ?? new Set<string>();
    if (label && !labels.has(label)) say(`legend {{${label}}}: the result has no label ${label} (it has: ${[...labels].join(', ') || 'none'})`);
  }
  return problems;
}

/** A Grafana `label_values(<selector>, <label>)` variable query: the selector must select, the label exist. */
export function checkLabelValuesQuery(query: string, series: Series[]): QueryProblem[] {
  const m = /^label_values\((.+),\s*([A-Za-z_][A-Za-z0-9_]*)\s*\)$/.exec(query.trim());
  if (!m?.[1] || !m[2]) return [{ query, problem: 'not a label_values(<metric>, <label>) query' }];
  const [, selector, label] = m;
  const problems = checkQuery(selector, series);
  if (problems.length > 0) return problems;
  const node = descendants(parser.parse(selector).topNode, 'VectorSelector')[0];
  const hits = node ? series.filter((s) => selects(selectorOf(node, selector), s)) : [];
  return hits.some((s) => label in s.labels) ? [] : [{ query, problem: `no series of ${selector} has a label ${label}` }];
}
