#!/usr/bin/env node
import { Command } from 'commander';
import { registerServerCommand } from './server-command.js';
import { registerPeerCommand } from './peer-command.js';
import { registerOneShotCommands } from './oneshot-commands.js';
import { registerDemoCommand } from './demo-command.js';
import { packageVersion } from './package-info.js';
import { registerCheckCommand } from './check-command.js';

/**
 * `p2pci`: one binary for the index server and the peer. Each command lives in its own file
 * and registers itself here.
 */
const program = new Command()
  .name('p2pci')
  .description('P2P-CI/1.0: share RFC documents between peers through a centralized index')
  .version(packageVersion())
  .showHelpAfterError('(run with --help for usage)');

// A console that went away (closed pipe) must not take a running server or peer down with it.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
  });
}

registerServerCommand(program);
registerPeerCommand(program);
registerOneShotCommands(program);
registerDemoCommand(program);
registerCheckCommand(program);

program.parseAsync(process.argv).catch((err: unknown) => {
  process.stderr.write(`p2pci: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
