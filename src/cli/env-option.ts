import { Option } from 'commander';

/** `--upload-port` → `P2PCI_UPLOAD_PORT`: one rule, so every variable can be guessed from its flag. */
export function envNameOf(option: Option): string {
  if (option.long === undefined) throw new Error(`option ${option.flags} has no long name to derive its variable from`);
  return `P2PCI_${option.long.replace(/^--/, '').replace(/-/g, '_').toUpperCase()}`;
}

/**
 * A flag whose value can also come from the environment (`P2PCI_<FLAG>`; the flag wins over
 * the variable, the variable over the default). Commander validates a variable's value with the
 * flag's parser and shows the variable in `--help`. Every server and peer flag is built here.
 */
export function envOption(flags: string, description: string): Option {
  const option = new Option(flags, description);
  return option.env(envNameOf(option));
}
