/**
 * Recognises file transfer (SFTP, scp, rsync) on a session channel, which needs a grant of its own.
 * Two ways, because a command line can hide what it runs (`sh -c 'scp -t …'`, `$(echo scp)`):
 * the exec command's program after unwrapping shells and wrappers, and the first bytes of the
 * channel's data, where each protocol announces itself before any file moves.
 */

const SHELLS = new Set(['sh', 'bash', 'dash', 'zsh', 'ksh', 'mksh', 'ash', 'busybox']);
/** Programs that run the rest of their arguments as a command. */
const WRAPPERS = new Set([
  'env',
  'exec',
  'command',
  'nice',
  'nohup',
  'sudo',
  'doas',
  'time',
  'stdbuf',
  'ionice',
  'timeout',
]);
const MAX_DEPTH = 4;

/** The file-transfer program an exec command runs (`scp`, `sftp-server`, `rsync`), or null. */
export function fileTransferProgram(command: string, depth = 0): string | null {
  if (depth > MAX_DEPTH) return null;
  for (const words of simpleCommands(command)) {
    const found = transferIn(words, depth);
    if (found !== null) return found;
  }
  return null;
}

function transferIn(words: string[], depth: number): string | null {
  let i = 0;
  // Variable assignments, then wrappers with their options, come before the program.
  while (i < words.length && /^[A-Za-z_][A-Za-z0-9_]*=/.test(words[i]!)) i++;
  while (i < words.length && WRAPPERS.has(basename(words[i]!))) {
    i++;
    while (i < words.length && isWrapperArgument(words[i]!)) i++;
  }
  const program = words[i] === undefined ? '' : basename(words[i]!);
  const args = words.slice(i + 1);
  if (program === 'eval') return fileTransferProgram(args.join(' '), depth + 1);
  if (SHELLS.has(program)) {
    const flag = args.findIndex((a) => /^-[a-z]*c[a-z]*$/.test(a));
    return flag >= 0 && args[flag + 1] !== undefined ? fileTransferProgram(args[flag + 1]!, depth + 1) : null;
  }
  if (program === 'scp' && args.some((a) => /^-[a-zA-Z]*[tf]/.test(a))) return 'scp';
  if (program === 'sftp-server' || program === 'internal-sftp') return 'sftp-server';
  if (program === 'rsync' && args.includes('--server')) return 'rsync';
  return null;
}

/** Options, their numbers (`nice -n 5`, `timeout 10s`) and assignments (`env A=b`) of a wrapper. */
function isWrapperArgument(word: string): boolean {
  return word.startsWith('-') || /^\d+[a-z]?$/.test(word) || /^[A-Za-z_][A-Za-z0-9_]*=/.test(word);
}

function basename(word: string): string {
  return word.slice(word.lastIndexOf('/') + 1);
}

/** Splits a shell command line into simple commands of words (quotes and backslashes honoured). */
function simpleCommands(line: string): string[][] {
  const commands: string[][] = [];
  let words: string[] = [];
  let word: string | null = null;
  const endWord = (): void => {
    if (word !== null) words.push(word);
    word = null;
  };
  const endCommand = (): void => {
    endWord();
    if (words.length > 0) commands.push(words);
    words = [];
  };
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (ch === "'" || ch === '"') {
      const close = line.indexOf(ch, i + 1);
      const end = close < 0 ? line.length : close;
      word = (word ?? '') + line.slice(i + 1, end);
      i = end;
    } else if (ch === '\\') {
      word = (word ?? '') + (line[i + 1] ?? '');
      i++;
    } else if (/\s/.test(ch) && ch !== '\n') {
      endWord();
    } else if (';&|()\n`{}'.includes(ch)) {
      endCommand();
    } else if (ch === '$' && line[i + 1] === '(') {
      endCommand();
      i++;
    } else {
      word = (word ?? '') + ch;
    }
  }
  endCommand();
  return commands;
}

/** First bytes of SFTP's init packet: uint32 length, SSH_FXP_INIT (1), uint32 version. */
function isSftpInit(data: Buffer): boolean {
  return data.length >= 9 && data.readUInt32BE(0) >= 5 && data.readUInt32BE(0) <= 1024 && data[4] === 1;
}

/** SSH_FXP_VERSION (2), the server's answer to the init. */
function isSftpVersion(data: Buffer): boolean {
  return data.length >= 9 && data.readUInt32BE(0) >= 5 && data.readUInt32BE(0) <= 65536 && data[4] === 2;
}

/** A line of the scp protocol that starts a file or a directory (or sets its times). */
const SCP_HEADER = /^(?:[CD][0-7]{4} \d+ [^\n]+|T\d+ \d+ \d+ \d+)\n/;

/** rsync's greeting: its protocol version as a little-endian 32-bit integer. */
function isRsyncGreeting(data: Buffer): boolean {
  return (
    data.length >= 4 && data[0]! >= 20 && data[0]! <= 40 && data[1] === 0 && data[2] === 0 && data[3] === 0
  );
}

/**
 * Watches the first bytes of a channel without a terminal in each direction. scp's sink answers
 * first with a single zero byte, after which the operator's side sends the file header; scp's source
 * is started by the operator's side sending that zero byte itself.
 */
export class FileTransferWatch {
  #inputDone = false;
  #outputChunks = 0;

  /** Nothing more to watch: the channel showed no file transfer in its first bytes. */
  get done(): boolean {
    return this.#inputDone && this.#outputChunks >= 3;
  }

  /** Operator data; true when it is file transfer. */
  input(data: Buffer): boolean {
    if (this.#inputDone || data.length === 0) return false;
    this.#inputDone = true;
    if (data.length === 1 && data[0] === 0) return true;
    return isSftpInit(data) || isRsyncGreeting(data) || SCP_HEADER.test(data.toString('latin1', 0, 512));
  }

  /** Target output; true when it is file transfer. */
  output(data: Buffer): boolean {
    if (this.#outputChunks >= 3 || data.length === 0) return false;
    // scp's sink starts with a lone zero byte: what it is for shows in what follows.
    this.#outputChunks = data.length === 1 && data[0] === 0 ? this.#outputChunks + 1 : 3;
    return isSftpVersion(data) || SCP_HEADER.test(data.toString('latin1', 0, 512));
  }
}
