// `akri-ts validate` as a user sees it: every Akri sample passes, and each broken
// Configuration is rejected with the field, the line, and what was wrong.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { configurationCrd } from '../../lib/crd/definitions.ts';
import { evaluateCelRule } from './cel-subset.ts';
import { validateConfigurationText } from './validate-configuration.ts';

const samples = join(import.meta.dirname, '../../test/fixtures/akri-samples');

function configuration(spec: string, name = 'broken'): string {
  return `apiVersion: akri.sh/v0\nkind: Configuration\nmetadata:\n  name: ${name}\nspec:\n${spec}`;
}

describe('akri-ts validate', () => {
  for (const file of readdirSync(samples).filter((f) => f.endsWith('.yaml'))) {
    it(`accepts the Akri sample ${file}`, async () => {
      const report = await validateConfigurationText(readFileSync(join(samples, file), 'utf8'));
      expect(report.problems).toEqual([]);
      expect(report.configurations.length).toBeGreaterThan(0);
    });
  }

  const broken: { name: string; yaml: string; field: string; line: number; says: RegExp }[] = [
    {
      name: 'a udev rule with an unknown key',
      yaml: configuration(`  discoveryHandler:\n    name: udev\n    discoveryDetails: |\n      udevRules:\n        - 'KERNEL=="null"'\n        - 'KERNEL=="video*", FOO=="x"'\n`),
      field: 'spec.discoveryHandler.discoveryDetails.udevRules[1]',
      line: 11,
      says: /unknown key FOO/,
    },
    {
      name: 'a capacity of zero',
      yaml: configuration(`  capacity: 0\n  discoveryHandler:\n    name: debugEcho\n    discoveryDetails: "descriptions: [a]"\n`),
      field: 'spec.capacity',
      line: 6,
      says: /at least 1/,
    },
    {
      name: 'a misspelt field',
      yaml: configuration(`  discoveryHandler:\n    name: debugEcho\n    discoveryDetails: "descriptions: [a]"\n  capacty: 2\n`),
      field: 'spec.capacty',
      line: 9,
      says: /unknown field "capacty"/,
    },
    {
      name: 'a brokerSpec with both a Pod and a Job',
      yaml: configuration(
        `  discoveryHandler:\n    name: debugEcho\n    discoveryDetails: "descriptions: [a]"\n  brokerSpec:\n    brokerPodSpec:\n      containers: []\n    brokerJobSpec:\n      template: {}\n`,
      ),
      field: 'spec.brokerSpec',
      line: 9,
      says: /exactly one of brokerPodSpec or brokerJobSpec/,
    },
    {
      name: 'a discovery property with both value and valueFrom',
      yaml: configuration(
        `  discoveryHandler:\n    name: onvif\n    discoveryProperties:\n    - name: username\n      value: admin\n      valueFrom:\n        secretKeyRef: {name: s, key: k}\n`,
      ),
      field: 'spec.discoveryHandler.discoveryProperties[0]',
      line: 9,
      says: /exactly one of value or valueFrom/,
    },
    {
      name: 'a property name that is not an identifier',
      yaml: configuration(`  discoveryHandler:\n    name: onvif\n    discoveryProperties:\n    - name: user-name\n      value: admin\n`),
      field: 'spec.discoveryHandler.discoveryProperties[0].name',
      line: 9,
      says: /does not match/,
    },
    {
      name: 'a missing discoveryHandler',
      yaml: configuration(`  capacity: 2\n`),
      field: 'spec.discoveryHandler',
      line: 5,
      says: /discoveryHandler is required/,
    },
    {
      name: 'a Modbus CIDR that is not one',
      yaml: configuration(`  discoveryHandler:\n    name: modbus\n    discoveryDetails: |\n      tcp:\n        hosts: ["10.0.0.0/40"]\n`),
      field: "spec.discoveryHandler.discoveryDetails.tcp.hosts",
      line: 10,
      says: /not an IPv4 CIDR range/,
    },
    {
      name: 'serial settings given to the TCP Modbus handler',
      yaml: configuration(`  discoveryHandler:\n    name: modbus\n    discoveryDetails: |\n      rtu:\n        ports: ["/dev/ttyUSB0"]\n`),
      field: 'spec.discoveryHandler.discoveryDetails.rtu',
      line: 9,
      says: /use discovery handler "modbusRtu"/,
    },
    {
      name: 'an OPC UA discovery URL that is not opc.tcp',
      yaml: configuration(
        `  discoveryHandler:\n    name: opcua\n    discoveryDetails: |\n      opcuaDiscoveryMethod:\n        standard:\n          discoveryUrls: ["http://localhost:4840/"]\n`,
      ),
      field: 'spec.discoveryHandler.discoveryDetails.opcuaDiscoveryMethod.standard.discoveryUrls[0]',
      line: 11,
      says: /opc\.tcp/,
    },
    {
      name: 'a device allocation mode that does not exist',
      yaml: configuration(`  discoveryHandler:\n    name: udev\n    discoveryDetails: "udevRules: ['KERNEL==\\"null\\"']"\n  deviceAllocation: Dra\n`),
      field: 'spec.deviceAllocation',
      line: 9,
      says: /must be one of "DevicePlugin", "DRA", got "Dra"/,
    },
    {
      name: 'a name Kubernetes refuses',
      yaml: configuration(`  discoveryHandler:\n    name: debugEcho\n    discoveryDetails: "descriptions: [a]"\n`, 'Not_Valid'),
      field: 'metadata.name',
      line: 4,
      says: /not a valid name/,
    },
  ];
  for (const c of broken) {
    it(`rejects ${c.name}, naming ${c.field} on line ${c.line}`, async () => {
      const report = await validateConfigurationText(c.yaml);
      expect(report.problems).toContainEqual(expect.objectContaining({ field: c.field, line: c.line, message: expect.stringMatching(c.says) }));
    });
  }

  it('evaluates every CEL rule the Configuration CRD declares', () => {
    const rules = JSON.stringify(configurationCrd()).match(/"rule":"[^"]*(?:\\"[^"]*)*"/g) ?? [];
    expect(rules.length).toBeGreaterThan(0);
    for (const text of rules) {
      const rule = (JSON.parse(`{${text}}`) as { rule: string }).rule;
      expect(() => evaluateCelRule(rule, {})).not.toThrow();
    }
  });

  it('accepts deviceAllocation: DRA (the akri-ts opt-in to Dynamic Resource Allocation)', async () => {
    const report = await validateConfigurationText(
      configuration(`  discoveryHandler:\n    name: udev\n    discoveryDetails: "udevRules: ['KERNEL==\\"null\\"']"\n  deviceAllocation: DRA\n`, 'dra'),
    );
    expect(report).toMatchObject({ configurations: ['dra'], problems: [] });
  });

  it('skips Secrets and ConfigMaps in the same file', async () => {
    const text = `apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\n---\n${configuration(`  discoveryHandler:\n    name: debugEcho\n    discoveryDetails: "descriptions: [a]"\n`, 'ok')}`;
    const report = await validateConfigurationText(text);
    expect(report).toMatchObject({ configurations: ['ok'], skipped: ['Secret s'], problems: [] });
  });

  describe('files built to swamp it', () => {
    const valid = configuration(`  discoveryHandler:\n    name: debugEcho\n    discoveryDetails: "descriptions: [a]"\n`, 'ok');

    it('an alias bomb is a problem of its document, with the document\'s line, and the next document is still checked', async () => {
      const bomb = ['a: &a [x, x, x, x, x, x, x, x, x]', ...'bcdefghi'.split('').map((c, i) => `${c}: &${c} [${Array(9).fill(`*${'abcdefghi'[i]}`).join(', ')}]`)].join('\n');
      const report = await validateConfigurationText(`${valid}---\n${bomb}\n---\n${valid.replace('name: ok', 'name: ok2')}`);
      expect(report.configurations).toEqual(['ok', 'ok2']);
      expect(report.problems).toEqual([
        { object: 'document 2', field: '(document)', line: 9, message: expect.stringMatching(/alias expansions \(a YAML alias bomb\?\)/) },
      ]);
    });

    it('a chain of merge keys at the top level is refused the same way', async () => {
      const chain = ['k0: &k0 {x0: 1}', ...Array.from({ length: 40 }, (_, i) => `k${i + 1}: &k${i + 1} {<<: [*k${i}, *k${i}], x${i + 1}: 1}`)].join('\n');
      const report = await validateConfigurationText(chain);
      expect(report.problems).toEqual([expect.objectContaining({ field: '(document)', line: 1, message: expect.stringMatching(/alias/) })]);
    });

    it('nesting past the limit is refused before the YAML is composed, naming the line', async () => {
      for (const text of [`a:\n  b: ${'['.repeat(200)}`, `${valid}---\n${'- '.repeat(200)}x\n`, `x: ${'{a: '.repeat(5000)}`]) {
        const report = await validateConfigurationText(text);
        expect(report.problems).toEqual([expect.objectContaining({ field: '(file)', message: expect.stringMatching(/nests deeper than 128 levels/) })]);
        expect(report.problems[0]?.line).toBeGreaterThanOrEqual(1);
      }
    });

    it('a duplicate key is a YAML problem on the line of the repeat, as kubectl says', async () => {
      const report = await validateConfigurationText(`${valid}  capacity: 2\n  capacity: 3\n`);
      expect(report.problems).toEqual([
        { object: 'document 1', field: '(document)', line: 10, message: 'not valid YAML: the key "capacity" appears twice in one mapping' },
      ]);
    });

    it('lists at most 100 problems, then says how many more there were', async () => {
      const fields = Array.from({ length: 250 }, (_, i) => `  unknown${i}: 1\n`).join('');
      const report = await validateConfigurationText(`${valid}${fields}`);
      expect(report.problems).toHaveLength(101);
      expect(report.problems.at(-1)).toMatchObject({ field: '(file)', message: 'and 150 more problems; only the first 100 are listed' });
      expect(report.problems.slice(0, 100).every((p) => p.field.startsWith('spec.unknown') && p.line > 0)).toBe(true);
    });

    it('every problem names a field, whole documents and whole files included', async () => {
      const report = await validateConfigurationText('a: [unclosed\n---\n- just a list\n');
      expect(report.problems.length).toBeGreaterThan(1);
      for (const problem of report.problems) expect(problem.field).toMatch(/^\(document\)$|^\(file\)$|^[a-z]/);
    });
  });
});

