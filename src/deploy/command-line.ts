/**
 * Splits a `reload:` string from certificates.yaml into an argv, without a shell.
 *
 * The rules are a strict subset of POSIX sh word splitting, so a string means the same here as
 * in a terminal, or is refused:
 * - blanks separate words;
 * - '...' keeps everything inside literally;
 * - "..." keeps everything inside, except that \" and \\ stand for " and \;
 * - outside quotes, a backslash keeps the next character literally.
 * Anything that would make a shell do more than split words is refused with a message, because
 * no shell runs it: unquoted | & ; < > ( ) $ ` * ? ~ and leading VAR=value assignments. A
 * pipeline or `&&` belongs in a script whose path goes in `reload:` (or in `command.run`).
 */
export function splitCommandLine(text: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === ' ' || c === '\t' || c === '\n') {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
      continue;
    }
    inWord = true;
    if (c === "'") {
      const end = text.indexOf("'", i + 1);
      if (end < 0) throw new CommandLineError(text, `the ' at character ${i + 1} is never closed`);
      word += text.slice(i + 1, end);
      i = end;
    } else if (c === '"') {
      let j = i + 1;
      for (; j < text.length && text[j] !== '"'; j++) {
        if (text[j] === '\\' && (text[j + 1] === '"' || text[j + 1] === '\\')) j++;
        else if (text[j] === '$' || text[j] === '`') {
          throw new CommandLineError(text, `${text[j]} inside "..." at character ${j + 1} would be expanded by a shell, and none runs here: use '...' to mean it literally`);
        }
        word += text[j];
      }
      if (j >= text.length) throw new CommandLineError(text, `the " at character ${i + 1} is never closed`);
      i = j;
    } else if (c === '\\') {
      if (i + 1 >= text.length) throw new CommandLineError(text, 'it ends with a lone backslash');
      word += text[++i];
    } else if ('|&;<>()$`*?'.includes(c) || (c === '~' && word === '')) {
      throw new CommandLineError(text, `"${c}" at character ${i + 1} needs a shell, and reload runs without one: put the commands in a script and name the script in reload, or quote the character to mean it literally`);
    } else {
      word += c;
    }
  }
  if (inWord) words.push(word);
  if (words.length === 0) throw new CommandLineError(text, 'it names no program');
  if (/^[A-Za-z_][A-Za-z0-9_]*=/.test(words[0]!)) {
    throw new CommandLineError(text, `it starts with the variable assignment "${words[0]}", which only a shell understands: use \`env NAME=value program ...\``);
  }
  return words;
}

export class CommandLineError extends Error {
  constructor(text: string, why: string) {
    super(`reload "${text}" cannot be run: ${why}`);
    this.name = 'CommandLineError';
  }
}

/** One argument quoted for a POSIX shell (the remote side of ssh always has one). */
export function shellQuote(arg: string): string {
  if (/^[A-Za-z0-9_\-+=/.,:@%]+$/.test(arg)) return arg;
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** An argv as one POSIX shell command line, each word quoted. */
export function shellJoin(argv: readonly string[]): string {
  return argv.map(shellQuote).join(' ');
}
