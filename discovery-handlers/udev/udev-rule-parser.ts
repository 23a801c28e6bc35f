// Parses one udev rule (one entry of discoveryDetails.udevRules) into match conditions.
// The syntax is udevd's: `KEY=="value"` and `KEY{name}!="value"` pairs separated by commas
// (or just whitespace, which udevd also tolerates), spaces allowed around the operator, `\"`
// for a quote inside a value. Only matching is meaningful for discovery: an assignment
// operator or a key that acts (RUN, NAME, ...) or depends on an event (ACTION) is an error that
// names the column, because silently dropping it would select devices the author did not mean.
import { compileUdevPattern } from './udev-pattern.ts';
import {
  DEVICE_KEYS,
  PARENT_KEYS,
  type MatchKey,
  type UdevCondition,
  type UdevRule,
  UdevRuleError,
} from './udev-rule.ts';

const KEYS_WITH_NAME = new Set<string>(['ATTR', 'ATTRS', 'ENV']);
const MATCH_KEYS = new Set<string>([...DEVICE_KEYS, ...PARENT_KEYS]);

/** Keys udevd knows that cannot select devices here, with the reason given to the user. */
const UNSUPPORTED_KEYS: Record<string, string> = {
  ACTION: 'matches the kind of uevent (add, remove, ...), but discovery selects devices that exist',
  DEVTYPE: 'is not a udev key; use ENV{DEVTYPE}',
  NAME: 'is the node name set by earlier udevd rules, which are not run here',
  PROGRAM: 'would run a program on the node',
  RESULT: 'matches the output of PROGRAM, which is not run here',
  TEST: 'tests files on the node and is not supported',
  IMPORT: 'imports properties from programs or files and is not supported',
  CONST: 'is not supported',
  SYSCTL: 'reads kernel parameters and is not supported',
  RUN: 'is an action, not a match',
  LABEL: 'is a jump target of udevd rule files, not a match',
  GOTO: 'is a jump of udevd rule files, not a match',
  OPTIONS: 'is an action, not a match',
  OWNER: 'is an action, not a match',
  GROUP: 'is an action, not a match',
  MODE: 'is an action, not a match',
  SECLABEL: 'is an action, not a match',
  WAIT_FOR: 'was removed from udev and is not supported',
};

const ASSIGNMENTS = ['+=', '-=', ':=', '='] as const;
const WHITESPACE = /\s/;

export function parseUdevRule(source: string): UdevRule {
  return new RuleReader(source).read();
}

class RuleReader {
  private i = 0;

  constructor(private readonly source: string) {}

  read(): UdevRule {
    const conditions: UdevCondition[] = [];
    this.skipWhitespace();
    if (this.atEnd()) this.fail('the rule is empty; it needs at least one match such as KERNEL=="video*"');
    while (!this.atEnd()) {
      conditions.push(this.readCondition());
      const beforeGap = this.i;
      this.skipWhitespace();
      if (this.atEnd()) break;
      if (this.peek() === ',') {
        this.i += 1;
        this.skipWhitespace();
      } else if (this.i === beforeGap) {
        this.fail(`expected "," between conditions, found ${JSON.stringify(this.peek())}`);
      }
    }
    return { source: this.source, conditions };
  }

  private readCondition(): UdevCondition {
    const column = this.i + 1;
    const key = this.readKey();
    const name = this.readName(key);
    this.skipWhitespace();
    const negated = this.readOperator(key);
    this.skipWhitespace();
    const value = this.readValue();
    const condition: UdevCondition = { key, negated, pattern: compileUdevPattern(value), column };
    if (name !== undefined) condition.name = name;
    return condition;
  }

  private readKey(): MatchKey {
    const start = this.i;
    while (!this.atEnd() && /[A-Za-z0-9_]/.test(this.peek())) this.i += 1;
    const key = this.source.slice(start, this.i);
    if (key === '') {
      this.fail(`expected a match key such as KERNEL or ATTR{name}, found ${JSON.stringify(this.peek())}`, start);
    }
    const unsupported = UNSUPPORTED_KEYS[key];
    if (unsupported !== undefined) this.fail(`${key} ${unsupported}`, start);
    if (!MATCH_KEYS.has(key)) {
      this.fail(`unknown key ${key}; the match keys are ${[...DEVICE_KEYS, ...PARENT_KEYS].join(', ')}`, start);
    }
    return key as MatchKey;
  }

  private readName(key: MatchKey): string | undefined {
    const needsName = KEYS_WITH_NAME.has(key);
    if (this.peek() !== '{') {
      if (needsName) this.fail(`${key} needs a name in braces, e.g. ${key}{idVendor}`, this.i);
      return undefined;
    }
    if (!needsName) this.fail(`${key} takes no {name}`, this.i);
    const open = this.i;
    const close = this.source.indexOf('}', open + 1);
    if (close < 0) this.fail('unterminated "{"', open);
    const name = this.source.slice(open + 1, close);
    if (name === '') this.fail(`${key}{} needs a name`, open);
    // Spaces are allowed: Akri's own rule examples use ENV{a name}.
    if (/["{\n\r\t]/.test(name)) this.fail(`${key}{${name}}: the name may not contain quotes, braces or line breaks`, open);
    if (key !== 'ENV') this.checkAttributePath(name, open);
    this.i = close + 1;
    return name;
  }

  /** Attribute names are paths below the device's sysfs directory and must stay there. */
  private checkAttributePath(name: string, at: number): void {
    if (name.startsWith('[')) this.fail('the [subsystem/sysname]attribute form is not supported', at);
    if (name.startsWith('/') || name.split('/').some((part) => part === '..' || part === '')) {
      this.fail(`attribute ${JSON.stringify(name)} must be a relative path inside the device directory`, at);
    }
  }

  private readOperator(key: MatchKey): boolean {
    const at = this.i;
    const two = this.source.slice(at, at + 2);
    if (two === '==') {
      this.i += 2;
      return false;
    }
    if (two === '!=') {
      this.i += 2;
      return true;
    }
    const assignment = ASSIGNMENTS.find((operator) => this.source.startsWith(operator, at));
    if (assignment) {
      this.fail(`${key}${assignment} assigns; discovery rules can only match, with == or !=`, at);
    }
    this.fail(`expected == or != after ${key}, found ${JSON.stringify(this.source.slice(at, at + 2) || 'the end')}`, at);
  }

  private readValue(): string {
    const at = this.i;
    if (this.source.startsWith('e"', at)) this.fail('e"..." strings (C escapes) are not supported', at);
    if (this.peek() !== '"') {
      this.fail(`expected a value in double quotes, found ${JSON.stringify(this.peek() || 'the end')}`, at);
    }
    let value = '';
    let i = at + 1;
    while (i < this.source.length) {
      const char = this.source[i] as string;
      if (char === '"') {
        this.i = i + 1;
        return value;
      }
      // Only \" is an escape at this level, as in udevd; other backslashes reach the glob.
      if (char === '\\' && this.source[i + 1] === '"') {
        value += '"';
        i += 2;
      } else {
        value += char;
        i += 1;
      }
    }
    this.fail('unterminated value: no closing double quote', at);
  }

  private skipWhitespace(): void {
    while (!this.atEnd() && WHITESPACE.test(this.peek())) this.i += 1;
  }

  private peek(): string {
    return this.source[this.i] ?? '';
  }

  private atEnd(): boolean {
    return this.i >= this.source.length;
  }

  private fail(reason: string, at: number = this.i): never {
    throw new UdevRuleError(reason, this.source, at + 1);
  }
}
