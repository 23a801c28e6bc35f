// The `akri-ts` command: one entry point for everything the images run and users type.
//   akri-ts agent [flags]            the per-node agent        (agent/main.ts)
//   akri-ts controller [flags]       the broker controller     (controller/main.ts)
//   akri-ts handler <name>           one discovery handler     (discovery-handlers/main.ts)
//   akri-ts discover ...             run a handler once here   (cli/discover/main.ts)
//   akri-ts validate <file>          check a Configuration     (cli/validate/main.ts)
//   akri-ts status                   what the cluster holds    (cli/status/main.ts)
// Each subcommand documents its own flags and environment variables with --help.
const usage = `usage: akri-ts <command> [args]

commands:
  discover --handler <name> --details <file>
                       run a discovery handler once on this machine and print what it finds,
                       with the Instance names the devices would get (akri-ts discover --help)
  validate <file>      check Configurations offline against the CRD schema and the handler's
                       own parse of discoveryDetails (akri-ts validate --help)
  status               Configurations, Instances, nodes, slot use and brokers in the current
                       cluster (akri-ts status --help)
  agent [flags]        run the per-node agent (akri-ts agent --help)
  controller [flags]   run the broker controller (akri-ts controller --help)
  handler <name>       run one discovery handler as its own process (akri-ts handler --help)

npm start runs the whole thing locally: see README.md.
`;

const [command, ...rest] = process.argv.slice(2);

/** Entry points that read process.argv themselves and keep running (the image entry points). */
const daemons: Record<string, string> = {
  agent: '../agent/main.ts',
  controller: '../controller/main.ts',
  handler: '../discovery-handlers/main.ts',
};
/** One-shot commands that export main(argv) and return an exit status. */
const tools: Record<string, string> = {
  discover: './discover/main.ts',
  validate: './validate/main.ts',
  status: './status/main.ts',
};

const daemon = command ? daemons[command] : undefined;
const tool = command ? tools[command] : undefined;
if (daemon) {
  // The subcommand's own parser reads process.argv from index 2.
  process.argv = [process.argv[0] ?? 'node', process.argv[1] ?? 'akri-ts', ...rest];
  await import(daemon);
} else if (tool) {
  const mod = (await import(tool)) as { main: (argv: string[]) => Promise<number> };
  const status = await mod.main(rest);
  // Handlers may leave sockets or timers behind after a one-shot run; the answer is printed.
  process.exit(status);
} else {
  process.stdout.write(usage);
  process.exit(command === undefined || command === '--help' || command === '-h' ? 0 : 2);
}
