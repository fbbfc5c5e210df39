// latent-lab CLI: dispatches to one module per command and does nothing else.
import { commandTable } from './commands';

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage());
    return name ? 0 : 2;
  }
  const command = commandTable[name];
  if (!command) {
    process.stderr.write(`latent-lab: unknown command '${name}'.\n${usage()}`);
    return 2;
  }
  return command.run(rest);
}

function usage(): string {
  const lines = Object.entries(commandTable).map(([n, c]) => `  ${n.padEnd(10)} ${c.summary}`);
  return `usage: latent-lab <command> [options]   (latent-lab <command> --help for details)\n\ncommands:\n${lines.join('\n')}\n`;
}

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (err: unknown) => {
    process.stderr.write(`latent-lab: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
