import { Proc } from './proc.js';
import { PEER_HOST } from './model.js';
import type { DownloadToken } from './folders.js';

export interface MenuCommand {
  kind: 'add' | 'download';
  rfc: number;
  issuedAt: number;
  token?: DownloadToken;
}

/** Lines a peer prints on its own, between menu answers. */
const ASYNC_LINE = /^(index server \S+ lost \(|reconnected to \S+; registered|warning: RFC \d+ not registered|registered RFC [\d, ]+ with \S+ \(refused earlier\))/;
const LATE = /^registered RFC ([\d, ]+) with \S+ \(refused earlier\)$/;

/**
 * A running `p2pci peer` driven through its piped menu. Answers come in order; each is the
 * text between the "RFC number:" prompt and the next menu, handed to `onAnswer`.
 */
export class PeerProc {
  readonly proc: Proc;
  readonly pending: MenuCommand[] = [];
  /** RFCs in its folder when it started. */
  readonly shares: readonly number[];
  frozen = false;
  sharing = false;
  lastReconnectAt = -Infinity;
  /** ADDs the index refused at first (Redis down) and the peer registered on a later try. */
  onLateRegistered: (rfcs: number[]) => void = () => {};
  private answer: string[] | null = null;

  constructor(
    readonly slot: number,
    readonly server: number,
    readonly dir: string,
    readonly port: number,
    serverPort: number,
    shares: readonly number[],
    private readonly onAnswer: (peer: PeerProc, cmd: MenuCommand, lines: string[]) => void,
  ) {
    this.shares = shares;
    this.proc = Proc.cli(`peer ${slot} (${PEER_HOST}:${port})`, [
      'peer', '--dir', dir, '--server', `127.0.0.1:${serverPort}`, '--upload-port', String(port), '--advertise-host', PEER_HOST,
    ], performance.now());
    this.proc.onLine((line) => this.onLine(line));
  }

  get label(): string {
    return this.proc.label;
  }

  /** Sends a menu command (1 Add or 4 Download) to its stdin. */
  send(cmd: MenuCommand): void {
    this.pending.push(cmd);
    this.proc.write(`${cmd.kind === 'add' ? 1 : 4}\n${cmd.rfc}\n`);
  }

  private onLine(line: string): void {
    if (/^reconnected to /.test(line)) this.lastReconnectAt = performance.now();
    const late = LATE.exec(line);
    if (late !== null) this.onLateRegistered(late[1]!.split(', ').map(Number));
    if (ASYNC_LINE.test(line) || this.proc.exit !== null) return;
    if (line === 'RFC number:') {
      this.answer = [];
      return;
    }
    if (this.answer === null) return;
    if (line === '1. Add') {
      const cmd = this.pending.shift();
      const lines = this.answer.filter((l) => l !== '');
      this.answer = null;
      if (cmd !== undefined) this.onAnswer(this, cmd, lines);
      return;
    }
    this.answer.push(line);
  }
}
