// The Grafana dashboard the chart ships (helm/dashboards/akri-ts.json, generated from this file
// by `npm run gen:dashboard`): devices and Instances per Configuration and node, discovery
// latency and failures per handler, slot use and claims, Allocate latency, API requests and
// writes per minute, and broker restarts. Typed with Grafana's own schema types
// (@grafana/schema), so a malformed panel fails the type check.
// `node` on the agent's metrics is a target label: the chart's ServiceMonitor copies the pod's
// node name into it (helm/templates/servicemonitor.yaml). The controller's own `node` label on
// akri_broker_pod_count means the same thing: the node the broker is for.
import {
  BigValueColorMode,
  BigValueGraphMode,
  BigValueJustifyMode,
  BigValueTextMode,
  GraphDrawStyle,
  PercentChangeColorMode,
  LegendDisplayMode,
  SortOrder,
  StackingMode,
  TooltipDisplayMode,
  VariableRefresh,
  VariableSort,
  VizOrientation,
  type Dashboard,
  type DataQuery,
  type DataSourceRef,
  type GridPos,
  type Panel,
  type RowPanel,
  type VariableModel,
} from '@grafana/schema';
import type { FieldConfig as TimeSeriesFieldConfig, Options as TimeSeriesOptions } from '@grafana/schema/dist/esm/raw/composable/timeseries/panelcfg/x/TimeSeriesPanelCfg_types.gen';
import type { Options as StatOptions } from '@grafana/schema/dist/esm/raw/composable/stat/panelcfg/x/StatPanelCfg_types.gen';

/**
 * A Prometheus query as Grafana stores it in a panel (@grafana/schema has no type for the
 * Prometheus datasource's query). A type alias, not an interface: Panel.targets is a list of
 * plain records, which an interface does not satisfy.
 */
export type PrometheusQuery = {
  refId: string;
  datasource: DataSourceRef;
  expr: string;
  legendFormat: string;
  range: boolean;
};
/** Still a DataQuery, as Grafana's schema requires of every target. */
const _isDataQuery = (q: PrometheusQuery): DataQuery => q;
void _isDataQuery;

/**
 * Every panel is built with its own plugin's option types (time series, stat); the dashboard
 * then holds them with open options, as Grafana's Dashboard type does.
 */
function asDashboardPanel<F>(panel: Panel<unknown, F>): Panel {
  return panel as unknown as Panel;
}

const DATASOURCE: DataSourceRef = { type: 'prometheus', uid: '${datasource}' };
/** What every agent-side query filters on: the dashboard's node and Configuration pickers. */
const AGENT = 'node=~"$node"';
const WRITES_AGENT = 'verb=~"POST|PUT|PATCH|DELETE|APPLY"';
const WRITES_CONTROLLER = 'verb=~"create|update|patch|delete|apply"';

let nextId = 1;

function query(expr: string, legendFormat: string, refId = 'A'): PrometheusQuery {
  return { refId, datasource: DATASOURCE, expr, legendFormat, range: true };
}

function timeseries(
  title: string,
  description: string,
  gridPos: GridPos,
  targets: PrometheusQuery[],
  unit: string,
  stacked = false,
): Panel {
  const panel: Panel<TimeSeriesOptions, TimeSeriesFieldConfig> = {
    id: nextId++,
    type: 'timeseries',
    title,
    description,
    datasource: DATASOURCE,
    gridPos,
    targets,
    fieldConfig: {
      defaults: {
        unit,
        min: 0,
        custom: {
          drawStyle: GraphDrawStyle.Line,
          lineWidth: 1,
          fillOpacity: stacked ? 30 : 10,
          stacking: { mode: stacked ? StackingMode.Normal : StackingMode.None, group: 'A' },
        },
      },
      overrides: [],
    },
    // Panel.options is an open record in Grafana's type; `satisfies` checks it as the plugin's.
    options: {
      legend: { showLegend: true, displayMode: LegendDisplayMode.Table, placement: 'right', calcs: ['lastNotNull', 'max'] },
      tooltip: { mode: TooltipDisplayMode.Multi, sort: SortOrder.Descending },
    } satisfies TimeSeriesOptions,
  };
  return asDashboardPanel(panel);
}

function stat(title: string, description: string, gridPos: GridPos, targets: PrometheusQuery[], unit: string): Panel {
  const panel: Panel<StatOptions> = {
    id: nextId++,
    type: 'stat',
    title,
    description,
    datasource: DATASOURCE,
    gridPos,
    targets,
    fieldConfig: { defaults: { unit }, overrides: [] },
    options: {
      reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false },
      orientation: VizOrientation.Auto,
      colorMode: BigValueColorMode.Value,
      graphMode: BigValueGraphMode.Area,
      justifyMode: BigValueJustifyMode.Auto,
      textMode: BigValueTextMode.ValueAndName,
      percentChangeColorMode: PercentChangeColorMode.Standard,
      showPercentChange: false,
      wideLayout: true,
    } satisfies StatOptions,
  };
  return asDashboardPanel(panel);
}

function row(title: string, y: number): RowPanel {
  return { id: nextId++, type: 'row', title, collapsed: false, gridPos: { x: 0, y, w: 24, h: 1 }, panels: [] };
}

function labelVariable(name: string, label: string, metric: string): VariableModel {
  return {
    name,
    label,
    type: 'query',
    datasource: DATASOURCE,
    query: `label_values(${metric}, ${name})`,
    refresh: VariableRefresh.onTimeRangeChanged,
    sort: VariableSort.alphabeticalAsc,
    multi: true,
    includeAll: true,
    allValue: '.*',
    current: { text: 'All', value: '$__all' },
  };
}

export function akriDashboard(): Dashboard {
  nextId = 1;
  const w = 12;
  const h = 8;
  const perMinute = (expr: string) => `${expr} * 60`;
  const panels: Array<Panel | RowPanel> = [
    row('Devices and Instances', 0),
    timeseries(
      'Devices seen, by Configuration and node',
      'Devices in each node\'s latest discovery results (akri_discovered_device_count).',
      { x: 0, y: 1, w, h },
      [query(`sum by (configuration, node) (akri_discovered_device_count{${AGENT}, configuration=~"$configuration"})`, '{{configuration}} on {{node}}')],
      'none',
    ),
    timeseries(
      'Instances, by Configuration and node',
      'Instances each node is in, including those it keeps for the grace period after their device vanished (akri_instance_count).',
      { x: w, y: 1, w, h },
      [query(`sum by (configuration, node) (akri_instance_count{${AGENT}, configuration=~"$configuration"})`, '{{configuration}} on {{node}}')],
      'none',
    ),
    timeseries(
      'Instances kept only for the grace period',
      'Instances whose device a node no longer sees: it leaves them when their grace period ends unless the device comes back.',
      { x: 0, y: 9, w, h },
      [
        query(
          `sum by (configuration, node) (akri_instance_count{${AGENT}, configuration=~"$configuration"}) - sum by (configuration, node) (akri_discovered_device_count{${AGENT}, configuration=~"$configuration"})`,
          '{{configuration}} on {{node}}',
        ),
      ],
      'none',
    ),
    timeseries(
      'Broker Pods, by Configuration and node',
      'Broker Pods the controller runs (akri_broker_pod_count).',
      { x: w, y: 9, w, h },
      [query(`sum by (configuration, node) (akri_broker_pod_count{${AGENT}, configuration=~"$configuration"})`, '{{configuration}} on {{node}}')],
      'none',
    ),

    row('Discovery', 17),
    timeseries(
      'Time to first device list, by handler (p90)',
      'Seconds from opening a Discover stream to the handler\'s first device list, 90th percentile over 10 minutes. Streams open when discovery starts or restarts, so quiet periods have no points.',
      { x: 0, y: 18, w, h },
      [
        query(
          `histogram_quantile(0.9, sum by (le, discovery_handler_name) (rate(akri_discovery_response_time_bucket{${AGENT}, configuration=~"$configuration"}[10m])))`,
          '{{discovery_handler_name}}',
        ),
      ],
      's',
    ),
    timeseries(
      'Mean time to first device list, by handler',
      'Average over every stream the agents opened since they started.',
      { x: w, y: 18, w, h },
      [
        query(
          `sum by (discovery_handler_name) (akri_discovery_response_time_sum{${AGENT}, configuration=~"$configuration"}) / sum by (discovery_handler_name) (akri_discovery_response_time_count{${AGENT}, configuration=~"$configuration"})`,
          '{{discovery_handler_name}}',
        ),
      ],
      's',
    ),
    timeseries(
      'Discovery failures per minute, by handler and node',
      'Failed Discover streams: the handler rejected discoveryDetails, was unreachable, or ended its stream.',
      { x: 0, y: 26, w, h },
      [query(perMinute(`sum by (discovery_handler_name, node) (rate(akri_discovery_response_result{${AGENT}, response="Fail"}[$__rate_interval]))`), '{{discovery_handler_name}} on {{node}}')],
      'none',
    ),
    timeseries(
      'Device lists received per minute, by handler',
      'Device lists (full snapshots) the agents received from their handlers.',
      { x: w, y: 26, w, h },
      [query(perMinute(`sum by (discovery_handler_name) (rate(akri_discovery_response_result{${AGENT}, response="Success"}[$__rate_interval]))`), '{{discovery_handler_name}}')],
      'none',
    ),

    row('Slots and Allocate', 34),
    timeseries(
      'Slots, by Configuration and state',
      'Slots of the Instances each node serves: held by that node, held by another node (shared devices), or free. A shared device\'s slots are counted by every node that serves it.',
      { x: 0, y: 35, w, h },
      [query(`sum by (configuration, state) (akri_device_plugin_slots{${AGENT}, configuration=~"$configuration"})`, '{{configuration}} {{state}}')],
      'none',
      true,
    ),
    timeseries(
      'Slots in use, by node',
      'Slots each node holds for pods (each slot is held by one node at most).',
      { x: w, y: 35, w, h },
      [query(`sum by (node) (akri_device_plugin_slots{${AGENT}, configuration=~"$configuration", state="held"})`, '{{node}}')],
      'none',
    ),
    timeseries(
      'Slot claims per minute, by result',
      'claimed: a free slot taken; repeated: the same claim again (idempotent); offline: kept locally while the API server is away; refused: another node holds it.',
      { x: 0, y: 43, w: 8, h },
      [query(perMinute(`sum by (result) (rate(akri_slot_claims_total{${AGENT}}[$__rate_interval]))`), '{{result}}')],
      'none',
    ),
    timeseries(
      'Allocate latency',
      'Seconds the agent took to answer the kubelet\'s Allocate, by resource kind (instance or configuration).',
      { x: 8, y: 43, w: 8, h },
      [
        query(`histogram_quantile(0.5, sum by (le, kind) (rate(akri_allocate_latency_seconds_bucket{${AGENT}}[$__rate_interval])))`, 'p50 {{kind}}', 'A'),
        query(`histogram_quantile(0.99, sum by (le, kind) (rate(akri_allocate_latency_seconds_bucket{${AGENT}}[$__rate_interval])))`, 'p99 {{kind}}', 'B'),
      ],
      's',
    ),
    timeseries(
      'Slots freed per minute, by reason',
      'Slots given back, e.g. when the kubelet\'s pod-resources no longer lists them.',
      { x: 16, y: 43, w: 8, h },
      [query(perMinute(`sum by (reason) (rate(akri_slots_freed_total{${AGENT}}[$__rate_interval]))`), '{{reason}}')],
      'none',
    ),

    row('API server', 51),
    timeseries(
      'Agent API requests per minute, by verb',
      'Requests the agents made to the API server (WATCH counts each watch opened).',
      { x: 0, y: 52, w, h },
      [query(perMinute(`sum by (verb) (rate(akri_agent_api_requests_total{${AGENT}}[$__rate_interval]))`), '{{verb}}')],
      'none',
      true,
    ),
    timeseries(
      'Writes per minute: agents by node, and the controller',
      'Requests that change something (create, update, patch, apply, delete). At rest this should be zero.',
      { x: w, y: 52, w, h },
      [
        query(perMinute(`sum by (node) (rate(akri_agent_api_requests_total{${AGENT}, ${WRITES_AGENT}}[$__rate_interval]))`), 'agent on {{node}}', 'A'),
        query(perMinute(`sum(rate(akri_controller_api_requests_total{${WRITES_CONTROLLER}}[$__rate_interval]))`), 'controller', 'B'),
      ],
      'none',
    ),
    timeseries(
      'Controller API requests per minute, by verb and resource',
      'Requests the controller made to the API server.',
      { x: 0, y: 60, w, h },
      [query(perMinute(`sum by (verb, resource) (rate(akri_controller_api_requests_total[$__rate_interval]))`), '{{verb}} {{resource}}')],
      'none',
      true,
    ),
    timeseries(
      'Controller watch relists per minute, by resource',
      'A watch that failed or expired and was listed again (Akri crashed here; akri-ts relists).',
      { x: w, y: 60, w, h },
      [query(perMinute(`sum by (resource) (rate(akri_controller_watch_relists_total[$__rate_interval]))`), '{{resource}}')],
      'none',
    ),

    row('Brokers', 68),
    timeseries(
      'Broker restarts per hour',
      'Broker Pods the controller created again after they were deleted, failed or finished.',
      { x: 0, y: 69, w, h },
      [query(`sum by (reason) (increase(akri_controller_broker_changes_total{action="created", reason="Recreated"}[1h]))`, 'recreated')],
      'none',
    ),
    timeseries(
      'Broker changes per minute, by action and reason',
      'Brokers and Services created, replaced (rollouts), applied and removed.',
      { x: w, y: 69, w: 8, h },
      [query(perMinute(`sum by (action, reason) (rate(akri_controller_broker_changes_total[$__rate_interval]))`), '{{action}} {{reason}}')],
      'none',
      true,
    ),
    stat(
      'Controller replicas leading',
      'Replicas holding the leader Lease: 1 when all is well.',
      { x: 20, y: 69, w: 4, h },
      [query('sum(akri_controller_is_leader)', 'leading')],
      'none',
    ),
  ];
  return {
    uid: 'akri-ts-overview',
    title: 'akri-ts',
    description: 'Leaf devices found by akri-ts: discovery, Instances, slots and brokers.',
    tags: ['akri', 'akri-ts', 'edge'],
    editable: true,
    // The layout Grafana 10.4 writes; newer Grafana versions migrate it forward on load.
    schemaVersion: 39,
    time: { from: 'now-3h', to: 'now' },
    refresh: '30s',
    timezone: 'browser',
    templating: {
      list: [
        { name: 'datasource', label: 'Data source', type: 'datasource', query: 'prometheus' },
        labelVariable('node', 'Node', 'akri_instance_count'),
        labelVariable('configuration', 'Configuration', 'akri_instance_count'),
      ],
    },
    annotations: { list: [] },
    panels,
  };
}
