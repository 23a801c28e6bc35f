// The series Prometheus would store from one scrape of a /metrics page through the chart's
// ServiceMonitor: the page's samples (Prometheus text format) plus the target labels the
// ServiceMonitor gives them. Those are derived from the rendered ServiceMonitor itself: the
// labels prometheus-operator puts on every target (namespace, service, pod, container,
// endpoint, job, instance) and what the endpoint's relabelings write, read from the pod's
// Kubernetes service-discovery labels (__meta_kubernetes_*) the caller supplies.
import type { Series } from './query-check.ts';

/** Samples of a Prometheus text-format page (comments and blank lines skipped). */
export function parseExposition(text: string): Series[] {
  const out: Series[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+\S+(\s+\d+)?$/.exec(line);
    if (!m?.[1]) throw new Error(`not a Prometheus sample line: ${line}`);
    out.push({ name: m[1], labels: parseLabels(m[3] ?? '') });
  }
  return out;
}

function parseLabels(text: string): Record<string, string> {
  const labels: Record<string, string> = {};
  let i = 0;
  while (i < text.length) {
    const name = /^\s*([a-zA-Z_][a-zA-Z0-9_]*)="/.exec(text.slice(i));
    if (!name?.[1]) throw new Error(`bad label set {${text}} at ${i}`);
    i += name[0].length;
    let value = '';
    for (; i < text.length && text[i] !== '"'; i++) {
      if (text[i] === '\\') {
        const next = text[++i];
        value += next === 'n' ? '\n' : (next ?? '');
      } else value += text[i];
    }
    labels[name[1]] = value;
    i++; // closing quote
    while (text[i] === ',' || text[i] === ' ') i++;
  }
  return labels;
}

export interface RelabelConfig {
  sourceLabels?: string[];
  separator?: string;
  targetLabel?: string;
  regex?: string;
  replacement?: string;
  action?: string;
}

export interface ServiceMonitorView {
  metadata: { name: string; namespace?: string };
  spec: { endpoints: Array<{ port?: string; honorLabels?: boolean; relabelings?: RelabelConfig[] }>; jobLabel?: string };
}

/**
 * The target labels of one ServiceMonitor endpoint for a pod, as prometheus-operator and
 * Prometheus compute them. `meta` holds the pod's __meta_kubernetes_* labels (and __address__);
 * a relabeling that reads a label not given there fails loudly rather than guessing.
 */
export function targetLabels(sm: ServiceMonitorView, endpointIndex: number, serviceName: string, meta: Record<string, string>): Record<string, string> {
  const endpoint = sm.spec.endpoints[endpointIndex];
  if (!endpoint) throw new Error(`ServiceMonitor ${sm.metadata.name} has no endpoint ${endpointIndex}`);
  const need = (label: string): string => {
    const v = meta[label];
    if (v === undefined) throw new Error(`ServiceMonitor ${sm.metadata.name} reads ${label}, which the test does not supply`);
    return v;
  };
  // prometheus-operator's own relabelings, on every ServiceMonitor target.
  const labels: Record<string, string> = {
    namespace: need('__meta_kubernetes_namespace'),
    service: serviceName,
    pod: need('__meta_kubernetes_pod_name'),
    container: need('__meta_kubernetes_pod_container_name'),
    endpoint: endpoint.port ?? '',
    job: serviceName,
    instance: need('__address__'),
  };
  const all = (): Record<string, string> => ({ ...meta, ...labels });
  for (const r of endpoint.relabelings ?? []) {
    const action = (r.action ?? 'replace').toLowerCase();
    if (action !== 'replace') throw new Error(`ServiceMonitor ${sm.metadata.name}: relabeling action ${action} is not modelled here`);
    const source = (r.sourceLabels ?? []).map((l) => (l.startsWith('__meta_') ? need(l) : (all()[l] ?? ''))).join(r.separator ?? ';');
    const m = new RegExp(`^(?:${r.regex ?? '(.*)'})$`).exec(source);
    if (!m || !r.targetLabel) continue;
    labels[r.targetLabel] = (r.replacement ?? '$1').replace(/\$\{?(\d+)\}?/g, (_w, n: string) => m[Number(n)] ?? '');
  }
  return labels;
}

/**
 * Series as stored: target labels win over scraped ones of the same name, which Prometheus
 * keeps as exported_<name> (honor_labels false, the default).
 */
export function withTargetLabels(series: Series[], target: Record<string, string>, honorLabels = false): Series[] {
  return series.map((s) => {
    const labels = { ...s.labels };
    for (const [k, v] of Object.entries(target)) {
      if (k in labels) {
        if (honorLabels) continue;
        labels[`exported_${k}`] = labels[k] ?? '';
      }
      labels[k] = v;
    }
    return { name: s.name, labels };
  });
}
