// The `akri-ts` command: one entry point for everything the images run and users type.
//   akri-ts agent [flags]            the per-node agent        (agent/main.ts)
//   akri-ts controller [flags]       the broker controller     (controller/main.ts)
//   akri-ts handler <name>           one discovery handler     (discovery-handlers/main.ts)
// Each subcommand documents its own flags and environment variables with --help.
const usage = `usage: akri-ts <command> [args]

commands:
  agent [flags]        run the per-node agent (akri-ts agent --help)
  controller [flags]   run the broker controller (akri-ts controller --help)
  handler <name>       run one discovery handler as its own process (akri-ts handler --help)
`;

const [command, ...rest] = process.argv.slice(2);
const entry: Record<string, string> = {
  agent: '../agent/main.ts',
  controller: '../controller/main.ts',
  handler: '../discovery-handlers/main.ts',
};
const target = command ? entry[command] : undefined;
if (!target) {
  process.stdout.write(usage);
  process.exit(command === undefined || command === '--help' || command === '-h' ? 0 : 2);
}
// The subcommand's own parser reads process.argv from index 2.
process.argv = [process.argv[0] ?? 'node', process.argv[1] ?? 'akri-ts', ...rest];
await import(target);
