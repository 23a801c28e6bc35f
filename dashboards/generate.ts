// Writes helm/dashboards/akri-ts.json from akri-ts-dashboard.ts. Run `npm run gen:dashboard`
// after changing the dashboard; dashboards/dashboard-in-sync.test.ts fails until it is rerun.
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { akriDashboard } from './akri-ts-dashboard.ts';

export const DASHBOARD_FILE = join(dirname(fileURLToPath(import.meta.url)), '..', 'helm', 'dashboards', 'akri-ts.json');

export function renderDashboard(): string {
  return `${JSON.stringify(akriDashboard(), null, 2)}\n`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(DASHBOARD_FILE, renderDashboard());
  process.stdout.write('wrote helm/dashboards/akri-ts.json\n');
}
