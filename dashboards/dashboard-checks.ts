// Checks of a whole dashboard: that it is a sound dashboard model (what Grafana needs to load
// and lay it out, beyond what the types say), and that every panel query and variable query
// has data among given scraped series (query-check.ts).
import type { Dashboard, Panel, RowPanel } from '@grafana/schema';
import { checkLabelValuesQuery, checkQuery, substituteGrafanaVariables, type QueryProblem, type Series } from './query-check.ts';

interface Target {
  refId?: string;
  expr?: string;
  legendFormat?: string;
  datasource?: { uid?: string };
}

const isRow = (p: Panel | RowPanel): p is RowPanel => p.type === 'row';

function panelsOf(d: Dashboard): Panel[] {
  return (d.panels ?? []).flatMap((p) => (isRow(p) ? p.panels : [p]));
}

function targetsOf(p: Panel): Target[] {
  return (p.targets ?? []) as Target[];
}

/** Each template variable's value when "All" is chosen: what a query must work with. */
function allValues(d: Dashboard): Record<string, string> {
  return Object.fromEntries((d.templating?.list ?? []).filter((v) => v.includeAll).map((v) => [v.name, v.allValue ?? '.*']));
}

/** What Grafana needs beyond the types: ids, a grid that fits, known variables and datasources. */
export function modelProblems(d: Dashboard): string[] {
  const problems: string[] = [];
  if (!d.uid || !d.title) problems.push('a dashboard needs a uid and a title');
  if (!Number.isInteger(d.schemaVersion) || d.schemaVersion < 36) problems.push(`schemaVersion ${d.schemaVersion}: too old for the panel types used`);
  const all = [...(d.panels ?? []), ...(d.panels ?? []).flatMap((p) => (isRow(p) ? p.panels : []))];
  const ids = all.map((p) => p.id);
  if (ids.some((id) => id === undefined) || new Set(ids).size !== ids.length) problems.push(`panel ids must be set and unique: ${ids.join(', ')}`);
  const variables = new Set(['__rate_interval', '__interval', '__range', ...(d.templating?.list ?? []).map((v) => v.name)]);
  const cells = new Map<string, string>();
  for (const p of d.panels ?? []) {
    const g = p.gridPos;
    if (!g || g.x < 0 || g.w < 1 || g.x + g.w > 24 || g.h < 1 || g.y < 0) {
      problems.push(`${p.title}: gridPos ${JSON.stringify(g)} does not fit the 24-column grid`);
      continue;
    }
    for (let x = g.x; x < g.x + g.w; x++) {
      for (let y = g.y; y < g.y + g.h; y++) {
        const other = cells.get(`${x},${y}`);
        if (other) problems.push(`${p.title} overlaps ${other} at ${x},${y}`);
        cells.set(`${x},${y}`, p.title ?? '');
      }
    }
  }
  for (const p of panelsOf(d)) {
    const targets = targetsOf(p);
    if (targets.length === 0) problems.push(`${p.title}: no query`);
    const refIds = targets.map((t) => t.refId);
    if (new Set(refIds).size !== refIds.length) problems.push(`${p.title}: refIds repeat: ${refIds.join(', ')}`);
    for (const t of targets) {
      if (!t.expr) problems.push(`${p.title} ${t.refId}: no expr`);
      if (t.datasource?.uid !== '${datasource}') problems.push(`${p.title} ${t.refId}: the query must use the dashboard's datasource variable`);
      for (const [, name] of (t.expr ?? '').matchAll(/\$\{?(\w+)\}?/g)) {
        if (name && !variables.has(name)) problems.push(`${p.title} ${t.refId}: unknown variable $${name}`);
      }
    }
  }
  return problems;
}

/** Every panel and variable query checked against the series: empty when each one has data. */
export function dataProblems(d: Dashboard, series: Series[]): Array<QueryProblem & { where: string }> {
  const values = allValues(d);
  const out: Array<QueryProblem & { where: string }> = [];
  for (const p of panelsOf(d)) {
    for (const t of targetsOf(p)) {
      const expr = substituteGrafanaVariables(t.expr ?? '', values);
      for (const problem of checkQuery(expr, series, t.legendFormat)) out.push({ where: `panel "${p.title}" ${t.refId}`, ...problem });
    }
  }
  for (const v of d.templating?.list ?? []) {
    if (v.type !== 'query') continue;
    const q = typeof v.query === 'string' ? v.query : String((v.query as { query?: string } | undefined)?.query ?? '');
    for (const problem of checkLabelValuesQuery(substituteGrafanaVariables(q, values), series)) out.push({ where: `variable $${v.name}`, ...problem });
  }
  return out;
}

/** Every metric name the dashboard's queries select, for reports. */
export function queriedMetrics(d: Dashboard): string[] {
  const names = new Set<string>();
  for (const p of panelsOf(d)) for (const t of targetsOf(p)) for (const m of (t.expr ?? '').matchAll(/\b(akri_[a-z_]+)\b/g)) if (m[1]) names.add(m[1]);
  return [...names].sort();
}
