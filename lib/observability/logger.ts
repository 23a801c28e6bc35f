// Structured JSON logs, one object per line, each carrying its context (component, node,
// configuration, instance...). Child loggers add context; nothing here is global, so several
// agents in one test process log as the nodes they are.
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogContext = Record<string, string | number | boolean | undefined>;

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface LogSink {
  write(line: string): void;
}

export class Logger {
  constructor(
    private readonly context: LogContext = {},
    private readonly level: LogLevel = (process.env.AKRI_LOG_LEVEL as LogLevel | undefined) ?? 'info',
    private readonly sink: LogSink = process.stderr,
    private readonly now: () => Date = () => new Date(),
  ) {}

  child(context: LogContext): Logger {
    return new Logger({ ...this.context, ...context }, this.level, this.sink, this.now);
  }

  debug(msg: string, fields?: LogContext): void {
    this.log('debug', msg, fields);
  }
  info(msg: string, fields?: LogContext): void {
    this.log('info', msg, fields);
  }
  warn(msg: string, fields?: LogContext): void {
    this.log('warn', msg, fields);
  }
  error(msg: string, fields?: LogContext | Error): void {
    this.log('error', msg, fields instanceof Error ? { error: fields.message } : fields);
  }

  private log(level: LogLevel, msg: string, fields?: LogContext): void {
    if (ORDER[level] < ORDER[this.level]) return;
    const entry: Record<string, unknown> = { time: this.now().toISOString(), level, msg, ...this.context, ...fields };
    for (const k of Object.keys(entry)) if (entry[k] === undefined) delete entry[k];
    this.sink.write(`${JSON.stringify(entry)}\n`);
  }
}

/** A logger that keeps its lines, for tests that assert on what was logged. */
export class MemorySink implements LogSink {
  readonly lines: Array<Record<string, unknown>> = [];
  write(line: string): void {
    this.lines.push(JSON.parse(line) as Record<string, unknown>);
  }
}
